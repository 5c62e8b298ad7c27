"""How do study 3's RBM and DBN samples depend on how they are drawn? FID and digit shares per protocol.

Fits study 3's RBM and DBN exactly as its full profile does (all 60,000 images binarized at
127, PCD with 2,000 persistent chains, learning rate decaying linearly to 0; the same seeds
and the same shuffling), or loads them from ``--models``, then draws ``--n-samples`` samples
by each protocol: the persistent chains continued ``n`` Gibbs steps for several ``n``,
parallel tempering from the chains, and chains from noise (plain Gibbs, or parallel
tempering as study 3's equilibrium rows). Each set is scored thresholded at 1/2 (study 3's
rule) and drawn, against study 3's 10,000 test images (FID in the features of skgen's
shipped MNIST network), and by the share of its rarest digit as that network classifies it.

    python benchmarks/bench_study3_sampling.py --models /tmp/study3-models

One torch thread by default, so that it can run beside other work.
"""

import argparse
import time
from pathlib import Path

import joblib
import numpy as np
import torch

from skgen.datasets import load_mnist
from skgen.metrics import digit_shares, extract_features, frechet_distance
from skgen.studies.generative import PROFILES, _models

from _output import report

PROTOCOLS = {
    "chains, 1 step": {"start": "chains", "n_steps": 1},
    "chains, 10 steps": {"start": "chains", "n_steps": 10},
    "chains, 100 steps (study 3 short-run)": {"start": "chains", "n_steps": 100},
    "chains, 1000 steps": {"start": "chains", "n_steps": 1000},
    "chains, tempering 100 steps x 10": {"start": "chains", "sampler": "tempering", "n_steps": 100,
                                         "n_temperatures": 10},
    "noise, 1000 steps": {"start": "noise", "n_steps": 1000},
    "noise, 3000 steps": {"start": "noise", "n_steps": 3000},
    "noise, tempering 300 steps x 10 (study 3 equilibrium)": {"start": "noise", "sampler": "tempering",
                                                              "n_steps": 300, "n_temperatures": 10},
}


def study_data(seed=0):
    """Study 3's training and test images, shuffled and cut as its full profile does."""
    config = PROFILES["full"]
    rng = np.random.RandomState(seed)
    X_train, _ = load_mnist("train", return_X_y=True)
    X_test, _ = load_mnist("test", return_X_y=True)
    return (X_train[rng.permutation(len(X_train))[: config["n_train"]]],
            X_test[rng.permutation(len(X_test))[: config["n_test"]]])


def fitted_models(X_train, folder, names):
    """Study 3's fitted models ``names``, loaded from ``folder`` or fitted and saved there."""
    models = {}
    for name, model in _models(PROFILES["full"], "cpu", 0).items():
        if name not in names:
            continue
        path = Path(folder) / f"{name.lower()}.joblib"
        if path.exists():
            models[name] = joblib.load(path)
            continue
        start = time.perf_counter()
        models[name] = model.fit(X_train)
        print(f"{name} fitted in {time.perf_counter() - start:.0f} s", flush=True)
        joblib.dump(models[name], path)
    return models


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", required=True, help="folder of the fitted models (read, or written)")
    parser.add_argument("--names", nargs="+", default=["RBM", "DBN"], choices=["RBM", "DBN"])
    parser.add_argument("--n-samples", type=int, default=10000)
    parser.add_argument("--protocols", nargs="+", default=list(PROTOCOLS), choices=list(PROTOCOLS))
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", help="also write the JSON result here")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    Path(args.models).mkdir(parents=True, exist_ok=True)
    X_train, X_test = study_data()
    features_test = extract_features(X_test)
    results = {}
    for name, model in fitted_models(X_train, args.models, args.names).items():
        for protocol in args.protocols:
            start = time.perf_counter()
            probabilities = model.sample(args.n_samples, random_state=0, return_probabilities=True,
                                         **PROTOCOLS[protocol])
            # study 3's rule (probabilities thresholded at 1/2) and drawn pixels, from the same chains
            samples = (probabilities > 0.5).astype(np.float32)
            drawn = (np.random.RandomState(0).random_sample(probabilities.shape) < probabilities).astype(np.float32)
            shares = digit_shares(samples)
            results[f"{name}, {protocol}"] = {
                "fid": round(frechet_distance(features_test, extract_features(samples)), 1),
                "fid_drawn": round(frechet_distance(features_test, extract_features(drawn)), 1),
                "min_digit_pct": round(100 * float(shares.min()), 2),
                "digit_pct": [round(100 * float(s), 1) for s in shares],
                "sample_s": round(time.perf_counter() - start)}
            print(f"{name}, {protocol}: {results[f'{name}, {protocol}']}", flush=True)
    report({"n_samples": args.n_samples, "results": results}, args.out)


if __name__ == "__main__":
    main()
