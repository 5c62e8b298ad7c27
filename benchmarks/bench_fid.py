"""FID on real MNIST: the extractor's accuracy, the real-data floor, noise, and speed.

Prints Markdown tables for benchmarks/RESULTS.md::

    SKGEN_DATA=../shared/data python benchmarks/bench_fid.py

- accuracy of the shipped extractor on the 10,000 test images, for each binarization;
- the floor: FID between 10,000 training and the 10,000 test images, with a bootstrap
  interval, and what two common mistakes (network left in training mode, mean term not
  squared) would report instead;
- FID, KID and precision/recall as a growing share of test pixels is flipped (FID must
  grow monotonically);
- the time (wall and CPU) to score 10,000 vs 10,000 images with
  ``torch.set_num_threads(2)``, and the Frechet distance step against the reference
  ``scipy.linalg.sqrtm`` computation (ratio of medians over alternating runs).
"""

import argparse
import os
import time

import numpy as np
import scipy.linalg
import torch
from threadpoolctl import threadpool_limits

from skgen.datasets import load_mnist
from skgen.metrics import (
    extract_features,
    feature_statistics,
    fid_score,
    frechet_distance,
    frechet_distance_interval,
    kernel_distance,
    load_mnist_extractor,
    precision_recall,
)

FLIP_RATES = (0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5)


def reference_frechet_distance(a, b, eps=1e-6):
    """Heusel et al.'s reference computation, for the speed baseline."""
    (mu1, sigma1), (mu2, sigma2) = feature_statistics(a), feature_statistics(b)
    covmean = scipy.linalg.sqrtm(sigma1 @ sigma2)
    if not np.isfinite(covmean).all():
        offset = np.eye(len(sigma1)) * eps
        covmean = scipy.linalg.sqrtm((sigma1 + offset) @ (sigma2 + offset))
    diff = mu1 - mu2
    return float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(np.real(covmean)))


def accuracy_table():
    net = load_mnist_extractor()
    rows = ["| test images | accuracy |", "|---|---|"]
    for binarize in ("threshold", "stochastic", None):
        X, y = load_mnist("test", binarize=binarize, return_X_y=True)
        with torch.no_grad():
            predictions = torch.cat([net(x).argmax(1) for x in torch.split(torch.as_tensor(X), 1000)]).numpy()
        rows.append(f"| binarize={binarize} | {np.mean(predictions == y):.4f} |")
    return "\n".join(rows)


def floor_table(train, test, seed):
    rows = ["| 10,000 train vs 10,000 test | FID | 95% bootstrap interval |", "|---|---|---|"]
    for binarize in ("threshold", "stochastic", None):
        a = extract_features(train[binarize])
        b = extract_features(test[binarize])
        estimate, low, high = frechet_distance_interval(a, b, n_resamples=100, random_state=seed)
        rows.append(f"| binarize={binarize} | {estimate:.3f} | [{low:.3f}, {high:.3f}] |")
    return "\n".join(rows)


def flip(X, rate, rng):
    """``X`` with a share ``rate`` of its binary pixels flipped."""
    return np.where(rng.random(X.shape) < rate, 1 - X, X).astype(np.float32)


def training_mode_features(X, seed):
    """Features with the network left in training mode: dropout on, batch statistics."""
    net = load_mnist_extractor()
    net.train()
    torch.manual_seed(seed)
    try:
        with torch.no_grad():
            return torch.cat([net.features(x) for x in torch.split(torch.as_tensor(X), 1000)]).double().numpy()
    finally:
        net.eval()


def mistakes_table(train, test, seed):
    """What two common mistakes in FID code report, on the floor and on noisy digits."""
    rows = ["| 10,000 train vs | FID | mean term not squared | network in training mode |", "|---|---|---|---|"]
    real = extract_features(train["threshold"])
    real_training_mode = training_mode_features(train["threshold"], seed)
    flipped = flip(test["threshold"], 0.1, np.random.default_rng(seed))
    for name, X in (("10,000 test", test["threshold"]), ("10,000 test, 10% pixels flipped", flipped)):
        features = extract_features(X)
        (mu_a, _), (mu_b, _) = feature_statistics(real), feature_statistics(features)
        fid = frechet_distance(real, features)
        unsquared = fid - np.sum((mu_a - mu_b) ** 2) + np.linalg.norm(mu_a - mu_b)
        training_mode = frechet_distance(real_training_mode, training_mode_features(X, seed + 1))
        rows.append(f"| {name} | {fid:.3f} | {unsquared:.3f} | {training_mode:.3f} |")
    return "\n".join(rows)


