"""skgen.metrics: the math of FID, KID and precision/recall, the shipped extractor, the scorers."""

import warnings

import numpy as np
import pytest
import scipy.linalg
import torch
from sklearn.base import BaseEstimator
from sklearn.decomposition import PCA
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.mixture import GaussianMixture
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from skgen.datasets import load_mnist
from skgen.metrics import (
    FIDScorer,
    KIDScorer,
    PrecisionRecallScorer,
    SampleJudge,
    extract_features,
    feature_statistics,
    fid_confidence_interval,
    fid_score,
    frechet_distance,
    frechet_distance_from_statistics,
    frechet_distance_interval,
    kernel_distance,
    kid_score,
    load_mnist_extractor,
    precision_recall,
    precision_recall_score,
    sample_from,
)
from skgen.metrics._extractor import WEIGHTS_SHA256, file_sha256, weights_path
from skgen.metrics._kid import polynomial_mmd2_unbiased


def heusel_reference(mu1, sigma1, mu2, sigma2, eps=1e-6):
    """The FID formula as the reference implementation of Heusel et al. computes it."""
    diff = mu1 - mu2
    covmean = scipy.linalg.sqrtm(sigma1.dot(sigma2))
    if not np.isfinite(covmean).all():
        offset = np.eye(sigma1.shape[0]) * eps
        covmean = scipy.linalg.sqrtm((sigma1 + offset).dot(sigma2 + offset))
    covmean = np.real(covmean)
    return diff.dot(diff) + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean)


def random_covariance(rng, d, rank=None):
    factor = rng.normal(size=(d, rank or d))
    return factor @ factor.T / d


# --- Frechet distance ---------------------------------------------------------------------


def test_frechet_distance_agrees_with_direct_sqrtm():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(400, 12)) @ rng.normal(size=(12, 12))
    b = rng.normal(0.3, 1.5, size=(300, 12)) @ rng.normal(size=(12, 12))
    mu_a, sigma_a = a.mean(0), np.cov(a, rowvar=False)
    mu_b, sigma_b = b.mean(0), np.cov(b, rowvar=False)
    assert frechet_distance(a, b) == pytest.approx(heusel_reference(mu_a, sigma_a, mu_b, sigma_b), rel=1e-9)


def test_frechet_distance_closed_form_for_commuting_gaussians():
    rng = np.random.default_rng(1)
    d = 6
    rotation, _ = np.linalg.qr(rng.normal(size=(d, d)))
    var_a, var_b = rng.uniform(0.1, 4, d), rng.uniform(0.1, 4, d)
    mu_a, mu_b = rng.normal(size=d), rng.normal(size=d)
    sigma_a = rotation @ np.diag(var_a) @ rotation.T
    sigma_b = rotation @ np.diag(var_b) @ rotation.T
    expected = np.sum((mu_a - mu_b) ** 2) + np.sum((np.sqrt(var_a) - np.sqrt(var_b)) ** 2)
    assert frechet_distance_from_statistics(mu_a, sigma_a, mu_b, sigma_b) == pytest.approx(expected, rel=1e-10)


def test_frechet_distance_closed_form_in_one_dimension():
    # N(1, 4) vs N(-2, 9): (1 - -2)^2 + (2 - 3)^2
    assert frechet_distance_from_statistics([1.0], [[4.0]], [-2.0], [[9.0]]) == pytest.approx(10.0)


def test_frechet_distance_and_fid_on_one_feature_column(mnist_train):
    rng = np.random.default_rng(0)
    a, b = rng.normal(1, 2, size=(100_000, 1)), rng.normal(-2, 3, size=(100_000, 1))
    assert frechet_distance(a, b) == pytest.approx(10.0, rel=0.02)  # the closed form above
    mu, sigma = feature_statistics(a)
    assert mu.shape == (1,) and sigma.shape == (1, 1)
    one_pixel = lambda images: np.asarray(images)[:, 400:401]  # noqa: E731
    assert fid_score(mnist_train[:200], mnist_train[200:400], extractor=one_pixel) >= 0
    generator = PixelBernoulli().fit(mnist_train[:500])
    assert FIDScorer(extractor=one_pixel, n_samples=100, random_state=0)(generator, mnist_train[500:600]) <= 0


