"""DNNClassifier: the scikit-learn contract, training behaviour, DBN pretraining, persistence, grid search."""

import pickle
import warnings

import joblib
import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
import sklearn.utils.validation
from sklearn.utils.validation import check_is_fitted
from skorch.callbacks import Callback

from skgen import DBN, DNNClassifier
from skgen._core import precision as precision_module


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Tiny networks run faster on one thread than on cores shared with other processes."""
    n_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n_threads)


@pytest.fixture(scope="module")
def digits():
    """400 8x8 digits scaled to [0, 1]: small, real, and in the range an RBM accepts."""
    X, y = load_digits(return_X_y=True)
    return (X[:400] / 16).astype(np.float32), y[:400]


@pytest.fixture(scope="module")
def fitted_dbn(digits):
    X, _ = digits
    return small_dbn().fit(X)


def small_dbn(**params):
    return DBN(**{**dict(hidden_layer_sizes=(32, 16), max_epochs=20, random_state=0), **params})


def small(**params):
    defaults = dict(hidden_layer_sizes=(32,), optimizer=torch.optim.Adam, lr=3e-2, max_epochs=20, random_state=0)
    return DNNClassifier(**{**defaults, **params})


class WeightRecorder(Callback):
    """Records the network's weights before training and after every epoch."""

    def on_train_begin(self, net, **kwargs):
        self.initial = _weights(net)
        self.per_epoch = []

    def on_epoch_end(self, net, **kwargs):
        self.per_epoch.append(_weights(net))


def _weights(net):
    return {name: value.detach().cpu().clone() for name, value in net.module_.state_dict().items()}



def test_predict_proba_rows_sum_to_one_and_predict_is_its_argmax(digits):
    X, y = digits
    clf = small().fit(X, y)
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 10)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])
    assert clf.score(X, y) == np.mean(clf.predict(X) == y)
    assert clf.score(X, y) > 0.9


def test_string_labels_come_back_as_given(digits):
    X, y = digits
    names = np.array(["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"])
    clf = small().fit(X, names[y])
    np.testing.assert_array_equal(clf.classes_, np.sort(names))
    assert set(clf.predict(X)) <= set(names)
    assert clf.score(X, names[y]) > 0.9


def test_same_random_state_same_model_and_different_otherwise(digits):
    X, y = digits
    first = small(random_state=1).fit(X, y).predict_proba(X)
    again = small(random_state=1).fit(X, y).predict_proba(X)
    other = small(random_state=2).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first, other)


def test_default_network_is_two_layers_of_200_logistic_units_trained_by_adam_on_everything(digits):
    X, y = digits
    clf = DNNClassifier(max_epochs=1, random_state=0).fit(X, y)
    assert clf.hidden_layer_sizes_ == (200, 200)
    assert [layer.out_features for layer in clf.net_.module_.hidden] == [200, 200]
    assert isinstance(clf.net_.module_.activation, torch.nn.Sigmoid)
    assert clf.net_.module_.output.out_features == 10
    assert isinstance(clf.net_.optimizer_, torch.optim.Adam) and clf.net_.optimizer_.param_groups[0]["lr"] == 1e-2
    assert sum(clf.net_.history[0, "batches", :, "train_batch_size"]) == len(X)  # no early stopping


@pytest.mark.parametrize("activation, module", [("logistic", torch.nn.Sigmoid), ("tanh", torch.nn.Tanh),
                                                ("relu", torch.nn.ReLU)])
def test_activation_names_the_hidden_units(digits, activation, module):
    X, y = digits
    clf = small(hidden_layer_sizes=(8, 8), activation=activation, max_epochs=1).fit(X, y)
    assert type(clf.net_.module_.activation) is module


def test_early_stopping_holds_out_training_data_and_restores_the_best_epoch(digits):
    X, y = digits
    recorder = WeightRecorder()
    # a large learning rate overfits 400 samples quickly, so the validation loss turns up
    clf = small(lr=0.1, max_epochs=200, early_stopping=True, n_iter_no_change=3, validation_fraction=0.25,
                callbacks=[recorder]).fit(X, y)
    history = clf.net_.history
    assert clf.n_iter_ < 200
    n_train = sum(history[0, "batches", :, "train_batch_size"])
    n_valid = sum(history[0, "batches", :, "valid_batch_size"])
    assert (n_train, n_valid) == (300, 100)
    best = int(np.argmin(history[:, "valid_loss"]))
    assert best < clf.n_iter_ - 1
    final = _weights(clf.net_)
    for name, value in recorder.per_epoch[best].items():
        torch.testing.assert_close(final[name], value, rtol=0, atol=0)


