"""GAN: the scikit-learn contract, the adversarial training loop, sampling in the data's range."""

import pickle

import joblib
import numpy as np
import pytest
import scipy.sparse as sp
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from skgen import GAN
from skgen._core.tensors import torch_generator
from skgen.datasets import load_alphadigits

SMALL = {
    "latent_dim": 4,
    "generator_hidden_layer_sizes": (16,),
    "discriminator_hidden_layer_sizes": (16,),
    "max_epochs": 3,
    "batch_size": 16,
}


@pytest.fixture(scope="module")
def digits(data_home):
    X, _ = load_alphadigits(characters="0123", data_home=data_home, return_X_y=True)
    return X


@pytest.fixture(scope="module")
def fitted(digits):
    return GAN(latent_dim=8, generator_hidden_layer_sizes=(64,), discriminator_hidden_layer_sizes=(64,),
               max_epochs=5, random_state=0).fit(digits)


def test_samples_of_binary_data_are_binary_draws_or_probabilities(fitted):
    assert fitted.binary_
    draws = fitted.sample(30, random_state=0)
    assert draws.shape == (30, 320) and set(np.unique(draws)) == {0.0, 1.0}
    probabilities = fitted.sample(30, random_state=0, mean=True)
    assert ((probabilities > 0) & (probabilities < 1)).all()
    assert fitted.sample().shape == (1, 320)


def test_sampling_is_seeded(fitted):
    np.testing.assert_array_equal(fitted.sample(5, random_state=3), fitted.sample(5, random_state=3))
    assert not np.array_equal(fitted.sample(5, random_state=3), fitted.sample(5, random_state=4))


def test_history_records_both_losses_every_epoch(fitted):
    history = fitted.net_.history
    assert fitted.n_iter_ == len(history) == 5
    for key in ("discriminator_loss", "generator_loss"):
        losses = np.array(history[:, key])
        assert losses.shape == (5,) and np.isfinite(losses).all() and (losses > 0).all()


def test_discriminator_steps_per_generator_step(digits):
    gan = GAN(discriminator_steps=3, random_state=0, **{**SMALL, "max_epochs": 1}).fit(digits)
    batches = gan.net_.history[-1, "batches"]
    n_generator_steps = sum("generator_loss" in batch for batch in batches)
    assert len(batches) == 10 and n_generator_steps == 3  # 156 images in batches of 16


def test_adam_defaults_to_beta1_one_half_and_routed_parameters_win(digits):
    gan = GAN(random_state=0, **SMALL).fit(digits)
    for optimizer in (gan.net_.optimizer_, gan.net_.optimizer_discriminator_):
        assert optimizer.param_groups[0]["betas"] == (0.5, 0.999)
    gan = GAN(optimizer__betas=(0.9, 0.99), random_state=0, **SMALL).fit(digits)
    assert gan.net_.optimizer_discriminator_.param_groups[0]["betas"] == (0.9, 0.99)
    gan = GAN(optimizer="sgd", optimizer__momentum=0.5, random_state=0, **SMALL).fit(digits)
    assert gan.net_.optimizer_.param_groups[0]["momentum"] == 0.5


def test_the_two_players_have_separate_parameters(fitted):
    generator = {id(p) for p in fitted.net_.module_.generator.parameters()}
    discriminator = {id(p) for group in fitted.net_.optimizer_discriminator_.param_groups for p in group["params"]}
    updated_by_generator_optimizer = {id(p) for g in fitted.net_.optimizer_.param_groups for p in g["params"]}
    assert updated_by_generator_optimizer == generator and not generator & discriminator


def test_learns_both_modes_of_a_two_mode_distribution():
    patterns = np.array([[1, 1, 1, 1, 0, 0, 0, 0], [0, 0, 0, 0, 1, 1, 1, 1]], dtype=np.float32)
    X = patterns[np.random.RandomState(0).randint(2, size=512)]
    gan = GAN(latent_dim=4, generator_hidden_layer_sizes=(32,), discriminator_hidden_layer_sizes=(32,), lr=2e-3,
              max_epochs=30, random_state=0).fit(X)
    samples = gan.sample(500, random_state=0, mean=True).round()
    shares = [(samples == pattern).all(1).mean() for pattern in patterns]
    assert min(shares) > 0.2 and sum(shares) > 0.8


def test_categorical_code_spends_its_values_on_separate_modes():
    patterns = np.eye(4, dtype=np.float32).repeat(4, axis=1)
    X = patterns[np.random.RandomState(0).randint(4, size=1024)]
    gan = GAN(latent_dim=4, latent_categories=4, generator_hidden_layer_sizes=(32,),
              discriminator_hidden_layer_sizes=(32,), lr=2e-3, max_epochs=30, random_state=1).fit(X)
    with torch.no_grad():
        images, code = gan.net_.module_.eval().generate(2000, torch.Generator().manual_seed(0), return_code=True)
    matches = (images.round().numpy()[:, None, :] == patterns).all(2)
    pattern = np.where(matches.any(1), matches.argmax(1), -1)
    # each value of the code draws one pattern, a different one for each value: no labels were given
    majority = [np.bincount(pattern[code.numpy() == value] + 1, minlength=5) for value in range(4)]
    pure = [counts.argmax() for counts in majority if counts.max() > 0.9 * counts.sum() and counts.argmax() > 0]
    assert len(pure) >= 3 and len(set(pure)) == len(pure)
    assert gan.sample(5, random_state=0).shape == (5, 16)


