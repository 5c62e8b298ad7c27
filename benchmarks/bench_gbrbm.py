"""A Gaussian-Bernoulli RBM on grey-level MNIST: do its samples cover the ten digits, and how far are they?

Trains :class:`skgen.GaussianBernoulliRBM` (500 hidden units, learned variances, PCD with
``--n-chains`` persistent chains and a learning rate decaying linearly to zero) on the
60,000 training images as grey levels in [0, 1], draws ``--n-samples`` samples by Gibbs
chains started from the data's Gaussian or, with ``--start chains``, from its persistent
chains (the mean of ``v | h`` at the last step, without the
pixel noise), clips them to [0, 1], and reports the share of each
digit as the shipped MNIST network classifies them (bar: none under 3%) and their FID
against the 10,000 test images (grey levels) in that network's features.

    python benchmarks/bench_gbrbm.py --epochs 10
"""

import argparse
import json
import time

import numpy as np
import torch

from skgen import GaussianBernoulliRBM
from skgen.datasets import load_mnist
from skgen.metrics import digit_shares, extract_features, frechet_distance
from skgen.plotting import save_image_grid

from _output import report


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--n-chains", type=int, default=1000)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--n-samples", type=int, default=10000)
    parser.add_argument("--n-steps", type=int, default=1000)
    parser.add_argument("--start", choices=["noise", "chains"], default="noise",
                        help="where the sampling chains start: the data's Gaussian, or the persistent chains")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--figure", help="save a grid of 100 samples here (PNG)")
    parser.add_argument("--out", help="write the results as JSON here")
    parser.add_argument("--model", help="save the fitted RBM here (joblib)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    X = load_mnist("train", binarize=None, return_X_y=True)[0]
    X_test = load_mnist("test", binarize=None, return_X_y=True)[0]
    rbm = GaussianBernoulliRBM(
        n_components=500, persistent=True, n_chains=args.n_chains, lr=args.lr, batch_size=100,
        max_epochs=args.epochs, lr_scheduler=torch.optim.lr_scheduler.LinearLR, lr_scheduler__start_factor=1.0,
        lr_scheduler__end_factor=0.0, lr_scheduler__total_iters=args.epochs, optimizer__momentum=0.5,
        optimizer__weight_decay=1e-4, random_state=args.seed, verbose=1,
    )
    start = time.perf_counter()
    rbm.fit(X)
    fit_seconds = time.perf_counter() - start
    if args.model:
        import joblib

        joblib.dump(rbm, args.model)
    samples = np.clip(rbm.sample(args.n_samples, start=args.start, n_steps=args.n_steps, return_probabilities=True,
                                 random_state=args.seed), 0, 1)
    shares = digit_shares(samples)
    result = {"epochs": args.epochs, "n_chains": args.n_chains, "lr": args.lr, "fit_seconds": fit_seconds,
              "n_samples": args.n_samples, "n_steps": args.n_steps, "start": args.start,
              "fid": frechet_distance(extract_features(X_test), extract_features(samples)),
              "smallest_digit_share": float(shares.min()), "digit_shares": [round(float(s), 4) for s in shares]}
    print(json.dumps(result), flush=True)
    if args.figure:
        save_image_grid(samples[:100], (28, 28), args.figure, n_cols=10, title="Gaussian-Bernoulli RBM")
    report(result, args.out)


if __name__ == "__main__":
    main()