@pytest.mark.parametrize("metric", [fid_score, fid_confidence_interval, kid_score, precision_recall_score])
def test_image_metrics_refuse_zero_images_naming_the_argument(mnist_train, metric):
    for real, generated, name in [(mnist_train[:0], mnist_train[:50], "X_real"),
                                  (mnist_train[:50], np.zeros((0, 784)), "X_generated")]:
        with pytest.raises(ValueError, match=f"{name} holds no images"):
            metric(real, generated)


def test_mean_term_is_squared_and_covariance_is_over_features():
    rng = np.random.default_rng(2)
    a = rng.normal(size=(2000, 3))
    # Shifting every feature by 2 adds exactly 3 * 2^2; a per-sample covariance would not
    # even have matching shapes here (2000 vs 1500 rows).
    b = a[:1500] + 2
    statistics_b = feature_statistics(b)
    assert statistics_b[1].shape == (3, 3)
    expected = frechet_distance_from_statistics(*feature_statistics(a[:1500]), *statistics_b)
    assert expected == pytest.approx(12.0)
    assert frechet_distance(a[:1500], b) == pytest.approx(12.0)


def test_frechet_distance_is_zero_on_itself_and_symmetric():
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=(300, 20)), rng.exponential(size=(250, 20))
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-9)
    assert frechet_distance(a, b) == pytest.approx(frechet_distance(b, a), rel=1e-10)
    assert frechet_distance(a, b) > 1


def test_frechet_distance_with_singular_covariances():
    rng = np.random.default_rng(4)
    sigma_a, sigma_b = random_covariance(rng, 30, rank=5), random_covariance(rng, 30, rank=8)
    mu = np.zeros(30)
    ours = frechet_distance_from_statistics(mu, sigma_a, mu, sigma_b)
    assert np.isfinite(ours) and ours > 0
    assert ours == pytest.approx(heusel_reference(mu, sigma_a, mu, sigma_b), rel=1e-4)
    # Fewer images than features: the covariance is singular, the distance to itself still 0.
    a = rng.normal(size=(10, 50))
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-8)


@pytest.mark.parametrize(
    ("a", "b", "match"),
    [
        (np.zeros((5, 3)), np.zeros((5, 4)), "features"),
        (np.zeros(5), np.zeros((5, 1)), "2-D"),
        (np.full((5, 2), np.nan), np.zeros((5, 2)), "NaN"),
        (np.zeros((1, 2)), np.zeros((5, 2)), "at least 2"),
        (np.zeros((5, 0)), np.zeros((5, 0)), "0 features"),
    ],
)
def test_frechet_distance_rejects_bad_features(a, b, match):
    with pytest.raises(ValueError, match=match):
        frechet_distance(a, b)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda a: frechet_distance_interval(a, a, confidence_level="x"), TypeError, "confidence_level"),
        (lambda a: frechet_distance_interval(a, a, confidence_level=1.0), ValueError, "confidence_level == 1.0"),
        (lambda a: frechet_distance_interval(a, a, n_resamples=10.5), TypeError, "n_resamples"),
        (lambda a: kernel_distance(a, a, n_subsets=2.5), TypeError, "n_subsets"),
        (lambda a: kernel_distance(a, a, n_subsets=0), ValueError, "n_subsets == 0"),
        (lambda a: kernel_distance(a, a, subset_size="all"), TypeError, "subset_size"),
        (lambda a: precision_recall(a, a, k="3"), TypeError, "k must be"),
        (lambda a: extract_features(a, None, batch_size=0), ValueError, "batch_size == 0"),
        (lambda a: fid_score(a, a, extractor=None, batch_size=2.0), TypeError, "batch_size"),
        (lambda a: FIDScorer(extractor=None, n_samples=0.5)(GaussianMixture().fit(a), a), TypeError, "n_samples"),
    ],
)
def test_metric_parameters_are_checked_like_scikit_learn_checks_them(call, error, match):
    a = np.random.default_rng(0).normal(size=(20, 3))
    with pytest.raises(error, match=match):
        call(a)


