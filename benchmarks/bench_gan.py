"""GAN on binarized MNIST: do samples cover all ten digits? And epoch time against plain PyTorch.

Coverage: a GAN with the default MLP architecture trains on threshold-binarized MNIST for a
wall-clock budget; a small MLP classifier trained on the MNIST labels (its test accuracy is
printed) labels 10,000 binary samples. Bar: no digit below 3% of the samples. Figures: a
sample grid and the discriminator and generator losses per epoch (mode-collapse watch).

Recipes: each training recipe of :data:`RECIPES` trains the study's players on the same
images for a few epochs, one torch thread each, and FID of 5,000 rounded samples (of the EMA
generator where there is one) is printed every few epochs: which recipe learns fastest.

Speed: one epoch of ``GAN.fit`` against one epoch of a hand-written PyTorch loop over the same
generator, discriminator, losses, optimizers and batch size, alternating in one process; medians.

    python benchmarks/bench_gan.py coverage --train-minutes 30
    python benchmarks/bench_gan.py recipes --epochs 12 --every 3
    python benchmarks/bench_gan.py speed --rounds 5 --rows 10000
"""

import argparse
import time
from pathlib import Path

import joblib
import matplotlib
import numpy as np
import torch
import torch.nn.functional as F
from skorch.callbacks import Callback
from torch import nn

from skgen import GAN
from skgen.datasets import load_mnist
from skgen.metrics import extract_features, frechet_distance, predict_digits
from skgen.plotting import save_image_grid

from _timing import WallClockBudget, time_alternating

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

FIGURES = Path(__file__).parent / "figures"
DEFAULTS = GAN().get_params()
#: the recipes ``--recipe`` chooses: GAN's defaults, or hinge loss with a spectrally normalised
#: discriminator, the two time-scale learning rates and an EMA generator (Miyato et al. 2018,
#: Heusel et al. 2017, Yazici et al. 2019)
RECIPES = {
    "default": {},
    "ema": {"ema_decay": 0.999},
    "hinge-sn-ema": {"loss": "hinge", "spectral_norm": True, "ema_decay": 0.999,
                     "discriminator_optimizer__lr": 4e-4, "generator_optimizer__lr": 1e-4},
    "hinge-sn-ema-code": {"loss": "hinge", "spectral_norm": True, "ema_decay": 0.999, "latent_categories": 10,
                          "discriminator_optimizer__lr": 4e-4, "generator_optimizer__lr": 1e-4},
    "r1-ema": {"gradient_penalty": 1.0, "ema_decay": 0.999},
    "r1-ema-code": {"gradient_penalty": 1.0, "ema_decay": 0.999, "latent_categories": 10},
}


def digit_classifier(X, y, X_test, y_test, epochs=5, seed=0):
    """A 784-256-10 MLP trained with Adam on the labels; prints its test accuracy."""
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    X, y = torch.as_tensor(X), torch.as_tensor(y)
    for _ in range(epochs):
        for index in torch.split(torch.randperm(len(X)), 128):
            optimizer.zero_grad()
            F.cross_entropy(model(X[index]), y[index]).backward()
            optimizer.step()
    model.eval()
    with torch.no_grad():
        accuracy = (model(torch.as_tensor(X_test)).argmax(1).numpy() == y_test).mean()
    print(f"digit classifier: test accuracy {accuracy:.4f}", flush=True)
    return model


def coverage(args):
    train, test = load_mnist("train"), load_mnist("test")
    gan = GAN(max_epochs=10_000, callbacks=[WallClockBudget(args.train_minutes)], random_state=0, verbose=1,
              conditional=args.conditional, **RECIPES[args.recipe])
    start = time.perf_counter()
    gan.fit(train.data, train.target)
    minutes = (time.perf_counter() - start) / 60
    joblib.dump(gan, args.model)
    print(f"trained {gan.n_iter_} epochs in {minutes:.1f} min; model saved to {args.model}", flush=True)

    classifier = digit_classifier(train.data, train.target, test.data, test.target)
    samples = gan.sample(args.n_samples, random_state=1)
    fid = frechet_distance(extract_features(test.data), extract_features(samples))
    print(f"RESULT FID {fid:.1f} (samples rounded at 1/2, against the {len(test.data)} test images)", flush=True)
    if args.conditional:
        asked = np.arange(args.n_samples) % 10
        agreement = digit_shares_asked(gan.sample(y=asked, random_state=3), asked)
        print("RESULT asked digit drawn (%): " + ", ".join(f"{d}: {100 * a:.1f}" for d, a in enumerate(agreement))
              + f"; mean {100 * agreement.mean():.1f}", flush=True)
    with torch.no_grad():
        probabilities = torch.softmax(classifier(torch.as_tensor(samples)), dim=1).numpy()
    shares = np.bincount(probabilities.argmax(1), minlength=10) / len(samples)
    confident = (probabilities.max(1) > 0.9).mean()
    print("class histogram of samples (%): " + ", ".join(f"{d}: {100 * s:.1f}" for d, s in enumerate(shares)))
    print(
        f"RESULT smallest class share {100 * shares.min():.1f}% (bar 3%), largest {100 * shares.max():.1f}%; "
        f"{100 * confident:.1f}% of samples classified with probability > 0.9; "
        f"{gan.n_iter_} epochs, {minutes:.1f} min training",
        flush=True,
    )
    FIGURES.mkdir(exist_ok=True)
    save_image_grid(gan.sample(100, random_state=2, mean=True), (28, 28), FIGURES / "gan_samples.png", n_cols=10,
                    title="GAN samples (generator pixel probabilities)")
    plot_losses(gan.net_.history, FIGURES / "gan_losses.png")