def test_without_early_stopping_trains_on_everything_for_max_epochs(digits):
    X, y = digits
    clf = small(early_stopping=False, max_epochs=4).fit(X, y)
    assert clf.n_iter_ == 4
    assert sum(clf.net_.history[0, "batches", :, "train_batch_size"]) == len(X)


def test_optimizer_parameters_are_routed(digits):
    X, y = digits
    clf = small(optimizer=torch.optim.SGD, lr=0.05, optimizer__momentum=0.9, max_epochs=1)
    assert clf.get_params()["optimizer__momentum"] == 0.9
    clf.set_params(optimizer__momentum=0.5).fit(X, y)
    group = clf.net_.optimizer_.param_groups[0]
    assert (group["lr"], group["momentum"]) == (0.05, 0.5)


@pytest.mark.parametrize("routed, fused", [({}, True), ({"optimizer__foreach": True}, None),
                                            ({"optimizer__fused": False}, False)])
def test_the_update_is_fused_unless_the_user_picks_an_implementation(digits, routed, fused):
    X, y = digits
    clf = small(max_epochs=10, **routed).fit(X, y)
    assert clf.net_.optimizer_.defaults["fused"] == fused
    assert clf.score(X, y) > 0.8


@pytest.mark.parametrize(
    "params, message",
    [
        ({"lr": -1.0}, r"lr must be a finite float in \(0, inf\)"),
        ({"lr": float("inf"), "max_epochs": 2}, "lr must be a finite float"),
        ({"optimizer": "sgd", "lr": float("nan")}, "lr must be a finite float"),
        ({"max_epochs": 0}, r"max_epochs must be an int in \[1, inf\]"),
        ({"validation_fraction": 1.5}, r"validation_fraction must be a finite float in \(0, 1\)"),
        ({"early_stopping": "no"}, "early_stopping must be a bool"),
        ({"hidden_layer_sizes": (10, 0)}, "hidden_layer_sizes must be None or a tuple of positive ints"),
        ({"hidden_layer_sizes": (True,)}, "hidden_layer_sizes must be None or a tuple of positive ints"),
        ({"hidden_layer_sizes": 5.5}, "hidden_layer_sizes must be None or a tuple of positive ints"),
        ({"hidden_layer_sizes": 5}, "hidden_layer_sizes must be None or a tuple of positive ints"),
        ({"optimizer": "lbfgs-ish"}, "optimizer must be a subclass of torch.optim"),
        ({"device": "meta"}, "device must be 'cpu', 'cuda' or 'cuda:N'"),
        ({"callbacks": "x"}, "callbacks must be None or a list of skorch callbacks"),
        ({"callbacks": ["x"]}, "callbacks must be None or a list of skorch callbacks"),
        ({"lr_scheduler": torch.optim.SGD}, "lr_scheduler must be None or a subclass of"),
    ],
)
def test_bad_parameters_are_clear_value_errors(digits, params, message):
    X, y = digits
    with pytest.raises(ValueError, match=message):
        small(**params).fit(X, y)


def test_divergence_is_a_value_error_naming_the_epoch(digits):
    X, y = digits
    with pytest.raises(ValueError, match=r"diverged \(non-finite train_loss\) in epoch 1 with lr=1e\+38"):
        small(optimizer=torch.optim.SGD, lr=1e38, max_epochs=2).fit(X, y)


class PoisonWeights(Callback):
    """Sets one weight to NaN after the first batch of the second epoch, as an overflow would."""

    def on_batch_end(self, net, training=False, **kwargs):
        if training and len(net.history) == 2:
            with torch.no_grad():
                net.module_.output.weight[0, 0] = float("nan")


