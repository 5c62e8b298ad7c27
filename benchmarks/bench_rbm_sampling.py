"""Which training recipe lets a 500-hidden RBM generate MNIST digits? FID of its Gibbs samples.

Study 3 judges an RBM by samples drawn with 1,000-step block Gibbs chains from random
visibles. CD-1 never runs its chains that long, so nothing in its training removes the
spurious modes where long chains end (blobs, in study 3's first run). This benchmark trains one 500-hidden RBM
per recipe on MNIST binarized at 127 (batch 100, weight decay 1e-4), one epoch per
``partial_fit`` call (the momentum restarts each epoch), and every ``--every`` epochs
draws ``--n-samples`` such samples and scores them by FID against the first 2,000 test
images, in the features of skgen's MNIST network. A grid of the last samples is saved.

    python benchmarks/bench_rbm_sampling.py --recipe cd10 --epochs 20

One thread per process, so that recipes can run side by side.
"""

import argparse
import json
import time

import numpy as np
import torch

from skgen import RBM
from skgen.datasets import load_mnist
from skgen.metrics import extract_features, frechet_distance
from skgen.plotting import save_image_grid

from _output import report

RECIPES = {
    "cd1": {"lr": 0.05, "optimizer__momentum": 0.9},
    "cd10": {"cd_steps": 10, "lr": 0.05, "optimizer__momentum": 0.9},
    "cd10-m0.5": {"cd_steps": 10, "lr": 0.05, "optimizer__momentum": 0.5},
    "pcd": {"persistent": True, "lr": 0.005, "optimizer__momentum": 0.5},
}


def sample_fid(rbm, features_test, n_samples, seed):
    samples = rbm.sample(n_samples, n_steps=1000, random_state=seed)
    return samples, frechet_distance(features_test, extract_features(samples))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipe", choices=sorted(RECIPES), required=True)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--every", type=int, default=10, help="score the samples every this many epochs")
    parser.add_argument("--n-samples", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--figure", help="save a grid of 30 samples of the last model here (PNG)")
    parser.add_argument("--out", help="write the results as JSON here")
    args = parser.parse_args()
    torch.set_num_threads(1)
    X = load_mnist("train", return_X_y=True)[0]
    X = X[np.random.RandomState(args.seed).permutation(len(X))]
    features_test = extract_features(load_mnist("test", return_X_y=True)[0][:2000])
    rbm = RBM(n_components=500, batch_size=100, max_epochs=1, random_state=args.seed,
              optimizer__weight_decay=1e-4, **RECIPES[args.recipe])
    start, scores = time.perf_counter(), []
    for epoch in range(1, args.epochs + 1):
        rbm.partial_fit(X)
        if epoch % args.every == 0 or epoch == args.epochs:
            samples, fid = sample_fid(rbm, features_test, args.n_samples, args.seed)
            scores.append({"epoch": epoch, "fid": fid, "mean_pixel": float(samples.mean()),
                           "wall_seconds": time.perf_counter() - start})
            print(json.dumps(scores[-1]), flush=True)
    if args.figure:
        save_image_grid(samples[:30], (28, 28), args.figure, n_cols=10, title=f"RBM, {args.recipe}")
    result = {"recipe": args.recipe, **RECIPES[args.recipe], "data_mean_pixel": float(X.mean()), "scores": scores}
    report(result, args.out)


if __name__ == "__main__":
    main()
