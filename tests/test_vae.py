"""BetaVAE: the scikit-learn contract, the ELBO training, the importance-weighted likelihood."""

import pickle

import joblib
import numpy as np
import pytest
import scipy.sparse as sp
import torch
from scipy.special import logsumexp
from scipy.stats import norm
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.utils.estimator_checks import check_positive_only_tag_during_fit
from skorch.callbacks import Callback

from skgen import BetaVAE
from skgen.datasets import load_alphadigits

SMALL = {"latent_dim": 2, "hidden_layer_sizes": (8,), "max_epochs": 3, "batch_size": 16, "n_importance_samples": 8}


@pytest.fixture(scope="module")
def digits(data_home):
    X, _ = load_alphadigits(data_home=data_home, return_X_y=True)
    order = np.random.RandomState(0).permutation(len(X))
    return X[order[:1100]], X[order[1100:]]


@pytest.fixture(scope="module")
def fitted(digits):
    X_train, _ = digits
    return BetaVAE(latent_dim=8, hidden_layer_sizes=(64,), max_epochs=30, batch_size=50, random_state=0).fit(X_train)


def test_shapes_and_ranges(fitted, digits):
    _, X_test = digits
    Z = fitted.transform(X_test)
    assert Z.shape == (len(X_test), 8) and Z.dtype == np.float32
    means = fitted.inverse_transform(Z)
    assert means.shape == X_test.shape and ((means > 0) & (means < 1)).all()
    assert fitted.n_features_in_ == 320 and fitted.n_iter_ == 30
    assert list(fitted.get_feature_names_out()[:2]) == ["betavae0", "betavae1"]


def test_reconstructions_beat_the_mean_image(fitted, digits):
    X_train, X_test = digits
    reconstruction = fitted.inverse_transform(fitted.transform(X_test))
    assert np.abs(reconstruction - X_test).mean() < 0.8 * np.abs(X_train.mean(0) - X_test).mean()


def test_sample_draws_binary_images_or_their_means(fitted):
    draws = fitted.sample(40, random_state=0)
    assert draws.shape == (40, 320) and set(np.unique(draws)) == {0.0, 1.0}
    means = fitted.sample(40, random_state=0, mean=True)
    assert ((means > 0) & (means < 1)).all()
    np.testing.assert_array_equal(fitted.sample(5, random_state=3), fitted.sample(5, random_state=3))
    assert not np.array_equal(fitted.sample(5, random_state=3), fitted.sample(5, random_state=4))
    assert fitted.sample().shape == (1, 320)


def test_likelihood_higher_on_data_than_on_noise(fitted, digits):
    _, X_test = digits
    noise = (np.random.RandomState(0).rand(*X_test.shape) < X_test.mean()).astype(np.float32)
    assert fitted.score(X_test) > fitted.score(noise) + 50
    assert fitted.score(X_test) == pytest.approx(fitted.score_samples(X_test).mean())


def test_importance_weighting_tightens_the_bound(fitted, digits):
    _, X_test = digits
    elbo = fitted.set_params(n_importance_samples=1).score(X_test)
    iwae = fitted.set_params(n_importance_samples=64).score(X_test)
    fitted.set_params(n_importance_samples=SMALL["n_importance_samples"])
    assert iwae > elbo + 1


def test_score_samples_matches_exact_likelihood_of_a_one_dimensional_latent():
    X = (np.random.RandomState(0).rand(200, 6) < [0.1, 0.9, 0.3, 0.7, 0.5, 0.2]).astype(np.float32)
    vae = BetaVAE(latent_dim=1, hidden_layer_sizes=(16,), max_epochs=20, batch_size=20, random_state=0).fit(X)
    # log p(x) = log integral of p(x|z) N(z; 0, 1) dz, by quadrature on a fine grid.
    z = np.linspace(-8, 8, 4001, dtype=np.float32)
    with torch.no_grad():
        logits = vae.net_.module_.decode(torch.as_tensor(z[:, None])).numpy()
    log_px_given_z = X[:5] @ -np.logaddexp(0, -logits).T + (1 - X[:5]) @ -np.logaddexp(0, logits).T
    exact = logsumexp(log_px_given_z + norm.logpdf(z) + np.log(z[1] - z[0]), axis=1)
    estimate = vae.set_params(n_importance_samples=5000).score_samples(X[:5])
    np.testing.assert_allclose(estimate, exact, atol=0.02)


def test_score_samples_is_memory_safe_and_independent_of_batching(fitted, digits):
    _, X_test = digits
    fitted.set_params(n_importance_samples=2000)  # 100 x 2000 x 320 floats if not chunked
    try:
        full = fitted.score_samples(X_test[:100])
        np.testing.assert_allclose(fitted.score_samples(X_test[:7]), full[:7], rtol=1e-5)
    finally:
        fitted.set_params(n_importance_samples=SMALL["n_importance_samples"])


def test_larger_beta_gives_a_more_compressed_code(digits):
    X_train, _ = digits
    spread = {
        beta: BetaVAE(latent_dim=8, hidden_layer_sizes=(64,), beta=beta, max_epochs=15, random_state=0)
        .fit(X_train).transform(X_train).var(0).sum()
        for beta in (0.5, 8.0)
    }
    assert spread[8.0] < spread[0.5]


