"""Turning images into the features that the metrics compare.

An extractor is one of:

- ``"mnist"``: the network shipped with skgen (:func:`load_mnist_extractor`), for rows of
  784 pixels or 28x28 images with values in [0, 1];
- a ``torch.nn.Module``: called in eval mode without gradients on float32 batches of the
  rows as given, on the device of its parameters;
- a fitted scikit-learn transformer (an RBM, a DBN, a ``FrozenEstimator`` of one...): its
  ``transform`` on the rows flattened to 2-D;
- a callable: called on the rows as given, returning one feature row per image;
- None: the flattened rows themselves are the features.
"""

import numbers

import numpy as np
import torch
from sklearn.utils import check_scalar
from torch import nn

from skgen._core.tensors import to_tensor
from skgen._core.validation import check_unit_interval
from skgen.metrics._extractor import load_mnist_feature_layers

_MNIST_SHAPES = ((784,), (28, 28), (1, 28, 28))


def _flatten(X):
    X = np.asarray(X)
    return X.reshape(len(X), -1) if X.ndim > 2 else X


def _check_mnist_images(X):
    X = np.asarray(X, dtype=np.float32)
    if X.ndim < 2 or X.shape[1:] not in _MNIST_SHAPES:
        raise ValueError(
            f'extractor="mnist" takes rows of 784 pixels or 28x28 images; got an array of shape {X.shape}.'
        )
    if not np.isfinite(X).all():
        raise ValueError("The images hold NaN or infinite values.")
    check_unit_interval(X, name="The images")
    return X


@torch.no_grad()
def _module_features(module, X, batch_size):
    parameter = next(module.parameters(), None)
    device = parameter.device if parameter is not None else torch.device("cpu")
    was_training = module.training
    module.eval()
    try:
        inputs = to_tensor(X)
        batches = [module(batch.to(device)).cpu() for batch in torch.split(inputs, batch_size)]
    finally:
        module.train(was_training)
    return torch.cat(batches).reshape(len(X), -1).numpy()


def _resolve(extractor):
    """The extractor as a function of (X, batch_size) that returns the raw features."""
    if isinstance(extractor, str):
        if extractor != "mnist":
            raise ValueError(f'The only named extractor is "mnist", got {extractor!r}.')
        return lambda X, batch_size: _module_features(load_mnist_feature_layers(), _check_mnist_images(X), batch_size)
    if extractor is None:
        return lambda X, batch_size: _flatten(X)
    if isinstance(extractor, nn.Module):
        return lambda X, batch_size: _module_features(extractor, np.asarray(X), batch_size)
    if hasattr(extractor, "transform"):
        return lambda X, batch_size: extractor.transform(_flatten(X))
    if callable(extractor):
        return lambda X, batch_size: extractor(X)
    raise TypeError(
        'extractor must be "mnist", None, a torch.nn.Module, a fitted scikit-learn transformer '
        f"or a callable; got {type(extractor).__name__}."
    )


def extract_features(X, extractor="mnist", *, batch_size=1000):
    """The features of images ``X`` under ``extractor``, as a float64 matrix.

    Parameters
    ----------
    X : array-like of shape (n_samples, ...)
        Images, one per row: flat rows or 2-D images (for ``"mnist"``: 784 pixels or 28x28,
        values in [0, 1]).
    extractor : "mnist", torch.nn.Module, fitted transformer, callable or None, default="mnist"
        What turns images into features; see :mod:`skgen.metrics`.
    batch_size : int, default=1000
        Images per forward pass of a torch module.

    Returns
    -------
    features : ndarray of shape (n_samples, n_features), float64

    Examples
    --------
    >>> import numpy as np
    >>> from skgen.metrics import extract_features
    >>> extract_features(np.zeros((5, 28, 28))).shape
    (5, 128)
    """
    check_scalar(batch_size, "batch_size", numbers.Integral, min_val=1)
    features = np.asarray(_resolve(extractor)(X, batch_size), dtype=np.float64)
    if features.ndim != 2 or len(features) != len(X):
        raise ValueError(
            f"The extractor must return one feature row per image; got shape {features.shape} for {len(X)} images."
        )
    return features
