"""Retrain the MNIST feature network shipped in ``skgen/metrics/mnist_features.pt``.

Each training image is shown, at random and anew every epoch, as grey levels, thresholded
(pixel > 127) or stochastically binarized (one Bernoulli(grey) draw), and shifted by up
to two pixels, so that the features serve all three kinds of MNIST data. Adam with a
one-cycle learning rate; everything is seeded, so that the same torch version and thread
count give the same weights. The test accuracy on each kind of input is printed at the end,
with the sha256 to record in ``skgen/metrics/_extractor.py`` (``torch.save`` names the
archive's inner folder after the file, so the digest is that of the default ``--out``).

Run (one torch thread: about a minute per epoch on a free CPU core, several on a busy one)::

    SKGEN_DATA=../shared/data python scripts/train_mnist_extractor.py
"""

import argparse
import time
from pathlib import Path

import torch
from torch import nn

from skgen.datasets import load_mnist
from skgen.metrics._extractor import MNISTFeatureNet, file_sha256

_OUT = Path(__file__).resolve().parents[1] / "skgen" / "metrics" / "mnist_features.pt"
_THRESHOLD = 127.5 / 255  # grey level above which load_mnist(binarize="threshold") gives 1


def mixed_binarization(grey, generator):
    """Per image, at random: the grey levels, their threshold or a Bernoulli draw."""
    mode = torch.randint(3, (len(grey), 1, 1, 1), generator=generator)
    thresholded = (grey > _THRESHOLD).float()
    stochastic = torch.bernoulli(grey, generator=generator)
    return torch.where(mode == 0, grey, torch.where(mode == 1, thresholded, stochastic))


def random_shift(images, generator, max_shift=2):
    """Shift each image by up to ``max_shift`` pixels in each direction, padding with 0."""
    n, _, h, w = images.shape
    padded = nn.functional.pad(images, [max_shift] * 4)
    dy, dx = torch.randint(2 * max_shift + 1, (2, n), generator=generator)
    rows = (dy[:, None] + torch.arange(h))[:, None, :, None].expand(n, 1, h, w + 2 * max_shift)
    shifted_rows = padded.gather(2, rows)
    cols = (dx[:, None] + torch.arange(w))[:, None, None, :].expand(n, 1, h, w)
    return shifted_rows.gather(3, cols)


def train(net, images, labels, *, epochs, batch_size, max_lr, seed, log_every):
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.Adam(net.parameters(), lr=max_lr)
    steps_per_epoch = -(-len(images) // batch_size)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=max_lr, epochs=epochs, steps_per_epoch=steps_per_epoch
    )
    loss_fn = nn.CrossEntropyLoss()
    start = time.perf_counter()
    for epoch in range(epochs):
        net.train()
        order = torch.randperm(len(images), generator=generator)
        for step, batch in enumerate(torch.split(order, batch_size)):
            x = random_shift(mixed_binarization(images[batch], generator), generator)
            loss = loss_fn(net(x), labels[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            if step % log_every == 0:
                elapsed = time.perf_counter() - start
                print(f"epoch {epoch} step {step:4d} loss {loss.item():.4f} {elapsed:6.0f}s", flush=True)
    return net.eval()


@torch.no_grad()
def accuracy(net, X, y):
    predictions = torch.cat([net(x).argmax(1) for x in torch.split(torch.as_tensor(X), 1000)])
    return (predictions == torch.as_tensor(y)).float().mean().item()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--max-lr", type=float, default=3e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="torch threads; the weights depend on it")
    parser.add_argument("--log-every", type=int, default=100)
    parser.add_argument("--out", type=Path, default=_OUT)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    X, y = load_mnist("train", binarize=None, return_X_y=True)
    images = torch.as_tensor(X).reshape(-1, 1, 28, 28)
    net = train(
        MNISTFeatureNet(),
        images,
        torch.as_tensor(y),
        epochs=args.epochs,
        batch_size=args.batch_size,
        max_lr=args.max_lr,
        seed=args.seed,
        log_every=args.log_every,
    )
    for binarize in ("threshold", "stochastic", None):
        X_test, y_test = load_mnist("test", binarize=binarize, return_X_y=True)
        print(f"test accuracy, binarize={binarize}: {accuracy(net, X_test, y_test):.4f}")
    state = {name: tensor.contiguous() for name, tensor in net.state_dict().items()}
    torch.save(state, args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes), sha256 {file_sha256(args.out)}")


if __name__ == "__main__":
    main()
