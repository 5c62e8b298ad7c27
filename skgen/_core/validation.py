"""Validation once per fit, the checks of data and training, and warnings that name the user's line.

- :func:`fit_context`, which validates once per outermost fit, and
  :func:`inside_validated_fit`, which tells an inner fit that its data were checked;
- :func:`check_finite`: the divergence guard, run after each epoch;
- :func:`check_unit_interval` and :func:`check_float32_range`: the values of ``X``;
- :func:`user_stacklevel`: the ``stacklevel`` that makes a warning name the user's call,
  however deep inside skgen it is raised.
"""

import contextvars
import functools
import math
import os
import sys

import numpy as np
import scipy.sparse as sp
import torch


#: (how many validating fits enclose the running code, whether the innermost lets the fits it
#: runs skip their parameter validation); see :func:`fit_context`
_FIT_STATE = contextvars.ContextVar("skgen_fit_state", default=(0, False))


def fit_context(fit=None, *, prefer_skip_nested_validation=True):
    """Decorate a ``fit`` (or ``partial_fit``) so that parameters and data are validated once per outermost fit.

    As scikit-learn's ``_fit_context``: the outermost decorated fit calls
    ``self._validate_params()`` and validates its data; a decorated fit that runs inside it
    (a DBN fitting its RBMs) learns from :func:`inside_validated_fit` that its data, handed
    over by the outer fit, were checked. With ``prefer_skip_nested_validation=True`` (the
    default, and ``@fit_context`` bare), the fits inside also skip their parameter
    validation: for an estimator that configures its inner estimators from its own validated
    parameters. An estimator that fits an estimator its user configured (``DNNClassifier``
    pretraining the ``dbn`` it was given) passes False, so that the inner fit checks its own
    parameters, as a meta-estimator of scikit-learn does.
    """
    if fit is None:
        return functools.partial(fit_context, prefer_skip_nested_validation=prefer_skip_nested_validation)

    @functools.wraps(fit)
    def validated_fit(self, *args, **kwargs):
        depth, skip = _FIT_STATE.get()
        if not skip:
            self._validate_params()
        token = _FIT_STATE.set((depth + 1, prefer_skip_nested_validation))
        try:
            return fit(self, *args, **kwargs)
        finally:
            _FIT_STATE.reset(token)

    return validated_fit


def inside_validated_fit():
    """Whether the running fit was called by another fit, which validated its data."""
    return _FIT_STATE.get()[0] > 1


def check_finite(epoch, lr, **values):
    """The divergence guard: ``ValueError`` naming the epoch when a loss or a weight is not finite.

    ``values`` maps what was checked (``loss=...``, ``weights=[...]``) to tensors, numbers,
    or lists of them.
    """
    for what, value in values.items():
        for item in value if isinstance(value, (list, tuple)) else [value]:
            finite = torch.isfinite(item).all() if torch.is_tensor(item) else math.isfinite(item)
            if not finite:
                raise ValueError(
                    f"Training diverged (non-finite {what}) in epoch {epoch} with lr={lr}; use a smaller lr."
                )


def check_unit_interval(X, name="X"):
    """Raise ``ValueError`` unless every value of ``X`` (dense or sparse) lies in [0, 1].

    Call it after ``sklearn.utils.validation.validate_data``, which already rejects NaN and
    infinity with its own clear message.
    """
    values = X.data if sp.issparse(X) else np.asarray(X)
    if values.size and (values.min() < 0 or values.max() > 1):
        raise ValueError(
            f"{name} must hold values in [0, 1] (binary data or probabilities); "
            f"found values in [{values.min():g}, {values.max():g}]. Scale or binarize it first."
        )


def check_float32_range(X, name="X"):
    """Raise ``ValueError`` when a value of ``X`` (dense or sparse) lies beyond float32's range.

    skgen computes in float32: a finite float64 beyond about 3.4e38 would become infinite
    there, and NaN after the first product.
    """
    values = X.data if sp.issparse(X) else np.asarray(X)
    largest = float(np.abs(values).max()) if values.size else 0.0
    limit = float(np.finfo(np.float32).max)
    if largest > limit:
        raise ValueError(
            f"{name} holds values beyond float32's range (largest magnitude {largest:g}, float32's limit is "
            f"{limit:g}); skgen computes in float32: rescale {name}, e.g. with sklearn.preprocessing.StandardScaler."
        )


#: the folder of the skgen package (this module lies in its _core/)
_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def user_stacklevel():
    """The ``stacklevel`` at which a warning raised by this function's caller names the first
    frame outside skgen: the user's call, however deep inside skgen the warning is raised."""
    level, frame = 1, sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        level, frame = level + 1, frame.f_back
    return level
