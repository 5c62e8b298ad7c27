"""Has a sampler reached the model's equilibrium? FID and mode coverage against the number of sweeps."""

import time

import numpy as np
import pandas as pd

from skgen._core.params import Boolean, Integer, Options, check_param
from skgen.metrics._digits import predict_digits
from skgen.metrics._features import extract_features
from skgen.metrics._frechet import frechet_distance

#: the columns of :func:`sampling_convergence`'s table
CONVERGENCE_COLUMNS = ["sampler", "n_steps", "fid", "min_class_pct", "max_class_pct", "seconds"]


def _classify(X, classifier):
    """Class labels of the images ``X``: the shipped MNIST network, a fitted classifier or a callable."""
    if isinstance(classifier, str):
        check_param("classifier", classifier, Options("mnist"))
        return predict_digits(X)
    if hasattr(classifier, "predict"):
        return np.asarray(classifier.predict(X))
    if callable(classifier):
        return np.asarray(classifier(X))
    raise TypeError(f"classifier must be 'mnist', a fitted classifier, a callable or None, got {classifier!r}.")


def _class_percentages(labels, classes):
    """Percentage of ``labels`` falling in each of ``classes``."""
    return np.array([100.0 * np.mean(labels == c) for c in classes])


def sampling_convergence(estimator, X_reference, *, n_steps=(10, 100, 1000, 10000), samplers=("gibbs", "tempering"),
                         n_samples=1000, start="noise", binarize=True, extractor="mnist", classifier="mnist",
                         sample_params=None, random_state=None):
    """FID and the rarest class's share of a model's samples against the number of sweeps of its sampler.

    A Boltzmann machine's own distribution is what its Markov chains reach once they have
    forgotten their start. This diagnostic starts ``n_samples`` chains from ``start``
    (noise by default) and scores the samples after each number of sweeps in ``n_steps``,
    for each sampler: where the FID and the class shares stop moving, the chains have
    settled, and what they show is the model. A sampler that settles in fewer sweeps mixes
    faster; two samplers that settle at the same values agree on the model's equilibrium.

    Each point is a fresh run of ``estimator.sample(n_samples, start=start, sampler=...,
    n_steps=..., return_probabilities=True)``; its mean-field images (thresholded at 1/2
    with ``binarize``, study 3's rule) are scored against ``X_reference``.

    Parameters
    ----------
    estimator : fitted estimator with ``sample``
        An :class:`~skgen.RBM`, :class:`~skgen.GaussianBernoulliRBM`, :class:`~skgen.DBN` or
        :class:`~skgen.DBM`, or any estimator whose ``sample`` takes ``start``,
        ``sampler``, ``n_steps`` and ``return_probabilities``.
    X_reference : array-like of shape (n_reference, n_features)
        Real images (held-out data) that the samples are compared with.
    n_steps : sequence of int, default=(10, 100, 1000, 10000)
        Sweeps after which the chains are scored.
    samplers : sequence of str, default=("gibbs", "tempering")
        Samplers of ``estimator.sample`` to compare.
    n_samples : int, default=1000
        Chains per point. FID grows as the sample shrinks: compare points of one table.
    start : {"noise", "chains"} or array-like, default="noise"
        Where the chains start (see the estimator's ``sample``).
    binarize : bool, default=True
        Threshold the mean-field images at 1/2 (for binary data); False scores them as
        they are (grey levels).
    extractor : "mnist", torch.nn.Module, fitted transformer, callable or None, default="mnist"
        Features for the FID (see :func:`skgen.metrics.extract_features`).
    classifier : "mnist", fitted classifier, callable or None, default="mnist"
        Assigns each image a class (mode), for the shares of the rarest and the commonest
        class; ``"mnist"`` is skgen's shipped digit network, None skips the shares.
    sample_params : dict, default=None
        Further arguments of ``estimator.sample`` (e.g. ``n_temperatures``, ``step_size``).
    random_state : int or None, default=None
        Seeds every run (the same seed for each point).

    Returns
    -------
    table : pandas.DataFrame
        One row per sampler and number of sweeps, with the columns ``sampler``,
        ``n_steps``, ``fid``, ``min_class_pct``, ``max_class_pct`` (NaN without a
        classifier) and ``seconds`` (the sampling time).

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skgen import RBM
    >>> from skgen.metrics import sampling_convergence
    >>> X, y = load_digits(return_X_y=True)
    >>> X = (X > 7).astype(float)
    >>> rbm = RBM(n_components=32, persistent=True, n_chains=100, lr=0.05, max_epochs=5, random_state=0).fit(X)
    >>> table = sampling_convergence(rbm, X, n_steps=(10, 100), n_samples=200, extractor=None,
    ...                              classifier=LogisticRegression(max_iter=1000).fit(X, y), random_state=0)
    >>> table[["sampler", "n_steps"]].values.tolist()
    [['gibbs', 10], ['gibbs', 100], ['tempering', 10], ['tempering', 100]]
    """
    check_param("n_samples", n_samples, Integer(2))
    check_param("binarize", binarize, Boolean())
    n_steps = [check_param("n_steps", n, Integer(1)) for n in np.atleast_1d(n_steps).tolist()]
    if isinstance(samplers, str) or not len(samplers):
        raise ValueError(f"samplers must be a non-empty sequence of sampler names, got {samplers!r}.")
    reference = extract_features(X_reference, extractor)
    classes = None if classifier is None else np.unique(_classify(np.asarray(X_reference), classifier))
    rows = []
    for sampler in samplers:
        for steps in n_steps:
            began = time.perf_counter()
            images = estimator.sample(n_samples, start=start, sampler=sampler, n_steps=steps,
                                      return_probabilities=True, random_state=random_state, **(sample_params or {}))
            seconds = time.perf_counter() - began
            if binarize:
                images = (images > 0.5).astype(np.float32)
            shares = (np.full(2, np.nan) if classes is None
                      else _class_percentages(_classify(images, classifier), classes))
            rows.append({"sampler": sampler, "n_steps": steps,
                         "fid": frechet_distance(reference, extract_features(images, extractor)),
                         "min_class_pct": shares.min(), "max_class_pct": shares.max(), "seconds": seconds})
    return pd.DataFrame(rows, columns=CONVERGENCE_COLUMNS)
