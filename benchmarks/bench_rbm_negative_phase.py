"""Cost of an RBM epoch by negative phase: CD-1, PCD with batch-sized and with 2,000 chains, tempering.

One epoch of a 500-hidden RBM (batch 100) on ``--rows`` MNIST rows binarized at 127, for
each negative phase, alternating in this process for ``--rounds`` rounds; CPU seconds
(``time.process_time``, which the neighbours on a shared machine disturb far less than
wall time), medians, and each as a multiple of CD-1's.

    python benchmarks/bench_rbm_negative_phase.py --rounds 3
"""

import argparse

import torch

from skgen import RBM
from skgen.datasets import load_mnist

from _output import report
from _timing import time_alternating

PHASES = {
    "CD-1": {},
    "CD-10": {"cd_steps": 10},
    "PCD-1, 100 chains": {"persistent": True},
    "PCD-1, 2,000 chains": {"persistent": True, "n_chains": 2000},
    "PCD-1, 100 chains, centered": {"persistent": True, "centered": True},
    "tempering, 200 chains x 10 temperatures": {"sampler": "tempering", "n_chains": 200, "n_temperatures": 10},
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", help="write the timings as JSON here")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    X = load_mnist("train", return_X_y=True)[0][:args.rows]
    variants = {name: (lambda p=params: RBM(n_components=500, batch_size=100, max_epochs=1, lr=0.01,
                                            random_state=0, **p).fit(X)) for name, params in PHASES.items()}
    cpu = time_alternating(variants, args.rounds)["cpu"]
    report({"rows": args.rows, "rounds": args.rounds, "cpu_seconds": cpu,
            "relative_to_cd1": {name: seconds / cpu["CD-1"] for name, seconds in cpu.items()}}, args.out)


if __name__ == "__main__":
    main()
