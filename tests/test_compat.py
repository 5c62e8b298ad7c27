"""Joblib files written by released versions load and give the outputs they gave then.

``tests/fixtures/v0_1_0/`` holds tiny models that skgen 0.1.0 fitted and dumped, and what
they returned (``make_fixtures.py`` there wrote both). They name their classes by 0.1.0's
module paths (``skgen.rbm.RBM``, ``skgen.vae._VAEModule``, ``skgen._nets.TensorBatches``...),
so loading them checks that those paths still resolve; the old import paths are checked too.
"""

import importlib
import subprocess
import sys
import warnings
from pathlib import Path

import joblib
import numpy as np
import pytest
from sklearn.base import clone

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
    # parameters added since 0.1.0 take their defaults: the loaded model clones and takes new settings
    assert clone(model).get_params(deep=False).keys() == model.get_params(deep=False).keys()
    model.set_params(verbose=0)
    if hasattr(model, "sample"):
        kwargs = {"y": expected["y"][:3]} if name == "dbn_joint" else {}
        if name.startswith(("rbm", "gbrbm", "dbn", "dbm")):
            kwargs["n_steps"] = 5
        assert model.sample(3, random_state=0, **kwargs).shape == (3, X.shape[1])


@pytest.mark.parametrize("old", sorted(skgen._MOVED))
def test_the_module_paths_of_0_1_0_still_import(old):
    module = importlib.import_module(old)
    parts = [importlib.import_module(new) for new in skgen._MOVED[old]]
    if len(parts) == 1:
        assert module is parts[0] and module.__spec__.name == skgen._MOVED[old][0]
    for part in parts:  # a split module holds the names of all its parts
        public = [name for name in vars(part) if not name.startswith("__")]
        assert all(getattr(module, name) is getattr(part, name) for name in public)


def test_old_import_paths_give_the_same_classes():
    # by name: tests/test_imports.py holds the code of this checkout to the new paths
    assert importlib.import_module("skgen.rbm").RBM is skgen.RBM
    assert importlib.import_module("skgen.dbn").DBN is skgen.DBN
    from skgen._core.estimator import TorchEstimator
    assert importlib.import_module("skgen._base").TorchEstimator is TorchEstimator  # a split module


def test_import_skgen_loads_no_estimator_and_no_torch():
    code = "import sys, skgen; assert 'torch' not in sys.modules, sorted(m for m in sys.modules if 'skgen' in m)"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=FIXTURES.parents[1])