def test_divergence_guard_watches_the_weights(digits):
    X, y = digits
    # the loss of the epoch is computed before the weight goes bad; the guard still sees it
    with pytest.raises(ValueError, match=r"diverged \(non-finite (train_loss|weights)\) in epoch 2"):
        small(early_stopping=False, max_epochs=3, callbacks=[("poison", PoisonWeights())]).fit(X, y)


def test_lr_scheduler_is_routed_and_stepped_once_per_epoch(digits):
    X, y = digits
    clf = small(lr=0.04, max_epochs=3, lr_scheduler=torch.optim.lr_scheduler.StepLR, lr_scheduler__step_size=1,
                lr_scheduler__gamma=0.5).fit(X, y)
    assert clf.net_.history[:, "event_lr"] == [0.04, 0.02, 0.01]
    assert clf.get_params()["lr_scheduler__gamma"] == 0.5


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the error raised where CUDA is missing")
def test_cuda_without_a_gpu_is_a_clear_error(digits):
    X, y = digits
    with pytest.raises(ValueError, match="CUDA is not available"):
        small(device="cuda").fit(X, y)


def test_joblib_round_trip_gives_identical_predictions(digits, tmp_path):
    X, y = digits
    clf = small().fit(X, y)
    joblib.dump(clf, tmp_path / "clf.joblib")
    loaded = joblib.load(tmp_path / "clf.joblib")
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(loaded.classes_, clf.classes_)


def test_a_bfloat16_model_predicts_in_float32_on_a_cpu_without_bfloat16_units(digits, tmp_path, monkeypatch):
    """Only fit refuses bfloat16 where the device has no bfloat16 units: a model trained in bfloat16
    on another machine predicts there, in float32 (it raised, even after set_params(precision="float32"))."""
    X, y = digits
    monkeypatch.setattr(precision_module, "cpu_has_bfloat16", lambda: True)
    joblib.dump(small(precision="bfloat16").fit(X, y), tmp_path / "clf.joblib")
    monkeypatch.setattr(precision_module, "cpu_has_bfloat16", lambda: False)
    loaded = joblib.load(tmp_path / "clf.joblib")
    with torch.no_grad():
        expected = torch.softmax(loaded.net_.module_.eval()(torch.as_tensor(X)), dim=1).numpy()
    np.testing.assert_allclose(loaded.predict_proba(X), expected, rtol=1e-5)  # bfloat16 would differ by 1e-3
    assert loaded.set_params(precision="float32").score(X, y) > 0.5
    with pytest.raises(ValueError, match="precision='bfloat16' needs bfloat16 arithmetic"):
        clone(loaded).set_params(precision="bfloat16").fit(X, y)


def test_a_model_trained_on_cuda_loads_on_a_cpu_only_machine(digits, monkeypatch):
    X, y = digits
    if torch.cuda.is_available():
        clf = small(device="cuda").fit(X, y)
        expected = clf.predict_proba(X)
    else:
        # without a GPU, fake the pickled state of a GPU model: the net's device says cuda
        clf = small().fit(X, y)
        expected = clf.predict_proba(X)
        clf.net_.device = "cuda"
    payload = pickle.dumps(clf)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*CUDA.*|.*device.*")
        loaded = pickle.loads(payload)
    assert torch.device(loaded.net_.device).type == "cpu"
    assert all(p.device.type == "cpu" for p in loaded.net_.module_.parameters())
    np.testing.assert_allclose(loaded.predict_proba(X), expected, rtol=1e-5, atol=1e-6)


def test_cross_val_score_beats_chance(digits):
    X, y = digits
    scores = cross_val_score(small(), X, y, cv=3)
    assert scores.shape == (3,)
    assert scores.min() > 0.8


def test_grid_search_over_optimizers_gives_each_its_own_defaults(digits):
    X, y = digits
    grid = GridSearchCV(small(lr="auto", max_epochs=100), {"optimizer": [torch.optim.SGD, torch.optim.Adam]}, cv=2)
    # one shared lr would leave SGD at 1e-3 barely moving, or Adam at 0.1 unstable
    assert grid.fit(X, y).cv_results_["mean_test_score"].min() > 0.7


