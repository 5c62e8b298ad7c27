"""The data home, the registry of known files and the one function that fetches them.

A file present in the data home is verified against its sha256 before use and never
overwritten; a missing file is downloaded with pooch when allowed, else the error says
which URL to fetch and where to put the file.
"""

import os
import shutil
import tempfile
from pathlib import Path

import pooch

_MNIST_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)

#: MNIST's files -> sha256, each fetched from the first of :data:`_MNIST_MIRRORS` that serves it
_MNIST_FILES = {
    "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}

#: name in the data home -> (sha256, candidate URLs, first is the original source)
REGISTRY = {
    "binaryalphadigs.mat": (
        "3ee9392e64e4e3bb7b35502b69bf2555a0b4197c1b31048c4189b84bc0bc6ea7",
        ("https://cs.nyu.edu/~roweis/data/binaryalphadigs.mat",),
    ),
    **{f"mnist/{name}": (sha256, tuple(mirror + name for mirror in _MNIST_MIRRORS))
       for name, sha256 in _MNIST_FILES.items()},
}


class DataFileError(OSError):
    """A data file is missing and cannot be downloaded, or fails its checksum."""


def get_data_home(data_home=None):
    """Return the folder where skgen looks for and stores datasets.

    Parameters
    ----------
    data_home : str or path-like, default=None
        The folder to use. If None, the ``SKGEN_DATA`` environment variable, else
        ``~/skgen_data``.

    Returns
    -------
    data_home : pathlib.Path
        The folder (not created here; it may be read-only).

    Examples
    --------
    >>> from skgen.datasets import get_data_home
    >>> str(get_data_home("/tmp/somewhere"))
    '/tmp/somewhere'
    """
    if data_home is None:
        data_home = os.environ.get("SKGEN_DATA") or Path.home() / "skgen_data"
    return Path(data_home).expanduser()


def _verify(path, sha256):
    actual = pooch.file_hash(str(path), alg="sha256")
    if actual != sha256:
        raise DataFileError(
            f"Checksum mismatch for {path.name} at {path}: expected sha256 {sha256}, "
            f"got {actual}. The file is corrupted or not the original; delete it to "
            "download it again, or replace it with the original."
        )


def _download(name, path, sha256, urls):
    """Download ``name`` to ``path`` from the first URL that works.

    The file is fetched into a temporary folder and installed only once its checksum
    holds, so a failed download creates no folder in the data home and leaves no
    partial file.
    """
    errors = []
    with tempfile.TemporaryDirectory(prefix="skgen-download-") as staging:
        for url in urls:
            try:
                downloaded = pooch.retrieve(
                    url, known_hash=f"sha256:{sha256}", fname=path.name, path=staging, progressbar=False
                )
            except Exception as exc:  # network errors come in many types; try the next mirror
                errors.append(f"{url}: {' '.join(str(exc).split())}")
                continue
            _install(downloaded, name, path, urls)
            return
    raise DataFileError(
        f"Could not download {name} (tried {'; '.join(errors)}). " + _where_to_put(name, path, urls)
    )


def _install(downloaded, name, path, urls):
    """Move a verified download to ``path``, never leaving a partial file there."""
    partial = path.with_name(path.name + ".part")
    new_folders = [folder for folder in path.parents if not folder.exists()]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(downloaded, partial)
        os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        for folder in new_folders:  # deepest first; mkdir may have failed before reaching some
            if folder.is_dir():
                folder.rmdir()
        raise DataFileError(
            f"Downloaded {name} but could not save it as {path}: {exc.strerror or exc}. "
            + _where_to_put(name, path, urls)
        ) from exc


def _where_to_put(name, path, urls):
    return (
        f"Download {urls[0]} by hand and save it as {path} "
        f"(or set SKGEN_DATA / data_home to a folder holding {name})."
    )


def fetch_file(name, data_home=None, *, download_if_missing=True):
    """Return the verified local path of a registered data file.

    Parameters
    ----------
    name : str
        A key of :data:`REGISTRY`, e.g. ``"mnist/t10k-labels-idx1-ubyte.gz"``.
    data_home : str or path-like, default=None
        See :func:`get_data_home`.
    download_if_missing : bool, default=True
        Download the file into the data home if it is not there.

    Returns
    -------
    path : pathlib.Path
        The file, whose sha256 matches the registry.

    Raises
    ------
    DataFileError
        If the file fails its checksum, or is missing and cannot be downloaded.
    """
    if name not in REGISTRY:
        raise ValueError(f"Unknown data file {name!r}; known files: {sorted(REGISTRY)}")
    sha256, urls = REGISTRY[name]
    path = get_data_home(data_home) / name
    if path.exists():
        _verify(path, sha256)
        return path
    if not download_if_missing:
        raise DataFileError(f"{name} is missing from the data home. " + _where_to_put(name, path, urls))
    _download(name, path, sha256, urls)
    return path
