"""``device="cuda"``: every estimator trains on a GPU, and its saved model runs on a CPU-only machine.

These tests need a CUDA device and skip elsewhere (CI has none). The CPU-only machine is a
fresh Python process with ``CUDA_VISIBLE_DEVICES=""``, which loads the joblib file written
by the GPU process: what a user does who trains on a cluster node and predicts on a laptop.
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import joblib
import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits

import skgen
from skgen import DBN, GAN, RBM, BetaVAE, DNNClassifier

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")

SHARED = {"device": "cuda", "random_state": 0}
CD_TRAINING = {"lr": 0.2, "optimizer__momentum": 0.5, "batch_size": 32}
ESTIMATORS = {
    "RBM": lambda: RBM(n_components=16, max_epochs=20, **CD_TRAINING, **SHARED),
    "DBN": lambda: DBN(hidden_layer_sizes=(32, 16), max_epochs=20, **CD_TRAINING, **SHARED),
    "DNNClassifier": lambda: DNNClassifier(hidden_layer_sizes=(32,), optimizer="adam", lr=3e-2, max_epochs=20,
                                           **SHARED),
    "BetaVAE": lambda: BetaVAE(latent_dim=4, hidden_layer_sizes=(32,), max_epochs=20, batch_size=32,
                               n_importance_samples=16, **SHARED),
    "GAN": lambda: GAN(latent_dim=4, generator_hidden_layer_sizes=(32,), discriminator_hidden_layer_sizes=(32,),
                       max_epochs=5, batch_size=32, **SHARED),
}
#: the deterministic outputs that must agree between the GPU and the CPU-only machine
OUTPUTS = {
    "RBM": ("transform", "score_samples"),
    "DBN": ("transform", "inverse_transform_of_transform"),
    "DNNClassifier": ("predict_proba",),
    "BetaVAE": ("transform", "inverse_transform_of_transform"),
    "GAN": (),
}


def outputs(model, X, names):
    """The outputs ``names`` of ``model`` on ``X`` as lists, and a sample's shape.

    Run by this process and by the CPU-only one, which imports it from this file.
    """
    result = {}
    for name in names:
        if name == "inverse_transform_of_transform":
            result[name] = model.inverse_transform(model.transform(X)).tolist()
        else:
            result[name] = getattr(model, name)(X).tolist()
    if hasattr(model, "sample"):
        result["sample_shape"] = list(model.sample(3, random_state=0).shape)
    return result


@pytest.fixture(scope="module")
def digits():
    """Scikit-learn's 8x8 digits, binarized: 400 rows, and labels for the classifier."""
    X, y = load_digits(return_X_y=True)
    return (X[:400] > 7).astype(np.float32), y[:400]


@pytest.fixture(scope="module", params=sorted(ESTIMATORS))
def fitted(request, digits):
    X, y = digits
    model = ESTIMATORS[request.param]()
    return request.param, model.fit(X, y) if request.param == "DNNClassifier" else model.fit(X)


def test_training_on_cuda_learns(fitted, digits):
    name, model = fitted
    X, y = digits
    if name == "RBM":
        errors = [epoch["reconstruction_error"] for epoch in model.history_]
        assert errors[-1] < 0.8 * errors[0]
    elif name == "DBN":
        assert all(rbm.history_[-1]["reconstruction_error"] < 0.8 * rbm.history_[0]["reconstruction_error"]
                   for rbm in model.rbms_)
    elif name == "DNNClassifier":
        assert model.score(X, y) > 0.9
        assert all(p.device.type == "cuda" for p in model.net_.module_.parameters())
    elif name == "BetaVAE":
        noise = np.random.RandomState(0).binomial(1, X.mean(), size=X.shape).astype(np.float32)
        assert model.score(X) > model.score(noise) + 5
    else:
        losses = model.net_.history[:, "discriminator_loss"]
        assert np.isfinite(losses).all()
        samples = model.sample(50, random_state=0)
        assert set(np.unique(samples)) <= {0.0, 1.0}


def test_a_model_saved_on_cuda_runs_on_a_cpu_only_machine(fitted, digits, tmp_path):
    name, model = fitted
    X, _ = digits
    on_gpu = outputs(model, X, OUTPUTS[name])
    joblib.dump(model, tmp_path / "model.joblib")
    np.save(tmp_path / "X.npy", X)
    script = textwrap.dedent(f"""
        import json, sys, warnings
        import joblib, numpy as np, torch
        assert not torch.cuda.is_available()
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from test_cuda import outputs
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = joblib.load({str(tmp_path / "model.joblib")!r})
        X = np.load({str(tmp_path / "X.npy")!r})
        print(json.dumps(outputs(model, X, {OUTPUTS[name]!r})))
    """)
    package_root = str(Path(skgen.__file__).resolve().parents[1])
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": "",
           "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))}
    run = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    on_cpu = json.loads(run.stdout.strip().splitlines()[-1])
    assert on_cpu.get("sample_shape") == on_gpu.get("sample_shape")
    for output in OUTPUTS[name]:
        np.testing.assert_allclose(on_cpu[output], on_gpu[output], rtol=1e-4, atol=1e-4, err_msg=output)


def test_a_dbn_fitted_on_cpu_initialises_a_classifier_on_cuda(digits):
    X, y = digits
    dbn = DBN(hidden_layer_sizes=(32,), max_epochs=10, random_state=0, **CD_TRAINING).fit(X)
    clf = DNNClassifier(dbn=dbn, optimizer="adam", lr=1e-2, max_epochs=10, **SHARED).fit(X, y)
    assert clf.score(X, y) > 0.8
    assert dbn.rbms_[0].device == "cpu"


def test_pretraining_inside_fit_runs_on_cuda(digits):
    X, y = digits
    dbn = DBN(hidden_layer_sizes=(32,), max_epochs=5, **CD_TRAINING, **SHARED)
    clf = DNNClassifier(dbn=dbn, optimizer="adam", lr=1e-2, max_epochs=10, **SHARED).fit(X, y)
    assert clf.score(X, y) > 0.8
