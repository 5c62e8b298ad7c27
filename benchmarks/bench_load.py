"""Fits under load: how much slower a GAN and a BetaVAE train beside busy processes.

Each fit (scikit-learn's digits binarized at 8/16, 6 epochs, batch 32; the GAN with a
16-dimensional latent space and 128-128 hidden layers on both sides) is timed alone, then
beside ``--busy`` pure-Python busy loops, in two variants alternating in one process:

- ``torch threads``: torch's default of one intra-op thread per core, as a fit gets it
  without skgen's limit (the limit's ``torch.set_num_threads`` calls are made no-ops);
- ``skgen``: the fit inside :func:`skgen._threads.fit_threads`, as skgen runs it.

Times are medians over ``--rounds`` after one untimed warm-up round; the ratio is the median
under load over the median alone. Bar: every ``skgen`` ratio at most 3 beside two busy
processes on 2 cores (fair sharing of 2 cores among 3 programs alone costs 1.5-2x). The
load average is printed with each phase: other programs on the machine count too.

    python benchmarks/bench_load.py --rounds 5 --busy 2 --out load.json
"""

import argparse
import os
import subprocess
import sys
import time
from contextlib import contextmanager
from unittest import mock

import numpy as np
from sklearn.datasets import load_digits

from skgen import GAN, BetaVAE
from skgen._threads import fit_threads

from _output import report
from _timing import time_alternating

BAR = 3.0


def models():
    shared = {"max_epochs": 6, "batch_size": 32, "random_state": 0}
    return {
        "GAN": lambda: GAN(
            latent_dim=16, generator_hidden_layer_sizes=(128, 128), discriminator_hidden_layer_sizes=(128, 128), **shared
        ),
        "BetaVAE": lambda: BetaVAE(**shared),
    }


@contextmanager
def torch_default_threads():
    """Fits inside keep torch's thread count: skgen's limit, if fit applies it, does nothing."""
    with mock.patch("torch.set_num_threads"):
        yield


def variants(X):
    def fit(make, threads):
        def run():
            with threads():
                make().fit(X)

        return run

    return {
        f"{name} / {variant}": fit(make, threads)
        for name, make in models().items()
        for variant, threads in (("torch threads", torch_default_threads), ("skgen", fit_threads))
    }


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
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--busy", type=int, default=2, help="busy processes beside the fits")
    parser.add_argument("--out", help="also write the JSON result to this file")
    args = parser.parse_args()
    X = (load_digits().data > 7).astype(np.float32)
    runs = variants(X)
    alone = timed_phase("alone", runs, args.rounds)
    with busy_processes(args.busy):
        loaded = timed_phase(f"beside {args.busy} busy processes", runs, args.rounds)
    ratios = {name: round(loaded["seconds"][name] / alone["seconds"][name], 2) for name in runs}
    report({
        "cpu_count": os.cpu_count(),
        "busy_processes": args.busy,
        "rounds": args.rounds,
        "alone": alone,
        "loaded": loaded,
        "ratio": ratios,
        "bar": BAR,
        "skgen_within_bar": all(r <= BAR for name, r in ratios.items() if name.endswith("skgen")),
    }, args.out)


if __name__ == "__main__":
    main()
