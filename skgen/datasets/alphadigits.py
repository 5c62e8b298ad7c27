"""Binary AlphaDigits (Sam Roweis): 36 classes of 20x16 binary characters, 39 of each."""

import string

import numpy as np
import scipy.io
from sklearn.utils import Bunch

from skgen.datasets._fetch import fetch_file

CLASSES = tuple(string.digits + string.ascii_uppercase)
IMAGE_SHAPE = (20, 16)

DESCR = """Binary AlphaDigits
------------------
1,404 binary images of 20x16 pixels: the digits 0-9 and the capital letters A-Z,
39 examples of each, from Sam Roweis' ``binaryalphadigs.mat``. ``data`` holds each image
flattened row-major into 320 values of 0 or 1 (float32); ``images`` the same values as
(n, 20, 16); ``target`` the character each row shows, as a one-letter string.
"""


def _class_indices(characters):
    if characters is None:
        return list(range(len(CLASSES)))
    if isinstance(characters, str):
        characters = list(characters)
    indices = []
    for c in characters:
        if isinstance(c, (int, np.integer)) and not isinstance(c, bool):
            if not 0 <= c < len(CLASSES):
                raise ValueError(f"Class index {c} is out of range; valid indices are 0-35.")
            index = int(c)
        elif isinstance(c, str) and len(c) == 1 and c.upper() in CLASSES:
            index = CLASSES.index(c.upper())
        else:
            raise ValueError(
                f"Unknown character {c!r}; valid characters are {''.join(CLASSES)} "
                "(case-insensitive) or class indices 0-35."
            )
        if index not in indices:
            indices.append(index)
    if not indices:
        raise ValueError("characters is empty; give at least one character, or None for all.")
    return indices


def load_alphadigits(characters=None, *, data_home=None, download_if_missing=True, return_X_y=False):
    """Load Binary AlphaDigits, optionally only some characters.

    Parameters
    ----------
    characters : str, list of str or int, or None, default=None
        Which characters to load: a string such as ``"A4x"`` (case-insensitive), a list of
        characters, or class indices 0-35 (0-9 are the digits, 10-35 the letters A-Z).
        None loads all 36. Rows come in the order the characters are given.
    data_home : str or path-like, default=None
        Where ``binaryalphadigs.mat`` lives; see :func:`skgen.datasets.get_data_home`.
    download_if_missing : bool, default=True
        Download the file if it is not in the data home.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : sklearn.utils.Bunch
        ``data`` (n, 320) float32 of 0/1, ``images`` (n, 20, 16), ``target`` (n,) str,
        ``target_names`` (the characters loaded), ``DESCR``.
    (data, target) : tuple if ``return_X_y`` is True.

    Raises
    ------
    ValueError
        If a character is unknown; the message lists the valid ones.

    Examples
    --------
    >>> from skgen.datasets import load_alphadigits
    >>> X, y = load_alphadigits("A4x", return_X_y=True)  # doctest: +SKIP
    >>> X.shape, sorted(set(y))  # doctest: +SKIP
    ((117, 320), ['4', 'A', 'X'])
    """
    indices = _class_indices(characters)
    path = fetch_file("binaryalphadigs.mat", data_home, download_if_missing=download_if_missing)
    cells = scipy.io.loadmat(path)["dat"]
    images = np.stack([cell for i in indices for cell in cells[i]]).astype(np.float32)
    target = np.array([CLASSES[i] for i in indices for _ in cells[i]])
    data = images.reshape(len(images), -1)
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        images=data.reshape(-1, *IMAGE_SHAPE),
        target=target,
        target_names=np.array([CLASSES[i] for i in indices]),
        DESCR=DESCR,
    )
