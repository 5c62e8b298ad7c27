"""Does a class-conditional DBN draw the digit it is asked for? Per-digit accuracy of its samples.

Trains ``DBN(hidden_layer_sizes, joint_labels=True)`` on MNIST binarized at 127, the labels
joined to the top RBM's visibles as one-hot units (Hinton, Osindero & Teh 2006), with PCD
(persistent chains independent of the batch of 100, learning rate decaying linearly to 0,
momentum 0.5, weight decay 1e-4). Then, for each digit, draws ``--per-digit`` samples with
its label units clamped: chains started from noise, ``--n-steps`` Gibbs steps in the top
RBM (the 1s need thousands to get there from noise), a stochastic down pass. skgen's
shipped MNIST network classifies them; the result is the share of each digit's samples
classified as that digit, with a figure of one row per digit (the figure shows the
bottom layer's probabilities, the tables score binary draws).

    python benchmarks/bench_dbn_class_conditional.py --figure benchmarks/figures/dbn_class_conditional.png

Its defaults are the headline recipe of ``benchmarks/RESULTS.md`` (20 epochs per layer at
lr 0.1 on all 60,000 images, 3,000 Gibbs steps).

One torch thread by default, so that it can run beside other work.
"""

import argparse
import time

import numpy as np
import torch

from skgen import DBN
from skgen.datasets import load_mnist
from skgen.metrics._extractor import load_mnist_extractor
from skgen.plotting import save_image_grid

from _output import report


def classify(X):
    """Digits that the shipped MNIST network sees in the images ``X``."""
    with torch.no_grad():
        return load_mnist_extractor()(torch.as_tensor(X, dtype=torch.float32)).argmax(1).numpy()


def fit(X, y, args):
    dbn = DBN(hidden_layer_sizes=tuple(args.hidden), joint_labels=True, persistent=True, n_chains=args.n_chains,
              lr=args.lr, batch_size=100, max_epochs=args.epochs, optimizer__momentum=0.5,
              optimizer__weight_decay=1e-4, lr_scheduler=torch.optim.lr_scheduler.LinearLR,
              lr_scheduler__start_factor=1.0, lr_scheduler__end_factor=0.0, lr_scheduler__total_iters=args.epochs,
              fine_tune_epochs=args.fine_tune_epochs, random_state=args.seed)
    start = time.perf_counter()
    dbn.fit(X, y)
    return dbn, time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hidden", type=int, nargs="+", default=[500, 500, 2000], help="hidden units per layer")
    parser.add_argument("--n-train", type=int, default=60000, help="training images (first n)")
    parser.add_argument("--epochs", type=int, default=20, help="epochs per layer")
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--n-chains", type=int, default=500, help="persistent chains of each RBM")
    parser.add_argument("--fine-tune-epochs", type=int, default=0, help="epochs of up-down fine-tuning")
    parser.add_argument("--per-digit", type=int, default=100, help="samples asked for each digit")
    parser.add_argument("--n-steps", type=int, default=3000, help="Gibbs steps in the top RBM")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--figure", help="save one row of 10 samples per digit here (PNG)")
    parser.add_argument("--model", help="save the fitted DBN here (joblib)")
    parser.add_argument("--out", help="also write the JSON result here")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    X, y = load_mnist("train", binarize="threshold", return_X_y=True)
    dbn, seconds = fit(X[: args.n_train], y[: args.n_train], args)
    if args.model:
        import joblib

        joblib.dump(dbn, args.model)
    asked = np.repeat(dbn.classes_, args.per_digit)
    start = time.perf_counter()
    samples = dbn.sample(y=asked, n_steps=args.n_steps, random_state=args.seed)
    sample_seconds = time.perf_counter() - start
    seen = classify(samples)
    accuracy = {int(digit): float(np.mean(seen[asked == digit] == digit)) for digit in dbn.classes_}
    if args.figure:
        rows = np.repeat(dbn.classes_, 10)
        means = dbn.sample(y=rows, n_steps=args.n_steps, return_probabilities=True, random_state=args.seed)
        save_image_grid(means, (28, 28), args.figure, n_cols=10,
                        title="Class-conditional DBN: one row per clamped label")
    report({"hidden": args.hidden, "n_train": args.n_train, "epochs": args.epochs, "lr": args.lr,
            "n_chains": args.n_chains, "fine_tune_epochs": args.fine_tune_epochs, "n_steps": args.n_steps,
            "per_digit": args.per_digit,
            "fit_s": round(seconds), "sample_s": round(sample_seconds),
            "worst_digit_accuracy": min(accuracy.values()), "mean_accuracy": float(np.mean(list(accuracy.values()))),
            "accuracy": accuracy}, args.out)


if __name__ == "__main__":
    main()