def test_real_valued_samples_stay_in_the_training_range():
    rng = np.random.RandomState(0)
    X = rng.uniform([-5, 0, 100], [5, 1, 300], size=(200, 3))
    gan = GAN(random_state=0, **SMALL).fit(X)
    assert not gan.binary_
    samples = gan.sample(300, random_state=0)
    assert (samples >= X.min(0) - 1e-4).all() and (samples <= X.max(0) + 1e-3).all()
    np.testing.assert_array_equal(gan.sample(4, random_state=1), gan.sample(4, random_state=1, mean=True))


@pytest.mark.parametrize("conditional", [False, True])
def test_a_last_batch_of_one_row_trains_as_any_other(data_home, conditional):
    """A conditional GAN drew as many fakes as the real batch had rows: a last batch of one row
    crashed in the generator's batch normalisation. Both games draw ``batch_size`` fakes per step."""
    X, y = load_alphadigits(characters="01", data_home=data_home, return_X_y=True)
    X, y = X[:33], y[:33]
    assert len(X) % SMALL["batch_size"] == 1
    gan = GAN(**SMALL, conditional=conditional, random_state=0).fit(X, y)
    assert len(gan.net_.history) == SMALL["max_epochs"]
    assert np.isfinite(gan.net_.history[:, "discriminator_loss"]).all()
    assert gan.sample(4, random_state=0).shape == (4, X.shape[1])


def test_same_random_state_same_training_on_cpu(digits):
    first, second = (GAN(random_state=7, **SMALL).fit(digits) for _ in range(2))
    np.testing.assert_array_equal(first.sample(5, random_state=0), second.sample(5, random_state=0))
    assert first.net_.history[:, "generator_loss"] == second.net_.history[:, "generator_loss"]
    other = GAN(random_state=8, **SMALL).fit(digits)
    assert not np.array_equal(first.sample(5, random_state=0, mean=True), other.sample(5, random_state=0, mean=True))


@pytest.mark.parametrize("dump", ["joblib", "pickle"])
def test_round_trip_keeps_the_samples(fitted, tmp_path, dump):
    path = tmp_path / "gan"
    if dump == "joblib":
        joblib.dump(fitted, path)
        loaded = joblib.load(path)
    else:
        loaded = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(loaded.sample(9, random_state=1), fitted.sample(9, random_state=1))
    assert loaded.net_.history[:, "discriminator_loss"] == fitted.net_.history[:, "discriminator_loss"]


def test_clone_and_params_round_trip():
    gan = GAN(discriminator_steps=2, optimizer__weight_decay=1e-4, **SMALL)
    params = clone(gan).get_params()
    assert params["discriminator_steps"] == 2 and params["optimizer__weight_decay"] == 1e-4


def test_sparse_input_is_accepted(digits):
    gan = GAN(random_state=0, **SMALL).fit(sp.csr_matrix(digits))
    assert gan.binary_ and gan.sample(2, random_state=0).shape == (2, 320)


def test_unfitted_model_raises_not_fitted():
    with pytest.raises(NotFittedError):
        GAN().sample(2)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"latent_dim": 0}, "latent_dim"),
        ({"discriminator_steps": 0}, "discriminator_steps"),
        ({"batch_size": 1}, "batch_size"),
        ({"lr": -1.0}, "lr"),
        ({"activation": "swish"}, "activation"),
        ({"generator_hidden_layer_sizes": (0,)}, "generator_hidden_layer_sizes"),
        ({"discriminator_hidden_layer_sizes": ()}, "discriminator_hidden_layer_sizes"),
        ({"optimizer": object}, "optimizer"),
        ({"device": "tpu"}, "device"),
        ({"latent_dim": True}, "latent_dim"),
        ({"lr": float("nan")}, "lr"),
        ({"generator_hidden_layer_sizes": 5.5}, "generator_hidden_layer_sizes"),
        ({"discriminator_hidden_layer_sizes": (True,)}, "discriminator_hidden_layer_sizes"),
        ({"callbacks": "x"}, "callbacks"),
        ({"gradient_penalty": -1.0}, "gradient_penalty"),
        ({"latent_categories": -1}, "latent_categories"),
    ],
)
def test_bad_hyperparameters_are_refused_clearly(params, message):
    with pytest.raises(ValueError, match=message):
        GAN(**{**SMALL, **params}).fit(np.zeros((10, 4)))


