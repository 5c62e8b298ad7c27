"""Class labels of the class-conditional generative models: one check for ``fit``, one for ``sample``.

``DBN(joint_labels=True)``, ``BetaVAE(conditional=True)`` and ``GAN(conditional=True)`` fit
``(X, y)`` and draw ``sample(n_samples, y=labels)``. These functions give them one way of
reading labels and one set of errors: missing labels, labels of another length than ``X``
(in ``fit`` and in the methods that take the rows' classes), labels the model never saw, no
labels, and more labels than samples asked for.
"""

import numpy as np
import torch
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import column_or_1d


def encode_fit_labels(estimator, y, n_samples, flag):
    """Class indices of the training labels ``y``; sets ``classes_`` and ``class_prior_`` on ``estimator``.

    Parameters
    ----------
    estimator : estimator
        The model being fitted; named in the errors.
    y : array-like of shape (n_samples,) or None
        Class labels of the training rows.
    n_samples : int
        Number of training rows.
    flag : str
        The parameter that made ``estimator`` conditional (``"conditional"``,
        ``"joint_labels"``), named in the error when ``y`` is missing.

    Returns
    -------
    indices : ndarray of shape (n_samples,)
        The position of each label in ``classes_``.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> from skgen._core.labels import encode_fit_labels
    >>> model = SimpleNamespace()
    >>> encode_fit_labels(model, ["b", "a", "b"], 3, "conditional").tolist()
    [1, 0, 1]
    >>> model.classes_.tolist(), model.class_prior_.round(2).tolist()
    (['a', 'b'], [0.33, 0.67])
    """
    name = type(estimator).__name__
    if y is None:
        raise ValueError(f"{name}({flag}=True) needs the labels: call fit(X, y).")
    y = column_or_1d(y, warn=True)
    check_classification_targets(y)
    if len(y) != n_samples:
        raise ValueError(f"y has {len(y)} labels for {n_samples} rows of X.")
    classes, indices, counts = np.unique(y, return_inverse=True, return_counts=True)
    estimator.classes_ = classes
    estimator.class_prior_ = counts / n_samples
    return indices


def check_sample_labels(estimator, y, n_samples, flag):
    """Class indices of the samples asked for by ``sample(n_samples, y=y)``, or None without ``y``.

    A single label is repeated ``n_samples`` times; an array of labels sets the number of
    samples, so ``n_samples`` must be 1 (its default) or its length.

    Raises
    ------
    ValueError
        If ``y`` is given to a model fitted without labels, holds no label or labels the
        model was not fitted on, or has another length than ``n_samples``.
    """
    if y is None:
        return None
    name = type(estimator).__name__
    if not getattr(estimator, flag):
        raise ValueError(f"sample(y=...) needs a {name} fitted with {flag}=True.")
    if np.ndim(y) == 0:
        y = np.repeat(y, n_samples)
    else:
        y = column_or_1d(y)
        if len(y) == 0:
            raise ValueError(f"y holds no labels: {name}.sample(y=labels) draws one sample per label, so it "
                             "needs at least one (or y=None to draw the classes in their training proportions).")
        if n_samples not in (1, len(y)):
            raise ValueError(f"y has {len(y)} labels but n_samples={n_samples}; give one label per sample "
                             "(or a single label for all of them).")
    unknown = set(np.unique(y).tolist()) - set(estimator.classes_.tolist())
    if unknown:
        raise ValueError(f"y holds labels the {name} was not fitted on: {sorted(unknown)}; "
                         f"known classes are {estimator.classes_.tolist()}.")
    return np.searchsorted(estimator.classes_, y)


def check_row_labels(estimator, y, n_rows, flag):
    """Class indices of the classes ``y`` gives ``n_rows`` rows (``transform(X, y)``, ``score_samples(X, y)``).

    One label per row, or a single label for all of them. A model fitted without labels
    takes no ``y`` and gets None.

    Raises
    ------
    ValueError
        If a conditional model gets no ``y`` or labels of another number than the rows, a
        model fitted without labels gets a ``y``, or ``y`` holds labels the model was not
        fitted on.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> import numpy as np
    >>> from skgen._core.labels import check_row_labels
    >>> model = SimpleNamespace(conditional=True, classes_=np.array(["a", "b"]))
    >>> check_row_labels(model, ["b", "a"], 2, "conditional").tolist()
    [1, 0]
    >>> check_row_labels(model, ["a", "b", "b"], 1, "conditional")
    Traceback (most recent call last):
    ...
    ValueError: y has 3 labels for 1 rows of X; give one label per row (or a single label for all of them).
    """
    name = type(estimator).__name__
    if not getattr(estimator, flag):
        if y is not None:
            raise ValueError(f"y gives the rows' classes to a {name} fitted with {flag}=True; this one was fitted "
                             "without labels: leave y out.")
        return None
    if y is None:
        raise ValueError(f"A {name} fitted with {flag}=True needs the class of each row: pass y.")
    if np.ndim(y) > 0:
        y = column_or_1d(y)
        if len(y) != n_rows:
            raise ValueError(f"y has {len(y)} labels for {n_rows} rows of X; give one label per row "
                             "(or a single label for all of them).")
    return check_sample_labels(estimator, y, n_rows, flag)


def draw_sample_labels(estimator, y, n_samples, flag, random_state):
    """Class indices for ``sample``: those ``y`` asks for, else ``n_samples`` drawn from ``class_prior_``.

    Drawing the classes in their training proportions makes ``sample(n_samples)`` of a
    conditional model a draw from the whole data distribution, as an unconditional model's is.
    """
    indices = check_sample_labels(estimator, y, n_samples, flag)
    if indices is None:
        indices = check_random_state(random_state).choice(len(estimator.classes_), n_samples,
                                                          p=estimator.class_prior_)
    return indices


def one_hot(indices, n_classes, device):
    """Float one-hot rows of class ``indices`` on ``device``."""
    return torch.nn.functional.one_hot(torch.as_tensor(indices, device=device), n_classes).float()
