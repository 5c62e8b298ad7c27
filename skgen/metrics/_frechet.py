"""The Frechet distance between two Gaussians fitted to feature matrices (the "F" of FID).

For Gaussians N(mu_a, S_a) and N(mu_b, S_b) (Dowson and Landau, 1982)::

    d^2 = ||mu_a - mu_b||^2 + Tr(S_a) + Tr(S_b) - 2 Tr((S_a S_b)^{1/2})

The mean term is squared, and the covariances are over features (one column per
feature, one row per image), as in the reference implementation of Heusel et al. (2017).
The trace of the matrix square root is computed as Tr((S_a^{1/2} S_b S_a^{1/2})^{1/2}),
which has the same eigenvalues as (S_a S_b)^{1/2} but is symmetric positive semi-definite:
its eigenvalues come from ``eigh`` as real numbers, singular covariances (fewer images
than features, dead units) need no offset, and no complex residue has to be dropped.
"""

import numbers
from collections import namedtuple

import numpy as np
from sklearn.utils import check_random_state, check_scalar

ConfidenceInterval = namedtuple("ConfidenceInterval", ["estimate", "low", "high"])


def _check_features(features_a, features_b, min_samples=2):
    a = np.asarray(features_a, dtype=np.float64)
    b = np.asarray(features_b, dtype=np.float64)
    for name, x in (("features_a", a), ("features_b", b)):
        if x.ndim != 2:
            raise ValueError(f"{name} must be 2-D (n_samples, n_features), got shape {x.shape}.")
        if len(x) < min_samples:
            raise ValueError(f"{name} needs at least {min_samples} samples, got {len(x)}.")
        if x.shape[1] < 1:
            # Gaussians over no features are all equal: a distance of 0 would say nothing.
            raise ValueError(f"{name} has 0 features (shape {x.shape}); at least 1 is required.")
        if not np.isfinite(x).all():
            raise ValueError(f"{name} holds NaN or infinite values.")
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"features_a has {a.shape[1]} features but features_b has {b.shape[1]}.")
    return a, b


def feature_statistics(features):
    """The mean and covariance (over features, ddof=1) of a feature matrix, in float64.

    Parameters
    ----------
    features : array-like of shape (n_samples, n_features)

    Returns
    -------
    mu : ndarray of shape (n_features,)
    sigma : ndarray of shape (n_features, n_features)
    """
    features, _ = _check_features(features, features)
    # np.cov gives a 0-d array for a single feature: keep it (1, 1) like any other covariance
    return features.mean(axis=0), np.atleast_2d(np.cov(features, rowvar=False))


def _psd_sqrt(sigma):
    """The symmetric square root of a symmetric positive semi-definite matrix."""
    eigenvalues, eigenvectors = np.linalg.eigh(sigma)
    return (eigenvectors * np.sqrt(np.clip(eigenvalues, 0, None))) @ eigenvectors.T


def trace_sqrt_product(sigma_a, sigma_b):
    """Tr((sigma_a sigma_b)^{1/2}) for symmetric positive semi-definite matrices."""
    root_a = _psd_sqrt(sigma_a)
    middle = root_a @ sigma_b @ root_a
    eigenvalues = np.linalg.eigvalsh((middle + middle.T) / 2)
    return float(np.sqrt(np.clip(eigenvalues, 0, None)).sum())


def frechet_distance_from_statistics(mu_a, sigma_a, mu_b, sigma_b):
    """The squared Frechet distance between N(mu_a, sigma_a) and N(mu_b, sigma_b).

    Parameters
    ----------
    mu_a, mu_b : array-like of shape (n_features,)
        Means.
    sigma_a, sigma_b : array-like of shape (n_features, n_features)
        Symmetric positive semi-definite covariances.

    Returns
    -------
    distance : float
        ``||mu_a - mu_b||^2 + Tr(sigma_a + sigma_b - 2 (sigma_a sigma_b)^{1/2})``, never
        negative (rounding below zero is clipped).

    Examples
    --------
    >>> import numpy as np
    >>> from skgen.metrics import frechet_distance_from_statistics
    >>> frechet_distance_from_statistics(np.zeros(2), np.eye(2), np.ones(2), 4 * np.eye(2))
    4.0
    """
    mu_a, mu_b = (np.asarray(m, dtype=np.float64) for m in (mu_a, mu_b))
    sigma_a, sigma_b = (np.asarray(s, dtype=np.float64) for s in (sigma_a, sigma_b))
    d = mu_a.shape[0] if mu_a.ndim == 1 else -1
    if mu_b.shape != (d,) or sigma_a.shape != (d, d) or sigma_b.shape != (d, d):
        raise ValueError(
            "Expected means of shape (d,) and covariances of shape (d, d) with the same d; got "
            f"{mu_a.shape}, {sigma_a.shape}, {mu_b.shape}, {sigma_b.shape}."
        )
    for name, x in (("mu_a", mu_a), ("sigma_a", sigma_a), ("mu_b", mu_b), ("sigma_b", sigma_b)):
        if not np.isfinite(x).all():
            raise ValueError(f"{name} holds NaN or infinite values.")
    mean_term = float(np.sum((mu_a - mu_b) ** 2))
    covariance_term = np.trace(sigma_a) + np.trace(sigma_b) - 2 * trace_sqrt_product(sigma_a, sigma_b)
    return max(mean_term + float(covariance_term), 0.0)


