"""Dataset loaders on the real files, and on a temporary data home with broken files."""

import gzip
import shutil

import numpy as np
import pytest

from skgen.datasets import DataFileError, fetch_file, get_data_home, load_alphadigits, load_mnist

TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_data_home_order(monkeypatch, tmp_path):
    monkeypatch.setenv("SKGEN_DATA", str(tmp_path / "env"))
    assert get_data_home(tmp_path / "arg") == tmp_path / "arg"
    assert get_data_home() == tmp_path / "env"
    monkeypatch.delenv("SKGEN_DATA")
    assert get_data_home().name == "skgen_data"


def test_alphadigits_all(data_home):
    bunch = load_alphadigits(data_home=data_home)
    assert bunch.data.shape == (1404, 320) and bunch.data.dtype == np.float32
    assert bunch.images.shape == (1404, 20, 16)
    assert set(np.unique(bunch.data)) == {0.0, 1.0}
    assert len(bunch.target_names) == 36
    _, counts = np.unique(bunch.target, return_counts=True)
    assert (counts == 39).all()
    np.testing.assert_array_equal(bunch.images[0].ravel(), bunch.data[0])


@pytest.mark.parametrize("characters", ["A4X", "a4x", ["A", "4", "x"], [10, 4, 33]])
def test_alphadigits_character_selection(data_home, characters):
    X, y = load_alphadigits(characters, data_home=data_home, return_X_y=True)
    assert X.shape == (117, 320)
    assert list(dict.fromkeys(y)) == ["A", "4", "X"]


def test_alphadigits_same_images_whatever_the_spelling(data_home):
    X_all, y_all = load_alphadigits(data_home=data_home, return_X_y=True)
    X_b, _ = load_alphadigits("b", data_home=data_home, return_X_y=True)
    np.testing.assert_array_equal(X_b, X_all[y_all == "B"])


@pytest.mark.parametrize("bad", ["A?", [36], ["AB"], ""])
def test_alphadigits_unknown_character(data_home, bad):
    with pytest.raises(ValueError, match="valid|empty"):
        load_alphadigits(bad, data_home=data_home)


def test_unknown_character_lists_valid_ones(data_home):
    with pytest.raises(ValueError, match="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"):
        load_alphadigits("A!", data_home=data_home)


@pytest.mark.parametrize("subset, counts", [("train", TRAIN_COUNTS), ("test", TEST_COUNTS)])
def test_mnist_subsets(data_home, subset, counts):
    bunch = load_mnist(subset, data_home=data_home)
    n = sum(counts)
    assert bunch.data.shape == (n, 784) and bunch.data.dtype == np.float32
    assert bunch.images.shape == (n, 28, 28)
    assert bunch.target.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(bunch.target), counts)


def test_mnist_all_is_train_then_test(data_home):
    X, y = load_mnist("all", data_home=data_home, return_X_y=True)
    X_test, y_test = load_mnist("test", data_home=data_home, return_X_y=True)
    assert X.shape == (70000, 784)
    np.testing.assert_array_equal(X[60000:], X_test)
    np.testing.assert_array_equal(y[60000:], y_test)


def test_mnist_binarization_rules(data_home):
    grey, _ = load_mnist("test", binarize=None, data_home=data_home, return_X_y=True)
    threshold, _ = load_mnist("test", data_home=data_home, return_X_y=True)
    assert grey.min() == 0 and grey.max() == 1 and len(np.unique(grey)) > 2
    np.testing.assert_array_equal(threshold, (grey * 255 > 127).astype(np.float32))

    stochastic, _ = load_mnist("test", binarize="stochastic", random_state=0, data_home=data_home, return_X_y=True)
    again, _ = load_mnist("test", binarize="stochastic", random_state=0, data_home=data_home, return_X_y=True)
    other, _ = load_mnist("test", binarize="stochastic", random_state=1, data_home=data_home, return_X_y=True)
    assert set(np.unique(stochastic)) == {0.0, 1.0}
    np.testing.assert_array_equal(stochastic, again)
    assert (stochastic != other).any()
    # Pixels that are 0 or 255 are never flipped; the mean matches grey / 255.
    assert (stochastic[grey == 0] == 0).all() and (stochastic[grey == 1] == 1).all()
    assert abs(stochastic.mean() - grey.mean()) < 1e-3


