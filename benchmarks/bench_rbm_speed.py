"""Speed of one CD-1 epoch: skgen.RBM against scikit-learn's BernoulliRBM, and against its own GEMMs.

One epoch of ``n_components=500, batch_size=100`` on 60,000 x 784 binary rows (MNIST
thresholded), both estimators in this process, alternating, ``--rounds`` times each; the
medians are compared. The same run also times the five matrix products of CD-1 alone
(``v0 W^T``, ``h W``, ``v1 W^T``, ``h0^T v0``, ``h1^T v1`` for every batch, into
preallocated outputs): their share of skgen's epoch says how much of the time goes to
anything but the products. A plain PyTorch CD-1 epoch (:func:`plain_cd1_epoch`, the loop a
user would write) is timed beside them, the reference for what PyTorch itself makes of the epoch.

Times are CPU seconds of this process (``time.process_time``) with ``--threads`` threads
for torch and for scikit-learn's BLAS: on a machine whose cores other jobs share, wall
time measures the neighbours more than the code. On idle cores ``--clock wall`` times what
a user waits for (CPU seconds count a second thread's waiting as work). ``--rows`` takes
the first rows of MNIST's training set; ``--precision bfloat16`` fits skgen's RBM with
``precision="bfloat16"`` (the GEMMs alone stay float32). With ``--device cuda``, skgen and the
GEMMs run on the GPU and every variant is timed by the wall clock (after a CUDA
synchronisation), scikit-learn's with ``--threads`` BLAS threads. skgen's time is its whole ``fit``
(validation, copying the data to a tensor, initialisation, the epoch); the epoch loop
alone is the difference between a two-epoch and a one-epoch ``fit``. scikit-learn is timed
on the same float32 data, and on a float64 copy: what it computes in when given integer
or float64 arrays.

    python benchmarks/bench_rbm_speed.py --rounds 3 --threads 1
    python benchmarks/bench_rbm_speed.py --rounds 5 --rows 20000 --clock wall --precision bfloat16
    python benchmarks/bench_rbm_speed.py --rounds 5 --device cuda --threads 16
"""

import argparse
import statistics
import time

import numpy as np
import torch
from sklearn.neural_network import BernoulliRBM
from threadpoolctl import threadpool_limits

from skgen import RBM
from skgen.datasets import load_mnist

from _output import report

N_COMPONENTS, BATCH_SIZE = 500, 100


def clock(device, kind):
    """On a CPU, process CPU seconds (``kind="cpu"``) or wall seconds; on a GPU, wall seconds after a sync."""
    if torch.device(device).type == "cuda":
        def now():
            torch.cuda.synchronize(device)
            return time.perf_counter()
        return now
    return time.perf_counter if kind == "wall" else time.process_time


def time_skgen(X, now, device, max_epochs=1, precision="float32"):
    rbm = RBM(n_components=N_COMPONENTS, batch_size=BATCH_SIZE, max_epochs=max_epochs, lr=0.1, device=device,
              precision=precision, random_state=0)
    start = now()
    rbm.fit(X)
    return now() - start


def time_sklearn(X, now):
    rbm = BernoulliRBM(n_components=N_COMPONENTS, batch_size=BATCH_SIZE, n_iter=1, learning_rate=0.1, random_state=0)
    start = now()
    rbm.fit(X)
    return now() - start


def time_gemms(X, now, device):
    """The five CD-1 products of every batch of an epoch, alone."""
    n_samples, n_features = X.shape
    generator = torch.Generator().manual_seed(0)
    data = torch.as_tensor(X).to(device)
    W = (0.01 * torch.randn(N_COMPONENTS, n_features, generator=generator)).to(device)
    h0, h1 = torch.rand(BATCH_SIZE, N_COMPONENTS, device=device), torch.rand(BATCH_SIZE, N_COMPONENTS, device=device)
    v1 = torch.rand(BATCH_SIZE, n_features, device=device)
    grad = torch.empty(N_COMPONENTS, n_features, device=device)
    batches = [data[i:i + BATCH_SIZE] for i in range(0, n_samples, BATCH_SIZE)]
    start = now()
    for v0 in batches:
        torch.mm(v0, W.T, out=h0)
        torch.mm(h0, W, out=v1)
        torch.mm(v1, W.T, out=h1)
        torch.mm(h0.T, v0, out=grad)
        torch.mm(h1.T, v1, out=grad)
    return now() - start


