"""Does dropout fine-tuning of a DBN-pretrained 784-500-500-2000-10 network beat plain fine-tuning on MNIST?

Srivastava et al. (JMLR 2014, Table 2) report 0.92% test error for this network of Hinton &
Salakhutdinov (2006), DBN-pretrained then fine-tuned with dropout (1.18% without dropout).
This benchmark pretrains the DBN on the 60,000 training images (CD-1, lr 0.1, momentum 0.9,
batches of 100, 20 epochs per layer), fine-tunes it with dropout, and trains the same network
from random weights with dropout and a max-norm constraint beside it. Fine-tuning is SGD with
momentum 0.9, batches of 100, on all training images for 150 epochs, the learning rate falling
linearly to 0 (the last weights are kept). Test error on the 10,000 test images, with every
training time.

The default recipe (drop probability 0.1 on the inputs and 0.3 on the hidden units, lr 0.5 for
the pretrained network) was chosen with ``--validation``, which trains on the first 50,000
training images and scores the last 10,000 instead of the test set: at 30 epochs it beat the
paper's rates (0.2 and 0.5, which need far longer training) and lighter or slower settings.
The random network fine-tunes at lr 0.01, since at 0.1 its sigmoid units saturate and it stays
at chance level, with or without dropout and max-norm.

The full configuration (about 35 minutes per network on 2 CPU cores, minutes on a GPU):

    python benchmarks/bench_dnn_dropout.py [--device cuda]

The paper's rates, with its high learning rate and max-norm:

    python benchmarks/bench_dnn_dropout.py --networks pretrained --input-dropout 0.2 --dropout 0.5 \\
        --pretrained-lr 1.0 --pretrained-max-norm 4

A quick check that everything runs (10,000 training images, 2 pretraining epochs per layer,
10 fine-tuning epochs; about two minutes on one CPU thread):

    python benchmarks/bench_dnn_dropout.py --quick --threads 1
"""

import argparse
import time

import joblib
import torch
from sklearn.frozen import FrozenEstimator

from skgen import DBN, DNNClassifier
from skgen.datasets import load_mnist

DEEP = (500, 500, 2000)
QUICK = {"n_train": 10000, "pretrain_epochs": 2, "finetune_epochs": 10}
N_VALIDATION = 10000


def pretrain(X, args):
    """The DBN to fine-tune and the seconds its pretraining took (0 when loaded from ``--load-dbn``)."""
    if args.load_dbn:
        return joblib.load(args.load_dbn), 0.0
    dbn = DBN(hidden_layer_sizes=DEEP, lr=0.1, batch_size=100, max_epochs=args.pretrain_epochs,
              optimizer__momentum=0.9, device=args.device, random_state=0)
    start = time.perf_counter()
    dbn.fit(X)
    if args.save_dbn:
        joblib.dump(dbn, args.save_dbn)
    return dbn, time.perf_counter() - start


def fine_tune(X, y, X_test, y_test, dbn, lr, max_norm, args):
    """SGD with momentum 0.9 and dropout for ``args.finetune_epochs`` epochs; test error % and seconds.

    Unless ``--no-lr-decay``, the learning rate falls linearly to zero over the epochs (stepped per epoch).
    """
    schedule = {"lr_scheduler": torch.optim.lr_scheduler.LinearLR, "lr_scheduler__start_factor": 1.0,
                "lr_scheduler__end_factor": 0.0, "lr_scheduler__total_iters": args.finetune_epochs} \
        if args.lr_decay else {}
    clf = DNNClassifier(
        hidden_layer_sizes=DEEP, dbn=None if dbn is None else FrozenEstimator(dbn), dropout=args.dropout,
        input_dropout=args.input_dropout,
        max_norm=max_norm, optimizer=torch.optim.SGD, lr=lr, optimizer__momentum=0.9, batch_size=100,
        max_epochs=args.finetune_epochs, early_stopping=False, device=args.device, random_state=args.seed,
        verbose=args.verbose, **schedule,
    )
    start = time.perf_counter()
    clf.fit(X, y)
    return 100 * (1 - clf.score(X_test, y_test)), time.perf_counter() - start


