"""What bfloat16 buys and costs on this CPU: a product's speed, the estimators' epochs, and quality.

Three parts, each comparing float32 with bfloat16 under ``torch.autocast`` in one process,
alternating, on one torch thread (so that the machine's other load touches both alike),
by wall-clock and by this process's CPU seconds (on a loaded machine the wall clock
measures the neighbours too):

- ``matmul``: the 100 x 784 by 784 x 500 product of an RBM's CD step (``--repeats`` per
  timing); also run with ``ONEDNN_MAX_CPU_ISA=AVX512_CORE``, which hides the CPU's bfloat16
  instructions from oneDNN, to show what autocast costs on a CPU without bfloat16 units;
- ``epochs``: one epoch of DNNClassifier (784-500-500-10, batch 128) and BetaVAE
  (784-200-200-50, batch 100) on 2,000 MNIST rows, through the estimators' ``precision``
  parameter, and a GAN's plain PyTorch epoch (``benchmarks/gpu_check.py``'s loop);
- ``quality``: the same DNNClassifier and BetaVAE trained ``--epochs`` epochs on ``--rows``
  rows in each precision from the same seed, then scored on the 10,000 test images: the
  classifier's test error (it predicts at the precision it trained in), and the VAE's
  negative evidence lower bound in nats per image (computed in float32);
- ``rbm``: the RBM (784-500, CD-1, batch 100) of the issue's bar: one epoch on ``--rows``
  rows in each precision, alternating, then ``--epochs`` epochs from the same seed in each
  and the test log-likelihood of the 10,000 test images (AIS in float32, ``--ais-betas``
  inverse temperatures, 100 runs, the same seed).

    python benchmarks/bench_bfloat16.py --parts matmul epochs quality rbm --rows 10000 --epochs 5
"""

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np
import torch

from skgen import RBM, BetaVAE, DNNClassifier
from skgen.datasets import load_mnist

from _output import report
from _timing import time_alternating
from gpu_check import plain_gan_epoch

PRECISIONS = ("float32", "bfloat16")


def matmul(repeats, rounds):
    a, b = torch.rand(100, 784), torch.rand(784, 500)

    def product(precision):
        def run():
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bfloat16"):
                for _ in range(repeats):
                    a @ b
        return run

    times = time_alternating({p: product(p) for p in PRECISIONS}, rounds)
    return {f"{p} us {clock}": round(times[clock][p] / repeats * 1e6, 1) for clock in times for p in PRECISIONS} | {
        f"float32 / bfloat16 {clock}": round(times[clock]["float32"] / times[clock]["bfloat16"], 2) for clock in times}


def matmul_without_bfloat16_units(repeats, rounds):
    """The matmul part in a process whose oneDNN may use no bfloat16 instruction."""
    code = f"import json, bench_bfloat16 as b; print(json.dumps(b.matmul({repeats}, {rounds})))"
    env = {**os.environ, "ONEDNN_MAX_CPU_ISA": "AVX512_CORE", "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True,
                          cwd=os.path.dirname(os.path.abspath(__file__)))
    return json.loads(done.stdout.strip().splitlines()[-1])


def dnn(precision, epochs):
    return DNNClassifier(hidden_layer_sizes=(500, 500), lr=1e-3, batch_size=128, max_epochs=epochs,
                         early_stopping=False, random_state=0, precision=precision)


def vae(precision, epochs):
    return BetaVAE(latent_dim=50, hidden_layer_sizes=(200, 200), batch_size=100, max_epochs=epochs, random_state=0,
                   precision=precision)


def rbm(precision, epochs, ais_betas=10000):
    return RBM(n_components=500, lr=0.05, batch_size=100, max_epochs=epochs, ais_betas=ais_betas, random_state=0,
               precision=precision)


