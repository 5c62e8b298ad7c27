"""skgen.DBN: a greedy stack of RBMs as a scikit-learn transformer and a generative model."""

import pickle
import warnings

import joblib
import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from skgen import DBN, RBM, DNNClassifier
from skgen.datasets import load_alphadigits


def small(**params):
    return DBN(**{"hidden_layer_sizes": (16, 8), "max_epochs": 5, "lr": 0.05, "random_state": 0, **params})



@pytest.fixture(scope="module")
def alphadigits(data_home):
    return load_alphadigits("A4X", data_home=data_home, return_X_y=True)




def test_layers_are_fitted_greedily_bottom_first(alphadigits):
    X, _ = alphadigits
    dbn = small(optimizer__momentum=0.5).fit(X)
    assert [rbm.components_.shape for rbm in dbn.rbms_] == [(16, 320), (8, 16)]
    assert all(isinstance(rbm, RBM) and rbm.get_params()["optimizer__momentum"] == 0.5 for rbm in dbn.rbms_)
    seeds = [rbm.random_state for rbm in dbn.rbms_]
    first = RBM(n_components=16, max_epochs=5, lr=0.05, random_state=seeds[0], optimizer__momentum=0.5).fit(X)
    np.testing.assert_array_equal(dbn.rbms_[0].components_, first.components_)
    second = RBM(n_components=8, max_epochs=5, lr=0.05, random_state=seeds[1], optimizer__momentum=0.5)
    np.testing.assert_array_equal(dbn.rbms_[1].components_, second.fit(first.transform(X)).components_)


def test_transform_is_the_up_pass_and_inverse_transform_the_down_pass(alphadigits):
    X, _ = alphadigits
    dbn = small().fit(X)
    bottom, top = dbn.rbms_
    H = dbn.transform(X)
    np.testing.assert_array_equal(H, top.transform(bottom.transform(X)))
    np.testing.assert_array_equal(dbn.inverse_transform(H), bottom.inverse_transform(top.inverse_transform(H)))
    assert H.shape == (len(X), 8) and dbn.inverse_transform(H).shape == X.shape


def test_same_random_state_gives_identical_weights(alphadigits):
    X, _ = alphadigits
    a, b, other = small().fit(X), small().fit(X), small(random_state=1).fit(X)
    for layer_a, layer_b in zip(a.rbms_, b.rbms_):
        np.testing.assert_array_equal(layer_a.components_, layer_b.components_)
    assert not np.array_equal(a.rbms_[0].components_, other.rbms_[0].components_)


def test_sample_runs_the_top_chain_then_a_stochastic_down_pass(alphadigits):
    X, _ = alphadigits
    dbn = small().fit(X)
    samples = dbn.sample(6, n_steps=10, random_state=0)
    assert samples.shape == (6, 320) and set(np.unique(samples)) <= {0.0, 1.0}
    np.testing.assert_array_equal(samples, dbn.sample(6, n_steps=10, random_state=0))
    assert not np.array_equal(samples, dbn.sample(6, n_steps=10, random_state=1))
    one_layer = small(hidden_layer_sizes=(16,)).fit(X)
    assert one_layer.sample(3, n_steps=5, random_state=0).shape == (3, 320)


def test_grid_search_over_layers_and_routed_optimizer_parameters_in_a_pipeline(alphadigits):
    X, y = alphadigits
    pipeline = Pipeline([("dbn", small()), ("clf", LogisticRegression(max_iter=500))])
    grid = GridSearchCV(pipeline, {"dbn__hidden_layer_sizes": [(16,), (32, 16)],
                                   "dbn__optimizer__weight_decay": [0.0, 1e-4]}, cv=3).fit(X, y)
    assert len(grid.cv_results_["params"]) == 4
    assert grid.best_score_ > 0.8
    best = grid.best_estimator_.named_steps["dbn"]
    assert best.get_params()["optimizer__weight_decay"] == grid.best_params_["dbn__optimizer__weight_decay"]


def test_bad_input_and_bad_sizes_are_rejected(alphadigits):
    X, _ = alphadigits
    bad = X.copy()
    bad[0, 0] = 2.0
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        small().fit(bad)
    for sizes in [(16, 0), (True,), 5.5, 5, ()]:
        with pytest.raises(ValueError, match="hidden_layer_sizes must be a non-empty tuple of positive ints"):
            small(hidden_layer_sizes=sizes).fit(X)
    dbn = small().fit(X)
    with pytest.raises(ValueError, match="320 features"):
        dbn.transform(X[:, :10])
    with pytest.raises(ValueError, match="n_components=8"):
        dbn.inverse_transform(np.zeros((2, 16)))


