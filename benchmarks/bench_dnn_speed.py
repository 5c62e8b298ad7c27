"""Speed of DNNClassifier against a plain PyTorch loop: one Adam epoch of 784-500-500-10 on MNIST.

Both sides start from NumPy arrays and build their network and optimizer; both train the
same sigmoid network with the same Adam (fused when this build of PyTorch has it on the
CPU), the same batch size and the same cross-entropy, for one epoch over the same rows. The
DNNClassifier side adds what a user gets with it: input validation, label encoding and
skorch's loop (callbacks, history). Early stopping is off, so both see every row. The two
alternate in one process, and the report is the median of each and their ratio.

    python benchmarks/bench_dnn_speed.py --rounds 7
"""

import argparse
import statistics
import time

import torch
import torch.nn.functional as F
from torch import nn

from skgen import DNNClassifier
from skgen.datasets import load_mnist

HIDDEN = (500, 500)


def adam_options():
    """``fused=True`` where this PyTorch build supports it on the CPU, else ``foreach``."""
    try:
        torch.optim.Adam([nn.Parameter(torch.zeros(1))], fused=True)
    except (RuntimeError, TypeError):
        return {"foreach": True}
    return {"fused": True}


def plain_torch_epoch(X, y, batch_size, lr, options, seed, hidden=HIDDEN):
    torch.manual_seed(seed)
    sizes = [X.shape[1], *hidden]
    layers = [module for n_in, n_out in zip(sizes, sizes[1:]) for module in (nn.Linear(n_in, n_out), nn.Sigmoid())]
    model = nn.Sequential(*layers, nn.Linear(sizes[-1], 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, **options)
    X, y = torch.as_tensor(X), torch.as_tensor(y)
    for batch in torch.randperm(len(X)).split(batch_size):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(X[batch]), y[batch])
        loss.backward()
        optimizer.step()
    return model


def dnn_classifier_epoch(X, y, batch_size, lr, options, seed):
    routed = {f"optimizer__{key}": value for key, value in options.items()}
    return DNNClassifier(
        hidden_layer_sizes=HIDDEN, optimizer=torch.optim.Adam, lr=lr, batch_size=batch_size, max_epochs=1,
        early_stopping=False, random_state=seed, **routed,
    ).fit(X, y)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--n-samples", type=int, default=60000)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: PyTorch's)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    X, y = load_mnist("train", return_X_y=True)
    X, y = X[: args.n_samples], y[: args.n_samples]
    options = adam_options()
    variants = {"plain PyTorch": plain_torch_epoch, "DNNClassifier": dnn_classifier_epoch}
    variants["DNNClassifier"](X[:1000], y[:1000], args.batch_size, args.lr, options, 0)  # warm-up
    times = {name: [] for name in variants}
    for round_ in range(args.rounds):
        for name, epoch in variants.items():
            start = time.perf_counter()
            epoch(X, y, args.batch_size, args.lr, options, round_)
            times[name].append(time.perf_counter() - start)
    medians = {name: statistics.median(values) for name, values in times.items()}
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, Adam {options}, "
          f"batch {args.batch_size}, {len(X)} rows, {args.rounds} rounds")
    for name, values in times.items():
        print(f"{name}: median {medians[name]:.2f} s per epoch ({', '.join(f'{v:.2f}' for v in values)})")
    print(f"ratio DNNClassifier / plain PyTorch: {medians['DNNClassifier'] / medians['plain PyTorch']:.3f}")


if __name__ == "__main__":
    main()