def test_bad_data_and_sample_sizes_are_refused_clearly(fitted):
    with pytest.raises(ValueError, match="NaN"):
        GAN(**SMALL).fit(np.array([[0.0, np.nan], [1.0, 0.0]]))
    with pytest.raises(ValueError, match="n_samples"):
        fitted.sample(0)
    with pytest.raises(ValueError, match="n_samples"):
        fitted.sample(True)
    with pytest.raises(ValueError, match="mean must be a bool"):
        fitted.sample(2, mean=None)


def test_each_player_takes_its_own_optimizer_arguments(digits):
    gan = GAN(optimizer__weight_decay=1e-5, discriminator_optimizer__lr=1e-3, generator_optimizer__betas=(0.9, 0.99),
              random_state=0, **SMALL)
    assert clone(gan).get_params()["discriminator_optimizer__lr"] == 1e-3
    gan.fit(digits)
    generator, discriminator = gan.net_.optimizer_.param_groups[0], gan.net_.optimizer_discriminator_.param_groups[0]
    assert (generator["lr"], generator["betas"], generator["weight_decay"]) == (2e-4, (0.9, 0.99), 1e-5)
    assert (discriminator["lr"], discriminator["betas"], discriminator["weight_decay"]) == (1e-3, (0.5, 0.999), 1e-5)
    with pytest.raises(TypeError, match="critic_optimizer__lr"):
        GAN(critic_optimizer__lr=1e-3)


def test_a_players_own_choice_of_update_implementation_leaves_both_unfused(digits):
    assert GAN(random_state=0, **SMALL).fit(digits).net_.optimizer_discriminator_.defaults["fused"]
    gan = GAN(generator_optimizer__foreach=True, random_state=0, **SMALL).fit(digits)
    assert gan.net_.optimizer_.defaults["foreach"] and not gan.net_.optimizer_discriminator_.defaults["fused"]


def test_lr_scheduler_steps_both_players_once_per_epoch(digits):
    gan = GAN(lr_scheduler=torch.optim.lr_scheduler.StepLR, lr_scheduler__step_size=1, lr_scheduler__gamma=0.5,
              discriminator_optimizer__lr=4e-4, random_state=0, **SMALL).fit(digits)
    assert gan.net_.optimizer_.param_groups[0]["lr"] == pytest.approx(2e-4 / 8)
    assert gan.net_.optimizer_discriminator_.param_groups[0]["lr"] == pytest.approx(4e-4 / 8)


def test_divergence_is_a_value_error_at_fit(digits):
    with pytest.raises(ValueError, match=r"diverged \(non-finite discriminator_loss\) in epoch 1 .* smaller lr"):
        GAN(optimizer="sgd", lr=1e6, random_state=0, **SMALL).fit(digits)


def test_ema_generator_differs_from_the_trained_one_and_draws_the_samples(digits):
    gan = GAN(ema_decay=0.9, random_state=0, **SMALL).fit(digits)
    module = gan.net_.module_.eval()
    raw, average = module.generator.state_dict(), module.generator_ema.state_dict()
    assert raw.keys() == average.keys()
    assert not all(torch.equal(raw[name], average[name]) for name in raw)
    with torch.no_grad():
        by_ema, by_generator = (module.generate(6, torch_generator(0), ema=ema).numpy() for ema in (True, False))
    samples = gan.sample(6, random_state=0, mean=True)
    np.testing.assert_allclose(samples, by_ema)
    assert not np.allclose(samples, by_generator)


def test_hinge_loss_with_spectral_norm_trains_a_one_lipschitz_discriminator(digits):
    gan = GAN(loss="hinge", spectral_norm=True, random_state=0, **SMALL).fit(digits)
    assert np.isfinite(gan.net_.history[:, "discriminator_loss"]).all()
    normalised = [layer for layer in gan.net_.module_.discriminator.modules() if hasattr(layer, "u")]
    assert len(normalised) == 2
    for layer in normalised:
        assert torch.linalg.matrix_norm(layer.weight.detach(), ord=2) == pytest.approx(1.0, rel=0.05)


def _data_gradient_norm(gan, X):
    """Mean squared norm of the gradient of D's score with respect to the real rows."""
    X = torch.as_tensor(X, dtype=torch.float32).requires_grad_(True)
    (gradient,) = torch.autograd.grad(gan.net_.module_.discriminator(X).sum(), X)
    return gradient.pow(2).sum(1).mean().item()


def test_r1_gradient_penalty_flattens_the_discriminator_on_the_data(digits):
    params = {**SMALL, "max_epochs": 10, "random_state": 0}
    free, penalised = GAN(**params).fit(digits), GAN(gradient_penalty=10.0, **params).fit(digits)
    assert np.isfinite(penalised.net_.history[:, "discriminator_loss"]).all()
    assert _data_gradient_norm(penalised, digits) < 0.5 * _data_gradient_norm(free, digits)


def test_binary_samples_are_the_generator_images_rounded(fitted):
    np.testing.assert_array_equal(fitted.sample(20, random_state=0),
                                  (fitted.sample(20, random_state=0, mean=True) > 0.5).astype(np.float32))