def epochs(X, y, rounds):
    Xt = torch.as_tensor(X)
    runs = {}
    for precision in PRECISIONS:
        runs[f"DNNClassifier {precision}"] = lambda p=precision: dnn(p, 1).fit(X, y)
        runs[f"BetaVAE {precision}"] = lambda p=precision: vae(p, 1).fit(X)
        runs[f"plain GAN {precision}"] = lambda p=precision: plain_gan_epoch(Xt, torch.device("cpu"), p)
    times = time_alternating(runs, rounds)
    ratios = {f"{model} float32 / bfloat16 {clock}": times[clock][f"{model} float32"] / times[clock][f"{model} bfloat16"]
              for clock in times for model in ("DNNClassifier", "BetaVAE", "plain GAN")}
    return {f"{name} {clock}": round(s, 3) for clock in times for name, s in times[clock].items()} | {
        name: round(r, 2) for name, r in ratios.items()}


def negative_elbo(model, X):
    """Mean -ELBO in nats per image, computed in float32 by the fitted module (one draw of z per image)."""
    module = model.net_.module_
    module.eval()
    torch.manual_seed(0)
    with torch.no_grad():
        reconstruction, kl = module(torch.as_tensor(X))
    return float((reconstruction + kl).mean())


def quality(X, y, X_test, y_test, n_epochs):
    result = {}
    for precision in PRECISIONS:
        start = time.perf_counter()
        classifier = dnn(precision, n_epochs).fit(X, y)
        autoencoder = vae(precision, n_epochs).fit(X)
        result[precision] = {
            "DNNClassifier test error %": round(100 * (1 - classifier.score(X_test, y_test)), 2),
            "BetaVAE test -ELBO nats": round(negative_elbo(autoencoder, X_test), 2),
            "seconds": round(time.perf_counter() - start, 1),
        }
        print(precision, result[precision], flush=True)
    return result


def rbm_part(X, X_test, n_epochs, rounds, ais_betas):
    """The RBM's epoch in each precision (alternating), then its test log-likelihood after ``n_epochs``."""
    times = time_alternating({p: lambda p=p: rbm(p, 1).fit(X) for p in PRECISIONS}, rounds)
    result = {f"epoch {p} s {clock}": round(times[clock][p], 3) for clock in times for p in PRECISIONS} | {
        f"epoch float32 / bfloat16 {clock}": round(times[clock]["float32"] / times[clock]["bfloat16"], 2)
        for clock in times}
    for precision in PRECISIONS:
        model = rbm(precision, n_epochs, ais_betas).fit(X)
        log_z, std_error = model.log_partition("ais")
        result[f"{precision} after {n_epochs} epochs"] = {
            "test log-likelihood nats": round(float(np.mean(-model.free_energy(X_test))) - log_z, 2),
            "AIS log Z std error": round(std_error, 2),
            "train seconds": round(sum(entry["seconds"] for entry in model.history_), 1),
        }
        print(precision, result[f"{precision} after {n_epochs} epochs"], flush=True)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", nargs="+", default=["matmul", "epochs", "quality", "rbm"])
    parser.add_argument("--rows", type=int, default=10000)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--ais-betas", type=int, default=10000)
    parser.add_argument("--out")
    args = parser.parse_args()
    torch.set_num_threads(1)
    result = {"torch": torch.__version__, "threads": 1, "load_average_start": round(os.getloadavg()[0], 2)}
    if "matmul" in args.parts:
        result["matmul"] = matmul(args.repeats, args.rounds)
        result["matmul without bfloat16 units"] = matmul_without_bfloat16_units(args.repeats, args.rounds)
    if {"epochs", "quality", "rbm"} & set(args.parts):
        X, y = load_mnist("train", return_X_y=True)
        X, y = X[:args.rows].astype(np.float32), y[:args.rows]
    if "epochs" in args.parts:
        result["epochs"] = epochs(X[:2000], y[:2000], args.rounds)
    if {"quality", "rbm"} & set(args.parts):
        X_test, y_test = load_mnist("test", return_X_y=True)
        X_test = X_test.astype(np.float32)
    if "quality" in args.parts:
        result["quality"] = quality(X, y, X_test, y_test, args.epochs)
    if "rbm" in args.parts:
        result["rbm"] = rbm_part(X, X_test, args.epochs, args.rounds, args.ais_betas)
    result["load_average_end"] = round(os.getloadavg()[0], 2)
    report(result, args.out)


if __name__ == "__main__":
    main()