def test_pickle_round_trip_pandas_output_and_feature_names(alphadigits):
    X, _ = alphadigits
    dbn = small().fit(X)
    restored = pickle.loads(pickle.dumps(dbn))
    np.testing.assert_array_equal(restored.transform(X), dbn.transform(X))
    np.testing.assert_array_equal(restored.sample(4, n_steps=5, random_state=0), dbn.sample(4, n_steps=5, random_state=0))
    assert list(dbn.get_feature_names_out()) == [f"dbn{i}" for i in range(8)]
    frame = clone(dbn).set_output(transform="pandas").fit(X).transform(X)
    assert isinstance(frame, pd.DataFrame) and frame.shape == (len(X), 8)


@pytest.fixture(scope="module")
def binary_digits():
    X, y = load_digits(return_X_y=True)
    return (X > 7).astype(np.float32), y


def test_class_conditional_samples_are_of_the_asked_class(binary_digits):
    X, y = binary_digits
    judge = LogisticRegression(max_iter=2000).fit(X, y)
    dbn = DBN(hidden_layer_sizes=(64, 128), joint_labels=True, max_epochs=40, lr=0.02, batch_size=20,
              optimizer=torch.optim.Adam, random_state=0).fit(X, y)
    asked = np.repeat(np.arange(10), 20)
    samples = dbn.sample(y=asked, n_steps=200, random_state=0)
    recognised = (judge.predict(samples) == asked).reshape(10, 20).mean(1)
    assert recognised.mean() >= 0.8 and recognised.min() >= 0.5
    assert dbn.sample(3, y=4, n_steps=5, random_state=0).shape == (3, 64)
    assert dbn.transform(X).shape == (len(X), 128)


def test_joint_labels_bad_y_and_y_without_joint_labels_are_clear_errors(binary_digits):
    X, y = binary_digits
    with pytest.raises(ValueError, match="needs the labels"):
        small(joint_labels=True).fit(X)
    with pytest.raises(ValueError, match="labels for"):
        small(joint_labels=True).fit(X, y[:10])
    with pytest.raises(ValueError, match="Unknown label type"):
        small(joint_labels=True).fit(X, np.linspace(0, 1, len(X)))
    fitted = small(joint_labels=True, max_epochs=1).fit(X, y)
    with pytest.raises(ValueError, match="not fitted on: \\[11\\]"):
        fitted.sample(y=[11])
    with pytest.raises(ValueError, match="joint_labels=True"):
        small(max_epochs=1).fit(X, y).sample(y=[1])
    unlabelled = small(max_epochs=1).fit(X, y)
    np.testing.assert_array_equal(unlabelled.rbms_[1].components_.shape, (8, 16))


def test_joint_labels_accept_sparse_data(binary_digits):
    import scipy.sparse

    X, y = binary_digits
    dense = small(joint_labels=True, max_epochs=2, random_state=0).fit(X, y)
    sparse = small(joint_labels=True, max_epochs=2, random_state=0).fit(scipy.sparse.csr_matrix(X), y)
    np.testing.assert_allclose(sparse.transform(X), dense.transform(X), rtol=1e-4, atol=1e-5)


def test_top_chains_start_from_data_chains_or_noise_with_either_sampler(binary_digits):
    X, _ = binary_digits
    dbn = small(persistent=True, n_chains=20, max_epochs=2).fit(X)
    for options in [{"start": "chains"}, {"start": X[:3]}, {"sampler": "tempering", "n_temperatures": 3}]:
        samples = dbn.sample(3, n_steps=5, random_state=0, **options)
        assert samples.shape == (3, 64) and set(np.unique(samples)) <= {0.0, 1.0}
    means = dbn.sample(3, n_steps=5, return_probabilities=True, random_state=0)
    assert ((means > 0) & (means < 1)).all()
    with pytest.raises(ValueError, match="start must be one of"):
        dbn.sample(2, start="data")


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def test_without_fine_tuning_the_dbn_is_the_greedy_stack(binary_digits):
    X, _ = binary_digits
    dbn = small().fit(X)
    assert dbn.fine_tune_epochs == 0 and dbn.fine_tune_history_ == []
    bottom, top = dbn.rbms_
    seeds = [rbm.random_state for rbm in dbn.rbms_]
    first = RBM(n_components=16, max_epochs=5, lr=0.05, random_state=seeds[0]).fit(X)
    second = RBM(n_components=8, max_epochs=5, lr=0.05, random_state=seeds[1]).fit(first.transform(X))
    for layer, greedy in zip(dbn.rbms_, (first, second)):
        np.testing.assert_array_equal(layer.components_, greedy.components_)
        np.testing.assert_array_equal(layer.intercept_hidden_, greedy.intercept_hidden_)
    np.testing.assert_array_equal(dbn.generative_weights_[0], bottom.components_)
    np.testing.assert_array_equal(dbn.generative_intercepts_[0], bottom.intercept_visible_)
    H = dbn.transform(X)
    np.testing.assert_array_equal(dbn.inverse_transform(H), bottom.inverse_transform(top.inverse_transform(H)))


