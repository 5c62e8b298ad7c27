"""Shared fixtures: the real data home, which CI always provides, and stand-ins for slow models."""

import os
from pathlib import Path

import numpy as np
import pytest
import torch


def _real_data_home():
    home = os.environ.get("SKGEN_DATA")
    if home and (Path(home) / "binaryalphadigs.mat").exists():
        return Path(home)
    return None


@pytest.fixture(scope="session")
def data_home():
    """The data home with the real files; skips only where SKGEN_DATA is unset (never in CI)."""
    home = _real_data_home()
    if home is None:
        if os.environ.get("CI"):
            pytest.fail("SKGEN_DATA must point at the real data home in CI.")
        pytest.skip("SKGEN_DATA is unset: set it to a data home holding the real files.")
    return home


@pytest.fixture(scope="session", autouse=True)
def one_torch_thread():
    """Tiny models run faster on one thread, and the test machines' cores are shared."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


class _InstantModel:
    """Fits in no time: a stand-in for the demo's models."""

    def fit(self, X, y=None):
        return self

    def sample(self, n_samples, random_state=None):
        return np.zeros((n_samples, 64))

    def score(self, X, y):
        return 1.0


@pytest.fixture
def instant_demo_models(monkeypatch):
    """The demo with two instant generative models, "A" and "B", and one instant classifier, "C"."""
    from skgen.studies import demo

    monkeypatch.setattr(demo, "_generative_models", lambda random_state: {"A": _InstantModel(), "B": _InstantModel()})
    monkeypatch.setattr(demo, "_classifiers", lambda random_state: {"C": _InstantModel()})
