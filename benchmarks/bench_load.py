"""Fits under load: how much slower skgen's fits train beside busy processes, and what threads buy alone.

Four fits, each timed alone, then beside ``--busy`` pure-Python busy loops, in three
variants alternating in one process:

- ``GAN`` and ``BetaVAE``: scikit-learn's digits binarized at 8/16, 6 epochs, batch 32 (the
  GAN with a 16-dimensional latent space and 128-128 hidden layers on both sides): small
  steps (0.5 M multiply-adds in the largest product);
- ``RBM``: one CD-1 epoch of 784-500 at batch 100 on ``--rows`` MNIST rows (39 M);
- ``DNN``: one Adam epoch of the 784-500-500-2000-10 DNNClassifier at batch 128 on
  ``--rows`` MNIST rows (128 M);
- ``TorchDNN`` (only when named in ``--models``): the same epoch as a plain PyTorch loop
  with the same fused Adam (``bench_dnn_speed.plain_torch_epoch``), which calls no skgen
  code, so that its ``skgen`` variant is torch's default threads: what PyTorch itself gets
  from the cores, the reference for the DNN's speedup.

Variants:

- ``one thread``: ``torch.set_num_threads(1)`` around the fit, as every fit ran before;
- ``torch threads``: torch's default of one intra-op thread per core, without skgen's
  policy (its ``torch.set_num_threads`` calls are made no-ops);
- ``skgen``: the fit as skgen runs it (:func:`skgen._core.threads.fit_threads`).

Times are medians over ``--rounds`` after one untimed warm-up round. Bars (issue 24): the
DNN epoch alone on 2 idle cores at least 1.5x faster with ``skgen`` than on ``one thread``;
every ``skgen`` fit beside two busy processes at most 3x the same fit alone on ``one
thread``. The load average is printed with each phase: other programs on the machine count
too, and the policy sees them.

    python benchmarks/bench_load.py --rounds 3 --busy 2 --out load.json
"""

import argparse
import os
import subprocess
import sys
import time
from contextlib import contextmanager, nullcontext
from unittest import mock

import numpy as np
import torch
from sklearn.datasets import load_digits

from skgen import GAN, BetaVAE, DNNClassifier, RBM
from skgen.datasets import load_mnist

from _output import report
from _timing import time_alternating
from bench_dnn_speed import adam_options, plain_torch_epoch

BAR = 3.0
#: the DNN's shape and training, for DNNClassifier and the plain loop alike
DNN_HIDDEN, DNN_BATCH, DNN_LR = (500, 500, 2000), 128, 1e-3


def models(rows):
    """``{name: (make, X, y)}`` of the fits."""
    small = {"max_epochs": 6, "batch_size": 32, "random_state": 0}
    digits = (load_digits().data > 7).astype(np.float32)
    X, y = load_mnist("train", return_X_y=True)
    X, y = X[:rows].astype(np.float32), y[:rows]
    return {
        "GAN": (lambda: GAN(latent_dim=16, generator_hidden_layer_sizes=(128, 128),
                            discriminator_hidden_layer_sizes=(128, 128), **small), digits, None),
        "BetaVAE": (lambda: BetaVAE(**small), digits, None),
        "RBM": (lambda: RBM(n_components=500, batch_size=100, lr=0.1, max_epochs=1, random_state=0), X, None),
        "DNN": (lambda: DNNClassifier(hidden_layer_sizes=DNN_HIDDEN, lr=DNN_LR, batch_size=DNN_BATCH, max_epochs=1,
                                      early_stopping=False, random_state=0), X, y),
        "TorchDNN": (TorchDNN, X, y),
    }


class TorchDNN:
    """The DNN's epoch as a plain PyTorch loop, behind a ``fit`` like the estimators'."""

    def fit(self, X, y):
        plain_torch_epoch(X, y, DNN_BATCH, DNN_LR, adam_options(), 0, hidden=DNN_HIDDEN)
        return self


@contextmanager
def one_thread():
    """The fit capped at one thread, as every fit ran before the policy."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


@contextmanager
def torch_default_threads():
    """Fits inside keep torch's thread count: skgen's limit, if fit applies it, does nothing."""
    with mock.patch("torch.set_num_threads"):
        yield


VARIANTS = {"one thread": one_thread, "torch threads": torch_default_threads, "skgen": nullcontext}


def variants(fits, kinds):
    def fit(make, X, y, threads):
        def run():
            with threads():
                make().fit(X, y)

        return run

    return {f"{name} / {kind}": fit(make, X, y, VARIANTS[kind])
            for name, (make, X, y) in fits.items() for kind in kinds}


@contextmanager
def busy_processes(n):
    """``n`` processes that each keep one core busy with a pure-Python loop."""
    loops = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]
    try:
        time.sleep(1)  # let the scheduler give them their share before timing starts
        yield
    finally:
        for loop in loops:
            loop.kill()
            loop.wait()


def timed_phase(name, runs, rounds):
    load_before = os.getloadavg()[0]
    print(f"--- {name} (load average {load_before:.2f})", flush=True)
    wall = time_alternating(runs, rounds)["wall"]
    return {"seconds": wall, "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--busy", type=int, default=2, help="busy processes beside the fits")
    parser.add_argument("--rows", type=int, default=2560, help="MNIST rows of the RBM's and the DNN's epoch")
    parser.add_argument("--models", nargs="+", default=["GAN", "BetaVAE", "RBM", "DNN"])
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS),
                        help="leave out 'torch threads' where its spinning under load would take too long")
    parser.add_argument("--out", help="also write the JSON result to this file")
    args = parser.parse_args()
    fits = {name: fit for name, fit in models(args.rows).items() if name in args.models}
    runs = variants(fits, ["one thread", "skgen", *(v for v in args.variants if v not in ("one thread", "skgen"))])
    alone = timed_phase("alone", runs, args.rounds)
    with busy_processes(args.busy):
        loaded = timed_phase(f"beside {args.busy} busy processes", runs, args.rounds)
    under_load = {name: round(loaded["seconds"][f"{name} / skgen"] / alone["seconds"][f"{name} / one thread"], 2)
                  for name in fits}
    report({
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "busy_processes": args.busy,
        "rounds": args.rounds,
        "rows": args.rows,
        "alone": alone,
        "loaded": loaded,
        "speedup_alone_skgen_over_one_thread": {
            name: round(alone["seconds"][f"{name} / one thread"] / alone["seconds"][f"{name} / skgen"], 2)
            for name in fits},
        "skgen_loaded_over_one_thread_alone": under_load,
        "bar": BAR,
        "skgen_within_bar": all(r <= BAR for r in under_load.values()),
    }, args.out)


if __name__ == "__main__":
    main()