@pytest.fixture(scope="module")
def greedy_and_fine_tuned(binary_digits):
    X, _ = binary_digits
    params = {"hidden_layer_sizes": (32, 32), "max_epochs": 10, "lr": 0.05, "batch_size": 20, "random_state": 0}
    return DBN(**params).fit(X), DBN(**params, fine_tune_epochs=20).fit(X)


def _down_pass_error(dbn, X):
    """Mean squared error of P(v | h) through the bottom generative layer, h the recognition up pass of X."""
    hiddens = dbn.rbms_[0].transform(X)
    return np.mean((_sigmoid(hiddens @ dbn.generative_weights_[0] + dbn.generative_intercepts_[0]) - X) ** 2)


def _distance_to_data(samples, X):
    """Mean Hamming distance from each sample to its nearest training row."""
    return (samples[:, None, :] != X[None]).sum(2).min(1).mean()


def test_up_down_fine_tuning_improves_the_generative_model(binary_digits, greedy_and_fine_tuned):
    # on binarized digits, 20 epochs cut the down-pass error by about 16% and the samples'
    # distance to the data by about 10% on every seed tried; the bars leave room for both
    X, _ = binary_digits
    greedy, tuned = greedy_and_fine_tuned
    assert _down_pass_error(tuned, X) < 0.95 * _down_pass_error(greedy, X)
    errors = [entry["reconstruction_error"] for entry in tuned.fine_tune_history_]
    assert len(errors) == 20 and errors[-1] < 0.97 * errors[0]
    whole = np.mean((greedy.inverse_transform(greedy.transform(X)) - X) ** 2)
    assert errors[-1] < 0.95 * whole
    near_tuned = _distance_to_data(tuned.sample(300, n_steps=100, random_state=0), X)
    near_greedy = _distance_to_data(greedy.sample(300, n_steps=100, random_state=0), X)
    assert near_tuned < 0.95 * near_greedy


def test_fine_tuning_unties_recognition_from_generative_weights(binary_digits, greedy_and_fine_tuned):
    X, _ = binary_digits
    greedy, tuned = greedy_and_fine_tuned
    bottom, top = tuned.rbms_
    assert tuned.generative_weights_[0].shape == bottom.components_.shape == (32, 64)
    assert np.abs(tuned.generative_weights_[0] - bottom.components_).max() > 0.1
    assert np.abs(bottom.components_ - greedy.rbms_[0].components_).max() > 0.1
    np.testing.assert_array_equal(bottom.intercept_visible_, greedy.rbms_[0].intercept_visible_)
    H = tuned.transform(X)
    np.testing.assert_array_equal(H, top.transform(bottom.transform(X)))
    down = _sigmoid(top.inverse_transform(H) @ tuned.generative_weights_[0] + tuned.generative_intercepts_[0])
    np.testing.assert_allclose(tuned.inverse_transform(H), down, rtol=1e-5, atol=1e-6)
    means = tuned.sample(5, n_steps=10, return_probabilities=True, random_state=0)
    assert ((means > 0) & (means < 1)).all()


@pytest.mark.parametrize("params", [{"joint_labels": True}, {"hidden_layer_sizes": (16, 12, 8), "persistent": True},
                                    {"hidden_layer_sizes": (16,)}, {"centered": True, "optimizer__momentum": 0.5}])
def test_fine_tuning_runs_with_labels_persistent_chains_depth_and_centering(binary_digits, params):
    X, y = binary_digits
    dbn = small(max_epochs=1, fine_tune_epochs=2, **params).fit(X, y)
    assert len(dbn.generative_weights_) == len(dbn.rbms_) - 1 == len(dbn.generative_intercepts_)
    assert [entry["epoch"] for entry in dbn.fine_tune_history_] == [1, 2]
    assert all(np.isfinite(entry["reconstruction_error"]) for entry in dbn.fine_tune_history_)
    asked = {"y": [0, 3]} if params.get("joint_labels") else {"n_samples": 2}
    samples = dbn.sample(n_steps=5, random_state=0, **asked)
    assert samples.shape == (2, 64) and set(np.unique(samples)) <= {0.0, 1.0}


