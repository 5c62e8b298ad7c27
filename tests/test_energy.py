"""skgen.energy.template: the energy family's template, its one training loop, its parameters, its weights on the device."""

import pickle
import re
import warnings

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning

import skgen
from skgen import RBM
from skgen._core.params import DOC_MARKER
from skgen._core.validation import fit_context
from skgen.energy.template import TRAINING_PARAMETERS, EnergyEstimator
from skgen.energy.units import GaussianUnits

ENERGY = {name: getattr(skgen, name) for name in skgen._ESTIMATORS if issubclass(getattr(skgen, name), EnergyEstimator)}


def test_the_registry_holds_the_energy_family():
    assert {"RBM", "GaussianBernoulliRBM", "DBN"} <= set(ENERGY)


@pytest.mark.parametrize("name", ENERGY)
def test_every_parameter_is_declared_and_documented_with_its_default(name):
    cls = ENERGY[name]
    params = cls().get_params(deep=False)
    assert set(params) <= set(cls._parameter_constraints)
    assert DOC_MARKER not in cls.__doc__
    for param, default in params.items():
        entry = re.search(rf"^    {param} : (.*)$", cls.__doc__, re.MULTILINE)
        assert entry, f"{name} does not document {param}"
        if param in TRAINING_PARAMETERS and isinstance(default, (int, float, str)) and not isinstance(default, bool):
            shown = f'"{default}"' if isinstance(default, str) else repr(default)
            assert entry.group(1).endswith(f"default={shown}"), entry.group(0)


class Quadratic:
    """A trainer of one parameter ``w`` towards the mean of the rows, whose loss can be made to diverge."""

    def __init__(self, w):
        self.w = w
        self.parameters = [w]
        w.grad = torch.zeros_like(w)

    def gradient(self, batch):
        self.w.grad.copy_(self.w - batch.mean(0))

    def after_step(self, batch):
        pass

    def reconstruction_error(self, rows):
        return torch.mean((rows - self.w) ** 2).item()


class Toy(EnergyEstimator):
    """An energy model of the least kind: the training hooks and the unit type filled, the loop inherited."""

    def __init__(self, lr=0.5, max_epochs=3, batch_size=4, optimizer=torch.optim.SGD, lr_scheduler=None,
                 device="cpu", random_state=0, verbose=0, **kwargs):
        self.lr, self.max_epochs, self.batch_size, self.optimizer = lr, max_epochs, batch_size, optimizer
        self.lr_scheduler, self.device, self.random_state, self.verbose = lr_scheduler, device, random_state, verbose
        self._set_routed_params(kwargs)

    @fit_context
    def fit(self, X):
        data = torch.as_tensor(X, dtype=torch.float32)
        self._initialize(data, self.random_state)
        self._fit_epochs(data, self.max_epochs, self.random_state, self.history_)
        return self

    def _initialize(self, data, random_state):
        self.w_ = np.zeros(data.shape[1], dtype=np.float32)
        self.history_ = []

    def make_trainer(self, data, generator):
        return Quadratic(torch.tensor(self.w_))

    def store_trainer(self, trainer):
        self.w_ = trainer.w.numpy().copy()

    def _visible_units(self):
        return GaussianUnits()


def test_an_energy_model_must_fill_every_hook():
    class Incomplete(EnergyEstimator):
        def _initialize(self, data, random_state):
            pass

    with pytest.raises(TypeError, match="make_trainer"):
        Incomplete()


def test_the_loop_trains_schedules_records_and_stores(capsys):
    X = np.arange(24, dtype=np.float32).reshape(12, 2)
    toy = Toy(max_epochs=4, verbose=1, lr_scheduler=torch.optim.lr_scheduler.StepLR, lr_scheduler__step_size=1,
              lr_scheduler__gamma=0.5).fit(X)
    assert [entry["epoch"] for entry in toy.history_] == [1, 2, 3, 4]
    np.testing.assert_allclose([entry["lr"] for entry in toy.history_], [0.5, 0.25, 0.125, 0.0625])
    errors = [entry["reconstruction_error"] for entry in toy.history_]
    assert errors == sorted(errors, reverse=True)
    assert np.all(np.abs(toy.w_ - X.mean(0)) < np.abs(X.mean(0)))
    assert "[Toy] epoch 4: reconstruction error" in capsys.readouterr().out


def test_the_divergence_guard_names_the_epoch():
    X = np.arange(24, dtype=np.float32).reshape(12, 2) * 1e30
    with pytest.raises(ValueError, match="non-finite weights\\) in epoch 1 with lr=1000.0"):
        Toy(lr=1e3, max_epochs=3).fit(X)


def test_an_error_that_falls_then_rises_warns_once_per_fit_naming_its_epochs():
    X = np.arange(24, dtype=np.float32).reshape(12, 2)
    hotter = {"lr_scheduler": torch.optim.lr_scheduler.MultiStepLR, "lr_scheduler__milestones": [2],
              "lr_scheduler__gamma": 8.0}  # lr 0.5 for two epochs, then 4: each step overshoots the mean 3x
    with pytest.warns(ConvergenceWarning, match=r"rose from .* \(epoch 2\) to .* \(epoch 3\).*smaller lr") as caught:
        toy = Toy(max_epochs=5, **hotter).fit(X)
    assert len(caught) == 1
    assert caught[0].filename == __file__  # it names the user's fit, not the training loop
    errors = [entry["reconstruction_error"] for entry in toy.history_]
    assert np.isfinite(errors).all() and errors[1] < errors[0] and errors[2:] == sorted(errors[2:])