@pytest.mark.parametrize("optimizer, lr, momentum", [(torch.optim.SGD, 0.1, 0.9), ("sgd", 0.1, 0.9),
                                                     (torch.optim.Adam, 1e-2, None), ("rmsprop", 1e-2, 0)])
def test_auto_learning_rate_and_momentum_follow_the_optimizer(digits, optimizer, lr, momentum):
    X, y = digits
    group = small(optimizer=optimizer, lr="auto", max_epochs=1).fit(X, y).net_.optimizer_.param_groups[0]
    assert group["lr"] == lr and group.get("momentum") == momentum
    routed = small(optimizer=torch.optim.SGD, lr=0.05, optimizer__momentum=0.5, max_epochs=1).fit(X, y)
    assert routed.net_.optimizer_.param_groups[0]["momentum"] == 0.5


@pytest.fixture(scope="module")
def binarized_digits():
    """All of scikit-learn's digits binarized at 8, split 70/30 with stratification."""
    X, y = load_digits(return_X_y=True)
    return train_test_split((X > 8).astype(np.float32), y, test_size=0.3, stratify=y, random_state=0)


def _mlp_score(X_train, X_test, y_train, y_test, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return MLPClassifier(random_state=0, **params).fit(X_train, y_train).score(X_test, y_test)


# Margins of two points: 11 of the 540 test digits, several times what float rounding on
# another CPU moves (measured here: the DNNs score 1 to 3 points above MLPClassifier).
def test_defaults_are_within_two_points_of_mlp_classifier_on_binarized_digits(binarized_digits):
    X_train, X_test, y_train, y_test = binarized_digits
    mlp = _mlp_score(*binarized_digits)
    assert DNNClassifier(random_state=0).fit(X_train, y_train).score(X_test, y_test) >= mlp - 0.02


def test_random_and_dbn_started_networks_learn_as_fast_as_mlp_classifier_at_equal_epochs(binarized_digits):
    X_train, X_test, y_train, y_test = binarized_digits
    mlp = _mlp_score(*binarized_digits, hidden_layer_sizes=(48, 32), max_iter=30)
    dbn = DBN(hidden_layer_sizes=(48, 32), random_state=0).fit(X_train)
    for init in (None, FrozenEstimator(dbn)):
        clf = DNNClassifier(hidden_layer_sizes=(48, 32), dbn=init, max_epochs=30, random_state=0)
        assert clf.fit(X_train, y_train).score(X_test, y_test) >= mlp - 0.02


def _outputs(module, X, training):
    with torch.no_grad():
        return module.train(training)(torch.as_tensor(X)).numpy()


@pytest.mark.parametrize("dropout", [{"dropout": 0.5}, {"input_dropout": 0.2}])
def test_dropout_acts_in_training_only(digits, dropout):
    X, y = digits
    clf = small(max_epochs=3, **dropout).fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(X), clf.predict_proba(X))
    module = clf.net_.module_
    np.testing.assert_array_equal(_outputs(module, X, False), _outputs(module, X, False))
    assert not np.allclose(_outputs(module, X, True), _outputs(module, X, True))


def test_pretrained_weights_start_unscaled_under_inverted_dropout(digits, fitted_dbn):
    """Srivastava et al. scale pretrained weights by 1/p because their dropout masks without
    rescaling; torch's dropout divides the kept units by p instead, which is the same."""
    X, y = digits
    recorder = WeightRecorder()
    small(hidden_layer_sizes=None, dbn=FrozenEstimator(fitted_dbn), dropout=0.5, input_dropout=0.2,
          max_epochs=1, callbacks=[recorder]).fit(X, y)
    _assert_hidden_layers_start_at(recorder, _dbn_weights(fitted_dbn))


class RowNormRecorder(Callback):
    """The largest incoming-weight norm of any hidden unit, after every training step."""

    def on_train_begin(self, net, **kwargs):
        self.norms = []

    def on_batch_end(self, net, training=False, **kwargs):
        if training:
            self.norms.append(max(layer.weight.norm(dim=1).max().item() for layer in net.module_.hidden))


