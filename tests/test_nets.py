"""The skorch template: the training parameters of BetaVAE, GAN and DNNClassifier declared once, with
their constraints and documentation; one ``__init__`` body; validation once per outermost fit."""

import inspect
import re

import numpy as np
import pytest
import torch
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

import skgen
from skgen.nets.template import TRAINING_PARAMETERS, SkorchEstimator

SKORCH = sorted(name for name in skgen._ESTIMATORS if issubclass(getattr(skgen, name), SkorchEstimator))
#: the shared parameters an estimator constrains otherwise, and why
OWN_CONSTRAINTS = {
    ("GAN", "batch_size"): "at least 2 rows, for the generator's batch normalisation",
    ("DNNClassifier", "lr"): "also 'auto'",
}


def signature(name):
    return {key: parameter for key, parameter in inspect.signature(getattr(skgen, name).__init__).parameters.items()
            if key != "self" and parameter.kind is not parameter.VAR_KEYWORD}


def default_text(value):
    if isinstance(value, type):
        return f"torch.optim.{value.__name__}"
    return f'"{value}"' if isinstance(value, str) else repr(value)


def documented(name):
    """``[(parameter, type and default)]`` of the estimator's Parameters section, in order."""
    doc = getattr(skgen, name).__doc__
    section = doc[doc.index("Parameters\n    ----------"):doc.index("Attributes\n    ----------")]
    return re.findall(r"^    (\w+) : (.*)$", section, re.MULTILINE)


def test_the_family_is_the_three_skorch_estimators():
    assert SKORCH == ["BetaVAE", "DNNClassifier", "GAN"]


@pytest.mark.parametrize("name", SKORCH)
def test_every_parameter_is_documented_once_in_signature_order_with_its_default(name):
    entries = documented(name)
    assert [parameter for parameter, _ in entries] == list(signature(name)), name
    assert "%(" not in getattr(skgen, name).__doc__
    for parameter, kind in entries:
        if parameter in TRAINING_PARAMETERS and (name, parameter) not in OWN_CONSTRAINTS:
            default = default_text(signature(name)[parameter].default)
            assert kind == f"{TRAINING_PARAMETERS[parameter][1]}, default={default}", (name, parameter)


@pytest.mark.parametrize("name", SKORCH)
def test_the_shared_parameters_are_documented_by_the_shared_text(name):
    doc = " ".join(getattr(skgen, name).__doc__.split())
    for parameter in set(signature(name)) & set(TRAINING_PARAMETERS):
        if (name, parameter) not in OWN_CONSTRAINTS:
            assert " ".join(TRAINING_PARAMETERS[parameter][2].split()) in doc, (name, parameter)


@pytest.mark.parametrize("name", SKORCH)
def test_the_shared_parameters_carry_the_shared_constraints(name):
    constraints = getattr(skgen, name)._parameter_constraints
    assert set(signature(name)) <= set(constraints), name
    for parameter in set(signature(name)) & set(TRAINING_PARAMETERS):
        shared = constraints[parameter] is TRAINING_PARAMETERS[parameter][0]
        assert shared != ((name, parameter) in OWN_CONSTRAINTS), (name, parameter)


@pytest.mark.parametrize("name", SKORCH)
def test_init_stores_every_argument_as_given_and_routes_the_rest(name):
    given = {parameter: object() for parameter in signature(name)}
    estimator = getattr(skgen, name)(**given, optimizer__weight_decay=0.1)
    params = estimator.get_params(deep=False)
    assert all(params[parameter] is value for parameter, value in given.items())
    assert params["optimizer__weight_decay"] == 0.1
    with pytest.raises(TypeError, match="unexpected keyword argument 'weight_decay'"):
        getattr(skgen, name)(weight_decay=0.1)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    return (rng.random((40, 6)) > 0.5).astype(np.float32), np.arange(40) % 2


@pytest.mark.parametrize("name", SKORCH)
@pytest.mark.parametrize("parameter, value", [
    ("max_epochs", 0), ("batch_size", 0), ("lr", -1.0), ("optimizer", "rmsprop2"), ("lr_scheduler", "step"),
    ("callbacks", "print"), ("precision", "float16"), ("device", "tpu"), ("random_state", -1), ("verbose", 0.5),
    ("early_stopping", "yes"), ("validation_fraction", 1.0), ("n_iter_no_change", 0),
])
def test_a_bad_training_parameter_is_refused_by_name_before_any_work(name, parameter, value, data):
    if parameter not in signature(name):
        pytest.skip(f"{name} takes no {parameter}")
    estimator = getattr(skgen, name)(**{parameter: value})
    with pytest.raises(ValueError, match=f"^{name}: {parameter} must be"):
        estimator.fit(*data)
    with pytest.raises(NotFittedError):
        check_is_fitted(estimator)


@pytest.mark.parametrize("name", SKORCH)
@pytest.mark.parametrize("params, error, message", [
    ({"optimizer__lr": "x"}, TypeError, "optimizer=Adam refuses optimizer__lr='x'"),
    ({"optimizer": "sgd", "optimizer__momentum": -1}, ValueError, "optimizer=SGD refuses optimizer__momentum=-1"),
    ({"lr_scheduler": torch.optim.lr_scheduler.StepLR}, TypeError,
     "lr_scheduler=StepLR cannot be built without routed arguments \\(lr_scheduler__<name>=value\\).*step_size"),
    ({"lr_scheduler": torch.optim.lr_scheduler.StepLR, "lr_scheduler__step": 1}, TypeError,
     "lr_scheduler=StepLR refuses lr_scheduler__step=1"),
])
def test_a_routed_argument_the_optimizer_or_schedule_refuses_is_named_before_any_work(name, params, error, message,
                                                                                   data):
    estimator = getattr(skgen, name)(**params)
    with pytest.raises(error, match=f"^{name}: {message}"):
        estimator.fit(*data)
    assert not hasattr(estimator, "net_")


def test_a_players_routed_argument_is_named_too(data):
    with pytest.raises(TypeError, match="^GAN: optimizer=Adam refuses discriminator_optimizer__nope=1"):
        skgen.GAN(discriminator_optimizer__nope=1).fit(*data)


def test_the_dbn_is_not_pretrained_before_the_routed_arguments_are_checked(data):
    classifier = skgen.DNNClassifier(dbn=skgen.DBN(hidden_layer_sizes=(4,)), optimizer__betas=0.9)
    with pytest.raises(TypeError, match="optimizer=Adam refuses optimizer__betas=0.9"):
        classifier.fit(*data)
    assert not hasattr(classifier, "dbn_")


@pytest.mark.parametrize("name", ["BetaVAE", "GAN"])
def test_sample_names_a_bad_random_state(name, data):
    small = {"max_epochs": 1, "batch_size": 8, "latent_dim": 2}
    model = getattr(skgen, name)(**small).fit(data[0])
    with pytest.raises(ValueError, match=f"^{name}: random_state must be None, an int"):
        model.sample(2, random_state="x")