@pytest.mark.parametrize("value", [-1, 1.5, True, "2"])
def test_bad_fine_tune_epochs_are_rejected(binary_digits, value):
    X, _ = binary_digits
    with pytest.raises(ValueError, match="fine_tune_epochs must be an int in \\[0, inf\\]"):
        small(fine_tune_epochs=value).fit(X)


def test_fine_tuning_a_gaussian_first_layer_is_a_clear_error(binary_digits):
    X, _ = binary_digits
    with pytest.raises(ValueError, match="fine_tune_epochs > 0 needs visible_units='bernoulli'"):
        small(visible_units="gaussian", fine_tune_epochs=1).fit(X)
    assert small(visible_units="gaussian", max_epochs=1).fit(X).fine_tune_history_ == []


def test_joblib_round_trip_keeps_the_generative_weights(binary_digits, tmp_path):
    X, _ = binary_digits
    dbn = small(max_epochs=2, fine_tune_epochs=2).fit(X)
    joblib.dump(dbn, tmp_path / "dbn.joblib")
    restored = joblib.load(tmp_path / "dbn.joblib")
    for saved, loaded in zip(dbn.generative_weights_ + dbn.generative_intercepts_,
                             restored.generative_weights_ + restored.generative_intercepts_):
        np.testing.assert_array_equal(saved, loaded)
    samples = dbn.sample(4, n_steps=5, random_state=0)
    np.testing.assert_array_equal(restored.sample(4, n_steps=5, random_state=0), samples)
    H = dbn.transform(X)
    np.testing.assert_array_equal(restored.transform(X), H)
    np.testing.assert_array_equal(restored.inverse_transform(H), dbn.inverse_transform(H))


@pytest.mark.parametrize("sizes", [(8,), (8, 6, 4)])
def test_fit_validates_its_parameters_and_data_once_whatever_the_depth(binary_digits, sizes, monkeypatch):
    import skgen.energy.template
    import skgen.energy.units
    from skgen._core.estimator import TorchEstimator

    X, _ = binary_digits
    counts = {"parameters": 0, "data": 0, "values": 0}

    def counting(key, function):
        def counted(*args, **kwargs):
            counts[key] += 1
            return function(*args, **kwargs)
        return counted

    monkeypatch.setattr(TorchEstimator, "_validate_params", counting("parameters", TorchEstimator._validate_params))
    # every energy model validates through the template, and checks values through its unit type
    monkeypatch.setattr(skgen.energy.template, "validate_data", counting("data", skgen.energy.template.validate_data))
    monkeypatch.setattr(skgen.energy.units, "check_unit_interval",
                        counting("values", skgen.energy.units.check_unit_interval))
    dbn = small(hidden_layer_sizes=sizes, max_epochs=1).fit(X)
    assert len(dbn.rbms_) == len(sizes)
    assert counts == {"parameters": 1, "data": 1, "values": 1}


def test_an_rbm_fitted_alone_on_a_tensor_still_checks_it():
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        RBM(n_components=2, max_epochs=1).fit(torch.full((4, 3), 2.0))


def test_sample_with_as_many_labels_as_start_rows_or_a_clear_error(binary_digits):
    X, y = binary_digits
    dbn = small(joint_labels=True, max_epochs=1).fit(X, y)
    with pytest.raises(ValueError, match="y has 3 labels but start has 5 rows"):
        dbn.sample(y=[1, 2, 3], start=X[:5], n_steps=2)
    assert dbn.sample(y=[1, 2, 3], start=X[:3], n_steps=2, random_state=0).shape == (3, 64)
    assert dbn.sample(y=4, start=X[:5], n_steps=2, random_state=0).shape == (5, 64)


def test_the_top_rbm_is_fine_tuned_through_its_public_trainer(binary_digits, monkeypatch):
    X, _ = binary_digits
    made, stored = [], []
    original_make, original_store = RBM.make_trainer, RBM.store_trainer
    monkeypatch.setattr(RBM, "make_trainer", lambda self, *args: made.append(self) or original_make(self, *args))
    monkeypatch.setattr(RBM, "store_trainer",
                        lambda self, trainer: stored.append(self) or original_store(self, trainer))
    dbn = small(max_epochs=1, fine_tune_epochs=1).fit(X)
    # one trainer per greedy layer, then the top RBM's again for the fine-tuning
    assert made == [*dbn.rbms_, dbn.rbms_[-1]] and stored == made


# -- the up pass as layers, the labels of sample, partial_fit (issues 39 and 40) ------------------------------


def _up_pass(layers, X):
    for weight, bias in layers:
        X = _sigmoid(X @ weight.T + bias)
    return X


