"""The optimizer's fused update against PyTorch's default loop, in the fits of ``bench_load.py``.

skgen runs an optimizer's fused update (Adam, AdamW, SGD) unless the user picks an
implementation (``skgen._core.optim.fused_update``). This times each fit of
``benchmarks/bench_load.py`` (GAN and BetaVAE on the digits, RBM and DNNClassifier on
``--rows`` MNIST rows) as skgen runs it and with ``optimizer__foreach=False`` (PyTorch's
per-tensor loop), alternating in one process on ``--threads`` torch threads; medians of
``--rounds`` after a warm-up round, wall-clock and CPU seconds.

    python benchmarks/bench_fused_update.py --rounds 5 --rows 12800 --threads 1
"""

import argparse

import torch

from _output import report
from _timing import time_alternating
from bench_load import models


def variants(fits):
    def fit(make, X, y, **params):
        return lambda: make().set_params(**params).fit(X, y)

    return {f"{name} / {kind}": fit(make, X, y, **params)
            for name, (make, X, y) in fits.items()
            for kind, params in [("fused (default)", {}), ("unfused", {"optimizer__foreach": False})]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--rows", type=int, default=12_800, help="MNIST rows of the RBM's and the DNN's epoch")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--models", nargs="+", default=["GAN", "BetaVAE", "RBM", "DNN"])
    parser.add_argument("--out", help="also write the JSON result to this file")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    fits = {name: fit for name, fit in models(args.rows).items() if name in args.models}
    times = time_alternating(variants(fits), args.rounds)
    report({
        "threads": args.threads, "rounds": args.rounds, "rows": args.rows, "seconds": times,
        "unfused_over_fused": {name: {clock: round(by[f"{name} / unfused"] / by[f"{name} / fused (default)"], 2)
                                      for clock, by in times.items()} for name in fits},
    }, args.out)


if __name__ == "__main__":
    main()