def test_same_random_state_same_model_on_cpu(digits):
    X_train, X_test = digits
    first, second = (BetaVAE(random_state=7, **SMALL).fit(X_train) for _ in range(2))
    np.testing.assert_array_equal(first.transform(X_test), second.transform(X_test))
    np.testing.assert_array_equal(first.score_samples(X_test), second.score_samples(X_test))
    other = BetaVAE(random_state=8, **SMALL).fit(X_train)
    assert not np.array_equal(first.transform(X_test), other.transform(X_test))


@pytest.mark.parametrize("dump", ["joblib", "pickle"])
def test_round_trip_keeps_every_output(fitted, digits, tmp_path, dump):
    _, X_test = digits
    path = tmp_path / "vae"
    if dump == "joblib":
        joblib.dump(fitted, path)
        loaded = joblib.load(path)
    else:
        loaded = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(loaded.transform(X_test), fitted.transform(X_test))
    np.testing.assert_array_equal(loaded.score_samples(X_test), fitted.score_samples(X_test))
    np.testing.assert_array_equal(loaded.sample(9, random_state=1), fitted.sample(9, random_state=1))


def test_grid_search_over_beta_selects_by_likelihood(digits):
    X_train, _ = digits
    search = GridSearchCV(BetaVAE(random_state=0, **SMALL), {"beta": [0.5, 1.0, 4.0]}, cv=2).fit(X_train)
    scores = search.cv_results_["mean_test_score"]
    assert np.isfinite(scores).all() and (scores < 0).all()
    assert search.best_params_["beta"] == [0.5, 1.0, 4.0][int(np.argmax(scores))]


def test_early_stopping_holds_out_data_and_stops(digits):
    X_train, _ = digits
    vae = BetaVAE(latent_dim=2, hidden_layer_sizes=(8,), lr=0.05, max_epochs=200, early_stopping=True,
                  n_iter_no_change=2, random_state=0).fit(X_train)
    assert vae.n_iter_ < 200
    assert "valid_loss" in vae.net_.history[-1]


def test_sparse_and_dense_inputs_agree(fitted, digits):
    _, X_test = digits
    np.testing.assert_array_equal(fitted.transform(sp.csr_matrix(X_test)), fitted.transform(X_test))


def test_routed_optimizer_parameters_reach_the_optimizer(digits):
    X_train, _ = digits
    vae = BetaVAE(optimizer=torch.optim.SGD, optimizer__momentum=0.9, lr=0.01, **SMALL).fit(X_train)
    group = vae.net_.optimizer_.param_groups[0]
    assert group["momentum"] == 0.9 and group["lr"] == 0.01
    assert vae.get_params()["optimizer__momentum"] == 0.9


def test_gaussian_likelihood_models_real_valued_data():
    rng = np.random.RandomState(0)
    X = rng.randn(400, 5) @ rng.randn(5, 5) + 10
    vae = BetaVAE(likelihood="gaussian", latent_dim=2, hidden_layer_sizes=(32,), max_epochs=40, random_state=0).fit(X)
    assert vae.score(X) > vae.score(X + 5)
    assert vae.sample(10, random_state=0).shape == (10, 5)


def test_unfitted_model_raises_not_fitted():
    for method, arg in [("transform", np.zeros((2, 3))), ("score_samples", np.zeros((2, 3))), ("sample", 2)]:
        with pytest.raises(NotFittedError):
            getattr(BetaVAE(), method)(arg)


@pytest.mark.parametrize(
    ("X", "message"),
    [
        (np.full((10, 4), 2.0), r"\[0, 1\]"),
        (np.array([[0.0, np.nan], [1.0, 0.0]]), "NaN"),
    ],
)
def test_bad_training_data_is_refused_clearly(X, message):
    with pytest.raises(ValueError, match=message):
        BetaVAE(**SMALL).fit(X)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"latent_dim": 0}, "latent_dim"),
        ({"beta": -1.0}, "beta"),
        ({"likelihood": "poisson"}, "likelihood"),
        ({"activation": "swish"}, "activation"),
        ({"hidden_layer_sizes": (8, 0)}, "hidden_layer_sizes"),
        ({"optimizer": "lbfgs-ish"}, "optimizer"),
        ({"early_stopping": True, "validation_fraction": 1.5}, "validation_fraction"),
        ({"device": "tpu"}, "device"),
        ({"device": "meta"}, "device"),
        ({"beta": float("nan")}, "beta"),
        ({"optimizer": "sgd", "lr": float("nan")}, "lr"),
        ({"latent_dim": True}, "latent_dim"),
        ({"early_stopping": "no"}, "early_stopping must be a bool"),
        ({"hidden_layer_sizes": (True,)}, "hidden_layer_sizes"),
        ({"hidden_layer_sizes": 5.5}, "hidden_layer_sizes"),
        ({"callbacks": "x"}, "callbacks"),
        ({"lr_scheduler": "step"}, "lr_scheduler"),
    ],
)
def test_bad_hyperparameters_are_refused_clearly(params, message):
    with pytest.raises(ValueError, match=message):
        BetaVAE(**{**SMALL, **params}).fit(np.zeros((10, 4)))