def regularization(args, max_norm):
    """The table's words for the dropout and max-norm settings."""
    words = f"dropout {args.input_dropout} inputs / {args.dropout} hidden"
    return words if max_norm is None else f"{words}, max-norm {max_norm}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help=f"a short run: {QUICK}")
    parser.add_argument("--n-train", type=int, default=60000, help="training images (first n)")
    parser.add_argument("--pretrain-epochs", type=int, default=20, help="DBN epochs per layer")
    parser.add_argument("--finetune-epochs", type=int, default=150, help="fine-tuning epochs of each network")
    parser.add_argument("--pretrained-lr", type=float, default=0.5)
    parser.add_argument("--random-lr", type=float, default=0.01)
    parser.add_argument("--max-norm", type=float, default=3.5, help="max-norm of the random network's hidden units")
    parser.add_argument("--pretrained-max-norm", type=float, default=None,
                        help="max-norm of the pretrained network's hidden units (default: none)")
    parser.add_argument("--dropout", type=float, default=0.3, help="drop probability of the hidden units")
    parser.add_argument("--input-dropout", type=float, default=0.1, help="drop probability of the input pixels")
    parser.add_argument("--lr-decay", action=argparse.BooleanOptionalAction, default=True,
                        help="learning rate decaying linearly to 0")
    parser.add_argument("--validation", action="store_true",
                        help=f"train on the first {60000 - N_VALIDATION:,} training images and score the last "
                             f"{N_VALIDATION:,} instead of the test set (to choose a recipe)")
    parser.add_argument("--networks", choices=["both", "pretrained", "random"], default="both",
                        help="which networks to fine-tune")
    parser.add_argument("--binarize", action="store_true", help="MNIST binarized at 127 instead of grey levels")
    parser.add_argument("--save-dbn", help="save the pretrained DBN here (joblib)")
    parser.add_argument("--load-dbn", help="fine-tune this saved DBN instead of pretraining one")
    parser.add_argument("--seed", type=int, default=0,
                        help="random_state of the fine-tuning (initial weights, dropout masks, minibatch order)")
    parser.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch CPU threads outside the fits (every skgen fit runs on one thread)")
    parser.add_argument("--verbose", type=int, default=0)
    args = parser.parse_args(argv)
    if args.quick:
        vars(args).update(QUICK)
    if args.threads:
        torch.set_num_threads(args.threads)
    binarize = "threshold" if args.binarize else None
    X, y = load_mnist("train", binarize=binarize, return_X_y=True)
    if args.validation:
        X, X_test, y, y_test = X[:-N_VALIDATION], X[-N_VALIDATION:], y[:-N_VALIDATION], y[-N_VALIDATION:]
    else:
        X_test, y_test = load_mnist("test", binarize=binarize, return_X_y=True)
    X, y = X[: args.n_train], y[: args.n_train]
    pretraining = f"DBN from {args.load_dbn}" if args.load_dbn else f"{args.pretrain_epochs} DBN epochs per layer"
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, device {args.device}; {len(X)} training "
          f"images ({'binarized' if args.binarize else 'grey levels'}), {pretraining}, {args.finetune_epochs} "
          f"fine-tuning epochs, {regularization(args, None)}\n", flush=True)
    print(f"| init | fine-tuning | {'validation' if args.validation else 'test'} error % | pretrain s | fine-tune s |")
    print("|---|---|---:|---:|---:|", flush=True)
    decay = " decaying to 0" if args.lr_decay else ""
    if args.networks in ("both", "pretrained"):
        dbn, pretrain_s = pretrain(X, args)
        error, seconds = fine_tune(X, y, X_test, y_test, dbn, args.pretrained_lr, args.pretrained_max_norm, args)
        words = regularization(args, args.pretrained_max_norm)
        print(f"| DBN-pretrained | lr {args.pretrained_lr}{decay}, {words} | {error:.2f} | {pretrain_s:.0f} | "
              f"{seconds:.0f} |", flush=True)
    if args.networks in ("both", "random"):
        error, seconds = fine_tune(X, y, X_test, y_test, None, args.random_lr, args.max_norm, args)
        print(f"| random | lr {args.random_lr}{decay}, {regularization(args, args.max_norm)} | {error:.2f} | - | "
              f"{seconds:.0f} |", flush=True)


if __name__ == "__main__":
    main()
