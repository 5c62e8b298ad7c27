"""MNIST from the four original gzipped IDX files, binarized as the studies need."""

import functools
import gzip

import numpy as np
from sklearn.utils import Bunch, check_random_state

from skgen.datasets._fetch import DataFileError, fetch_file

_FILES = {
    "train": ("mnist/train-images-idx3-ubyte.gz", "mnist/train-labels-idx1-ubyte.gz"),
    "test": ("mnist/t10k-images-idx3-ubyte.gz", "mnist/t10k-labels-idx1-ubyte.gz"),
}
_IMAGES_MAGIC, _LABELS_MAGIC = 2051, 2049
_BINARIZE = ("threshold", "stochastic", None)

DESCR = """MNIST
-----
70,000 handwritten digits of 28x28 grey levels (60,000 train, 10,000 test), read from
LeCun, Cortes and Burges' original IDX files. ``data`` is (n, 784) float32, row-major:
binarized (pixel > 127 for "threshold", one Bernoulli(p/255) draw per pixel for
"stochastic") or grey levels scaled to [0, 1] (``binarize=None``). ``images`` holds the
same values as (n, 28, 28); ``target`` the digit, as int64.
"""


def _parse_idx(path, magic, n_dims):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    header_size = 4 * (1 + n_dims)
    if len(raw) < header_size:
        raise DataFileError(f"{path} is truncated: {len(raw)} bytes, shorter than its IDX header.")
    header = np.frombuffer(raw[:header_size], dtype=">u4")
    if header[0] != magic:
        raise DataFileError(f"{path} is not an IDX file of this kind: magic {header[0]}, expected {magic}.")
    shape = tuple(int(d) for d in header[1:])
    expected = int(np.prod(shape))
    if len(raw) - header_size != expected:
        raise DataFileError(
            f"{path} is truncated or padded: {len(raw) - header_size} bytes of data, "
            f"expected {expected} for shape {shape}."
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header_size).reshape(shape)


@functools.lru_cache(maxsize=4)
def _read_subset(images_path, labels_path, _stamp):
    images = _parse_idx(images_path, _IMAGES_MAGIC, 3)
    labels = _parse_idx(labels_path, _LABELS_MAGIC, 1)
    if len(images) != len(labels):
        raise DataFileError(f"{images_path} holds {len(images)} images but {labels_path} {len(labels)} labels.")
    return images, labels


def _load_raw(subset, data_home, download_if_missing):
    images_path, labels_path = (
        fetch_file(name, data_home, download_if_missing=download_if_missing) for name in _FILES[subset]
    )
    stamp = tuple((p.stat().st_size, p.stat().st_mtime_ns) for p in (images_path, labels_path))
    return _read_subset(str(images_path), str(labels_path), stamp)


def _binarize(grey, binarize, random_state):
    if binarize == "threshold":
        return (grey > 127).astype(np.float32)
    if binarize == "stochastic":
        # An integer r uniform on {0, ..., 254} is below g with probability g / 255.
        r = check_random_state(random_state).randint(0, 255, size=grey.shape, dtype=np.uint8)
        return (r < grey).astype(np.float32)
    return grey.astype(np.float32) / np.float32(255)


def load_mnist(
    subset="train",
    *,
    binarize="threshold",
    data_home=None,
    download_if_missing=True,
    random_state=0,
    return_X_y=False,
):
    """Load MNIST, binarized or as grey levels.

    Parameters
    ----------
    subset : {"train", "test", "all"}, default="train"
        The 60,000 training images, the 10,000 test images, or both (train first).
    binarize : {"threshold", "stochastic"} or None, default="threshold"
        ``"threshold"``: pixel > 127 is 1 (the rule of the studies). ``"stochastic"``:
        each pixel is drawn once from Bernoulli(grey / 255) with ``random_state`` (the
        binarization of the likelihood literature). None: grey levels scaled to [0, 1].
    data_home : str or path-like, default=None
        Where the ``mnist/`` folder lives; see :func:`skgen.datasets.get_data_home`.
    download_if_missing : bool, default=True
        Download missing files into the data home.
    random_state : int, RandomState instance or None, default=0
        Seeds the stochastic binarization; ignored otherwise.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : sklearn.utils.Bunch
        ``data`` (n, 784) float32, ``images`` (n, 28, 28) float32, ``target`` (n,) int64,
        ``target_names`` (0-9), ``DESCR``.
    (data, target) : tuple if ``return_X_y`` is True.

    Notes
    -----
    Data are float32 in every mode: it is the dtype the estimators compute in on PyTorch,
    it holds 0/1 exactly, and it takes half the memory of float64.

    Examples
    --------
    >>> from skgen.datasets import load_mnist
    >>> X, y = load_mnist("test", return_X_y=True)  # doctest: +SKIP
    >>> X.shape, X.dtype  # doctest: +SKIP
    ((10000, 784), dtype('float32'))
    """
    if subset not in ("train", "test", "all"):
        raise ValueError(f"subset must be 'train', 'test' or 'all', got {subset!r}.")
    if binarize not in _BINARIZE:
        raise ValueError(f"binarize must be 'threshold', 'stochastic' or None, got {binarize!r}.")
    parts = ["train", "test"] if subset == "all" else [subset]
    raw = [_load_raw(part, data_home, download_if_missing) for part in parts]
    grey = np.concatenate([images for images, _ in raw])
    target = np.concatenate([labels for _, labels in raw]).astype(np.int64)
    data = _binarize(grey.reshape(len(grey), -1), binarize, random_state)
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        images=data.reshape(-1, 28, 28),
        target=target,
        target_names=np.arange(10),
        DESCR=DESCR,
    )
