"""Precision and recall of a generative model from k-nearest-neighbour manifolds.

Kynkaanniemi et al. (2019) estimate each sample's manifold as the union of balls around
its feature vectors, each ball's radius the distance to the point's k-th nearest
neighbour in the same set. Precision is the share of generated samples that fall inside
the real manifold (quality); recall the share of real samples inside the generated one
(coverage). FID folds both into one number; these two tell them apart.
"""

import numbers

import numpy as np
from sklearn.metrics import pairwise_distances_chunked
from sklearn.neighbors import NearestNeighbors
from sklearn.utils import check_scalar

from skgen.metrics._frechet import _check_features


def _knn_radii(features, k):
    """Distance from each row to its k-th nearest other row."""
    distances, _ = NearestNeighbors(n_neighbors=k).fit(features).kneighbors()
    return distances[:, -1]


def _share_inside(points, centres, radii):
    """Fraction of ``points`` within ``radii[j]`` of some ``centres[j]``."""
    inside = pairwise_distances_chunked(
        points, centres, reduce_func=lambda distances, start: (distances <= radii).any(axis=1)
    )
    return float(np.concatenate(list(inside)).mean())


def precision_recall(features_real, features_generated, *, k=3):
    """Improved precision and recall between real and generated feature matrices.

    Parameters
    ----------
    features_real, features_generated : array-like of shape (n_real, n_features) and (n_generated, n_features)
    k : int, default=3
        The neighbour whose distance sets each ball's radius.

    Returns
    -------
    precision : float
        Share of generated samples inside the real manifold.
    recall : float
        Share of real samples inside the generated manifold.

    References
    ----------
    T. Kynkaanniemi, T. Karras, S. Laine, J. Lehtinen and T. Aila, "Improved Precision
    and Recall Metric for Assessing Generative Models", NeurIPS 2019.

    Examples
    --------
    >>> import numpy as np
    >>> from skgen.metrics import precision_recall
    >>> rng = np.random.default_rng(0)
    >>> real = rng.normal(size=(500, 2))
    >>> collapsed = rng.normal(scale=0.1, size=(500, 2))  # good samples, one mode only
    >>> precision, recall = precision_recall(real, collapsed)
    >>> bool(precision > 0.9 and recall < 0.2)
    True
    """
    check_scalar(k, "k", numbers.Integral, min_val=1)
    real, generated = _check_features(features_real, features_generated, min_samples=k + 1)
    precision = _share_inside(generated, real, _knn_radii(real, k))
    recall = _share_inside(real, generated, _knn_radii(generated, k))
    return precision, recall