@pytest.mark.parametrize("params", [{}, {"joint_labels": True}, {"fine_tune_epochs": 1}], ids=["plain", "labels",
                                                                                             "fine-tuned"])
def test_recognition_layers_compute_the_up_pass(binary_digits, params):
    X, y = binary_digits
    dbn = small(max_epochs=2, **params).fit(X, y)
    layers = dbn.recognition_layers()
    assert [weight.shape for weight, _ in layers] == [(16, 64), (8, 16)]
    assert all(weight.dtype == bias.dtype == np.float32 for weight, bias in layers)
    np.testing.assert_allclose(_up_pass(layers, X), dbn.transform(X), atol=1e-5)
    with pytest.raises(ValueError, match="augmented=True needs a DBM"):
        dbn.recognition_layers(augmented=True)
    with pytest.raises(ValueError, match="augmented must be a bool"):
        dbn.recognition_layers(augmented="no")


def test_recognition_layers_of_a_gaussian_first_layer_see_the_data_over_its_variances():
    X = np.random.RandomState(0).normal(size=(200, 5)) * [1.0, 2.0, 0.5, 3.0, 1.0]
    dbn = DBN(hidden_layer_sizes=(6, 4), visible_units="gaussian", max_epochs=3, random_state=0).fit(X)
    (weight, bias), _ = dbn.recognition_layers()
    np.testing.assert_allclose(weight, dbn.rbms_[0].components_ / dbn.rbms_[0].variances_, rtol=1e-6)
    np.testing.assert_allclose(_up_pass(dbn.recognition_layers(), X), dbn.transform(X), atol=1e-5)


def test_the_dbn_has_no_density_methods_of_the_template():
    # a stack of RBMs is not one machine: the template's log Z and scores are not available on it
    dbn = small(max_epochs=1).fit(load_digits().data[:50] / 16)
    assert not hasattr(dbn, "score_samples") and not hasattr(dbn, "log_partition")


def test_sample_errors_name_the_dbn_not_its_top_rbm(binary_digits):
    X, y = binary_digits
    labelled = small(joint_labels=True, max_epochs=1).fit(X, y)
    with pytest.raises(ValueError, match="DBN.sample") as error:
        labelled.sample(y=[])
    assert "RBM" not in str(error.value)
    for bad in (None, "3", 0):
        with pytest.raises(ValueError, match="DBN: n_samples must be an int"):
            small(max_epochs=1).fit(X).sample(bad, n_steps=2)
    with pytest.raises(ValueError, match="DBN: return_probabilities must be a bool"):
        labelled.sample(2, return_probabilities="yes")


def test_partial_fit_trains_the_greedy_stack_then_one_up_down_epoch_per_call(binary_digits):
    X, y = binary_digits
    dbn = small(max_epochs=2, joint_labels=True).partial_fit(X, y)
    assert len(dbn.fine_tune_history_) == 1 and all(len(rbm.history_) == 2 for rbm in dbn.rbms_)
    bottom = dbn.rbms_[0].components_.copy()
    dbn.partial_fit(X[:300], y[:300])
    assert len(dbn.fine_tune_history_) == 2 and all(len(rbm.history_) == 2 for rbm in dbn.rbms_)
    assert not np.array_equal(bottom, dbn.rbms_[0].components_)
    with pytest.raises(ValueError, match="hidden_layer_sizes=\\(16, 4\\) does not match the fitted model's \\(16, 8\\)"):
        dbn.set_params(hidden_layer_sizes=(16, 4)).partial_fit(X, y)
    gaussian = DBN(hidden_layer_sizes=(4,), visible_units="gaussian", max_epochs=1, random_state=0)
    with pytest.raises(ValueError, match="partial_fit .* needs visible_units='bernoulli'"):
        gaussian.partial_fit(X)


def test_a_classifier_refuses_a_dbn_fitted_on_other_columns(binary_digits):
    X, y = binary_digits
    frame = pd.DataFrame(X, columns=[f"pixel{i}" for i in range(64)])
    dbn = small(max_epochs=1).fit(frame)
    classifier = DNNClassifier(dbn=FrozenEstimator(dbn), max_epochs=1, random_state=0)
    with pytest.raises(ValueError, match="feature names of X should match those the dbn, a DBN, was fitted on"):
        classifier.fit(frame[frame.columns[::-1]], y)
    with pytest.raises(ValueError, match="unseen by the DBN"):
        classifier.fit(frame.rename(columns={"pixel0": "other"}), y)
    with pytest.warns(UserWarning, match="X does not have valid feature names, but the dbn, a DBN"):
        classifier.fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        classifier.fit(frame, y).predict(frame)  # its own columns: no warning
