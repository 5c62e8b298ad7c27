"""Which digits a generator of MNIST draws: the shipped network's verdict on its samples."""

import numpy as np
import torch

from skgen.metrics._extractor import load_mnist_extractor
from skgen.metrics._features import _check_mnist_images


def predict_digits(X, *, batch_size=1000):
    """The digit that skgen's shipped MNIST network sees in each of the images ``X``.

    Parameters
    ----------
    X : array-like of shape (n_samples, 784)
        Images in [0, 1], 28x28 flattened row by row.
    batch_size : int, default=1000
        Images classified at once.

    Returns
    -------
    digits : ndarray of shape (n_samples,)

    Examples
    --------
    >>> import numpy as np
    >>> from skgen.metrics import predict_digits
    >>> predict_digits(np.zeros((3, 784))).shape
    (3,)
    """
    X = _check_mnist_images(X)
    net = load_mnist_extractor()
    with torch.no_grad():
        return torch.cat([net(torch.as_tensor(batch)).argmax(1) for batch in np.array_split(
            X, max(1, -(-len(X) // batch_size)))]).numpy()


def digit_shares(X, *, batch_size=1000):
    """Fraction of the images ``X`` that skgen's shipped MNIST network classifies as each digit.

    A generator that covers every digit draws each at about 10%; one whose chains settle
    in few modes shows shares near 0 for the others.

    Parameters
    ----------
    X, batch_size
        As in :func:`predict_digits`, which classifies the images.

    Returns
    -------
    shares : ndarray of shape (10,)
        Sums to 1.

    Examples
    --------
    >>> import numpy as np
    >>> from skgen.metrics import digit_shares
    >>> shares = digit_shares(np.zeros((4, 784)))
    >>> shares.shape, float(shares.sum())
    ((10,), 1.0)
    """
    predicted = predict_digits(X, batch_size=batch_size)
    return np.bincount(predicted, minlength=10) / len(predicted)
