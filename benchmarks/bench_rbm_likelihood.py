"""Quality of a 500-hidden RBM on stochastically binarized MNIST: test log-likelihood, bracketed by AIS.

Trains one RBM per variant for ``--epochs`` epochs with ``fit`` (a linear learning-rate
decay to zero where the variant has one), then estimates log Z as Salakhutdinov & Murray
(2008) do (100 runs, 14,500 inverse temperatures from a base-rate model), and again by
reverse AIS from the model's own samples (its persistent chains, or Gibbs chains from the
test images), which errs the other way: the two bracket the test log-likelihood, as
Melchior, Fischer & Wiskott (2016) report it. Anchors: CD-25, -86.34 nats (Salakhutdinov
& Murray 2008); centered PCD-1, 200 epochs, -84.86 (Melchior et al. 2016).

    python benchmarks/bench_rbm_likelihood.py --variant pcd-centered --epochs 100

One thread per process by default, so that variants can run side by side.
"""

import argparse
import time

import numpy as np
import torch

from skgen import RBM
from skgen.datasets import load_mnist

from _output import report

LINEAR_DECAY = {"lr_scheduler": torch.optim.lr_scheduler.LinearLR, "lr_scheduler__start_factor": 1.0,
                "lr_scheduler__end_factor": 0.0}
VARIANTS = {
    "cd1": {"cd_steps": 1, "lr": 0.05, "optimizer__momentum": 0.9},
    "cd10": {"cd_steps": 10, "lr": 0.05, "optimizer__momentum": 0.9},
    "pcd": {"persistent": True, "lr": 0.01, "optimizer__momentum": 0.9, **LINEAR_DECAY},
    "pcd-centered": {"persistent": True, "centered": True, "lr": 0.01, "optimizer__momentum": 0.9, **LINEAR_DECAY},
    "pcd-chains": {"persistent": True, "n_chains": 2000, "lr": 0.02, "optimizer__momentum": 0.5, **LINEAR_DECAY},
}


def train(settings, epochs, seed):
    X = load_mnist("train", binarize="stochastic", random_state=seed, return_X_y=True)[0]
    if "lr_scheduler" in settings:
        settings = {**settings, "lr_scheduler__total_iters": epochs}
    rbm = RBM(n_components=500, batch_size=100, max_epochs=epochs, random_state=seed, verbose=1,
              optimizer__weight_decay=1e-4, **settings)
    cpu_start, wall_start = time.process_time(), time.perf_counter()
    rbm.fit(X)
    return rbm, time.process_time() - cpu_start, time.perf_counter() - wall_start


def evaluate(rbm, seed, ais_chains, ais_betas):
    X_test = load_mnist("test", binarize="stochastic", random_state=seed + 1, return_X_y=True)[0]
    mean_free_energy = float(np.mean(rbm.free_energy(X_test)))
    start = time.perf_counter()
    log_z, std_error = rbm.log_partition("ais", ais_chains=ais_chains, ais_betas=ais_betas, random_state=seed)
    ais_seconds = time.perf_counter() - start
    model_samples = (rbm.sample(start="chains", n_samples=ais_chains, n_steps=1000, random_state=seed)
                     if hasattr(rbm, "chains_") else rbm.sample(start=X_test[:ais_chains], n_steps=1000,
                                                                 random_state=seed))
    reverse_log_z, reverse_error = rbm.log_partition("reverse_ais", start=model_samples, ais_betas=ais_betas,
                                                     random_state=seed)
    return {"log_z": log_z, "log_z_std_error": std_error, "test_log_likelihood": -mean_free_energy - log_z,
            "reverse_log_z": reverse_log_z, "reverse_log_z_std_error": reverse_error,
            "test_log_likelihood_reverse_ais": -mean_free_energy - reverse_log_z, "ais_seconds": ais_seconds}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variant", choices=sorted(VARIANTS), required=True)
    parser.add_argument("--epochs", type=int, default=20)
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
    rbm, cpu_seconds, wall_seconds = train(settings, args.epochs, args.seed)
    settings.pop("lr_scheduler", None)
    result = {"variant": args.variant, **settings, "epochs": len(rbm.history_),
              "train_cpu_seconds": cpu_seconds, "train_wall_seconds": wall_seconds, "threads": args.threads,
              **evaluate(rbm, args.seed, args.ais_chains, args.ais_betas)}
    report(result, args.out)


if __name__ == "__main__":
    main()