def test_an_error_that_only_rises_from_the_first_epoch_does_not_warn():
    X = np.arange(24, dtype=np.float32).reshape(12, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        toy = Toy(lr=2.5, max_epochs=4).fit(X)  # no epoch ever learned: noise of an untrained model, or a bad lr
    errors = [entry["reconstruction_error"] for entry in toy.history_]
    assert errors == sorted(errors)


def test_a_falling_error_does_not_warn():
    X = np.arange(24, dtype=np.float32).reshape(12, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Toy(lr=0.5, max_epochs=6).fit(X)


def test_the_loop_validates_parameters_first():
    with pytest.raises(ValueError, match="batch_size must be an int"):
        Toy(batch_size=0).fit(np.zeros((4, 2)))


@pytest.fixture
def rbm():
    X = (np.random.RandomState(0).uniform(size=(40, 6)) > 0.5).astype(np.float32)
    return RBM(n_components=3, max_epochs=2, random_state=0).fit(X), X


def test_the_fitted_machine_is_built_once_and_again_when_the_state_changes(rbm, monkeypatch):
    rbm, X = rbm
    built = []
    original = RBM._make_machine
    monkeypatch.setattr(RBM, "_make_machine", lambda self, *args, **kwargs: built.append(1) or original(self, *args,
                                                                                                        **kwargs))
    first = rbm.transform(X)
    rbm.transform(X), rbm.sample(2, n_steps=3, random_state=0), rbm.score_samples(X)
    assert len(built) == 1
    rbm.intercept_hidden_ = rbm.intercept_hidden_ + 1.0
    np.testing.assert_array_less(first, rbm.transform(X))
    assert len(built) == 2


def test_pickles_hold_numpy_state_only(rbm):
    rbm, X = rbm
    expected = rbm.transform(X)
    state = pickle.loads(pickle.dumps(rbm)).__dict__
    assert not any(isinstance(value, torch.Tensor) for value in state.values())
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(rbm)).transform(X), expected)


def test_tempering_asks_for_n_temperatures_where_the_model_has_none(rbm):
    rbm, _ = rbm
    del rbm.n_temperatures  # a model that declares no n_temperatures, as a new energy model may not
    with pytest.raises(ValueError, match="sampler='tempering' needs n_temperatures="):
        rbm.sample(2, sampler="tempering", n_steps=2, random_state=0)
    assert rbm.sample(2, sampler="tempering", n_steps=2, n_temperatures=3, random_state=0).shape == (2, 6)


@pytest.mark.parametrize("make", [lambda: skgen.RBM(n_components=24, max_epochs=2, lr=0.05),
                                  lambda: skgen.DBM(hidden_layer_sizes=(24, 24), pretrain_epochs=1, max_epochs=1)],
                         ids=["RBM", "DBM"])
def test_score_samples_estimates_log_z_once_per_set_of_weights(make, monkeypatch):
    # too many units to enumerate: log Z comes from AIS, which score_samples must not rerun on every call
    binary_digits = (load_digits().data > 7).astype(np.float32)
    model = make().set_params(ais_chains=20, ais_betas=50, random_state=0).fit(binary_digits)
    calls = []
    estimate = type(model).log_partition
    monkeypatch.setattr(type(model), "log_partition", lambda self, *a, **k: calls.append(1) or estimate(self, *a, **k))
    first = model.score_samples(binary_digits[:5])
    np.testing.assert_array_equal(model.score_samples(binary_digits[:5]), first)
    assert len(calls) == 1
    model.set_params(ais_betas=60).score_samples(binary_digits[:5])
    assert len(calls) == 2
    if isinstance(model, skgen.DBM):
        model.weights_[0] = 1.5 * model.weights_[0]
    else:
        model.components_ = 1.5 * model.components_
    assert not np.allclose(model.score_samples(binary_digits[:5]), first)
    assert len(calls) == 3


# -- inference, written once over the machine protocol (issue 39, item 2) --------------------------------------


def test_sample_log_partition_and_score_samples_are_defined_once_in_the_template():
    for cls in (skgen.RBM, skgen.GaussianBernoulliRBM, skgen.DBM):
        for method in ("sample", "log_partition", "score_samples", "free_energy", "fit", "partial_fit"):
            assert not any(method in vars(klass) for klass in cls.__mro__ if issubclass(klass, EnergyEstimator)
                           and klass is not EnergyEstimator), f"{cls.__name__} defines {method} again"


def test_the_gaussian_rbm_fills_one_hook_its_visible_unit_type():
    # the RBM's training, inference and statistics serve it unchanged: no private override but its unit type
    own = {name for name, value in vars(skgen.GaussianBernoulliRBM).items() if callable(value)}
    assert own == {"__init__", "_visible_units"}


@pytest.mark.parametrize("make", [lambda: skgen.RBM(n_components=24, max_epochs=1),
                                  lambda: skgen.GaussianBernoulliRBM(n_components=24, max_epochs=1),
                                  lambda: skgen.DBM(hidden_layer_sizes=(24, 24), pretrain_epochs=1, max_epochs=1)],
                         ids=["RBM", "GaussianBernoulliRBM", "DBM"])
def test_one_ais_serves_every_machine_forward_and_reverse(make, monkeypatch):
    from skgen.energy import partition, template

    X = (load_digits().data[:300] > 7).astype(np.float32)
    model = make().set_params(random_state=0).fit(X)
    calls = []
    monkeypatch.setattr(template, "ais_log_partition",
                        lambda *args, **kwargs: calls.append(kwargs.get("start") is not None)
                        or partition.ais_log_partition(*args, **kwargs))
    model.log_partition("ais", ais_chains=10, ais_betas=20, random_state=0)
    model.log_partition("reverse_ais", start=X[:10], ais_betas=20, random_state=0)
    assert calls == [False, True]
