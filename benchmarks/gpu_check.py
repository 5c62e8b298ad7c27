"""Every GPU measurement in one short session: CUDA tests, then each model's epoch against plain PyTorch.

A session lent a GPU has about 15 minutes of it; this script fits in 8 (``--quick``: a
minute on a CPU). It runs, in order, each part recording its error instead of stopping:

1. ``tests/test_cuda.py`` (pytest in a subprocess), its counts and time;
2. the RBM's CD-1 epoch (784 visible, 500 hidden, batch 100): ``skgen.RBM.fit`` for one
   epoch, the five products of CD-1 alone (``v0 W^T``, ``h W``, ``v1 W^T``, ``h0^T v0``,
   ``h1^T v1`` per batch, into preallocated outputs), a plain PyTorch CD-1 loop
   (``bench_rbm_speed.plain_cd1_epoch``) and scikit-learn's ``BernoulliRBM`` (always on the
   CPU) on float32 and float64 data;
3. one epoch of ``DNNClassifier`` (784-500-500-2000-10, sigmoid, Adam, batch 128),
   ``BetaVAE`` (784-200-200-50, tanh, batch 100) and ``GAN`` (64-256-512-784 generator,
   784-512-256-1 discriminator, batch 64), each against a plain PyTorch loop of the same
   shapes, optimizer (Adam with its fused update, as skgen runs it) and batch size; the RBM
   also without its fused update.

On the CPU the plain loops and the products run on the threads skgen's policy gives a fit
of their size (:func:`skgen._core.threads.fit_threads`); scikit-learn on its BLAS's default
threads. Each skgen row runs in float32 and in bfloat16: the plain loops under ``torch.autocast``,
the estimators with ``precision="bfloat16"`` where they take that parameter (a row that
cannot run says why). Variants alternate in one process after an untimed warm-up round and
are compared by medians; on a GPU every time is wall-clock after ``torch.cuda.synchronize``.
Data: binarized MNIST where ``SKGEN_DATA`` (or ``~/skgen_data``) holds it, else random
binary rows of the same shape (the times barely depend on the values; the JSON says which).

Writes ``OUT.json`` and ``OUT.md`` (a section for ``benchmarks/RESULTS.md``)::

    python benchmarks/gpu_check.py --out gpu_check            # on a GPU, under 8 minutes
    python benchmarks/gpu_check.py --device cpu --quick --out /tmp/gpu_check
"""

import argparse
import os
import platform
import subprocess
import sys
import time
from contextlib import nullcontext
from pathlib import Path

import numpy as np
import sklearn
import torch
import torch.nn.functional as F
from sklearn.neural_network import BernoulliRBM
from torch import nn

import skgen
from skgen import GAN, RBM, BetaVAE, DNNClassifier
from skgen._core.precision import bfloat16_supported
from skgen._core.threads import fit_threads
from skgen.datasets import load_mnist

from _output import report
from _timing import time_alternating
from bench_rbm_speed import plain_cd1_epoch

ROOT = Path(__file__).resolve().parent.parent
PRECISIONS = ("float32", "bfloat16")
DNN_HIDDEN, VAE_HIDDEN, VAE_LATENT = (500, 500, 2000), (200, 200), 50
GAN_LATENT, GAN_G_HIDDEN, GAN_D_HIDDEN = 64, (256, 512), (512, 256)
BATCH = {"RBM": 100, "DNNClassifier": 128, "BetaVAE": 100, "GAN": 64}
LARGEST_LAYER = {"DNNClassifier": 500 * 2000, "BetaVAE": 784 * 200, "GAN": 784 * 512}
#: rows per epoch and timed rounds, for the whole check and for --quick
SIZES = {"full": {"rows": 20000, "rounds": 3}, "quick": {"rows": 400, "rounds": 1}}


def synchronized(run, device):
    """``run`` followed by a wait for the device's queued work, so that the wall clock times the work itself."""
    def timed():
        run()
        if device.type == "cuda":
            torch.cuda.synchronize(device)
    return timed


def like_skgen(run, work_per_step):
    """``run`` on the CPU threads skgen gives a fit of that work per step: plain loops are compared
    with skgen's at the same thread count (on a GPU the count only matters to the launches)."""
    def threaded():
        with fit_threads(work_per_step):
            run()
    return threaded


def autocast(device, precision):
    return torch.autocast(device.type, dtype=torch.bfloat16) if precision == "bfloat16" else nullcontext()


