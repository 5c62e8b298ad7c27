"""The main job on the embedded default: every skgen model on scikit-learn's digits.

Runs offline on a fresh install: scikit-learn ships the 1,797 8x8 digits. They are
binarized (grey level > 7 of 16), split 75/25, and every model is fitted with a small
budget. The summary compares them on the held-out quarter.
"""

import time

import numpy as np
import pandas as pd
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.model_selection import train_test_split

from skgen.studies._parallel import parallel_map
from skgen.studies._report import output_folder, write_report

IMAGE_SHAPE = (8, 8)

NOTES = """All models were fitted on 1,347 of scikit-learn's 8x8 digits binarized at 8/16 and are
judged on the other 450: test accuracy for the classifiers, mean held-out log-likelihood
(nats) where a model has one, and the Frechet distance between 400 samples and the held-out
digits in the features of a 16-component PCA fitted on the training digits (lower is
better; the first row gives the floor, training vs held-out digits)."""


def _digits(random_state):
    digits = load_digits()
    X = (digits.data > 7).astype(np.float32)
    return train_test_split(X, digits.target, test_size=0.25, stratify=digits.target, random_state=random_state)


def _generative_models(random_state):
    from skgen import DBN, GAN, RBM, BetaVAE

    shared = {"random_state": random_state}
    return {
        "RBM": RBM(n_components=64, lr=0.05, batch_size=20, max_epochs=60, **shared),
        "DBN": DBN(hidden_layer_sizes=(64, 64), lr=0.05, batch_size=20, max_epochs=60, **shared),
        "BetaVAE": BetaVAE(latent_dim=8, hidden_layer_sizes=(128,), lr=1e-3, max_epochs=100, batch_size=32, **shared),
        "GAN": GAN(latent_dim=16, generator_hidden_layer_sizes=(128, 128), discriminator_hidden_layer_sizes=(128, 128),
                   lr=1e-3, max_epochs=60, batch_size=32, **shared),
    }


def _classifiers(random_state):
    from skgen import DBN, DNNClassifier

    shared = {"optimizer": "adam", "lr": 3e-3, "max_epochs": 60, "batch_size": 32, "random_state": random_state}
    pretraining = DBN(hidden_layer_sizes=(64, 64), lr=0.05, batch_size=20, max_epochs=40, random_state=random_state)
    return {
        "DNN (random init)": DNNClassifier(hidden_layer_sizes=(64, 64), **shared),
        "DNN (DBN-pretrained)": DNNClassifier(dbn=pretraining, **shared),
    }


def _log_likelihood(model, X):
    return model.score(X) if hasattr(model, "score_samples") else np.nan


def _fit_generative(name, model, data, features, out, random_state):
    """Fit ``model``, save a grid of its samples; return its row of the table and the figure."""
    from skgen.metrics import fid_score
    from skgen.plotting import save_image_grid

    X_train, X_test = data
    start = time.perf_counter()
    model.fit(X_train)
    seconds = time.perf_counter() - start
    samples = model.sample(400, random_state=random_state)
    figure = save_image_grid(samples[:64], IMAGE_SHAPE, out / f"samples_{name.lower()}.png", n_cols=8,
                             title=f"{name} samples")
    row = {
        "model": name,
        "log_likelihood": _log_likelihood(model, X_test),
        "fid": fid_score(X_test, samples, extractor=features),
        "fit_s": seconds,
    }
    return row, figure


def _fit_classifier(name, model, data):
    """Fit ``model`` on the labelled training digits; return its row of the table and no figure."""
    X_train, X_test, y_train, y_test = data
    start = time.perf_counter()
    model.fit(X_train, y_train)
    return {"model": name, "accuracy": model.score(X_test, y_test), "fit_s": time.perf_counter() - start}, None


def _call(function, *args):
    """One of the demo's independent fits: ``function(*args)``."""
    return function(*args)


def run_demo(out="skgen-out", random_state=0, n_jobs=None):
    """Fit an RBM, a DBN, two DNNs, a beta-VAE and a GAN on the binarized digits.

    Writes one sample grid per generative model, ``demo.csv`` and ``demo.md`` into
    ``out`` and returns the summary table: test accuracy of the classifiers, mean
    held-out log-likelihood (nats) where a model has one, and the Frechet distance
    between 400 samples and the held-out digits in the features of a PCA fitted on
    the training digits (lower is better; held-out vs training digits gives the floor).
    The fits are independent: joblib runs them, on ``n_jobs`` workers or on a dask cluster
    (``joblib.parallel_config(backend="dask")``, whose workers must see ``out``). A progress
    bar on stderr counts the models fitted.

    Parameters
    ----------
    out : path-like, default="skgen-out"
        The output folder.
    random_state : int, default=0
        Seeds the split and every model.
    n_jobs : int, default=None
        Models fitted in parallel (joblib).

    Returns
    -------
    table : pandas.DataFrame
        One row per model; ``table.attrs["report"]`` is the Markdown report's path.
    """
    from skgen.metrics import fid_score

    out = output_folder(out)
    X_train, X_test, y_train, y_test = _digits(random_state)
    features = PCA(n_components=16, random_state=random_state).fit(X_train)
    floor = {"model": "held-out digits (floor)", "fid": fid_score(X_test, X_train, extractor=features)}
    tasks = [
        *((_fit_generative, name, model, (X_train, X_test), features, out, random_state)
          for name, model in _generative_models(random_state).items()),
        *((_fit_classifier, name, model, (X_train, X_test, y_train, y_test))
          for name, model in _classifiers(random_state).items()),
    ]
    results = parallel_map(_call, tasks, n_jobs=n_jobs, desc="demo", unit="model")
    figures = [figure for _, figure in results if figure is not None]
    table = pd.DataFrame([floor, *(row for row, _ in results)], columns=["model", "accuracy", "log_likelihood", "fid", "fit_s"])
    table.attrs["report"] = write_report(out, "demo", "skgen demo on scikit-learn's digits", table, figures, NOTES)
    return table
