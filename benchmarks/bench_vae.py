"""BetaVAE on stochastically binarized MNIST: IWAE test NLL, and epoch time against plain PyTorch.

Quality: the one-stochastic-layer VAE of Burda et al. (2016), 784-200-200-50 with tanh,
trained with Adam for a wall-clock budget (the learning rate decays along a cosine of the
elapsed share of that budget), then scored on the test set by the importance-weighted bound
with k=5000 samples. Anchor: 86.76 nats (VAE, k=1 training, in that paper).

Speed: one epoch of ``BetaVAE.fit`` against one epoch of a hand-written PyTorch loop over the
same architecture, loss, optimizer and batch size, alternating in one process; medians.

    python benchmarks/bench_vae.py quality --train-minutes 55   # train, save, evaluate
    python benchmarks/bench_vae.py quality --train-minutes 65 --dynamic-binarization --n-train-samples 5
    python benchmarks/bench_vae.py quality --train-minutes 6 --device cuda --batch-size 200
    python benchmarks/bench_vae.py quality --train-minutes 3 --resume vae-burda.joblib --model vae-more.joblib
    python benchmarks/bench_vae.py evaluate --test-rows 3000    # evaluate the saved model again
    python benchmarks/bench_vae.py speed --rounds 7 --rows 10000
    python benchmarks/bench_vae.py conditional --epochs 20     # how often the asked digit is drawn
"""

import argparse
import time
from pathlib import Path

import joblib
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from skgen import BetaVAE
from skgen.datasets import load_mnist
from skgen.metrics import predict_digits
from skgen.plotting import save_image_grid

from _timing import WallClockBudget, time_alternating

FIGURES = Path(__file__).parent / "figures"
BURDA = {"latent_dim": 50, "hidden_layer_sizes": (200, 200), "activation": "tanh", "batch_size": 100, "lr": 1e-3}


def resume(vae, X_train, minutes, lr):
    """Continue training a saved model for ``minutes`` more, its cosine schedule restarted at ``lr``."""
    net = vae.net_
    for group in net.optimizer_.param_groups:
        group["lr"] = lr
    dict(net.callbacks_)["WallClockBudget"].minutes = minutes
    net.partial_fit(torch.as_tensor(X_train, device=net.device))
    vae.n_iter_ = len(net.history)
    return vae


def quality(args):
    """Train (or, with ``--resume``, train further), save, then :func:`evaluate`."""
    # with --dynamic-binarization, grey levels that the VAE binarizes afresh at every pass (as Burda et al.)
    binarize = None if args.dynamic_binarization else "stochastic"
    X_train = load_mnist("train", binarize=binarize, random_state=0).data
    if args.resume:
        start = time.perf_counter()
        vae = resume(joblib.load(args.resume), X_train, args.train_minutes, args.lr)
        joblib.dump(vae, args.model)
        print(f"trained to {vae.n_iter_} epochs in {(time.perf_counter() - start) / 60:.1f} more min; "
              f"model saved to {args.model}", flush=True)
        evaluate(args)
        return
    vae = BetaVAE(
        **{**BURDA, "batch_size": args.batch_size, "lr": args.lr}, max_epochs=100_000,
        n_train_samples=args.n_train_samples, dynamic_binarization=args.dynamic_binarization,
        callbacks=[WallClockBudget(args.train_minutes, final_lr_fraction=0.05)],
        device=args.device, random_state=0, verbose=1,
    )
    start = time.perf_counter()
    vae.fit(X_train)
    train_minutes = (time.perf_counter() - start) / 60
    joblib.dump(vae, args.model)
    print(f"trained {vae.n_iter_} epochs in {train_minutes:.1f} min; model saved to {args.model}", flush=True)
    evaluate(args)


