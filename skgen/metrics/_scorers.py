"""Scikit-learn scorers that draw samples from a generative model and compare them with data.

A scorer is called as ``scorer(estimator, X, y=None)``, as ``GridSearchCV(scoring=...)``
and ``cross_val_score`` do: it draws ``n_samples`` samples from the fitted ``estimator``
(``estimator.sample``), extracts features from them and from the held-out ``X``, and
returns a number where greater is better (minus a distance).

On a ``Pipeline`` whose last step has ``sample``, samples are drawn in that step's space
and mapped back to the space of ``X`` through the earlier steps' ``inverse_transform``,
in reverse order.
"""

import inspect
import numbers

from sklearn.pipeline import Pipeline
from sklearn.utils import check_scalar

from skgen.metrics._features import extract_features
from skgen.metrics._frechet import frechet_distance
from skgen.metrics._kid import kernel_distance
from skgen.metrics._precision_recall import precision_recall


def _sample_last_step(generator, n_samples, random_state):
    if not hasattr(generator, "sample"):
        raise TypeError(
            f"{type(generator).__name__} has no sample() method: a generative scorer needs an estimator "
            "(or a Pipeline's last step) that draws new samples."
        )
    if "random_state" in inspect.signature(generator.sample).parameters:
        samples = generator.sample(n_samples, random_state=random_state)
    else:
        samples = generator.sample(n_samples)
    # GaussianMixture.sample returns (X, component labels).
    return samples[0] if isinstance(samples, tuple) else samples


def sample_from(estimator, n_samples, random_state=None):
    """Draw ``n_samples`` from ``estimator``, or from a Pipeline mapped back to input space.

    Parameters
    ----------
    estimator : estimator with ``sample``, or Pipeline whose last step has it
        Fitted.
    n_samples : int
    random_state : int, RandomState instance or None, default=None
        Passed to ``sample`` when it takes one.

    Returns
    -------
    samples : ndarray of shape (n_samples, ...)
        In the space of the data the estimator (or the pipeline) was fitted on.
    """
    if not isinstance(estimator, Pipeline):
        return _sample_last_step(estimator, n_samples, random_state)
    *transforms, (_, generator) = estimator.steps
    samples = sample_from(generator, n_samples, random_state)
    for name, step in reversed(transforms):
        if step is None or step == "passthrough":
            continue
        if not hasattr(step, "inverse_transform"):
            raise TypeError(
                f"Pipeline step {name!r} ({type(step).__name__}) has no inverse_transform, so samples "
                "cannot be mapped back to the space of the data."
            )
        samples = step.inverse_transform(samples)
    return samples


class _GenerativeScorer:
    """Sample from the estimator, extract features from samples and data, compare."""

    def __init__(self, extractor="mnist", n_samples=None, random_state=None, batch_size=1000):
        self.extractor = extractor
        self.n_samples = n_samples
        self.random_state = random_state
        self.batch_size = batch_size

    def __call__(self, estimator, X, y=None):
        """Score ``estimator`` against data ``X`` (``y`` is ignored): greater is better."""
        if self.n_samples is not None:
            check_scalar(self.n_samples, "n_samples", numbers.Integral, min_val=2)
        n_samples = len(X) if self.n_samples is None else self.n_samples
        generated = sample_from(estimator, n_samples, self.random_state)
        return self._score(
            extract_features(X, self.extractor, batch_size=self.batch_size),
            extract_features(generated, self.extractor, batch_size=self.batch_size),
        )

    def _score(self, features_real, features_generated):
        raise NotImplementedError

    def __repr__(self):
        params = ", ".join(f"{name}={value!r}" for name, value in vars(self).items())
        return f"{type(self).__name__}({params})"


