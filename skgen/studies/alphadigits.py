"""Study 1: RBM and DBN generating Binary AlphaDigits.

How does the quality of generated characters depend on the number of hidden units, on
the number of layers, and on how many distinct characters the model must learn? Quality
is judged by :class:`skgen.metrics.SampleJudge` fitted on all 36 characters: the share of
samples it recognises, confidently and near a real image, as one of the characters the
model was trained on, how many of those characters appear among the samples, and the
Frechet distance between samples and real characters in the judge's feature space.
Every model is trained by PCD with a decaying learning rate, and its samples continue its
persistent chains.
"""

import math
import re
import time

import pandas as pd

from skgen.datasets import load_alphadigits
from skgen.datasets.alphadigits import IMAGE_SHAPE
from skgen.studies._params import study_parameters
from skgen.studies._partial import PartialRun, check_resume_flag
from skgen.studies._report import output_folder, pyplot, save_figure, write_report

#: a fixed order in which characters are added when the study grows their number
CHARACTER_ORDER = "A3XK7M0BZ5QE2SHN9RW4CVJ8FUT1GLYD6OIP"

PROFILES = {
    "quick": {
        "characters": "A3XK7",
        "n_components": (25, 100),
        "n_layers": (1, 2),
        "layer_size": 100,
        "n_characters": (1, 6),
        "max_epochs": 40,
        "min_updates": 1000,
        "n_samples": 100,
        "n_steps": 100,
    },
    "full": {
        "characters": "A3XK7",
        "n_components": (10, 25, 50, 100, 200, 400, 800),
        "n_layers": (1, 2, 3, 4, 5),
        "layer_size": 200,
        "n_characters": (1, 2, 4, 8, 12, 16, 24, 36),
        "max_epochs": 300,
        "min_updates": 5000,
        "n_samples": 400,
        "n_steps": 1000,
    },
}

def fit_judge(data_home=None):
    """A :class:`skgen.metrics.SampleJudge` of all 36 characters, fitted on every Binary AlphaDigits image."""
    from skgen.metrics import SampleJudge

    X, y = load_alphadigits(data_home=data_home, return_X_y=True)
    return SampleJudge().fit(X, y)


#: PCD with 500 persistent chains and a learning rate decaying linearly to zero, so that the
#: chains follow the model as it learns and the samples continue them
#: (benchmarks/bench_alphadigits_generation.py: CD-1 covers 4 of the 36 characters, PCD 27)
TRAINING = {"lr": 0.05, "batch_size": 20, "optimizer__momentum": 0.5, "persistent": True, "n_chains": 500,
            "lr_scheduler__start_factor": 1.0, "lr_scheduler__end_factor": 0.0}


def n_epochs(n_images, config):
    """Epochs of a run on ``n_images``: the profile's, or more, so that the persistent chains
    get at least ``min_updates`` Gibbs steps (a single character is only two batches)."""
    batches = math.ceil(n_images / TRAINING["batch_size"])
    return max(config["max_epochs"], math.ceil(config["min_updates"] / batches))


def _model(n_layers, n_units, n_images, config, device, random_state):
    import torch

    from skgen import DBN, RBM

    epochs = n_epochs(n_images, config)
    shared = {**TRAINING, "max_epochs": epochs, "lr_scheduler": torch.optim.lr_scheduler.LinearLR,
              "lr_scheduler__total_iters": epochs, "device": device, "random_state": random_state}
    if n_layers == 1:
        return RBM(n_components=n_units, **shared)
    return DBN(hidden_layer_sizes=(n_units,) * n_layers, **shared)


def _runs(config):
    """``(experiment, value, n_layers, n_units, characters)`` of every run of the study."""
    base = config["characters"]
    for n in config["n_components"]:
        yield "hidden units", n, 1, n, base
    for layers in config["n_layers"]:
        yield "layers", layers, layers, config["layer_size"], base
    for n_chars in config["n_characters"]:
        for layers in (1, 2):
            yield f"characters ({'RBM' if layers == 1 else 'DBN'})", n_chars, layers, config["layer_size"], \
                CHARACTER_ORDER[:n_chars]


def _unit_name(experiment, value):
    """A run's name among its partial run's files: ``characters-rbm-6``."""
    return f"{re.sub('[^a-z0-9]+', '-', experiment.lower()).strip('-')}-{value}"


def _one_run(experiment, value, n_layers, n_units, characters, config, judge, data_home, device, random_state):
    X, _ = load_alphadigits(characters, data_home=data_home, return_X_y=True)
    model = _model(n_layers, n_units, len(X), config, device, random_state)
    start = time.perf_counter()
    model.fit(X)
    seconds = time.perf_counter() - start
    samples = model.sample(config["n_samples"], start="chains", n_steps=config["n_steps"], random_state=random_state)
    judgement = judge.judge(samples, characters)
    row = {"experiment": experiment, "value": value, "n_layers": n_layers, "n_units": n_units,
           "n_characters": len(characters), "recognised_pct": 100 * judgement.recognised,
           "balanced_pct": 100 * judgement.balanced,
           "covered": judgement.covered, "judge_fd": judgement.frechet_distance, "fit_s": seconds}
    return row, samples