def test_frechet_distance_interval_covers_the_truth_and_is_reproducible():
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=(1000, 3)), rng.normal(1, 1, size=(1000, 3))
    interval = frechet_distance_interval(a, b, n_resamples=100, random_state=0)
    assert interval.low < 3 < interval.high
    assert interval.low < interval.estimate < interval.high
    assert interval == frechet_distance_interval(a, b, n_resamples=100, random_state=0)
    narrow = frechet_distance_interval(a, b, n_resamples=100, confidence_level=0.5, random_state=0)
    assert interval.low < narrow.low < narrow.high < interval.high


# --- KID and precision/recall -------------------------------------------------------------


def test_polynomial_mmd2_matches_the_definition():
    rng = np.random.default_rng(6)
    x, y = rng.normal(size=(7, 4)), rng.normal(0.5, 1, size=(9, 4))

    def k(u, v):
        return (u @ v / 4 + 1) ** 3

    within_x = sum(k(x[i], x[j]) for i in range(7) for j in range(7) if i != j) / (7 * 6)
    within_y = sum(k(y[i], y[j]) for i in range(9) for j in range(9) if i != j) / (9 * 8)
    between = sum(k(x[i], y[j]) for i in range(7) for j in range(9)) / (7 * 9)
    assert polynomial_mmd2_unbiased(x, y) == pytest.approx(within_x + within_y - 2 * between)


def test_kernel_distance_is_unbiased_and_grows_with_the_shift():
    rng = np.random.default_rng(7)
    a, b = rng.normal(size=(1000, 8)), rng.normal(size=(1000, 8))
    same, std = kernel_distance(a, b, n_subsets=50, subset_size=200, random_state=0, return_std=True)
    assert abs(same) < 3 * std / np.sqrt(50) + 1e-3
    shifts = [kernel_distance(a, b + s, n_subsets=20, subset_size=200, random_state=0) for s in (0.25, 0.5, 1.0)]
    assert 0 < shifts[0] < shifts[1] < shifts[2]


def test_precision_recall_separates_quality_from_coverage():
    rng = np.random.default_rng(8)
    real = rng.normal(size=(600, 2))
    assert precision_recall(real, real) == (1.0, 1.0)
    collapsed = rng.normal(scale=0.1, size=(600, 2))
    precision, recall = precision_recall(real, collapsed)
    assert precision > 0.95 and recall < 0.2
    far = rng.normal(10, 1, size=(600, 2))
    assert precision_recall(real, far) == (0.0, 0.0)
    # A larger k draws larger balls: never a smaller share inside.
    assert precision_recall(real, collapsed, k=10)[1] >= recall


# --- the shipped extractor ----------------------------------------------------------------


@pytest.fixture(scope="module")
def mnist_test(data_home):
    """A fixed 600 test images in each of the three input kinds, with their labels."""
    kinds = {}
    for binarize in ("threshold", "stochastic", None):
        X, y = load_mnist("test", binarize=binarize, data_home=data_home, return_X_y=True)
        kinds[binarize] = X[:600], y[:600]
    return kinds


@pytest.fixture(scope="module")
def mnist_train(data_home):
    X, _ = load_mnist("train", data_home=data_home, return_X_y=True)
    return X[:1000]


def test_weights_file_is_small_and_unchanged():
    path = weights_path()
    assert path.stat().st_size < 2 * 1024**2
    assert file_sha256(path) == WEIGHTS_SHA256