class FIDScorer(_GenerativeScorer):
    """Minus the FID between a generative model's samples and held-out data.

    Parameters
    ----------
    extractor : "mnist", torch.nn.Module, fitted transformer, callable or None, default="mnist"
        What turns images into features; see :func:`skgen.metrics.extract_features`.
        Use a fitted RBM or DBN (or a ``FrozenEstimator`` of one) to score data other
        than MNIST, such as Binary AlphaDigits.
    n_samples : int or None, default=None
        Samples drawn from the estimator; None draws as many as there are rows in ``X``.
        FID depends on sample size: keep it fixed across the models compared.
    random_state : int, RandomState instance or None, default=None
        Passed to the estimator's ``sample``; an int gives every candidate of a search
        the same random numbers.
    batch_size : int, default=1000
        Images per forward pass of a torch extractor.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.model_selection import GridSearchCV
    >>> from sklearn.neighbors import KernelDensity
    >>> from skgen.metrics import FIDScorer
    >>> X = np.random.default_rng(0).normal(size=(300, 2))
    >>> search = GridSearchCV(KernelDensity(), {"bandwidth": [0.1, 3.0]},
    ...                       scoring=FIDScorer(extractor=None, random_state=0), cv=3).fit(X)
    >>> search.best_params_
    {'bandwidth': 0.1}
    """

    def _score(self, features_real, features_generated):
        return -frechet_distance(features_real, features_generated)


class KIDScorer(_GenerativeScorer):
    """Minus the kernel distance (KID) between a generative model's samples and held-out data.

    Parameters
    ----------
    extractor, n_samples, random_state, batch_size
        As in :class:`FIDScorer`; ``random_state`` also draws the subsets.
    n_subsets : int, default=100
        Subset pairs averaged over; see :func:`skgen.metrics.kernel_distance`.
    subset_size : int, default=1000
        Rows per subset.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.neighbors import KernelDensity
    >>> from skgen.metrics import KIDScorer
    >>> X = np.random.default_rng(0).normal(size=(300, 2))
    >>> scorer = KIDScorer(extractor=None, random_state=0, subset_size=100, n_subsets=20)
    >>> good, blurred = KernelDensity(bandwidth=0.1).fit(X), KernelDensity(bandwidth=3.0).fit(X)
    >>> bool(scorer(good, X) > scorer(blurred, X))
    True
    """

    def __init__(
        self, extractor="mnist", n_samples=None, random_state=None, batch_size=1000, n_subsets=100, subset_size=1000
    ):
        super().__init__(extractor, n_samples, random_state, batch_size)
        self.n_subsets = n_subsets
        self.subset_size = subset_size

    def _score(self, features_real, features_generated):
        return -kernel_distance(
            features_real,
            features_generated,
            n_subsets=self.n_subsets,
            subset_size=self.subset_size,
            random_state=self.random_state,
        )


class PrecisionRecallScorer(_GenerativeScorer):
    """Improved precision or recall (Kynkaanniemi et al., 2019) of a generative model.

    Parameters
    ----------
    extractor, n_samples, random_state, batch_size
        As in :class:`FIDScorer`.
    metric : {"precision", "recall"}, default="precision"
        Which of the two to return: the share of samples that look real, or the share of
        held-out data that the samples cover.
    k : int, default=3
        The neighbour whose distance sets the manifold radii.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.neighbors import KernelDensity
    >>> from skgen.metrics import PrecisionRecallScorer
    >>> X = np.random.default_rng(0).normal(size=(300, 2))
    >>> blurred = KernelDensity(bandwidth=3.0).fit(X)
    >>> precision = PrecisionRecallScorer(extractor=None, random_state=0)(blurred, X)
    >>> recall = PrecisionRecallScorer(extractor=None, random_state=0, metric="recall")(blurred, X)
    >>> bool(precision < recall)  # blurred samples spill outside the data, yet cover it
    True
    """

    def __init__(self, extractor="mnist", n_samples=None, random_state=None, batch_size=1000, metric="precision", k=3):
        super().__init__(extractor, n_samples, random_state, batch_size)
        self.metric = metric
        self.k = k

    def __call__(self, estimator, X, y=None):
        if self.metric not in ("precision", "recall"):
            raise ValueError(f"metric must be 'precision' or 'recall', got {self.metric!r}.")
        return super().__call__(estimator, X, y)

    def _score(self, features_real, features_generated):
        precision, recall = precision_recall(features_real, features_generated, k=self.k)
        return precision if self.metric == "precision" else recall
