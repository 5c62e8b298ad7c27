"""Speed of skgen.RBM's CD-1 and PCD-1 epochs in this checkout against another checkout of skgen.

Both packages are loaded into this process (the other one under its own entries of
``sys.modules``), and the same fits alternate between them, ``--rounds`` times after a
warm-up round: one epoch of ``n_components=500, batch_size=100`` on the first ``--rows``
thresholded MNIST training images, by CD-1 and by PCD-1 (100 chains). The result is each
fit's median CPU and wall seconds and the ratios this checkout / the other; CPU seconds
are the measure on a machine whose cores other jobs share. Check out the code to compare
against first, e.g. main before a refactor:

    git worktree add --detach /tmp/old-skgen main
    python benchmarks/bench_rbm_versions.py --against /tmp/old-skgen --rounds 7
"""

import argparse
import importlib
import sys
from pathlib import Path

import torch

from skgen.datasets import load_mnist
from skgen import RBM

from _output import report
from _timing import time_alternating

N_COMPONENTS, BATCH_SIZE = 500, 100


def rbm_class_of(checkout):
    """The ``RBM`` class of the skgen package in the folder ``checkout``, loaded beside this one."""
    ours = {name: module for name, module in sys.modules.items() if name == "skgen" or name.startswith("skgen.")}
    for name in ours:
        del sys.modules[name]
    sys.path.insert(0, str(Path(checkout).resolve()))
    try:
        rbm_class = importlib.import_module("skgen").RBM
        assert Path(sys.modules["skgen"].__file__).resolve().parent == (Path(checkout).resolve() / "skgen")
    finally:
        sys.path.pop(0)
        for name in [name for name in sys.modules if name == "skgen" or name.startswith("skgen.")]:
            del sys.modules[name]
        sys.modules.update(ours)
    return rbm_class


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", required=True, help="a checkout of skgen (the folder holding skgen/)")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--out", help="write the timings as JSON here")
    args = parser.parse_args()
    X = load_mnist("train", binarize="threshold", return_X_y=True)[0][:args.rows]
    classes = {"this": RBM, "other": rbm_class_of(args.against)}
    negative_phases = {"CD-1": {}, "PCD-1": {"persistent": True}}
    variants = {
        f"{phase} {version}": (lambda cls=cls, params=params: cls(
            n_components=N_COMPONENTS, batch_size=BATCH_SIZE, max_epochs=1, lr=0.1, random_state=0, **params).fit(X))
        for phase, params in negative_phases.items() for version, cls in classes.items()
    }
    medians = time_alternating(variants, args.rounds)
    report({
        "against": str(Path(args.against).resolve()), "rows": len(X), "rounds": args.rounds,
        "torch_threads": torch.get_num_threads(), "median_seconds": medians,
        "this_over_other_cpu": {phase: medians["cpu"][f"{phase} this"] / medians["cpu"][f"{phase} other"]
                                for phase in negative_phases},
        "this_over_other_wall": {phase: medians["wall"][f"{phase} this"] / medians["wall"][f"{phase} other"]
                                 for phase in negative_phases},
    }, args.out)


if __name__ == "__main__":
    main()