def mnist_rows(n_rows):
    """Binarized MNIST training rows, or random binary rows of the same shape where MNIST is missing."""
    try:
        X, y = load_mnist("train", return_X_y=True)
        return X[:n_rows].astype(np.float32), y[:n_rows], "binarized MNIST"
    except (OSError, ValueError) as exc:
        rng = np.random.default_rng(0)
        X = (rng.random((n_rows, 784)) < 0.13).astype(np.float32)
        return X, rng.integers(0, 10, n_rows), f"random binary rows (MNIST not loadable: {exc})"


def run_cuda_tests(timeout):
    start = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, "-m", "pytest", str(ROOT / "tests" / "test_cuda.py"), "-q", "-rs", "-p",
                               "no:cacheprovider"], capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return {"returncode": None, "summary": f"timed out after {timeout} s", "seconds": timeout}
    lines = done.stdout.strip().splitlines()
    return {"returncode": done.returncode, "summary": lines[-1] if lines else done.stderr.strip()[-300:],
            "seconds": round(time.perf_counter() - start, 1)}


# -- skgen estimators ------------------------------------------------------------------------


def skgen_fit(make, X, y, precision):
    """A function fitting one epoch of ``make(**precision)``, or a string saying why it cannot run."""
    options = {} if precision == "float32" else {"precision": precision}
    if options and "precision" not in make().get_params():
        return f"{type(make()).__name__} has no precision parameter yet"
    return lambda: make(**options).fit(X, y)


def estimators(device):
    shared = {"max_epochs": 1, "device": str(device), "random_state": 0}
    return {
        "RBM": lambda **kw: RBM(n_components=500, batch_size=BATCH["RBM"], lr=0.1, **shared, **kw),
        "DNNClassifier": lambda **kw: DNNClassifier(hidden_layer_sizes=DNN_HIDDEN, lr=1e-3, early_stopping=False,
                                                    batch_size=BATCH["DNNClassifier"], **shared, **kw),
        "BetaVAE": lambda **kw: BetaVAE(latent_dim=VAE_LATENT, hidden_layer_sizes=VAE_HIDDEN, activation="tanh",
                                        batch_size=BATCH["BetaVAE"], **shared, **kw),
        "GAN": lambda **kw: GAN(latent_dim=GAN_LATENT, generator_hidden_layer_sizes=GAN_G_HIDDEN,
                                discriminator_hidden_layer_sizes=GAN_D_HIDDEN, batch_size=BATCH["GAN"], **shared, **kw),
    }


# -- plain PyTorch loops of the same shapes --------------------------------------------------


def layers(sizes, activation, batch_norm=False):
    out = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        out += [nn.Linear(n_in, n_out), *([nn.BatchNorm1d(n_out)] if batch_norm else []), activation()]
    return out


def plain_dnn_epoch(X, y, device, precision):
    model = nn.Sequential(*layers((784, *DNN_HIDDEN), nn.Sigmoid), nn.Linear(DNN_HIDDEN[-1], 10)).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, fused=True)
    for rows in torch.randperm(len(X), device=device).split(BATCH["DNNClassifier"]):
        with autocast(device, precision):
            loss = F.cross_entropy(model(X[rows]), y[rows])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def plain_vae_epoch(X, device, precision):
    encoder = nn.Sequential(*layers((784, *VAE_HIDDEN), nn.Tanh), nn.Linear(VAE_HIDDEN[-1], 2 * VAE_LATENT)).to(device)
    decoder = nn.Sequential(*layers((VAE_LATENT, *VAE_HIDDEN[::-1]), nn.Tanh), nn.Linear(VAE_HIDDEN[0], 784)).to(device)
    optimizer = torch.optim.Adam([*encoder.parameters(), *decoder.parameters()], lr=1e-3, fused=True)
    for rows in torch.randperm(len(X), device=device).split(BATCH["BetaVAE"]):
        with autocast(device, precision):
            mu, log_var = encoder(X[rows]).chunk(2, dim=1)
            z = mu + torch.randn_like(mu) * (0.5 * log_var).exp()
            reconstruction = F.binary_cross_entropy_with_logits(decoder(z), X[rows], reduction="none").sum(1)
            kl = 0.5 * (mu.pow(2) + log_var.exp() - 1 - log_var).sum(1)
            loss = (reconstruction + kl).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def plain_gan_epoch(X, device, precision):
    G = nn.Sequential(*layers((GAN_LATENT, *GAN_G_HIDDEN), lambda: nn.LeakyReLU(0.2), batch_norm=True),
                      nn.Linear(GAN_G_HIDDEN[-1], 784), nn.Sigmoid()).to(device)
    D = nn.Sequential(*layers((784, *GAN_D_HIDDEN), lambda: nn.LeakyReLU(0.2)),
                      nn.Linear(GAN_D_HIDDEN[-1], 1)).to(device)
    opt_g = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999), fused=True)
    opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999), fused=True)
    batch = BATCH["GAN"]
    ones, zeros = torch.ones(batch, 1, device=device), torch.zeros(batch, 1, device=device)
    for rows in torch.randperm(len(X), device=device).split(batch):
        with autocast(device, precision):
            with torch.no_grad():
                fake = G(torch.randn(batch, GAN_LATENT, device=device))
            real_logits = D(X[rows])
            loss_d = (F.binary_cross_entropy_with_logits(real_logits, ones[:len(rows)])
                      + F.binary_cross_entropy_with_logits(D(fake), zeros))
        opt_d.zero_grad()
        loss_d.backward()
        opt_d.step()
        with autocast(device, precision):
            loss_g = F.binary_cross_entropy_with_logits(D(G(torch.randn(batch, GAN_LATENT, device=device))), ones)
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()


