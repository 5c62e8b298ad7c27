"""Does DBN pretraining reach Hinton & Salakhutdinov's MNIST error, and help with little data?

1. ``small-data``: 2x200 sigmoid networks trained on 1,000 MNIST images (100 per class),
   DBN-pretrained on those same images or randomly initialised, over several seeds; test
   error on the official 10,000 test images. The claim: pretrained < random.
2. ``deep``: the 784-500-500-2000-10 network of Hinton & Salakhutdinov (2006, 1.2% test
   error), DBN-pretrained on the 60,000 training images then fine-tuned, and the same network
   randomly initialised; the bar is 1.3%. Early stopping uses 10% of the training images, unless
   ``--no-early-stopping`` fine-tunes on all of them for a fixed budget.

MNIST is binarized at 127 (``--grey`` keeps the grey levels, as the paper did). Both parts
print a Markdown table as they go; every number comes with the training time. Run the full
benchmark (a few hours on 2 CPU cores):

    python benchmarks/bench_dnn_quality.py [--device cuda]

or a shortened one, e.g. ``--pretrain-epochs 5 --finetune-epochs 20``. On a GPU, the deep
part's pretraining can be saved once and shared by fine-tuning runs in parallel processes,
each on a wall-clock budget whose learning rate decays along a cosine:

    python benchmarks/bench_dnn_quality.py --parts deep --inits pretrained --device cuda \
        --pretrain-epochs 50 --save-dbn deep-dbn.joblib --finetune-minutes 0
    python benchmarks/bench_dnn_quality.py --parts deep --inits pretrained --device cuda \
        --load-dbn deep-dbn.joblib --finetune-epochs 500 --finetune-minutes 5 --no-early-stopping
"""

import argparse
import time

import joblib
import numpy as np
import torch
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import train_test_split

from skgen import DBN, DNNClassifier
from skgen.datasets import load_mnist

from _timing import WallClockBudget

DEEP = (500, 500, 2000)


def pretrain(X, sizes, epochs, random_state, device):
    """A DBN fitted with Hinton's settings: CD-1, batches of 100, momentum 0.9."""
    dbn = DBN(hidden_layer_sizes=sizes, lr=0.1, batch_size=100, max_epochs=epochs, optimizer__momentum=0.9,
              device=device, random_state=random_state)
    start = time.perf_counter()
    dbn.fit(X)
    return dbn, time.perf_counter() - start


def fine_tune(X, y, X_test, y_test, sizes, dbn, args, random_state, max_epochs, lr=None, minutes=None):
    """SGD with momentum 0.9; on a wall-clock budget of ``minutes`` (cosine learning rate) if given."""
    callbacks = [WallClockBudget(minutes, final_lr_fraction=0.01)] if minutes else None
    clf = DNNClassifier(
        hidden_layer_sizes=sizes,
        dbn=None if dbn is None else FrozenEstimator(dbn),
        optimizer=torch.optim.SGD,
        lr=args.lr if lr is None else lr,
        optimizer__momentum=0.9,
        optimizer__weight_decay=args.weight_decay,
        callbacks=callbacks,
        batch_size=100,
        max_epochs=max_epochs,
        early_stopping=not args.no_early_stopping,
        n_iter_no_change=args.patience,
        device=args.device,
        random_state=random_state,
        verbose=args.verbose,
    )
    start = time.perf_counter()
    clf.fit(X, y)
    seconds = time.perf_counter() - start
    return 100 * (1 - clf.score(X_test, y_test)), seconds, clf.n_iter_


def row(*cells):
    print("| " + " | ".join(str(c) for c in cells) + " |", flush=True)


def small_data(X, y, X_test, y_test, args):
    print(f"\n## 1,000 training images, 2x200, {args.seeds} seeds\n")
    row("seed", "init", "test error %", "pretrain s", "fine-tune s", "epochs")
    row("---", "---", "---", "---", "---", "---")
    errors = {"pretrained": [], "random": []}
    for seed in range(args.seeds):
        X_small, _, y_small, _ = train_test_split(X, y, train_size=1000, stratify=y, random_state=seed)
        dbn, pretrain_s = pretrain(X_small, (200, 200), args.small_pretrain_epochs, seed, args.device)
        for init, given in (("pretrained", dbn), ("random", None)):
            error, seconds, epochs = fine_tune(
                X_small, y_small, X_test, y_test, (200, 200), given, args, seed, args.small_finetune_epochs
            )
            errors[init].append(error)
            row(seed, init, f"{error:.2f}", f"{pretrain_s:.0f}" if given is not None else "-", f"{seconds:.0f}", epochs)
    print()
    for init, values in errors.items():
        print(f"{init}: mean test error {np.mean(values):.2f}% (std {np.std(values):.2f})", flush=True)