def _figures(out, table, samples):
    from skgen.plotting import plot_image_grid

    plt = pyplot()
    paths = []
    for experiment, group in table.groupby("experiment", sort=False):
        fig, axes = plt.subplots(2, len(group), figsize=(2.2 * len(group), 5), squeeze=False,
                                 gridspec_kw={"height_ratios": [3, 2]})
        for ax, (i, row) in zip(axes[0], group.iterrows()):
            plot_image_grid(samples[i][:16], IMAGE_SHAPE, n_cols=4, ax=ax, title=f"{row['value']}")
        gs = axes[1, 0].get_gridspec()
        for ax in axes[1]:
            ax.remove()
        curve = fig.add_subplot(gs[1, :])
        curve.plot(group["value"], group["recognised_pct"], "o-", label="recognised (%)")
        curve.plot(group["value"], group["balanced_pct"], "^:", label="recognised, balanced (%)")
        curve.plot(group["value"], 100 * group["covered"] / group["n_characters"], "s--", label="characters covered (%)")
        curve.set_xlabel(experiment)
        curve.set_ylim(-5, 105)
        curve.legend(loc="lower left")
        fig.suptitle(f"Binary AlphaDigits: samples against {experiment}")
        path = out / f"alphadigits_{re.sub('[^a-z]+', '_', experiment.lower()).strip('_')}.png"
        paths.append(save_figure(fig, path, dpi=90, bbox_inches="tight"))
    return paths


def capacity(table):
    """How many characters each model learns: the most characters covered in one run."""
    runs = table[table["experiment"].str.startswith("characters")]
    return runs.groupby("experiment")["covered"].max().to_dict()


def resume_settings(profile="quick", *, device="cpu", random_state=0):
    """What a run computes, which a resumed run must share with the run it continues."""
    return {"study": "alphadigits", "profile": profile, "device": str(device), "random_state": random_state}


@study_parameters("alphadigits", "run", resume_settings)
def run_alphadigits_study(profile="quick", *, out="skgen-out/alphadigits", data_home=None, device="cpu",
                          n_jobs=None, random_state=0, resume=False):
    """Run study 1 and write its figures, table and report into ``out``.

    Parameters
    ----------
    profile : {"quick", "full"}, default="quick"
        ``"quick"`` runs in a few minutes on 2 cores; ``"full"`` is the study's grid.
    random_state : int, default=0
        Seeds every model and sampler; each run from this seed alone, whatever ran before.
    %(study_parameters)s

    Returns
    -------
    table : pandas.DataFrame
        One row per run: experiment, value, n_layers, n_units, n_characters,
        recognised_pct, balanced_pct, covered, judge_fd, fit_s. ``table.attrs["report"]`` is
        the report's path.
    """
    if not isinstance(profile, str) or profile not in PROFILES:
        raise ValueError(f"profile must be one of {sorted(PROFILES)}, got {profile!r}.")
    check_resume_flag(resume)
    config = PROFILES[profile]
    partial = PartialRun(out, "alphadigits", resume_settings(profile, device=device, random_state=random_state),
                         resume)
    judge = fit_judge(data_home)
    units = {_unit_name(*run[:2]): (*run, config, judge, data_home, device, random_state) for run in _runs(config)}
    results = list(partial.map(_one_run, units, n_jobs=n_jobs, desc="study 1 runs", unit="run").values())
    out = output_folder(out)
    table = pd.DataFrame([row for row, _ in results])
    figures = _figures(out, table, [samples for _, samples in results])
    learned = ", ".join(f"{k}: {v}" for k, v in capacity(table).items())
    notes = (f"Profile `{profile}`. Every RBM is trained by PCD (500 persistent chains, batches of 20, lr 0.05 "
             f"decaying linearly to 0, momentum 0.5) for {config['max_epochs']} epochs, or more on few characters so "
             f"that its chains take at least {config['min_updates']} steps; the {config['n_samples']} "
             f"samples continue its persistent chains (a DBN's top chains, then a down pass) for "
             f"{config['n_steps']} Gibbs steps. A sample is recognised when a logistic regression trained on all 36 "
             f"characters gives one of the trained characters probability >= {judge.confidence} and the sample "
             f"is as near (L1) to a real image of that character as {100 * judge.quantile:g}% of the real images "
             "are to their nearest neighbour of the same character; a character is covered when at least 1% of "
             "the samples are recognised as it. balanced_pct counts each character for at most its fair share of the "
             "samples, so a model that collapses onto one real-looking image scores 1/n_characters. judge_fd is the Frechet distance between the samples and the "
             "real images of the trained characters in the judge's class scores. Characters learned at "
             f"{config['layer_size']} units per layer (most covered): {learned}.")
    table.attrs["report"] = write_report(out, "alphadigits", "Study 1: RBM and DBN on Binary AlphaDigits",
                                         table, figures, notes)
    partial.remove()
    return table