class FIDEvery(Callback):
    """Print the FID of 5,000 rounded samples against the test images every ``every`` epochs."""

    def __init__(self, name, every, test_features):
        self.name, self.every, self.test_features = name, every, test_features

    def on_epoch_end(self, net, **kwargs):
        epoch = len(net.history)
        if epoch % self.every:
            return
        module = net.module_
        training = module.training
        module.eval()
        with torch.no_grad():
            images = module.generate(5000, torch.Generator().manual_seed(1), ema=True).numpy()
        module.train(training)
        fid = frechet_distance(self.test_features, extract_features((images > 0.5).astype(np.float32)))
        print(f"RESULT {self.name}: epoch {epoch}, FID {fid:.1f}", flush=True)


def recipes(args):
    train, test = load_mnist("train"), load_mnist("test")
    test_features = extract_features(test.data)
    for name in args.recipes or RECIPES:
        GAN(max_epochs=args.epochs, random_state=0, callbacks=[FIDEvery(name, args.every, test_features)],
            **RECIPES[name]).fit(train.data)


def digit_shares_asked(samples, asked):
    """The share of the samples of each asked digit that the shipped network classifies as it."""
    drawn = predict_digits(samples)
    return np.array([(drawn[asked == digit] == digit).mean() for digit in range(10)])


def plot_losses(history, path):
    fig, ax = plt.subplots(figsize=(5, 3))
    epochs = history[:, "epoch"]
    ax.plot(epochs, history[:, "discriminator_loss"], label="discriminator")
    ax.plot(epochs, history[:, "generator_loss"], label="generator (non-saturating)")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss per batch")
    ax.legend()
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)


def mlp(sizes, batch_norm=False):
    layers = []
    for n_in, n_out in zip(sizes[:-2], sizes[1:-1]):
        layers += [nn.Linear(n_in, n_out), *([nn.BatchNorm1d(n_out)] if batch_norm else []), nn.LeakyReLU(0.2)]
    return nn.Sequential(*layers, nn.Linear(sizes[-2], sizes[-1]))


class MinibatchStdDiscriminator(nn.Module):
    def __init__(self, sizes):
        super().__init__()
        self.features = nn.Sequential(mlp((784, *sizes)), nn.LeakyReLU(0.2))
        self.output = nn.Linear(sizes[-1] + 1, 1)

    def forward(self, X):
        hidden = self.features(X)
        spread = hidden.std(dim=0, unbiased=False).mean().expand(len(hidden), 1)
        return self.output(torch.cat([hidden, spread], dim=1))


def plain_epoch(X):
    """The same GAN, written directly in PyTorch: one epoch."""
    latent = DEFAULTS["latent_dim"]
    generator = nn.Sequential(mlp((latent, *DEFAULTS["generator_hidden_layer_sizes"], 784), batch_norm=True), nn.Sigmoid())
    discriminator = MinibatchStdDiscriminator(DEFAULTS["discriminator_hidden_layer_sizes"])
    opt_g = torch.optim.Adam(generator.parameters(), lr=DEFAULTS["lr"], betas=(0.5, 0.999), fused=True)
    opt_d = torch.optim.Adam(discriminator.parameters(), lr=DEFAULTS["lr"], betas=(0.5, 0.999), fused=True)
    X = torch.as_tensor(X)
    for index in torch.split(torch.randperm(len(X)), DEFAULTS["batch_size"]):
        real = X[index]
        with torch.no_grad():
            fake = generator(torch.randn(DEFAULTS["batch_size"], latent))
        real_logits, fake_logits = discriminator(real), discriminator(fake)
        loss_d = F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits)) + (
            F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
        )
        opt_d.zero_grad()
        loss_d.backward()
        opt_d.step()
        fake_logits = discriminator(generator(torch.randn(DEFAULTS["batch_size"], latent)))
        loss_g = F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
        loss_d.item(), loss_g.item()  # as skgen does, to log them


def speed(args):
    X = load_mnist("train").data[: args.rows]
    variants = {
        "skgen GAN.fit": lambda: GAN(max_epochs=1, random_state=0).fit(X),
        "plain PyTorch loop": lambda: plain_epoch(X),
    }
    medians = time_alternating(variants, args.rounds)
    wall, cpu = (medians[clock]["skgen GAN.fit"] / medians[clock]["plain PyTorch loop"] for clock in ("wall", "cpu"))
    print(f"RESULT epoch time ratio skgen / plain = {wall:.3f} wall-clock, {cpu:.3f} CPU time "
          f"({args.rows} images, batch {DEFAULTS['batch_size']}, {torch.get_num_threads()} torch threads)")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("part", choices=["coverage", "recipes", "speed"])
    parser.add_argument("--train-minutes", type=float, default=30)
    parser.add_argument("--n-samples", type=int, default=10_000)
    parser.add_argument("--model", default="gan-mnist.joblib", help="where to save the trained model")
    parser.add_argument("--recipe", choices=list(RECIPES), default="default", help="coverage: training recipe")
    parser.add_argument("--conditional", action="store_true",
                        help="coverage: train GAN(conditional=True) on the labels and measure how often it draws "
                             "the digit asked for")
    parser.add_argument("--epochs", type=int, default=12, help="recipes: epochs of each recipe")
    parser.add_argument("--every", type=int, default=3, help="recipes: epochs between FIDs")
    parser.add_argument("--recipes", nargs="+", choices=list(RECIPES), help="recipes: which (default: all)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--rows", type=int, default=10_000, help="training images per speed epoch")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    {"coverage": coverage, "recipes": recipes, "speed": speed}[args.part](args)


if __name__ == "__main__":
    main()
