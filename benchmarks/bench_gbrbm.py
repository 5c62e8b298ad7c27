"""A Gaussian-Bernoulli RBM on grey-level MNIST: do its samples, from noise or from its chains, look like digits?

Trains :class:`skgen.GaussianBernoulliRBM` (500 hidden units, learned variances, batches of
100, momentum 0.5, weight decay 1e-4, the learning rate decaying linearly to zero) on the
60,000 training images as grey levels in [0, 1] by one of :data:`RECIPES`, one epoch at a
time, keeping the model after each epoch in ``--checkpoint`` so that ``--resume`` continues
an interrupted run. Then it draws ``--n-samples`` samples for every start (the data's
Gaussian, ``"noise"``, or the persistent chains), sampler (Gibbs, Gibbs-Langevin) and number
of steps: the mean of ``v | h`` at the last step, clipped to [0, 1]. Each row gives their FID
against the 10,000 grey test images in skgen's MNIST features and the share of the rarest
digit as that network classifies them; the rows replace the recipe's earlier rows in
``--table`` (``docs/results/gbrbm/gbrbm.csv``), and ``--figure`` shows samples from noise.

    python benchmarks/bench_gbrbm.py --recipe langevin-noise --epochs 20 \\
        --checkpoint /tmp/gbrbm.joblib --figure docs/results/gbrbm/samples.png

One torch thread by default, so that it can run beside other work.
"""

import argparse
import itertools
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from skgen import GaussianBernoulliRBM
from skgen.datasets import load_mnist
from skgen.metrics import digit_shares, extract_features, frechet_distance
from skgen.plotting import save_image_grid

from _checkpoint import train_in_epochs

#: what every recipe shares
SHARED = {"n_components": 500, "batch_size": 100, "optimizer__momentum": 0.5, "optimizer__weight_decay": 1e-4}

#: training recipes: PCD with Gibbs chains (issue 13), and Gibbs-Langevin negative chains started at noise at
#: every update (Liao et al. 2022) or persistent
RECIPES = {
    "pcd": {"persistent": True, "n_chains": 1000, "lr": 0.01},
    "langevin-noise": {"sampler": "gibbs_langevin", "chain_start": "noise", "cd_steps": 20, "lr": 0.01},
    "langevin-pcd": {"sampler": "gibbs_langevin", "persistent": True, "n_chains": 1000, "lr": 0.01},
}

#: the table's columns
COLUMNS = ["model", "start", "sampler", "n_steps", "fid", "min_digit_pct"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipe", choices=sorted(RECIPES), required=True)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--checkpoint", help="keep the model here after each epoch (joblib)")
    parser.add_argument("--resume", action="store_true", help="continue from --checkpoint")
    parser.add_argument("--n-samples", type=int, default=10000)
    parser.add_argument("--n-steps", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--starts", nargs="+", default=["noise", "chains"], choices=["noise", "chains"])
    parser.add_argument("--samplers", nargs="+", default=["gibbs", "gibbs_langevin"],
                        choices=["gibbs", "gibbs_langevin"])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--table", default="docs/results/gbrbm/gbrbm.csv")
    parser.add_argument("--figure", help="save a grid of 100 samples from noise here (PNG)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    X = load_mnist("train", binarize=None, return_X_y=True)[0]
    features_test = extract_features(load_mnist("test", binarize=None, return_X_y=True)[0])
    recipe = RECIPES[args.recipe]
    began = time.perf_counter()
    rbm = train_in_epochs(lambda: GaussianBernoulliRBM(**SHARED, **recipe, random_state=args.seed), X, args.epochs,
                          recipe["lr"], args.checkpoint, args.resume)
    print(f"trained in {time.perf_counter() - began:.0f} s this run", flush=True)
    model = f"GaussianBernoulliRBM 500, {args.recipe}, {args.epochs} epochs"
    rows = []
    for start, sampler, n_steps in itertools.product(args.starts, args.samplers, args.n_steps):
        if start == "chains" and not hasattr(rbm, "chains_"):
            continue
        began = time.perf_counter()
        samples = np.clip(rbm.sample(args.n_samples, start=start, sampler=sampler, n_steps=n_steps,
                                     return_probabilities=True, random_state=args.seed), 0, 1)
        rows.append({"model": model, "start": start, "sampler": sampler, "n_steps": n_steps,
                     "fid": round(frechet_distance(features_test, extract_features(samples)), 1),
                     "min_digit_pct": round(100 * float(digit_shares(samples).min()), 2)})
        print({**rows[-1], "seconds": round(time.perf_counter() - began)}, flush=True)
        if args.figure and start == "noise" and sampler == "gibbs_langevin" and n_steps == max(args.n_steps):
            save_image_grid(samples[:100], (28, 28), args.figure, n_cols=10,
                            title=f"{model}: noise + {n_steps} Gibbs-Langevin steps")
    table = pd.DataFrame(rows, columns=COLUMNS)
    if Path(args.table).exists():
        earlier = pd.read_csv(args.table)
        table = pd.concat([earlier[earlier["model"] != model], table], ignore_index=True)
    table.to_csv(args.table, index=False)
    print(table.to_string())


if __name__ == "__main__":
    main()
