"""Dataset loaders: Binary AlphaDigits and MNIST, fetched with checksums into a data home."""

from skgen.datasets._fetch import REGISTRY, DataFileError, fetch_file, get_data_home
from skgen.datasets.alphadigits import load_alphadigits
from skgen.datasets.mnist import load_mnist

__all__ = [
    "REGISTRY",
    "DataFileError",
    "fetch_file",
    "get_data_home",
    "load_alphadigits",
    "load_mnist",
]