@pytest.mark.parametrize("kwargs", [{"subset": "validation"}, {"binarize": "otsu"}])
def test_mnist_bad_options(data_home, kwargs):
    with pytest.raises(ValueError, match="subset|binarize"):
        load_mnist(data_home=data_home, **kwargs)


def _home_with_test_labels(tmp_path, data_home):
    (tmp_path / "mnist").mkdir()
    shutil.copy(data_home / "mnist/t10k-images-idx3-ubyte.gz", tmp_path / "mnist")
    return tmp_path / "mnist/t10k-labels-idx1-ubyte.gz"


def test_corrupted_file_is_refused_by_name(tmp_path, data_home):
    labels = _home_with_test_labels(tmp_path, data_home)
    shutil.copy(data_home / "mnist/t10k-labels-idx1-ubyte.gz", labels)
    with labels.open("r+b") as f:
        f.seek(100)
        f.write(b"\x00\x01\x02")
    with pytest.raises(DataFileError, match="t10k-labels-idx1-ubyte.gz.*f7ae60f92e00"):
        load_mnist("test", data_home=tmp_path, download_if_missing=False)
    assert labels.stat().st_size == 4542  # never overwritten


def test_missing_file_says_where_to_put_it(tmp_path, data_home):
    _home_with_test_labels(tmp_path, data_home)
    with pytest.raises(DataFileError, match=r"t10k-labels-idx1-ubyte.gz.*http.*" + str(tmp_path)):
        load_mnist("test", data_home=tmp_path, download_if_missing=False)


def test_missing_file_without_network(tmp_path, monkeypatch):
    def offline(*args, **kwargs):
        raise ConnectionError("network unreachable")

    monkeypatch.setattr("pooch.retrieve", offline)
    with pytest.raises(DataFileError, match="(?s)binaryalphadigs.mat.*network unreachable.*cs.nyu.edu"):
        load_alphadigits(data_home=tmp_path)
    assert not (tmp_path / "binaryalphadigs.mat").exists()


def test_truncated_idx_is_a_clear_error(tmp_path, data_home, monkeypatch):
    labels = _home_with_test_labels(tmp_path, data_home)
    with gzip.open(data_home / "mnist/t10k-labels-idx1-ubyte.gz") as f:
        raw = f.read()
    with gzip.open(labels, "wb") as f:
        f.write(raw[:5000])
    # A truncated file also fails its checksum; bypass that to reach the parser.
    monkeypatch.setattr("skgen.datasets._fetch._verify", lambda path, sha256: None)
    with pytest.raises(DataFileError, match="truncated"):
        load_mnist("test", data_home=tmp_path)


def test_fetch_unknown_name():
    with pytest.raises(ValueError, match="Unknown data file"):
        fetch_file("cifar10.tar.gz")


def _unreachable_network(monkeypatch):
    """pooch runs as usual (creating its folders) until the download itself fails."""

    def downloader(url, output_file, pooch_instance, check_only=False):
        raise ConnectionError("network unreachable")

    monkeypatch.setattr("pooch.core.choose_downloader", lambda url, progressbar=False: downloader)


def test_failed_download_creates_no_folder(tmp_path, monkeypatch):
    _unreachable_network(monkeypatch)
    home = tmp_path / "nonexistent"
    with pytest.raises(DataFileError, match="network unreachable"):
        load_mnist("test", data_home=home)
    assert not home.exists()
    home.mkdir()
    with pytest.raises(DataFileError, match="network unreachable"):
        load_mnist("test", data_home=home)
    assert list(home.iterdir()) == []  # no empty mnist/ left behind


def test_download_is_installed_only_once_verified(tmp_path, monkeypatch, data_home):
    def downloader(url, output_file, pooch_instance, check_only=False):
        shutil.copyfile(data_home / "binaryalphadigs.mat", output_file)

    monkeypatch.setattr("pooch.core.choose_downloader", lambda url, progressbar=False: downloader)
    path = fetch_file("binaryalphadigs.mat", tmp_path / "new" / "home")
    assert path == tmp_path / "new" / "home" / "binaryalphadigs.mat"
    assert sorted(p.name for p in path.parent.iterdir()) == ["binaryalphadigs.mat"]
    assert load_alphadigits("A", data_home=path.parent, return_X_y=True)[0].shape == (39, 320)