def test_max_norm_holds_after_every_step(digits):
    X, y = digits
    unconstrained, constrained = RowNormRecorder(), RowNormRecorder()
    small(hidden_layer_sizes=(32, 16), max_epochs=2, callbacks=[unconstrained]).fit(X, y)
    small(hidden_layer_sizes=(32, 16), max_epochs=2, max_norm=0.5, callbacks=[constrained]).fit(X, y)
    assert min(unconstrained.norms) > 0.5  # the constraint binds
    assert len(constrained.norms) == len(unconstrained.norms) and max(constrained.norms) <= 0.5 + 1e-6


def test_huge_sample_weights_are_rescaled_without_overflow(digits):
    X, y = digits
    ones = small(max_epochs=3).fit(X, y, sample_weight=np.ones(len(y))).predict_proba(X)
    for huge in (np.full(len(y), 1e37), np.full(len(y), 1e300)):
        np.testing.assert_allclose(small(max_epochs=3).fit(X, y, sample_weight=huge).predict_proba(X), ones, atol=1e-6)


def test_values_beyond_float32_are_refused_naming_x(digits):
    X, y = digits
    X = X.astype(np.float64)
    X[3, 5] = 1e300
    with pytest.raises(ValueError, match=r"X contains infinity or a value too large for dtype\('float32'\)"):
        small(max_epochs=1).fit(X, y)
    clf = small(max_epochs=1).fit(X[4:], y[4:])
    with pytest.raises(ValueError, match=r"X contains infinity or a value too large for dtype\('float32'\)"):
        clf.predict(X[:4])


def test_sample_weight_of_ones_changes_nothing_and_zero_weights_silence_rows(digits):
    X, y = digits
    plain = small(max_epochs=5).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(small(max_epochs=5).fit(X, y, sample_weight=np.ones(len(y))).predict_proba(X), plain)
    weights = np.where(y < 5, 0.0, 1.0)
    predicted = small(early_stopping=False).fit(X, y, sample_weight=weights).predict(X)
    assert np.mean(predicted < 5) < 0.1 < np.mean(small(early_stopping=False).fit(X, y).predict(X) < 5)


@pytest.mark.parametrize(
    "params, sample_weight, message",
    [
        ({"dropout": 1.0}, None, r"dropout must be a finite float in \[0, 1\)"),
        ({"dropout": -0.1}, None, r"dropout must be a finite float in \[0, 1\)"),
        ({"input_dropout": 1.0}, None, r"input_dropout must be a finite float in \[0, 1\)"),
        ({"max_norm": -1.0}, None, r"max_norm must be None or a finite float in \(0, inf\)"),
        ({"lr": "fast"}, None, "lr must be a finite float in .* or one of 'auto'"),
        ({"activation": "softmax"}, None, "activation must be one of"),
        ({}, np.ones(3), r"one weight per row of X, shape \(400,\); got shape \(3,\)"),
        ({}, -np.ones(400), "sample_weight must be non-negative and not all zero"),
        ({}, np.zeros(400), "sample_weight must be non-negative and not all zero"),
        ({}, np.full(400, np.nan), "sample_weight"),
        ({}, np.array(["heavy"] * 400), "sample_weight must hold one number per row of X"),
    ],
)
def test_bad_regularisation_and_sample_weights_are_clear_value_errors(digits, params, sample_weight, message):
    X, y = digits
    with pytest.raises(ValueError, match=message):
        small(**params).fit(X, y, sample_weight=sample_weight)