def evaluate(args):
    """IWAE test NLL of the saved model on the first ``--test-rows`` test images; figures."""
    vae = joblib.load(args.model)
    X_test = load_mnist("test", binarize="stochastic", random_state=1).data[: args.test_rows]
    history = vae.net_.history
    train_minutes = sum(history[:, "dur"]) / 60
    FIGURES.mkdir(exist_ok=True)
    save_image_grid(vae.sample(64, random_state=0, mean=True), (28, 28), FIGURES / "vae_samples.png",
                    title="BetaVAE samples (decoder means)")
    pairs = np.stack([X_test[:32], vae.inverse_transform(vae.transform(X_test[:32]))], axis=1).reshape(64, -1)
    save_image_grid(pairs, (28, 28), FIGURES / "vae_reconstructions.png", n_cols=8,
                    title="test image | reconstruction (posterior mean decoded)")
    vae.set_params(n_importance_samples=args.k)
    start = time.perf_counter()
    log_likelihoods = []
    for i, block in enumerate(np.array_split(X_test, max(1, len(X_test) // 500))):
        log_likelihoods.append(vae.score_samples(block))
        print(f"  block {i}: running test NLL {-np.mean(np.concatenate(log_likelihoods)):.2f}", flush=True)
    nll = -float(np.mean(np.concatenate(log_likelihoods)))
    eval_minutes = (time.perf_counter() - start) / 60
    elbo_nll = -float(vae.set_params(n_importance_samples=1).score(X_test))
    print(
        f"RESULT test NLL (IWAE k={args.k}, first {len(X_test)} test images) = {nll:.2f} nats "
        f"(k=1 bound: {elbo_nll:.2f}); {vae.n_iter_} epochs, {train_minutes:.1f} min training "
        f"(final train loss {history[-1, 'train_loss']:.2f}), {eval_minutes:.1f} min evaluation",
        flush=True,
    )


def conditional(args):
    """BetaVAE(conditional=True) on MNIST binarized at 127: how often is the asked digit drawn?"""
    X_train, y_train = load_mnist("train", return_X_y=True)
    vae = BetaVAE(**{**BURDA, "batch_size": args.batch_size, "lr": args.lr}, max_epochs=args.epochs,
                  conditional=True, device=args.device, random_state=0, verbose=1)
    start = time.perf_counter()
    vae.fit(X_train, y_train)
    minutes = (time.perf_counter() - start) / 60
    asked = np.repeat(np.arange(10), args.per_digit)
    # study 3's rule: the decoder's pixel probabilities thresholded at 1/2
    images = (vae.sample(y=asked, mean=True, random_state=0) > 0.5).astype(np.float32)
    drawn = predict_digits(images)
    agreement = [(drawn[asked == digit] == digit).mean() for digit in range(10)]
    save_image_grid(images.reshape(10, args.per_digit, -1)[:, :10].reshape(100, -1), (28, 28),
                    FIGURES / "vae_class_conditional.png", n_cols=10, title="BetaVAE(conditional=True), one row per digit")
    print("asked digit drawn (%): " + ", ".join(f"{d}: {100 * a:.1f}" for d, a in enumerate(agreement)))
    print(f"RESULT asked digit drawn {100 * np.mean(agreement):.1f}% of the time (worst digit "
          f"{100 * min(agreement):.1f}%); {args.epochs} epochs, {minutes:.1f} min training", flush=True)


class PlainVAE(nn.Module):
    """The same 784-200-200-50 VAE, written directly in PyTorch."""

    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(784, 200), nn.Tanh(), nn.Linear(200, 200), nn.Tanh(), nn.Linear(200, 100))
        self.decoder = nn.Sequential(nn.Linear(50, 200), nn.Tanh(), nn.Linear(200, 200), nn.Tanh(), nn.Linear(200, 784))

    def loss(self, x):
        mean, log_var = self.encoder(x).chunk(2, dim=-1)
        z = mean + torch.exp(0.5 * log_var) * torch.randn_like(mean)
        reconstruction = F.binary_cross_entropy_with_logits(self.decoder(z), x, reduction="none").sum(-1)
        kl = 0.5 * (mean.square() + log_var.exp() - 1.0 - log_var).sum(-1)
        return (reconstruction + kl).mean()


def plain_epoch(X):
    model = PlainVAE()
    optimizer = torch.optim.Adam(model.parameters(), lr=BURDA["lr"], fused=True)  # as BetaVAE's default
    X = torch.as_tensor(X)
    for index in torch.split(torch.randperm(len(X)), BURDA["batch_size"]):
        optimizer.zero_grad()
        loss = model.loss(X[index])
        loss.backward()
        optimizer.step()
        loss.item()  # as skorch does, to log it


def speed(args):
    X = load_mnist("train", binarize="stochastic", random_state=0).data[: args.rows]
    variants = {
        "skgen BetaVAE.fit": lambda: BetaVAE(**BURDA, max_epochs=1, random_state=0).fit(X),
        "plain PyTorch loop": lambda: plain_epoch(X),
    }
    medians = time_alternating(variants, args.rounds)
    wall, cpu = (medians[clock]["skgen BetaVAE.fit"] / medians[clock]["plain PyTorch loop"] for clock in ("wall", "cpu"))
    print(f"RESULT epoch time ratio skgen / plain = {wall:.3f} wall-clock, {cpu:.3f} CPU time "
          f"({args.rows} images, batch {BURDA['batch_size']}, {torch.get_num_threads()} torch threads)")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("part", choices=["quality", "evaluate", "speed", "conditional"])
    parser.add_argument("--train-minutes", type=float, default=55)
    parser.add_argument("--k", type=int, default=5000, help="importance samples for the test NLL")
    parser.add_argument("--test-rows", type=int, default=10_000, help="test images scored (first n)")
    parser.add_argument("--model", default="vae-burda.joblib", help="where to save the trained model")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--rows", type=int, default=60_000, help="training images per speed epoch")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu", help="where the quality run trains: cpu or cuda")
    parser.add_argument("--batch-size", type=int, default=BURDA["batch_size"], help="batch size of the quality run")
    parser.add_argument("--lr", type=float, default=BURDA["lr"], help="quality: initial Adam learning rate")
    parser.add_argument("--n-train-samples", type=int, default=1,
                        help="quality: k of the training bound (1: the ELBO, more: IWAE)")
    parser.add_argument("--dynamic-binarization", action="store_true",
                        help="quality: train on grey levels binarized afresh at every pass")
    parser.add_argument("--epochs", type=int, default=20, help="conditional: training epochs")
    parser.add_argument("--per-digit", type=int, default=1000, help="conditional: samples asked for per digit")
    parser.add_argument("--resume", help="quality: continue training this saved model for --train-minutes")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    {"quality": quality, "evaluate": evaluate, "speed": speed, "conditional": conditional}[args.part](args)


if __name__ == "__main__":
    main()
