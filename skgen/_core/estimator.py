"""The base class every torch-backed skgen estimator stands on, and the contracts it adds.

- :class:`TorchEstimator`: the shared training parameters (``lr``, ``max_epochs``,
  ``batch_size``, ``optimizer``, ``lr_scheduler``, ``device``, ``random_state``,
  ``verbose``) declared once in ``_parameter_constraints`` (constraints of
  :mod:`skgen._core.params`), which each estimator extends with its own
  (``{**TorchEstimator._parameter_constraints, "beta": [...]}``) and which
  ``_validate_params`` checks at the start of ``fit``; the skorch-style routed parameters of
  :class:`~skgen._core.params.RoutedParamsMixin`; the optimizer and the learning-rate
  scheduler built from them (a fused update where the optimizer has one,
  :func:`skgen._core.optim.fused_update`).
- :class:`SampleMixin` and :class:`DensityMixin`: the ``sample(n_samples, *,
  random_state=None)`` contract and ``score`` as the mean of ``score_samples``.

Fitted state is kept as NumPy arrays or CPU tensors, so a model fitted on ``cuda``
pickles and loads on a CPU-only machine.

A new estimator subclasses one of the two templates built on :class:`TorchEstimator`,
:class:`skgen.nets.template.SkorchEstimator` (networks trained by skorch) or
:class:`skgen.energy.template.EnergyEstimator` (energy models), which validate the parameters
(``self._validate_params()``; :func:`skgen._core.validation.fit_context` once per outermost
fit) and run :func:`skgen._core.validation.check_finite` after each epoch; it adds
:class:`SampleMixin` / :class:`DensityMixin` as they apply, and one line to the registry in
``skgen/__init__.py``; ``tests/test_common.py`` then runs scikit-learn's checks on it.
"""

import inspect

import numpy as np
import sklearn.base
import torch
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from skgen._core.optim import _OPTIMIZERS, fused_update, resolve_optimizer
from skgen._core.params import Device, Integer, RandomStateLike, Real, RoutedParamsMixin, Subclass, check_param
from skgen._core.precision import check_precision
from skgen._core.tensors import resolve_device


class TorchEstimator(RoutedParamsMixin, BaseEstimator):
    """Base class of skgen's torch estimators: shared parameters, routing, validation, optimizer.

    Subclasses list their ``__init__`` parameters as usual, store them with
    ``self._set_init_params(locals())`` and extend ``_parameter_constraints``;
    :meth:`_validate_params` checks every declared parameter.
    """

    _parameter_constraints = {
        "lr": [Real(0, closed="neither")],
        "max_epochs": [Integer(1)],
        "batch_size": [Integer(1)],
        "optimizer": [Subclass(torch.optim.Optimizer, _OPTIMIZERS)],
        "lr_scheduler": [None, Subclass(torch.optim.lr_scheduler.LRScheduler)],
        "device": [Device()],
        "random_state": [RandomStateLike()],
        "verbose": [Integer(0)],
    }

    def _set_init_params(self, arguments):
        """Store the arguments of ``__init__`` (its ``locals()``) as the parameters of the same names,
        and its ``**kwargs`` as routed parameters: the whole body of an estimator's ``__init__``,
        whose explicit signature stays what ``get_params`` reads."""
        for name in self._get_param_names():
            setattr(self, name, arguments[name])
        self._set_routed_params(arguments.get("kwargs", {}))

    def __setstate__(self, state):
        """Restore a pickled estimator; a parameter added since it was saved takes its default.

        So a joblib file of an earlier release keeps its ``get_params``, ``clone`` and
        ``set_params``, and trains again with the behaviour it had.
        """
        signature = inspect.signature(type(self).__init__).parameters
        added = {name: signature[name].default for name in self._get_param_names() if name not in state}
        super().__setstate__({**added, **state})

    def _validate_params(self):
        """Check every parameter in ``_parameter_constraints``; ValueError naming the first bad one.

        A ``precision`` the device cannot run (bfloat16 without bfloat16 units) is refused
        here too, so that the error comes before any work.
        """
        params = self.get_params(deep=False)
        for name, constraints in self._parameter_constraints.items():
            if name in params:
                check_param(name, params[name], *constraints, owner=type(self).__name__)
        if params.get("precision", "float32") != "float32":
            check_precision(resolve_device(params["device"]), params["precision"])

    def _make_optimizer(self, parameters, prefix="optimizer"):
        """Build the optimizer ``self.<prefix>`` over ``parameters`` with ``self.lr`` and ``<prefix>__*``."""
        optimizer, arguments = resolve_optimizer(getattr(self, prefix)), self._routed(f"{prefix}__")
        fused = fused_update(optimizer, parameters[0].device, arguments) if parameters else {}
        return optimizer(parameters, lr=self.lr, **fused, **arguments)

    def _make_lr_scheduler(self, optimizer):
        """The ``lr_scheduler`` class over ``optimizer`` with its ``lr_scheduler__*`` arguments, or None."""
        if self.lr_scheduler is None:
            return None
        return self.lr_scheduler(optimizer, **self._routed("lr_scheduler__"))

    def _inference_device(self):
        """The training device where it is available here, else the CPU (a CUDA model on a CPU machine)."""
        try:
            return resolve_device(self.device)
        except ValueError:
            return torch.device("cpu")


class SampleMixin:
    """The generative contract: ``sample(n_samples=1, *, random_state=None)`` returns an array
    shaped like the training rows. Estimators implement ``_sample(n_samples, random_state)``.
    """

    def sample(self, n_samples=1, *, random_state=None):
        """Draw ``n_samples`` rows from the fitted model.

        Parameters
        ----------
        n_samples : int, default=1
            Number of samples.
        random_state : int, RandomState instance or None, default=None
            Seeds the draws; ``None`` draws fresh randomness.

        Returns
        -------
        samples : ndarray of shape (n_samples, n_features_in_)
        """
        self._check_sample_request(n_samples)
        return self._sample(n_samples, random_state)

    def _check_sample_request(self, n_samples):
        check_is_fitted(self)
        check_param("n_samples", n_samples, Integer(1), owner=type(self).__name__)


class DensityMixin(sklearn.base.DensityMixin):
    """``score`` as the mean of ``score_samples``, so ``GridSearchCV`` without a scorer picks
    the model with the best held-out log-likelihood."""

    def score(self, X, y=None):
        """Mean log-likelihood of the rows of ``X``, in nats (see ``score_samples``).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : None
            Ignored.

        Returns
        -------
        score : float
        """
        return float(np.mean(self.score_samples(X)))