def test_extractor_refuses_weights_with_another_checksum(monkeypatch):
    monkeypatch.setattr("skgen.metrics._extractor.WEIGHTS_SHA256", "0" * 64)
    load_mnist_extractor.cache_clear()
    try:
        with pytest.raises(RuntimeError, match="sha256"):
            load_mnist_extractor()
    finally:
        load_mnist_extractor.cache_clear()


def test_extractor_loads_in_eval_mode_without_gradients():
    net = load_mnist_extractor()
    assert not net.training
    assert not any(p.requires_grad for p in net.parameters())
    x = torch.rand(4, 784)
    assert net.features(x).shape == (4, 128)
    assert torch.equal(net.features(x), net.features(x))
    # extract_features runs a faster arrangement of the same layers (batch norm folded).
    with torch.no_grad():
        np.testing.assert_allclose(extract_features(x.numpy()), net.features(x).numpy(), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("binarize", ["threshold", "stochastic", None])
def test_extractor_classifies_real_digits(mnist_test, binarize):
    X, y = mnist_test[binarize]
    with torch.no_grad():
        predictions = load_mnist_extractor()(torch.as_tensor(X)).argmax(1).numpy()
    assert np.mean(predictions == y) >= 0.98


def test_extract_features_accepts_rows_and_images(mnist_test):
    X, _ = mnist_test["threshold"]
    rows = extract_features(X[:50])
    assert rows.shape == (50, 128) and rows.dtype == np.float64
    np.testing.assert_allclose(extract_features(X[:50].reshape(-1, 28, 28)), rows, rtol=1e-6)
    # Other batch sizes may pick other convolution kernels: float32 rounding differs.
    np.testing.assert_allclose(extract_features(X[:50], batch_size=7), rows, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize(
    ("X", "match"),
    [(np.zeros((3, 100)), "784 pixels"), (np.full((3, 784), 2.0), r"\[0, 1\]"), (np.full((3, 784), np.nan), "NaN")],
)
def test_extract_features_rejects_what_is_not_mnist(X, match):
    with pytest.raises(ValueError, match=match):
        extract_features(X)


def test_fid_takes_reversed_and_read_only_arrays(mnist_test, tmp_path):
    X, _ = mnist_test["threshold"]
    X = X[:100]
    np.save(tmp_path / "X.npy", X)
    memmap = np.load(tmp_path / "X.npy", mmap_mode="r")  # what joblib hands a parallel worker
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # torch warns when it wraps read-only memory
        assert fid_score(X[::-1], X) == pytest.approx(0.0, abs=1e-3)
        assert fid_score(memmap, X) == pytest.approx(0.0, abs=1e-3)
        assert fid_score(memmap[::-1], X, extractor=torch.nn.Flatten()) == pytest.approx(0.0, abs=1e-6)


def test_torch_extractor_runs_in_eval_mode_and_keeps_its_mode():
    torch.manual_seed(0)
    module = torch.nn.Sequential(torch.nn.Linear(784, 16), torch.nn.Dropout(0.5))
    X = np.random.default_rng(0).random((20, 784))
    first, second = extract_features(X, module), extract_features(X, module)
    np.testing.assert_array_equal(first, second)  # dropout was off
    assert module.training


def test_fid_orders_real_noisy_and_noise(mnist_train, mnist_test):
    X_test, _ = mnist_test["threshold"]
    rng = np.random.default_rng(0)
    flipped = np.where(rng.random(X_test.shape) < 0.1, 1 - X_test, X_test)
    noise = (rng.random(X_test.shape) < X_test.mean()).astype(np.float32)
    real, train = extract_features(X_test), extract_features(mnist_train[:600])
    floor = frechet_distance(train, real)
    flipped_fid = fid_score(mnist_train[:600], flipped)
    assert floor < flipped_fid < fid_score(mnist_train[:600], noise)
    # Real digits of the other two kinds sit near the floor: the features serve all three.
    for binarize in ("stochastic", None):
        assert fid_score(mnist_train[:600], mnist_test[binarize][0]) < flipped_fid / 3


def test_image_level_metrics_agree_with_feature_level(mnist_train, mnist_test):
    X_test, _ = mnist_test["threshold"]
    real, test = extract_features(mnist_train[:300]), extract_features(X_test[:300])
    assert fid_score(mnist_train[:300], X_test[:300]) == pytest.approx(frechet_distance(real, test))
    interval = fid_confidence_interval(mnist_train[:300], X_test[:300], n_resamples=10, random_state=0)
    assert interval == frechet_distance_interval(real, test, n_resamples=10, random_state=0)
    kid = kid_score(mnist_train[:300], X_test[:300], n_subsets=5, subset_size=100, random_state=0)
    assert kid == pytest.approx(kernel_distance(real, test, n_subsets=5, subset_size=100, random_state=0))
    assert precision_recall_score(mnist_train[:300], X_test[:300]) == precision_recall(real, test)


# --- scorers ------------------------------------------------------------------------------


class PixelBernoulli(BaseEstimator):
    """Independent pixels, each one of its two observed values with a fitted probability.

    ``noise`` mixes every probability towards 1/2, a knob that makes samples worse.
    """

    def __init__(self, noise=0.0):
        self.noise = noise

    def fit(self, X, y=None):
        X = np.asarray(X, dtype=np.float64)
        self.low_, self.high_ = X.min(axis=0), X.max(axis=0)
        self.p_ = (X > (self.low_ + self.high_) / 2).mean(axis=0)
        return self

    def sample(self, n_samples=1, *, random_state=None):
        check_is_fitted(self)
        p = (1 - self.noise) * self.p_ + self.noise / 2
        on = check_random_state(random_state).random_sample((n_samples, len(p))) < p
        return np.where(on, self.high_, self.low_).astype(np.float32)


def test_fid_scorer_picks_the_better_generator_in_a_grid_search(mnist_train):
    search = GridSearchCV(
        PixelBernoulli(), {"noise": [0.6, 0.0, 0.3]}, scoring=FIDScorer(n_samples=300, random_state=0), cv=2
    ).fit(mnist_train[:600])
    assert search.best_params_ == {"noise": 0.0}
    scores = search.cv_results_["mean_test_score"]
    assert np.all(scores < 0)
    assert scores[0] < scores[2] < scores[1]


def test_fid_scorer_in_cross_val_score_is_minus_the_fid(mnist_train):
    scores = cross_val_score(PixelBernoulli(), mnist_train[:600], scoring=FIDScorer(random_state=1), cv=2)
    fitted = PixelBernoulli().fit(mnist_train[300:600])
    expected = fid_score(mnist_train[:300], fitted.sample(300, random_state=1))
    assert scores[0] == pytest.approx(-expected)


def test_fid_scorer_on_a_pipeline_maps_samples_back(mnist_train):
    pipeline = Pipeline([("scale", MinMaxScaler(feature_range=(-1, 1))), ("gen", PixelBernoulli())])
    fitted = pipeline.fit(mnist_train[:300])
    samples = sample_from(fitted, 5, random_state=0)
    assert set(np.unique(samples)) <= {0.0, 1.0}  # back in pixel space, not in [-1, 1]
    search = GridSearchCV(
        pipeline, {"gen__noise": [0.5, 0.0]}, scoring=FIDScorer(n_samples=300, random_state=0), cv=2
    ).fit(mnist_train[:600])
    assert search.best_params_ == {"gen__noise": 0.0}


def test_sample_from_takes_sklearn_generators_and_nested_pipelines(mnist_train):
    # GaussianMixture.sample returns (X, labels) and takes no random_state.
    gmm = GaussianMixture(2, covariance_type="diag", random_state=0)
    inner = Pipeline([("pca", PCA(5, random_state=0)), ("gmm", gmm)])
    pipeline = Pipeline([("scale", MinMaxScaler()), ("model", inner)]).fit(mnist_train[:200])
    samples = sample_from(pipeline, 7)
    assert samples.shape == (7, 784)
    score = FIDScorer(extractor=lambda images: images[:, 350:400], n_samples=100)(pipeline, mnist_train[200:300])
    assert np.isfinite(score) and score < 0


def test_scorers_explain_what_they_cannot_sample_from(mnist_train):
    with pytest.raises(TypeError, match="sample"):
        FIDScorer()(PCA(2).fit(mnist_train[:50]), mnist_train[:50])
    pipeline = Pipeline([("select", FrozenEstimator(PCA(2).fit(mnist_train[:50]))), ("gen", PixelBernoulli())])
    pipeline.steps[0] = ("select", _NoInverse())
    pipeline.fit(mnist_train[:50])
    with pytest.raises(TypeError, match="inverse_transform"):
        FIDScorer()(pipeline, mnist_train[:50])


class _NoInverse(BaseEstimator):
    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return X


@pytest.mark.parametrize(
    "make_extractor",
    [
        lambda X: FrozenEstimator(PCA(8, random_state=0).fit(X)),
        lambda X: PCA(8, random_state=0).fit(X),
        lambda X: (lambda images: np.asarray(images)[:, 300:320]),
        lambda X: None,
    ],
    ids=["frozen-transformer", "transformer", "callable", "pixels"],
)
def test_fid_scorer_takes_any_extractor(mnist_train, make_extractor):
    extractor = make_extractor(mnist_train[:500])
    generator = PixelBernoulli().fit(mnist_train[:500])
    score = FIDScorer(extractor=extractor, n_samples=200, random_state=0)(generator, mnist_train[500:700])
    samples = generator.sample(200, random_state=0)
    expected = frechet_distance(extract_features(mnist_train[500:700], extractor), extract_features(samples, extractor))
    assert score == pytest.approx(-expected)


def test_kid_and_precision_recall_scorers_rank_generators(mnist_train):
    good, bad = PixelBernoulli().fit(mnist_train[:500]), PixelBernoulli(noise=0.6).fit(mnist_train[:500])
    held_out = mnist_train[500:800]
    kid = KIDScorer(n_samples=300, random_state=0, n_subsets=10, subset_size=200)
    assert kid(good, held_out) > kid(bad, held_out)
    precision = PrecisionRecallScorer(n_samples=300, random_state=0, metric="precision")
    assert precision(good, held_out) >= precision(bad, held_out)
    assert 0 <= PrecisionRecallScorer(metric="recall", random_state=0)(good, held_out) <= 1
    with pytest.raises(ValueError, match="metric"):
        PrecisionRecallScorer(metric="f1")(good, held_out)
    assert repr(kid).startswith("KIDScorer(extractor='mnist', n_samples=300")


def _labelled_prototypes(n_classes):
    rng = np.random.RandomState(0)
    prototypes = rng.rand(n_classes, 40) > 0.5
    X = np.repeat(prototypes, 20, axis=0) ^ (rng.rand(20 * n_classes, 40) < 0.05)
    return X, np.repeat(np.arange(n_classes), 20)


def test_sample_judge_of_two_classes():
    X, y = _labelled_prototypes(2)
    judge = SampleJudge().fit(X, y)
    assert judge.features(X).shape == (40, 1)
    judgement = judge.judge(X, [0, 1])
    assert judgement.recognised > 0.9 and judgement.covered == 2 and judgement.frechet_distance < 1


@pytest.mark.parametrize("make_classes", [iter, lambda c: (k for k in c), set, tuple, np.array],
                         ids=["iterator", "generator", "set", "tuple", "array"])
def test_sample_judge_takes_its_classes_as_any_iterable(make_classes):
    X, y = _labelled_prototypes(3)
    judge = SampleJudge().fit(X, y)
    expected = judge.judge(X, [0, 1, 2])
    assert judge.judge(X, make_classes([0, 1, 2])) == expected
    assert list(judge.recognise(X, make_classes([0, 1, 2]))) == list(judge.recognise(X, [0, 1, 2]))
    with pytest.raises(ValueError, match="classes must name at least one class"):
        judge.judge(X, iter([]))
