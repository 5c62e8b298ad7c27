"""Which training recipe lets a 500-hidden RBM generate MNIST digits? FID and digit shares of its samples.

Trains one 500-hidden RBM per recipe on MNIST binarized at 127 (batch 100, weight decay
1e-4) with ``fit``, then scores two sets of ``--n-samples`` samples by FID against the
first 2,000 test images, in the features of skgen's MNIST network: chains started from
noise and run ``--n-steps`` Gibbs steps (study 3's protocol), and, for persistent
recipes, the fitted persistent chains themselves. The shipped network also classifies
the noise-started samples, to show whether they cover the ten digits. A grid of samples
is saved.

    python benchmarks/bench_rbm_sampling.py --recipe pcd --epochs 10

One thread per process by default, so that recipes can run side by side.
"""

import argparse
import json
import time

import torch

from skgen import RBM
from skgen.datasets import load_mnist
from skgen.metrics import digit_shares, extract_features, frechet_distance
from skgen.plotting import save_image_grid

from _output import report

LINEAR_DECAY = {"lr_scheduler": torch.optim.lr_scheduler.LinearLR, "lr_scheduler__start_factor": 1.0,
                "lr_scheduler__end_factor": 0.0}
RECIPES = {
    "cd1": {"lr": 0.05, "optimizer__momentum": 0.9},
    "cd10": {"cd_steps": 10, "lr": 0.05, "optimizer__momentum": 0.9},
    "pcd-batch": {"persistent": True, "lr": 0.005, "optimizer__momentum": 0.5},
    "pcd": {"persistent": True, "n_chains": 2000, "lr": 0.02, "optimizer__momentum": 0.5, **LINEAR_DECAY},
    "pcd-m0.9": {"persistent": True, "n_chains": 2000, "lr": 0.02, "optimizer__momentum": 0.9, **LINEAR_DECAY},
    "pcd-centered": {"persistent": True, "n_chains": 2000, "centered": True, "lr": 0.02,
                     "optimizer__momentum": 0.5, **LINEAR_DECAY},
    "tempering": {"sampler": "tempering", "n_chains": 200, "n_temperatures": 10, "lr": 0.02,
                  "optimizer__momentum": 0.5, **LINEAR_DECAY},
}


def scores(samples, features_test):
    shares = digit_shares(samples)
    return {"fid": frechet_distance(features_test, extract_features(samples)),
            "smallest_digit_share": float(shares.min()), "digit_shares": [round(float(s), 4) for s in shares]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipe", choices=sorted(RECIPES), required=True)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--n-samples", type=int, default=2000)
    parser.add_argument("--n-steps", type=int, default=1000)
    parser.add_argument("--sampler", choices=["gibbs", "tempering"], default="gibbs")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--figure", help="save a grid of 100 noise-started samples here (PNG)")
    parser.add_argument("--model", help="save the fitted RBM here (joblib)")
    parser.add_argument("--out", help="write the results as JSON here")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    X = load_mnist("train", return_X_y=True)[0]
    features_test = extract_features(load_mnist("test", return_X_y=True)[0][:2000])
    recipe = dict(RECIPES[args.recipe])
    if "lr_scheduler" in recipe:
        recipe["lr_scheduler__total_iters"] = args.epochs
    rbm = RBM(n_components=500, batch_size=100, max_epochs=args.epochs, random_state=args.seed,
              optimizer__weight_decay=1e-4, **recipe)
    start = time.perf_counter()
    rbm.fit(X)
    result = {"recipe": args.recipe, "epochs": args.epochs, "fit_seconds": time.perf_counter() - start,
              "threads": args.threads}
    print(json.dumps(result), flush=True)
    samples = rbm.sample(args.n_samples, n_steps=args.n_steps, sampler=args.sampler, random_state=args.seed)
    result["noise_start"] = {"n_steps": args.n_steps, "sampler": args.sampler, **scores(samples, features_test)}
    print(json.dumps(result["noise_start"]), flush=True)
    if hasattr(rbm, "chains_"):
        result["chains"] = scores(rbm.chains_[:args.n_samples], features_test)
        print(json.dumps(result["chains"]), flush=True)
    if args.figure:
        save_image_grid(samples[:100], (28, 28), args.figure, n_cols=10, title=f"RBM, {args.recipe}")
    if args.model:
        import joblib

        joblib.dump(rbm, args.model)
    report({**result, **{k: v for k, v in RECIPES[args.recipe].items() if k != "lr_scheduler"}}, args.out)


if __name__ == "__main__":
    main()
