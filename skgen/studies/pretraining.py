"""Study 2: does DBN pretraining help a deep classifier of MNIST, and does Adam beat SGD?

Networks of logistic (sigmoid) units, in both arms, are trained on MNIST binarized at 127,
either from random weights or from the weights of a DBN pretrained on the same training
images, and fine-tuned with plain SGD or with Adam. Early stopping holds out 10% of the training images; the error is measured on
the official 10,000 test images. Three experiments vary one thing each:

- ``layers``: 2 to 5 hidden layers of 200 units;
- ``units``: 2 hidden layers of 100 to 700 units;
- ``train size``: 2 layers of 200 units, from 1,000 to 60,000 training images.

Each point pretrains one DBN and shares it (through ``FrozenEstimator``) between the SGD
and Adam networks it initialises. The point common to two experiments (2 layers of 200
units on the base training set) is trained once and reported in both.
"""

import time

import pandas as pd
import torch
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import train_test_split

from skgen._core.tensors import seed_from
from skgen.datasets import load_mnist
from skgen.studies._params import study_parameters
from skgen.studies._partial import PartialRun, check_resume_flag
from skgen.studies._report import output_folder, pyplot, save_figure, write_report

PROFILES = {
    "quick": {
        "n_layers": (2, 3, 5),
        "n_units": (100, 300, 700),
        "n_train": (1000, 3000, 10000),
        "layer_size": 200,
        "n_train_base": 3000,
        "pretrain_epochs": 5,
        "max_epochs": 30,
        "patience": 5,
        "n_test": None,
    },
    "full": {
        "n_layers": (2, 3, 4, 5),
        "n_units": (100, 300, 500, 700),
        "n_train": (1000, 3000, 7000, 10000, 30000, 60000),
        "layer_size": 200,
        "n_train_base": 60000,
        "pretrain_epochs": 20,
        "max_epochs": 200,
        "patience": 10,
        "n_test": None,
    },
}

#: fine-tuning optimizers and their settings: plain SGD (no momentum) against Adam
OPTIMIZERS = {
    "sgd": (torch.optim.SGD, {"lr": 0.1, "optimizer__momentum": 0.0}),
    "adam": (torch.optim.Adam, {"lr": 1e-3}),
}
_OPTIMIZER_LABELS = {"sgd": "SGD", "adam": "Adam"}

#: the hidden units of both arms: a DBN's are logistic, so the random networks' are too
ACTIVATION = "logistic"

#: DBN pretraining: CD-1 with small batches, the same for every point
PRETRAINING = {"lr": 0.1, "batch_size": 20}
FINE_TUNING_BATCH_SIZE = 50

_EXPERIMENTS = {
    "layers": ("n_layers", "hidden layers (200 units each)"),
    "units": ("n_units", "units per hidden layer (2 layers)"),
    "train size": ("n_train", "training images (2 layers of 200 units)"),
}


def _points(config):
    """``(experiment, n_layers, n_units, n_train)`` of every point of the study."""
    size, base = config["layer_size"], config["n_train_base"]
    for n_layers in config["n_layers"]:
        yield "layers", n_layers, size, base
    for n_units in config["n_units"]:
        yield "units", 2, n_units, base
    for n_train in config["n_train"]:
        yield "train size", 2, size, n_train


def _training_subset(X, y, n_train, seed):
    if n_train >= len(X):
        return X, y
    X_train, _, y_train, _ = train_test_split(X, y, train_size=n_train, stratify=y, random_state=seed)
    return X_train, y_train


def _one_point(n_layers, n_units, n_train, config, data, device, seed):
    """Pretrain one DBN, then train the four networks of a point; one table row each."""
    from skgen import DBN, DNNClassifier

    X, y, X_test, y_test = data
    X_train, y_train = _training_subset(X, y, n_train, seed)
    sizes = (n_units,) * n_layers
    dbn = DBN(hidden_layer_sizes=sizes, max_epochs=config["pretrain_epochs"], device=device, random_state=seed,
              **PRETRAINING)
    start = time.perf_counter()
    dbn.fit(X_train)
    pretrain_s = time.perf_counter() - start
    rows = []
    for init, pretrained in (("pretrained", FrozenEstimator(dbn)), ("random", None)):
        for name, (optimizer, settings) in OPTIMIZERS.items():
            clf = DNNClassifier(hidden_layer_sizes=sizes, dbn=pretrained, activation=ACTIVATION, optimizer=optimizer,
                                **settings, batch_size=FINE_TUNING_BATCH_SIZE, max_epochs=config["max_epochs"],
                                early_stopping=True, n_iter_no_change=config["patience"], device=device,
                                random_state=seed)
            start = time.perf_counter()
            clf.fit(X_train, y_train)
            rows.append({
                "n_layers": n_layers, "n_units": n_units, "n_train": len(X_train),
                "init": init, "optimizer": name, "test_error_pct": 100 * (1 - clf.score(X_test, y_test)),
                "epochs": clf.n_iter_, "pretrain_s": pretrain_s if pretrained is not None else 0.0,
                "fit_s": time.perf_counter() - start,
            })
    return rows


def _tick_label(value):
    """``7000`` as ``7k``: thousands of training images stay legible on a log axis."""
    return f"{value // 1000}k" if value >= 1000 and value % 1000 == 0 else str(value)