def cd1_gemms(X, device, precision, n_hidden=500, batch=BATCH["RBM"]):
    """A function running the five CD-1 products of every batch of an epoch, in ``precision``."""
    dtype = torch.bfloat16 if precision == "bfloat16" else torch.float32
    data = X.to(dtype)
    W = 0.01 * torch.randn(n_hidden, X.shape[1], device=device, dtype=dtype)
    h0, h1 = (torch.rand(batch, n_hidden, device=device, dtype=dtype) for _ in range(2))
    v1 = torch.rand(batch, X.shape[1], device=device, dtype=dtype)
    grad = torch.empty_like(W)
    batches = [v0 for v0 in data.split(batch) if len(v0) == batch]

    def epoch():
        for v0 in batches:
            torch.mm(v0, W.T, out=h0)
            torch.mm(h0, W, out=v1)
            torch.mm(v1, W.T, out=h1)
            torch.mm(h0.T, v0, out=grad)
            torch.mm(h1.T, v1, out=grad)
    return epoch


def plain_cd1(X, device, precision):
    """A function running a plain PyTorch CD-1 epoch over ``X``, its products in ``precision``."""
    def epoch():
        with autocast(device, precision):
            plain_cd1_epoch(X, torch.Generator(device).manual_seed(0), batch=BATCH["RBM"])
    return epoch


def sklearn_rbm(X):
    return lambda: BernoulliRBM(n_components=500, batch_size=BATCH["RBM"], n_iter=1, learning_rate=0.1,
                                random_state=0).fit(X)


# -- the parts of the check ------------------------------------------------------------------


def measure(variants, rounds, device):
    """Median wall seconds of the runnable variants; the others keep the reason they cannot run."""
    runnable = {name: synchronized(run, device) for name, run in variants.items() if callable(run)}
    skipped = {name: {"skipped": why} for name, why in variants.items() if not callable(why)}
    try:
        medians = time_alternating(runnable, rounds)["wall"]
    except Exception as exc:  # one failing part must not cost the session the others
        return {name: {"error": f"{type(exc).__name__}: {exc}"} for name in runnable} | skipped
    return {name: {"seconds": round(s, 4)} for name, s in medians.items()} | skipped


def check_rbm(X, device, precisions, rounds):
    make = estimators(device)["RBM"]
    Xd = torch.as_tensor(X, device=device)
    variants = {}
    for precision in precisions:
        variants[f"skgen {precision}"] = skgen_fit(make, X, None, precision)
        variants[f"GEMMs {precision}"] = like_skgen(cd1_gemms(Xd, device, precision), BATCH["RBM"] * 784 * 500)
        variants[f"plain PyTorch {precision}"] = like_skgen(plain_cd1(Xd, device, precision), BATCH["RBM"] * 784 * 500)
    # issue 24, item 4: skgen fuses the optimizer's update by default; this is the launch per tensor and step it saves
    variants["skgen float32, unfused update"] = lambda: make(optimizer__foreach=False).fit(X)
    variants["scikit-learn float32 (CPU)"] = sklearn_rbm(X)
    variants["scikit-learn float64 (CPU)"] = sklearn_rbm(X.astype(np.float64))
    return measure(variants, rounds, device)


def check_model(name, X, y, device, precisions, rounds):
    make = estimators(device)[name]
    Xd = torch.as_tensor(X, device=device)
    yd = torch.as_tensor(y, device=device, dtype=torch.long)
    plain = {
        "DNNClassifier": lambda precision: lambda: plain_dnn_epoch(Xd, yd, device, precision),
        "BetaVAE": lambda precision: lambda: plain_vae_epoch(Xd, device, precision),
        "GAN": lambda precision: lambda: plain_gan_epoch(Xd, device, precision),
    }[name]
    variants = {}
    for precision in precisions:
        variants[f"skgen {precision}"] = skgen_fit(make, X, y if name == "DNNClassifier" else None, precision)
        variants[f"plain PyTorch {precision}"] = like_skgen(plain(precision), BATCH[name] * LARGEST_LAYER[name])
    return measure(variants, rounds, device)