@pytest.mark.slow
def test_grid_search_on_a_dask_cluster_finds_the_same_best_parameters(digits):
    distributed = pytest.importorskip("distributed")
    X, y = digits
    grid = {"optimizer": [torch.optim.SGD, torch.optim.Adam], "hidden_layer_sizes": [(8,), (32,)]}
    local = GridSearchCV(small(), grid, cv=2).fit(X, y)
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        distributed.Client(cluster) as client,
        joblib.parallel_backend("dask"),
        distributed.get_task_stream(client) as tasks,
    ):
        on_dask = GridSearchCV(small(), grid, cv=2).fit(X, y)
    assert len(tasks.data) >= 8  # the 4 candidates x 2 folds ran on the workers
    assert on_dask.best_params_ == local.best_params_
    np.testing.assert_allclose(on_dask.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"], atol=0.02)


def _dbn_weights(dbn):
    return [(rbm.components_.copy(), rbm.intercept_hidden_.copy()) for rbm in dbn.rbms_]


def _assert_hidden_layers_start_at(recorder, layers):
    for i, (weight, bias) in enumerate(layers):
        np.testing.assert_array_equal(recorder.initial[f"hidden.{i}.weight"].numpy(), weight)
        np.testing.assert_array_equal(recorder.initial[f"hidden.{i}.bias"].numpy(), bias)


def test_an_unfitted_dbn_is_cloned_fitted_on_X_and_initialises_the_hidden_layers(digits):
    X, y = digits
    dbn = small_dbn()
    recorder = WeightRecorder()
    clf = small(hidden_layer_sizes=None, dbn=dbn, callbacks=[recorder]).fit(X, y)
    with pytest.raises(NotFittedError):
        check_is_fitted(dbn)  # the parameter itself stays unfitted
    assert clf.dbn_ is not dbn
    assert clf.hidden_layer_sizes_ == (32, 16)
    _assert_hidden_layers_start_at(recorder, _dbn_weights(clf.dbn_))
    assert recorder.initial["output.weight"].shape == (10, 16)
    # pretraining saw X itself: the same DBN fitted here has the same weights
    for (weight, _), (expected, _) in zip(_dbn_weights(clf.dbn_), _dbn_weights(small_dbn().fit(X))):
        np.testing.assert_array_equal(weight, expected)


def test_a_dbn_without_random_state_is_seeded_by_the_classifier(digits):
    X, y = digits
    first, again, other = (
        small(hidden_layer_sizes=None, dbn=small_dbn(random_state=None), max_epochs=1, random_state=seed).fit(X, y)
        for seed in (3, 3, 4)
    )
    np.testing.assert_array_equal(first.dbn_.rbms_[0].components_, again.dbn_.rbms_[0].components_)
    assert not np.array_equal(first.dbn_.rbms_[0].components_, other.dbn_.rbms_[0].components_)


@pytest.fixture
def validations_of(monkeypatch):
    """The arrays of a given shape that scikit-learn's check_array sees (validate_data calls it)."""
    original, seen = sklearn.utils.validation.check_array, []

    def counting(array, *args, **kwargs):
        seen.append(np.shape(array))
        return original(array, *args, **kwargs)

    monkeypatch.setattr(sklearn.utils.validation, "check_array", counting)
    return lambda shape: [s for s in seen if s == shape]


def test_x_is_validated_once_through_a_pretraining_fit(digits, validations_of):
    X, y = digits
    small(hidden_layer_sizes=None, dbn=small_dbn(max_epochs=1), max_epochs=1).fit(X, y)
    assert len(validations_of(X.shape)) == 1


def test_x_is_validated_once_by_a_classifier_without_pretraining(digits, validations_of):
    X, y = digits
    small(max_epochs=1).fit(X, y)
    assert len(validations_of(X.shape)) == 1


def test_the_dbn_to_pretrain_checks_its_own_parameters_before_any_work(digits):
    """The classifier validates its parameters once for its whole fit, but the DBN it pretrains is
    the user's: that fit checks its own (fit_context(prefer_skip_nested_validation=False))."""
    X, y = digits
    dbn = small_dbn(max_epochs=0)
    clf = small(hidden_layer_sizes=None, dbn=dbn)
    with pytest.raises(ValueError, match="DBN: max_epochs must be an int in \\[1, inf\\], got 0"):
        clf.fit(X, y)
    assert not hasattr(clf, "net_") and not hasattr(clf, "dbn_")


@pytest.mark.parametrize("frozen", [False, True], ids=["fitted", "FrozenEstimator"])
def test_a_fitted_dbn_is_copied_and_fine_tuned_never_refitted_nor_changed(digits, fitted_dbn, frozen):
    X, y = digits
    before = _dbn_weights(fitted_dbn)
    given = FrozenEstimator(fitted_dbn) if frozen else fitted_dbn
    recorder = WeightRecorder()
    clf = small(hidden_layer_sizes=None, dbn=given, callbacks=[recorder]).fit(X, y)
    assert clf.dbn_ is given
    assert clf.hidden_layer_sizes_ == (32, 16)
    _assert_hidden_layers_start_at(recorder, before)
    for (weight, bias), (weight_after, bias_after) in zip(before, _dbn_weights(fitted_dbn)):
        np.testing.assert_array_equal(weight_after, weight)
        np.testing.assert_array_equal(bias_after, bias)
    fine_tuned = clf.net_.module_.hidden[0].weight.detach().numpy()
    assert not np.allclose(fine_tuned, before[0][0])
    assert clf.score(X, y) > 0.9


def _up_pass(recorder, X):
    """The hidden layers' output on ``X`` at the start of training (logistic units)."""
    hidden = torch.as_tensor(X, dtype=torch.float32)
    for i in range(len([key for key in recorder.initial if key.endswith(".weight")]) - 1):
        hidden = torch.sigmoid(hidden @ recorder.initial[f"hidden.{i}.weight"].T + recorder.initial[f"hidden.{i}.bias"])
    return hidden.numpy()


def test_a_gaussian_dbn_starts_the_network_at_its_transform(digits):
    X, y = digits
    X = (X - X.mean(0)) * 3  # real values whose variances are far from 1
    dbn = small_dbn(visible_units="gaussian", max_epochs=3, lr=0.01).fit(X)
    assert not np.allclose(dbn.rbms_[0].variances_, 1, atol=0.5)
    recorder = WeightRecorder()
    small(hidden_layer_sizes=None, dbn=FrozenEstimator(dbn), max_epochs=1, callbacks=[recorder]).fit(X, y)
    np.testing.assert_allclose(_up_pass(recorder, X), dbn.transform(X), atol=1e-5)


@pytest.mark.parametrize("sizes", [(32,), (32, 16)])
def test_a_joint_label_dbn_starts_the_network_at_its_transform(digits, sizes):
    X, y = digits
    dbn = small_dbn(hidden_layer_sizes=sizes, joint_labels=True, max_epochs=3).fit(X, y)
    recorder = WeightRecorder()
    clf = small(hidden_layer_sizes=None, dbn=FrozenEstimator(dbn), callbacks=[recorder]).fit(X, y)
    np.testing.assert_allclose(_up_pass(recorder, X), dbn.transform(X), atol=1e-5)
    assert clf.score(X, y) > 0.8
    unfitted = small(hidden_layer_sizes=None, dbn=small_dbn(hidden_layer_sizes=sizes, joint_labels=True, max_epochs=3))
    np.testing.assert_array_equal(unfitted.fit(X, y).dbn_.classes_, np.unique(y))  # fitted on (X, y)


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_a_dbn_needs_logistic_units(digits, fitted_dbn, activation):
    X, y = digits
    with pytest.raises(ValueError, match=f"activation='{activation}' cannot start from a DBN.*activation='logistic'"):
        small(hidden_layer_sizes=None, dbn=FrozenEstimator(fitted_dbn), activation=activation).fit(X, y)


def test_hidden_layer_sizes_must_agree_with_the_dbn(digits, fitted_dbn):
    X, y = digits
    small(hidden_layer_sizes=(32, 16), dbn=fitted_dbn, max_epochs=1).fit(X, y)
    for dbn in (fitted_dbn, FrozenEstimator(fitted_dbn), small_dbn()):
        conflict = r"hidden_layer_sizes=\(32,\) conflicts with the DBN's hidden layers \(32, 16\)"
        with pytest.raises(ValueError, match=conflict):
            small(hidden_layer_sizes=(32,), dbn=dbn).fit(X, y)


def test_a_frozen_unfitted_dbn_or_one_fitted_on_other_features_is_refused(digits, fitted_dbn):
    X, y = digits
    with pytest.raises(ValueError, match="dbn must be None or DBN or FrozenEstimator"):
        small(hidden_layer_sizes=None, dbn=Pipeline([("dbn", small_dbn())])).fit(X, y)
    with pytest.raises(ValueError, match="FrozenEstimator of an unfitted DBN"):
        small(hidden_layer_sizes=None, dbn=FrozenEstimator(small_dbn())).fit(X, y)
    with pytest.raises(ValueError, match="The DBN was fitted on 64 features but X has 32"):
        small(hidden_layer_sizes=None, dbn=fitted_dbn).fit(X[:, :32], y)


def test_a_pipeline_learns_on_the_dbn_features_without_changing_the_dbn(digits, fitted_dbn):
    X, y = digits
    pipe = Pipeline([("dbn", small_dbn()), ("clf", small())]).fit(X, y)
    assert pipe.named_steps["clf"].n_features_in_ == 16
    assert pipe.score(X, y) > 0.5
    before = _dbn_weights(fitted_dbn)
    frozen = Pipeline([("dbn", FrozenEstimator(fitted_dbn)), ("clf", small())]).fit(X, y)
    np.testing.assert_array_equal(frozen.named_steps["dbn"].rbms_[0].components_, before[0][0])
    assert frozen.score(X, y) > 0.5


def test_grid_search_shares_one_frozen_pretraining_across_candidates(digits, fitted_dbn):
    X, y = digits
    before = _dbn_weights(fitted_dbn)
    frozen = FrozenEstimator(fitted_dbn)
    grid = GridSearchCV(
        small(hidden_layer_sizes=(32, 16)),
        {"optimizer": [torch.optim.SGD, torch.optim.Adam], "dbn": [None, frozen]},
        cv=2,
    ).fit(X, y)
    assert len(grid.cv_results_["params"]) == 4
    assert grid.best_params_["optimizer"] is torch.optim.Adam
    assert grid.best_estimator_.dbn_ is (frozen if grid.best_params_["dbn"] is not None else None)
    assert clone(frozen) is frozen
    np.testing.assert_array_equal(fitted_dbn.rbms_[0].components_, before[0][0])


def test_joblib_round_trip_of_a_pretrained_classifier(digits, fitted_dbn, tmp_path):
    X, y = digits
    clf = small(hidden_layer_sizes=None, dbn=FrozenEstimator(fitted_dbn)).fit(X, y)
    joblib.dump(clf, tmp_path / "clf.joblib")
    np.testing.assert_array_equal(joblib.load(tmp_path / "clf.joblib").predict_proba(X), clf.predict_proba(X))


def test_pretraining_study_writes_a_tidy_table_three_figures_and_a_report(data_home, tmp_path):
    from skgen.studies.pretraining import run_pretraining_study

    tiny = {"n_layers": (2, 3), "n_units": (20,), "n_train": (300,), "layer_size": 20, "n_train_base": 300,
            "pretrain_epochs": 1, "max_epochs": 3, "patience": 2, "n_test": 500}
    table = run_pretraining_study(tiny, out=tmp_path, data_home=data_home, random_state=0)
    assert len(table) == 4 * 4  # 4 points (2 layer counts, 1 width, 1 train size) x 2 inits x 2 optimizers
    assert set(table["init"]) == {"pretrained", "random"}
    assert set(table["optimizer"]) == {"sgd", "adam"}
    assert sorted(table.loc[table["experiment"] == "layers", "n_layers"].unique()) == [2, 3]
    assert (table["n_train"] == 300).all()
    assert table["test_error_pct"].between(0, 100).all()
    assert (table.loc[table["init"] == "pretrained", "pretrain_s"] > 0).all()
    assert (table.loc[table["init"] == "random", "pretrain_s"] == 0).all()
    names = {"pretraining_layers.png", "pretraining_units.png", "pretraining_train_size.png",
             "pretraining.csv", "pretraining.md"}
    assert names <= {path.name for path in tmp_path.iterdir()}
    assert table.attrs["report"] == tmp_path / "pretraining.md"
    saved = pd.read_csv(tmp_path / "pretraining.csv")
    np.testing.assert_allclose(saved["test_error_pct"], table["test_error_pct"])


def test_pretraining_study_refuses_unknown_profiles_and_settings(tmp_path):
    from skgen.studies.pretraining import run_pretraining_study

    with pytest.raises(ValueError, match="profile must be one of"):
        run_pretraining_study("medium", out=tmp_path)
    with pytest.raises(ValueError, match="unknown study settings"):
        run_pretraining_study({"epochs": 3}, out=tmp_path)
