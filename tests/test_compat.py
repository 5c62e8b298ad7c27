"""Joblib files written by released versions load and give the outputs they gave then.

``tests/fixtures/v0_1_0/`` holds tiny models that skgen 0.1.0 fitted and dumped, and what
they returned (``make_fixtures.py`` there wrote both). They name their classes by 0.1.0's
module paths (``skgen.rbm.RBM``, ``skgen.vae._VAEModule``, ``skgen._nets.TensorBatches``...),
so loading them checks that those paths still resolve.
"""

import warnings
from pathlib import Path

import joblib
import numpy as np
import pytest

import skgen

FIXTURES = Path(__file__).resolve().parent / "fixtures"
V0_1_0 = FIXTURES / "v0_1_0"
#: the fixture files of 0.1.0 and the estimator each holds
MODELS_0_1_0 = {
    "rbm": "RBM", "rbm_pcd": "RBM", "gbrbm": "GaussianBernoulliRBM", "dbn": "DBN", "dbn_joint": "DBN",
    "dbm": "DBM", "dnn": "DNNClassifier", "dnn_dbn": "DNNClassifier", "vae": "BetaVAE", "gan": "GAN",
}
METHODS = ("transform", "predict_proba", "score_samples")


@pytest.fixture(scope="module")
def expected():
    with np.load(V0_1_0 / "expected.npz") as data:
        return dict(data)


def load(path):
    with warnings.catch_warnings():
        # skorch and torch may warn about the pickled state of an older release of theirs
        warnings.simplefilter("ignore")
        return joblib.load(path)


def test_every_estimator_has_a_fixture():
    assert set(MODELS_0_1_0.values()) == set(skgen._ESTIMATORS)
    assert {path.stem for path in V0_1_0.glob("*.joblib")} == set(MODELS_0_1_0)


@pytest.mark.parametrize("name", sorted(MODELS_0_1_0))
def test_a_0_1_0_file_loads_and_gives_the_same_outputs(name, expected):
    model = load(V0_1_0 / f"{name}.joblib")
    assert type(model) is getattr(skgen, MODELS_0_1_0[name])
    X = expected["X_gaussian" if name == "gbrbm" else "X_binary"]
    checked = 0
    for method in METHODS:
        key = f"{name}.{method}"
        if key in expected:
            np.testing.assert_allclose(getattr(model, method)(X), expected[key], rtol=1e-4, atol=1e-4,
                                       err_msg=key)
            checked += 1
    if f"{name}.sample_mean" in expected:
        np.testing.assert_allclose(model.sample(len(X), random_state=0, mean=True), expected[f"{name}.sample_mean"],
                                   rtol=1e-4, atol=1e-4, err_msg=f"{name}.sample_mean")
        checked += 1
    assert checked, f"no recorded output for {name}"
    if hasattr(model, "sample"):
        kwargs = {"y": expected["y"][:3]} if name == "dbn_joint" else {}
        if name.startswith(("rbm", "gbrbm", "dbn", "dbm")):
            kwargs["n_steps"] = 5
        assert model.sample(3, random_state=0, **kwargs).shape == (3, X.shape[1])