def test_wrong_number_of_features_and_bad_codes_are_refused(fitted):
    with pytest.raises(ValueError, match="features"):
        fitted.transform(np.zeros((3, 5)))
    with pytest.raises(ValueError, match="latent_dim"):
        fitted.inverse_transform(np.zeros((3, 5)))
    with pytest.raises(ValueError, match="n_samples"):
        fitted.sample(0)
    with pytest.raises(ValueError, match="n_samples"):
        fitted.sample(True)
    with pytest.raises(ValueError, match="mean must be a bool"):
        fitted.sample(2, mean="yes")


def test_divergence_is_a_value_error_at_fit(digits):
    X_train, _ = digits
    with pytest.raises(ValueError, match=r"diverged \(non-finite train_loss\) in epoch 1 .* use a smaller lr"):
        BetaVAE(lr=1e6, random_state=0, **SMALL).fit(X_train)


def test_the_positive_only_tag_matches_the_likelihood():
    """A Bernoulli decoder refuses negative data, and says so in its tags; a Gaussian one takes it."""
    check_positive_only_tag_during_fit("BetaVAE", BetaVAE(random_state=0, **SMALL))
    check_positive_only_tag_during_fit("BetaVAE", BetaVAE(likelihood="gaussian", random_state=0, **SMALL))


def test_lr_scheduler_is_stepped_once_per_epoch(digits):
    X_train, _ = digits
    vae = BetaVAE(lr=1e-3, lr_scheduler=torch.optim.lr_scheduler.StepLR, lr_scheduler__step_size=1,
                  lr_scheduler__gamma=0.5, random_state=0, **SMALL).fit(X_train)
    assert vae.net_.history[:, "event_lr"] == [1e-3, 5e-4, 2.5e-4]
    assert vae.net_.optimizer_.param_groups[0]["lr"] == 1.25e-4


def _bounds(vae, X, k, repeats, seed=0):
    """The k-sample importance-weighted bound of each row of X, averaged over ``repeats`` draws."""
    module = vae.net_.module_.eval()
    X = torch.as_tensor(X)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        bounds = [torch.logsumexp(module.log_importance_weights(
            X, torch.randn(len(X), k, vae.latent_dim, generator=generator)), 1) - np.log(k) for _ in range(repeats)]
    return torch.stack(bounds).mean(0).numpy()


def test_iwae_bound_is_the_elbo_at_one_sample_and_tightens_with_k(fitted, digits):
    _, X_test = digits
    X = X_test[:20]
    module = fitted.net_.module_.eval()
    torch.manual_seed(0)
    with torch.no_grad():
        elbo = -np.mean([sum(module(torch.as_tensor(X))).numpy() for _ in range(2000)], axis=0)
    np.testing.assert_allclose(_bounds(fitted, X, 1, 2000), elbo, rtol=0.01)
    one, ten, hundred = (_bounds(fitted, X, k, 20).mean() for k in (1, 10, 100))
    assert one < ten < hundred


def test_iwae_training_lowers_its_bound(digits):
    X_train, _ = digits
    vae = BetaVAE(**{**SMALL, "max_epochs": 15}, n_train_samples=5, random_state=0).fit(X_train)
    losses = vae.net_.history[:, "train_loss"]
    assert losses[-1] < 0.9 * losses[0]
    assert vae.net_.module_.n_samples == 5


def test_iwae_needs_beta_one_and_dynamic_binarization_a_bernoulli_decoder(digits):
    X_train, _ = digits
    with pytest.raises(ValueError, match="beta must be 1"):
        BetaVAE(**SMALL, n_train_samples=5, beta=4.0).fit(X_train)
    with pytest.raises(ValueError, match="needs likelihood='bernoulli'"):
        BetaVAE(**SMALL, dynamic_binarization=True, likelihood="gaussian").fit(X_train)
    with pytest.raises(ValueError, match="n_train_samples must be an int"):
        BetaVAE(**SMALL, n_train_samples=0).fit(X_train)


class _EncoderInputs(Callback):
    """Records what the encoder reads in each epoch."""

    def on_train_begin(self, net, **kwargs):
        self.inputs = []
        net.module_.encoder.register_forward_hook(lambda layer, args, output: self.inputs[-1].append(args[0].clone()))

    def on_epoch_begin(self, net, **kwargs):
        self.inputs.append([])


def test_dynamic_binarization_draws_new_binary_images_every_epoch():
    intensities = np.full((40, 6), 0.5, dtype=np.float32)
    recorder = _EncoderInputs()
    BetaVAE(**{**SMALL, "max_epochs": 2, "batch_size": 40}, dynamic_binarization=True, callbacks=[recorder],
            random_state=0).fit(intensities)
    first, second = (torch.cat(epoch) for epoch in recorder.inputs)
    assert set(torch.unique(torch.cat([first, second])).tolist()) == {0.0, 1.0}
    assert 0.3 < first.mean() < 0.7 and not torch.equal(first, second)
