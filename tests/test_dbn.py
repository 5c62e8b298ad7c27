"""skgen.DBN: a greedy stack of RBMs as a scikit-learn transformer and a generative model."""

import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from skgen import DBN, RBM
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