def ratio(rows, numerator, denominator):
    a, b = rows.get(numerator, {}).get("seconds"), rows.get(denominator, {}).get("seconds")
    return round(a / b, 2) if a and b else None


def ratios(models):
    out = {}
    rbm = models.get("RBM", {})
    for precision in PRECISIONS:
        out[f"RBM skgen / GEMMs, {precision}"] = ratio(rbm, f"skgen {precision}", f"GEMMs {precision}")
        out[f"scikit-learn float64 / RBM skgen, {precision}"] = ratio(rbm, "scikit-learn float64 (CPU)",
                                                                      f"skgen {precision}")
        out[f"RBM skgen / plain, {precision}"] = ratio(rbm, f"skgen {precision}", f"plain PyTorch {precision}")
    out["RBM fused (default) / unfused update, float32"] = ratio(rbm, "skgen float32", "skgen float32, unfused update")
    for name in ("DNNClassifier", "BetaVAE", "GAN"):
        for precision in PRECISIONS:
            out[f"{name} skgen / plain, {precision}"] = ratio(models.get(name, {}), f"skgen {precision}",
                                                             f"plain PyTorch {precision}")
    for name, rows in models.items():
        out[f"{name} float32 / bfloat16, skgen"] = ratio(rows, "skgen float32", "skgen bfloat16")
    return out


def markdown(result):
    lines = [f"### GPU check: {result['device_name']} ({result['date']})", "",
             f"`{result['command']}`: torch {result['torch']}, skgen {result['skgen']}, {result['data']}, "
             f"{result['rows']} rows per epoch, medians of {result['rounds']} alternating rounds "
             f"(load average {result['load_average']}); total {result['seconds']:.0f} s.", "",
             f"CUDA tests: {result['cuda_tests']['summary']}.", "",
             "| model | variant | seconds per epoch |", "|---|---|---|"]
    for model, rows in result["models"].items():
        for variant, row in rows.items():
            value = f"{row['seconds']:.3f}" if "seconds" in row else row.get("skipped") or row.get("error")
            lines.append(f"| {model} | {variant} | {value} |")
    lines += ["", "| ratio | value |", "|---|---|"]
    lines += [f"| {name} | {value} |" for name, value in result["ratios"].items() if value is not None]
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda", help="cuda (default), cuda:N or cpu")
    parser.add_argument("--quick", action="store_true", help="a few hundred rows, one round: the script's own check")
    parser.add_argument("--out", required=True, help="writes OUT.json and OUT.md")
    parser.add_argument("--tests-timeout", type=int, default=240, help="seconds for tests/test_cuda.py")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        parser.error("CUDA is not available here; use --device cpu")
    size = SIZES["quick" if args.quick else "full"]
    X, y, data = mnist_rows(size["rows"])
    precisions = PRECISIONS if bfloat16_supported(device) else ("float32",)
    result = {
        "command": " ".join(["python benchmarks/gpu_check.py", *(argv if argv is not None else sys.argv[1:])]),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "device": str(device),
        "device_name": torch.cuda.get_device_name(device) if device.type == "cuda" else platform.processor() or "CPU",
        "torch": torch.__version__, "skgen": skgen.__version__, "sklearn": sklearn.__version__,
        "cpu_threads": torch.get_num_threads(), "load_average": round(os.getloadavg()[0], 2),
        "data": data, "rows": len(X), "rounds": size["rounds"], "precisions": list(precisions),
    }
    print(f"gpu_check on {result['device_name']}: {data}, {len(X)} rows", flush=True)
    result["cuda_tests"] = run_cuda_tests(args.tests_timeout)
    print(f"CUDA tests: {result['cuda_tests']['summary']}", flush=True)
    models = {"RBM": check_rbm(X, device, precisions, size["rounds"])}
    for name in ("DNNClassifier", "BetaVAE", "GAN"):
        models[name] = check_model(name, X, y, device, precisions, size["rounds"])
        print(f"{name}: {models[name]}", flush=True)
    result["models"], result["ratios"] = models, ratios(models)
    result["seconds"] = round(time.perf_counter() - started, 1)
    out = Path(args.out)
    report(result, out.with_suffix(".json"))
    out.with_suffix(".md").write_text(markdown(result))
    print(markdown(result))


if __name__ == "__main__":
    main()