def frechet_distance(features_a, features_b):
    """The squared Frechet distance between Gaussians fitted to two feature matrices.

    This is FID when the features are those of a fixed network on real and generated
    images (see :func:`skgen.metrics.fid_score`).

    Parameters
    ----------
    features_a, features_b : array-like of shape (n_samples_a, n_features) and (n_samples_b, n_features)
        One row per image, one column per feature; computed in float64.

    Returns
    -------
    distance : float

    References
    ----------
    M. Heusel, H. Ramsauer, T. Unterthiner, B. Nessler and S. Hochreiter, "GANs Trained by
    a Two Time-Scale Update Rule Converge to a Local Nash Equilibrium", NeurIPS 2017.

    Examples
    --------
    >>> import numpy as np
    >>> from skgen.metrics import frechet_distance
    >>> rng = np.random.default_rng(0)
    >>> a = rng.normal(size=(5000, 3))
    >>> round(frechet_distance(a, a), 6)
    0.0
    >>> round(frechet_distance(a, a + 2), 6)  # the squared shift: 3 * 2 ** 2
    12.0
    """
    a, b = _check_features(features_a, features_b)
    return frechet_distance_from_statistics(*feature_statistics(a), *feature_statistics(b))


def frechet_distance_interval(features_a, features_b, *, n_resamples=200, confidence_level=0.95, random_state=None):
    """The Frechet distance with a bootstrap confidence interval.

    Rows of each feature matrix are resampled with replacement, independently, and the
    distance recomputed on every resample. A resample repeats rows, which shrinks the
    fitted covariances and inflates the distance (FID is biased upwards, more so with
    fewer distinct images), so the resampled distances sit above the estimate: their
    percentile interval is shifted by that bootstrap bias, which centres it on the
    estimate. The interval is then the spread of FID at these sample sizes; FID's own
    bias is left in, as in the estimate (compare distances on equal numbers of images).

    Parameters
    ----------
    features_a, features_b : array-like of shape (n_samples_a, n_features) and (n_samples_b, n_features)
    n_resamples : int, default=200
        Number of bootstrap resamples.
    confidence_level : float, default=0.95
        Probability mass between the two percentiles returned.
    random_state : int, RandomState instance or None, default=None
        Seeds the resampling.

    Returns
    -------
    interval : ConfidenceInterval
        Named tuple ``(estimate, low, high)``: the distance on the full data and the
        interval's bounds.

    Examples
    --------
    >>> import numpy as np
    >>> from skgen.metrics import frechet_distance_interval
    >>> rng = np.random.default_rng(0)
    >>> a, b = rng.normal(size=(500, 4)), rng.normal(1, 1, size=(500, 4))
    >>> estimate, low, high = frechet_distance_interval(a, b, n_resamples=50, random_state=0)
    >>> bool(low < 4 < high)
    True
    """
    check_scalar(n_resamples, "n_resamples", numbers.Integral, min_val=2)
    check_scalar(confidence_level, "confidence_level", numbers.Real, min_val=0, max_val=1, include_boundaries="neither")
    a, b = _check_features(features_a, features_b)
    rng = check_random_state(random_state)
    resampled = [
        frechet_distance(a[rng.randint(len(a), size=len(a))], b[rng.randint(len(b), size=len(b))])
        for _ in range(n_resamples)
    ]
    estimate = frechet_distance(a, b)
    tail = 100 * (1 - confidence_level) / 2
    low, high = np.percentile(resampled, [tail, 100 - tail]) - (np.mean(resampled) - estimate)
    return ConfidenceInterval(estimate, max(float(low), 0.0), float(high))