def plain_cd1_epoch(data, generator, n_hidden=N_COMPONENTS, batch=BATCH_SIZE, lr=0.1):
    """One CD-1 epoch over the rows of ``data`` as a user would write it in plain PyTorch.

    ``addmm`` and ``sigmoid``, uniform noise compared with the probabilities, the update in
    place; no shuffling, no record, no optimizer object: the reference for what PyTorch
    itself makes of the epoch. Under ``torch.autocast`` its products run in bfloat16.
    """
    device = data.device
    W = 0.01 * torch.randn(n_hidden, data.shape[1], generator=generator, device=device)
    b, c = torch.zeros(data.shape[1], device=device), torch.zeros(n_hidden, device=device)
    for v0 in data.split(batch):
        p0 = torch.sigmoid(torch.addmm(c, v0, W.T))
        h0 = (torch.rand(p0.shape, generator=generator, device=device) < p0).float()
        pv = torch.sigmoid(torch.addmm(b, h0, W))
        v1 = (torch.rand(pv.shape, generator=generator, device=device) < pv).float()
        p1 = torch.sigmoid(torch.addmm(c, v1, W.T))
        W += lr / len(v0) * (p0.T @ v0 - p1.T @ v1)
        b += lr * (v0 - v1).mean(0)
        c += lr * (p0 - p1).mean(0)


def time_plain_torch(X, now, device):
    data = torch.as_tensor(X).to(device)
    generator = torch.Generator(device).manual_seed(0)
    start = now()
    plain_cd1_epoch(data, generator)
    return now() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--device", default="cpu", help="where skgen and the GEMMs run: cpu or cuda")
    parser.add_argument("--rows", type=int, default=60_000, help="MNIST training rows of the epoch")
    parser.add_argument("--clock", choices=["cpu", "wall"], default="cpu", help="on a CPU: process CPU or wall seconds")
    parser.add_argument("--precision", choices=["float32", "bfloat16"], default="float32", help="skgen's precision")
    parser.add_argument("--out", help="write the timings as JSON here")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    X = load_mnist("train", binarize="threshold", return_X_y=True)[0][:args.rows]
    flops = 5 * 2 * X.shape[0] * X.shape[1] * N_COMPONENTS
    device = args.device
    now = clock(device, args.clock)
    time_skgen(X[:1000], now, device)  # first use of torch.optim imports torch._dynamo: keep it out of the timings
    X64 = X.astype(np.float64)
    times = {"skgen": [], "skgen_epoch_loop": [], "sklearn": [], "sklearn_float64": [], "gemms": [], "plain_torch": []}
    with threadpool_limits(args.threads):
        for round_ in range(args.rounds):
            times["skgen"].append(time_skgen(X, now, device, precision=args.precision))
            times["gemms"].append(time_gemms(X, now, device))
            times["sklearn"].append(time_sklearn(X, now))
            times["skgen_epoch_loop"].append(time_skgen(X, now, device, 2, args.precision) - times["skgen"][-1])
            times["sklearn_float64"].append(time_sklearn(X64, now))
            times["plain_torch"].append(time_plain_torch(X, now, device))
            print(f"round {round_ + 1}: " + ", ".join(f"{k} {v[-1]:.2f}s" for k, v in times.items()), flush=True)
    median = {name: statistics.median(values) for name, values in times.items()}
    result = {
        "device": device, "gpu": torch.cuda.get_device_name(device) if torch.device(device).type == "cuda" else None,
        "clock": "wall" if torch.device(device).type == "cuda" else args.clock,
        "precision": args.precision, "rows": len(X), "threads": args.threads, "rounds": args.rounds,
        "median_seconds": median, "seconds": times,
        "speedup_vs_sklearn": median["sklearn"] / median["skgen"],
        "speedup_vs_sklearn_float64": median["sklearn_float64"] / median["skgen"],
        "skgen_gflops": flops / median["skgen"] / 1e9,
        "skgen_epoch_loop_gflops": flops / median["skgen_epoch_loop"] / 1e9,
        "gemms_alone_gflops": flops / median["gemms"] / 1e9,
        "gemm_share_of_skgen_fit": median["gemms"] / median["skgen"],
        "gemm_share_of_skgen_epoch_loop": median["gemms"] / median["skgen_epoch_loop"],
        "sklearn_over_gemms": median["sklearn"] / median["gemms"],
        "plain_torch_speedup_vs_sklearn_float64": median["sklearn_float64"] / median["plain_torch"],
    }
    report(result, args.out)


if __name__ == "__main__":
    main()
