"""Quality of a 500-hidden RBM on stochastically binarized MNIST: AIS test log-likelihood.

Trains one RBM per variant (CD-1, CD-k, PCD) for a fixed budget of CPU time, one epoch
per ``partial_fit`` call (the persistent chains carry over; the momentum restarts each
epoch), then estimates log Z by AIS as Salakhutdinov & Murray (2008) do (100 runs,
14,500 inverse temperatures from a base-rate model) and reports the mean log-likelihood of
the 10,000 test images. Their CD-25 RBM with 500 hidden units scores -86.34 nats.

    python benchmarks/bench_rbm_likelihood.py --variant cd1 --cpu-minutes 12

Each variant is a separate process (one thread each), so that they can run side by side.
"""

import argparse
import time

import numpy as np
import torch

from skgen import RBM
from skgen.datasets import load_mnist

from _output import report

VARIANTS = {
    "cd1": {"cd_steps": 1, "lr": 0.05, "optimizer__momentum": 0.9},
    "cd10": {"cd_steps": 10, "lr": 0.05, "optimizer__momentum": 0.9},
    "pcd": {"cd_steps": 1, "persistent": True, "lr": 0.01, "optimizer__momentum": 0.9},
}


def train(settings, cpu_minutes, wall_minutes, seed):
    X = load_mnist("train", binarize="stochastic", random_state=seed, return_X_y=True)[0]
    rbm = RBM(n_components=500, batch_size=100, random_state=seed, optimizer__weight_decay=1e-4, **settings)
    cpu_start, wall_start = time.process_time(), time.perf_counter()
    while (time.process_time() - cpu_start < 60 * cpu_minutes
           and time.perf_counter() - wall_start < 60 * wall_minutes):
        rbm.partial_fit(X)
        print(f"epoch {len(rbm.history_)}: reconstruction error "
              f"{rbm.history_[-1]['reconstruction_error']:.4f}, cpu {time.process_time() - cpu_start:.0f}s, "
              f"wall {time.perf_counter() - wall_start:.0f}s", flush=True)
    return rbm, time.process_time() - cpu_start, time.perf_counter() - wall_start


def evaluate(rbm, seed, ais_chains, ais_betas):
    X_test = load_mnist("test", binarize="stochastic", random_state=seed + 1, return_X_y=True)[0]
    start = time.perf_counter()
    log_z, std_error = rbm.log_partition("ais", ais_chains=ais_chains, ais_betas=ais_betas, random_state=seed)
    ais_seconds = time.perf_counter() - start
    test_ll = float(np.mean(-rbm.free_energy(X_test)) - log_z)
    return {"log_z": log_z, "log_z_std_error": std_error, "test_log_likelihood": test_ll, "ais_seconds": ais_seconds}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variant", choices=sorted(VARIANTS), required=True)
    parser.add_argument("--cpu-minutes", type=float, default=12.0, help="training budget in CPU time")
    parser.add_argument("--wall-minutes", type=float, default=30.0, help="training budget in wall time")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--ais-chains", type=int, default=100)
    parser.add_argument("--ais-betas", type=int, default=14500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--lr", type=float, help="override the variant's learning rate")
    parser.add_argument("--momentum", type=float, help="override the variant's momentum")
    parser.add_argument("--out", help="write the result as JSON here")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    settings = dict(VARIANTS[args.variant])
    if args.lr is not None:
        settings["lr"] = args.lr
    if args.momentum is not None:
        settings["optimizer__momentum"] = args.momentum
    rbm, cpu_seconds, wall_seconds = train(settings, args.cpu_minutes, args.wall_minutes, args.seed)
    result = {"variant": args.variant, **settings, "epochs": len(rbm.history_),
              "train_cpu_seconds": cpu_seconds, "train_wall_seconds": wall_seconds, "threads": args.threads,
              **evaluate(rbm, args.seed, args.ais_chains, args.ais_betas)}
    report(result, args.out)


if __name__ == "__main__":
    main()
