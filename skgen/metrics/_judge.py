"""A judge of generated samples of labelled images: which class each sample is, and is it real-looking."""

from dataclasses import dataclass

import numpy as np
from scipy.spatial.distance import cdist
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_array, check_is_fitted
from threadpoolctl import threadpool_limits

from skgen._core.params import Integer, Real, check_param
from skgen.metrics._frechet import frechet_distance


@dataclass(frozen=True)
class Judgement:
    """What :meth:`SampleJudge.judge` finds in a set of samples.

    Attributes
    ----------
    recognised : float
        Fraction of the samples recognised as one of the expected classes.
    balanced : float
        The same, with each class counting for at most ``1 / n_classes`` of the samples:
        1 only for a generator that draws every class evenly, ``1 / n_classes`` for one
        that has collapsed onto a single real-looking image (Binary AlphaDigits holds
        some nearly black characters, so a black blob can be near a real image).
    covered : int
        Number of expected classes recognised in at least ``coverage`` of the samples.
    shares : dict
        Fraction of the samples recognised as each expected class.
    frechet_distance : float
        Frechet distance between the samples and the real images of the expected classes,
        in the judge's feature space (the classifier's class scores).
    """

    recognised: float
    balanced: float
    covered: int
    shares: dict
    frechet_distance: float


class SampleJudge(BaseEstimator):
    """Judge generated images by a classifier of real ones, and by their distance to real ones.

    A sample is *recognised* as class ``k`` when a logistic regression trained on the real
    images gives ``k`` probability at least ``confidence``, ``k`` is one of the classes the
    generator was asked to learn, and the sample lies as near to a real image of ``k`` as
    real images of ``k`` lie to each other: its L1 distance (Hamming, for binary images) to
    the nearest real image of ``k`` is at most the ``quantile`` of the real images'
    distances to their nearest other image of the same class. The last condition keeps a
    blob or a smear that the classifier happens to call ``k`` from counting. A class is
    *covered* when at least ``coverage`` of the samples are recognised as it.

    Parameters
    ----------
    confidence : float, default=0.5
        Least class probability of a recognised sample.
    quantile : float, default=0.95
        Quantile of the real nearest-neighbour distances within a class that a sample may reach.
    coverage : float, default=0.01
        Least share of the samples that makes a class covered.
    max_iter : int, default=2000
        Iterations of the logistic regression.

    Attributes
    ----------
    classifier_ : LogisticRegression
    thresholds_ : dict
        The largest distance to the nearest real image at which a sample of each class counts.

    Examples
    --------
    >>> import numpy as np
    >>> from skgen.metrics import SampleJudge
    >>> rng = np.random.RandomState(0)
    >>> prototypes = rng.rand(3, 40) > 0.5
    >>> X = np.repeat(prototypes, 20, axis=0) ^ (rng.rand(60, 40) < 0.05)
    >>> y = np.repeat(["a", "b", "c"], 20)
    >>> judge = SampleJudge().fit(X, y)
    >>> judge.judge(X[:20], "ab").covered
    1
    >>> judge.judge(rng.rand(50, 40) > 0.5, "abc").recognised
    0.0
    """

    def __init__(self, confidence=0.5, quantile=0.95, coverage=0.01, max_iter=2000):
        self.confidence = confidence
        self.quantile = quantile
        self.coverage = coverage
        self.max_iter = max_iter

    def fit(self, X, y):
        """Train the classifier and measure how near real images of each class lie to each other.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Real images.
        y : array-like of shape (n_samples,)
            Their classes; each class needs at least two images.

        Returns
        -------
        self : SampleJudge
        """
        for name, value, constraint in [("confidence", self.confidence, Real(0, 1)),
                                        ("quantile", self.quantile, Real(0, 1)),
                                        ("coverage", self.coverage, Real(0, 1)),
                                        ("max_iter", self.max_iter, Integer(1))]:
            check_param(name, value, constraint, owner=type(self).__name__)
        X = check_array(X, dtype=np.float64)
        y = np.asarray(y)
        # lbfgs on a thousand rows is dominated by BLAS thread start-up: one thread is much faster under load
        with threadpool_limits(limits=1):
            self.classifier_ = LogisticRegression(max_iter=self.max_iter).fit(X, y)
        self._real = {k: X[y == k] for k in self.classifier_.classes_}
        self.thresholds_ = {}
        for k, images in self._real.items():
            if len(images) < 2:
                raise ValueError(f"SampleJudge needs at least two real images of each class; class {k!r} has one.")
            distances = cdist(images, images, "cityblock")
            np.fill_diagonal(distances, np.inf)
            self.thresholds_[k] = float(np.quantile(distances.min(1), self.quantile))
        return self

    def features(self, X):
        """The judge's feature space: the classifier's class scores (log-odds) of each image.

        One column per class, or a single column of log-odds when the judge knows two classes.
        """
        check_is_fitted(self, "classifier_")
        scores = self.classifier_.decision_function(check_array(X, dtype=np.float64))
        return scores.reshape(len(scores), -1)

    def recognise(self, samples, classes):
        """The class each sample is recognised as, or None where it is not.

        Parameters
        ----------
        samples : array-like of shape (n_samples, n_features)
        classes : iterable
            The classes the generator learned (a string of characters works).

        Returns
        -------
        recognised : ndarray of shape (n_samples,), dtype object
        """
        check_is_fitted(self, "classifier_")
        samples = check_array(samples, dtype=np.float64)
        classes = self._check_classes(classes)
        unknown = set(classes) - set(self.classifier_.classes_.tolist())
        if unknown:
            raise ValueError(f"classes {sorted(unknown)} are not among the judge's {self.classifier_.classes_.tolist()}.")
        proba = self.classifier_.predict_proba(samples)
        predicted = self.classifier_.classes_[proba.argmax(1)]
        result = np.full(len(samples), None, dtype=object)
        for k in classes:
            rows = np.flatnonzero((predicted == k) & (proba.max(1) >= self.confidence))
            if len(rows):
                nearest = cdist(samples[rows], self._real[k], "cityblock").min(1)
                result[rows[nearest <= self.thresholds_[k]]] = k
        return result

    @staticmethod
    def _check_classes(classes):
        """``classes`` as a list without repeats, in their order: any iterable, read once."""
        classes = list(dict.fromkeys(classes))
        if not classes:
            raise ValueError("classes must name at least one class the generator learned; got none.")
        return classes

    def judge(self, samples, classes):
        """Judge ``samples`` of a generator trained on ``classes``.

        Parameters
        ----------
        samples : array-like of shape (n_samples, n_features)
        classes : iterable
            The classes the generator learned.

        Returns
        -------
        Judgement
        """
        classes = self._check_classes(classes)
        recognised = self.recognise(samples, classes)
        shares = {k: float(np.mean(recognised == k)) for k in classes}
        real = np.vstack([self._real[k] for k in shares])
        return Judgement(
            recognised=float(np.mean(recognised != None)),  # noqa: E711 (elementwise on an object array)
            balanced=float(sum(min(share, 1 / len(shares)) for share in shares.values())),
            covered=sum(share >= self.coverage for share in shares.values()),
            shares=shares,
            frechet_distance=frechet_distance(self.features(real), self.features(samples)),
        )