def _figures(out, table):
    plt = pyplot()
    paths = []
    for experiment, (column, label) in _EXPERIMENTS.items():
        group = table[table["experiment"] == experiment]
        if group.empty:
            continue
        fig, ax = plt.subplots(figsize=(5, 3.5))
        for (init, optimizer), curve in group.groupby(["init", "optimizer"]):
            ax.plot(curve[column], curve["test_error_pct"], "o-" if init == "pretrained" else "s--",
                    color="C0" if optimizer == "sgd" else "C1", label=f"{init}, {_OPTIMIZER_LABELS[optimizer]}")
        if experiment == "train size":
            ax.set_xscale("log")
        ticks = sorted(group[column].unique())
        ax.set_xticks(ticks, [_tick_label(v) for v in ticks])
        ax.minorticks_off()
        ax.set_xlabel(label)
        ax.set_ylabel("test error (%)")
        ax.set_title(f"MNIST: test error against {experiment}")
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1))
        path = out / f"pretraining_{experiment.replace(' ', '_')}.png"
        paths.append(save_figure(fig, path, dpi=90, bbox_inches="tight"))
    return paths


def _config(profile):
    if isinstance(profile, dict):
        unknown = set(profile) - set(PROFILES["quick"])
        if unknown:
            raise ValueError(f"unknown study settings {sorted(unknown)}; known: {sorted(PROFILES['quick'])}.")
        return {**PROFILES["quick"], **profile}
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {sorted(PROFILES)} or a dict of settings, got {profile!r}.")
    return PROFILES[profile]


def resume_settings(profile="quick", *, device="cpu", random_state=0):
    """What a run computes, which a resumed run must share with the run it continues."""
    return {"study": "pretraining", "profile": profile if isinstance(profile, str) else "custom",
            "settings": _config(profile), "device": str(device), "random_state": random_state}


def _unit_name(n_layers, n_units, n_train):
    """A point's name among its partial run's files: ``2x200-3000``."""
    return f"{n_layers}x{n_units}-{n_train}"


@study_parameters("pretraining", "point", resume_settings)
def run_pretraining_study(profile="quick", *, out="skgen-out/pretraining", data_home=None, device="cpu",
                          n_jobs=None, random_state=0, resume=False):
    """Run study 2 and write its three figures, table (CSV) and report into ``out``.

    Parameters
    ----------
    profile : {"quick", "full"} or dict, default="quick"
        ``"quick"`` runs in a few minutes on 2 cores (subsets of the training images, few
        epochs, three points per experiment); ``"full"`` is the study's grid on up to all
        60,000 training images. A dict overrides settings of the quick profile (keys of
        ``PROFILES["quick"]``), e.g. for a smaller run.
    random_state : int, RandomState instance or None, default=0
        Seeds the training subsets, the DBNs and the networks; every point uses the same seed.
    %(study_parameters)s

    Returns
    -------
    table : pandas.DataFrame
        One row per trained network: experiment, n_layers, n_units, n_train, init
        (pretrained/random), optimizer (sgd/adam), test_error_pct, epochs, pretrain_s, fit_s.
        ``table.attrs["report"]`` is the path of the Markdown report.
    """
    config = _config(profile)
    check_resume_flag(resume)
    partial = PartialRun(out, "pretraining", resume_settings(profile, device=device, random_state=random_state),
                         resume)
    seed = seed_from(random_state)
    X, y = load_mnist("train", binarize="threshold", data_home=data_home, return_X_y=True)
    X_test, y_test = load_mnist("test", binarize="threshold", data_home=data_home, return_X_y=True)
    if config["n_test"] is not None:
        X_test, y_test = X_test[: config["n_test"]], y_test[: config["n_test"]]
    data = (X, y, X_test, y_test)
    points = list(_points(config))
    networks = list(dict.fromkeys(point[1:] for point in points))
    units = {_unit_name(*network): (*network, config, data, device, seed) for network in networks}
    results = partial.map(_one_point, units, n_jobs=n_jobs, desc="study 2 points", unit="point")
    rows = {network: results[_unit_name(*network)] for network in networks}
    table = pd.DataFrame([{"experiment": point[0], **row} for point in points for row in rows[point[1:]]])
    out = output_folder(out)
    figures = _figures(out, table)
    notes = (
        f"Profile `{profile if isinstance(profile, str) else 'custom'}`. MNIST binarized at 127; test error on "
        f"{len(X_test)} official test images; early stopping on 10% of the training images. Every network, "
        f"pretrained or random, has {ACTIVATION} hidden units, the units of the DBN. DBN pretraining: "
        f"CD-1, {config['pretrain_epochs']} epochs per layer. Fine-tuning: plain SGD (lr 0.1) or Adam (lr 1e-3), "
        f"batches of {FINE_TUNING_BATCH_SIZE}, at most {config['max_epochs']} epochs. "
        f"Mean test error: {_summary(table)}."
    )
    table.attrs["report"] = write_report(out, "pretraining", "Study 2: DBN pretraining and SGD vs Adam on MNIST",
                                         table, figures, notes)
    partial.remove()
    return table


def _summary(table):
    means = table.groupby(["init", "optimizer"])["test_error_pct"].mean()
    return ", ".join(f"{init} {optimizer} {value:.2f}%" for (init, optimizer), value in means.items())
