"""Metrics on images: features from an extractor, then a distance between feature sets."""

from skgen.metrics._features import extract_features
from skgen.metrics._frechet import frechet_distance, frechet_distance_interval
from skgen.metrics._kid import kernel_distance
from skgen.metrics._precision_recall import precision_recall


def _compare_features(distance, X_real, X_generated, extractor, batch_size, **options):
    """``distance(features_real, features_generated, **options)`` of the two sets of images' features;
    ValueError naming the set that holds no images."""
    features = []
    for name, X in (("X_real", X_real), ("X_generated", X_generated)):
        if len(X) == 0:
            raise ValueError(f"{name} holds no images; there is nothing to compare.")
        features.append(extract_features(X, extractor, batch_size=batch_size))
    return distance(*features, **options)


def fid_score(X_real, X_generated, *, extractor="mnist", batch_size=1000):
    """The Frechet distance between the features of real and generated images (FID).

    With the default extractor it is the Frechet distance on the penultimate layer of the
    MNIST network shipped with skgen: the MNIST counterpart of the Inception-based FID of
    Heusel et al. (2017), whose values it does not share.

    Parameters
    ----------
    X_real, X_generated : array-like of shape (n_real, ...) and (n_generated, ...)
        Images, one per row (for ``"mnist"``: 784 pixels or 28x28, values in [0, 1]).
    extractor : "mnist", torch.nn.Module, fitted transformer, callable or None, default="mnist"
        See :func:`skgen.metrics.extract_features`.
    batch_size : int, default=1000
        Images per forward pass of a torch module.

    Returns
    -------
    fid : float
        Smaller is better; it shrinks with sample size, so compare scores computed on the
        same numbers of images.

    Examples
    --------
    >>> import numpy as np
    >>> from skgen.metrics import fid_score
    >>> rng = np.random.default_rng(0)
    >>> noise = rng.random((200, 784))
    >>> fid_score(noise, noise)
    0.0
    """
    return _compare_features(frechet_distance, X_real, X_generated, extractor, batch_size)


def fid_confidence_interval(
    X_real,
    X_generated,
    *,
    extractor="mnist",
    n_resamples=200,
    confidence_level=0.95,
    random_state=None,
    batch_size=1000,
):
    """FID with a percentile bootstrap confidence interval over both sets of images.

    Features are extracted once; see :func:`skgen.metrics.frechet_distance_interval`.

    Returns
    -------
    interval : ConfidenceInterval
        Named tuple ``(estimate, low, high)``.
    """
    return _compare_features(frechet_distance_interval, X_real, X_generated, extractor, batch_size,
                             n_resamples=n_resamples, confidence_level=confidence_level, random_state=random_state)


def kid_score(
    X_real, X_generated, *, extractor="mnist", n_subsets=100, subset_size=1000, random_state=None, batch_size=1000
):
    """The kernel distance (KID) between the features of real and generated images.

    See :func:`skgen.metrics.kernel_distance` for the parameters.

    Returns
    -------
    kid : float
        Smaller is better; unbiased, so about zero (possibly negative) for two samples of
        the same distribution.
    """
    return _compare_features(kernel_distance, X_real, X_generated, extractor, batch_size,
                             n_subsets=n_subsets, subset_size=subset_size, random_state=random_state)


def precision_recall_score(X_real, X_generated, *, extractor="mnist", k=3, batch_size=1000):
    """Improved precision and recall (Kynkaanniemi et al., 2019) of generated images.

    See :func:`skgen.metrics.precision_recall`.

    Returns
    -------
    precision, recall : float
        Shares in [0, 1]: of generated images that look real, of real images that the
        generator covers.
    """
    return _compare_features(precision_recall, X_real, X_generated, extractor, batch_size, k=k)