def noise_table(train, test, seed):
    rng = np.random.default_rng(seed)
    real = extract_features(train["threshold"])
    rows = ["| pixels flipped | FID | KID | precision | recall |", "|---|---|---|---|---|"]
    fids = []
    for rate in FLIP_RATES:
        features = extract_features(flip(test["threshold"], rate, rng))
        fids.append(frechet_distance(real, features))
        kid = kernel_distance(real, features, n_subsets=50, subset_size=1000, random_state=seed)
        precision, recall = precision_recall(real, features)
        rows.append(f"| {rate:.0%} | {fids[-1]:.3f} | {kid:.2f} | {precision:.3f} | {recall:.3f} |")
    monotone = all(x < y for x, y in zip(fids, fids[1:]))
    return "\n".join(rows) + f"\n\nFID grows monotonically with the flip rate: **{monotone}**."


def timed(function, *args):
    """Wall-clock and CPU seconds (all threads of this process) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    function(*args)
    return time.perf_counter() - wall, time.process_time() - cpu


def timing_table(train, test, repeats):
    torch.set_num_threads(2)
    X_real, X_generated = train["threshold"], test["threshold"]
    fid_score(X_real[:1000], X_generated[:1000])  # warm-up: weights loaded, kernels chosen
    a, b = extract_features(X_real), extract_features(X_generated)
    runs = {"fid_score": [], "ours": [], "reference": []}
    for _ in range(repeats):
        runs["fid_score"].append(timed(fid_score, X_real, X_generated))
        # 128 x 128 matrices are too small for BLAS threads to help; on a shared machine
        # they only add waiting, so both Frechet steps are timed on one thread.
        with threadpool_limits(1):
            runs["ours"].append(timed(frechet_distance, a, b))
            runs["reference"].append(timed(reference_frechet_distance, a, b))
    wall, cpu = ({name: np.median([run[i] for run in values]) for name, values in runs.items()} for i in (0, 1))
    agreement = abs(frechet_distance(a, b) - reference_frechet_distance(a, b))
    return "\n".join(
        [
            "| step | median wall s | median CPU s |",
            "|---|---|---|",
            f"| fid_score, 10,000 vs 10,000 images, features included | {wall['fid_score']:.2f} "
            f"| {cpu['fid_score']:.2f} |",
            f"| frechet_distance on the 128-d features (eigh) | {wall['ours']:.3f} | {cpu['ours']:.3f} |",
            f"| reference: scipy.linalg.sqrtm of the product | {wall['reference']:.3f} | {cpu['reference']:.3f} |",
            "",
            f"Frechet step: the reference takes {wall['reference'] / wall['ours']:.1f}x the wall time of skgen's; "
            f"the two values differ by {agreement:.2e}. Medians of {repeats} alternating runs; torch threads: 2 "
            "(BLAS threads: 1 for the Frechet steps); "
            f"load average when done: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs.",
        ]
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--sections", nargs="+", default=["accuracy", "floor", "mistakes", "noise", "speed"])
    args = parser.parse_args()
    torch.set_num_threads(1)
    rng = np.random.default_rng(args.seed)
    train_rows = rng.choice(60000, 10000, replace=False)
    train, test = {}, {}
    for binarize in ("threshold", "stochastic", None):
        train[binarize] = load_mnist("train", binarize=binarize, return_X_y=True)[0][train_rows]
        test[binarize] = load_mnist("test", binarize=binarize, random_state=1, return_X_y=True)[0]
    sections = {
        "accuracy": ("Extractor accuracy", accuracy_table),
        "floor": ("The real-data floor", lambda: floor_table(train, test, args.seed)),
        "mistakes": ("What common mistakes would report (threshold)", lambda: mistakes_table(train, test, args.seed)),
        "noise": (
            "FID as test pixels are flipped (10,000 train vs 10,000 noisy test, threshold)",
            lambda: noise_table(train, test, args.seed),
        ),
        "speed": ("Speed", lambda: timing_table(train, test, args.repeats)),
    }
    for name in args.sections:
        title, table = sections[name]
        print(f"## {title}\n\n{table()}\n", flush=True)


if __name__ == "__main__":
    main()