def deep(X, y, X_test, y_test, args):
    pretraining = (f"DBN loaded from {args.load_dbn}" if args.load_dbn
                   else f"{args.pretrain_epochs} pretraining epochs per layer")
    print(f"\n## 784-500-500-2000-10 on 60,000 images ({pretraining})\n")
    dbn, pretrain_s = None, 0
    if "pretrained" in args.inits and args.load_dbn:
        dbn = joblib.load(args.load_dbn)
        pretrain_s = sum(epoch["seconds"] for rbm in dbn.rbms_ for epoch in rbm.history_)
    elif "pretrained" in args.inits:
        dbn, pretrain_s = pretrain(X, DEEP, args.pretrain_epochs, 0, args.device)
        if args.save_dbn:
            joblib.dump(dbn, args.save_dbn)
    if args.finetune_minutes == 0:
        print(f"pretrained in {pretrain_s:.0f} s; saved to {args.save_dbn}", flush=True)
        return
    lrs = {"pretrained": args.lr, "random": args.random_lr or args.lr}
    stopping = "none (all 60,000 images)" if args.no_early_stopping else f"patience {args.patience}"
    print(f"fine-tuning: SGD, momentum 0.9, weight decay {args.weight_decay}, learning rates {lrs}, "
          f"early stopping {stopping}", flush=True)
    row("init", "test error %", "pretrain s", "fine-tune s", "epochs")
    row("---", "---", "---", "---", "---")
    for init, given in (("pretrained", dbn), ("random", None)):
        if init not in args.inits:
            continue
        error, seconds, epochs = fine_tune(X, y, X_test, y_test, DEEP, given, args, 0, args.finetune_epochs,
                                           lr=lrs[init], minutes=args.finetune_minutes)
        row(init, f"{error:.2f}", f"{pretrain_s:.0f}" if given is not None else "-", f"{seconds:.0f}", epochs)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--parts", nargs="+", choices=["small-data", "deep"], default=["small-data", "deep"])
    parser.add_argument("--pretrain-epochs", type=int, default=20, help="DBN epochs per layer, deep part")
    parser.add_argument("--finetune-epochs", type=int, default=100, help="most fine-tuning epochs, deep part")
    parser.add_argument("--small-pretrain-epochs", type=int, default=50)
    parser.add_argument("--small-finetune-epochs", type=int, default=200)
    parser.add_argument("--inits", nargs="+", choices=["pretrained", "random"], default=["pretrained", "random"],
                        help="initialisations of the deep part")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--lr", type=float, default=0.1, help="fine-tuning SGD learning rate (momentum 0.9)")
    parser.add_argument("--random-lr", type=float, default=None,
                        help="learning rate of the random network (default: --lr)")
    parser.add_argument("--weight-decay", type=float, default=0.0, help="fine-tuning L2 weight decay")
    parser.add_argument("--finetune-minutes", type=float, default=None,
                        help="wall-clock budget of each deep fine-tuning, with a cosine learning rate; "
                             "0: pretrain only")
    parser.add_argument("--save-dbn", help="save the deep part's pretrained DBN here")
    parser.add_argument("--load-dbn", help="fine-tune this saved DBN instead of pretraining one")
    parser.add_argument("--patience", type=int, default=10)
    parser.add_argument("--no-early-stopping", action="store_true",
                        help="fine-tune on all training images for the whole budget and keep the last weights")
    parser.add_argument("--grey", action="store_true",
                        help="grey levels in [0, 1] (the paper's input, the RBM's visible probabilities) "
                             "instead of MNIST binarized at 127")
    parser.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--verbose", type=int, default=0)
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    binarize = None if args.grey else "threshold"
    X, y = load_mnist("train", binarize=binarize, return_X_y=True)
    X_test, y_test = load_mnist("test", binarize=binarize, return_X_y=True)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads", flush=True)
    if "small-data" in args.parts:
        small_data(X, y, X_test, y_test, args)
    if "deep" in args.parts:
        deep(X, y, X_test, y_test, args)


if __name__ == "__main__":
    main()
