"""GaussianBernoulliRBM: a real-valued RBM on the shared base, its density, its gradient and its samples."""

import math

import numpy as np
import pytest
import torch

from skgen import DBN, GaussianBernoulliRBM
from skgen.energy.machines import gaussian_machine
from skgen.energy.trainers import ContrastiveDivergence



@pytest.fixture(scope="module")
def two_blobs():
    rng = np.random.RandomState(0)
    return np.vstack([rng.normal([-2, 1], 0.4, (300, 2)), rng.normal([2, -1], 0.4, (300, 2))]).astype(np.float32)


@pytest.fixture(scope="module")
def fitted(two_blobs):
    return GaussianBernoulliRBM(n_components=6, lr=0.02, max_epochs=40, batch_size=20, persistent=True,
                                n_chains=100, random_state=0, optimizer__momentum=0.5).fit(two_blobs)


def test_density_integrates_to_one_over_the_plane(fitted):
    step = 0.04
    axis = np.arange(-9, 9, step)
    grid = np.stack(np.meshgrid(axis, axis), -1).reshape(-1, 2)
    mass = np.exp(fitted.score_samples(grid)).sum() * step**2
    assert mass == pytest.approx(1.0, rel=0.03)


def test_training_puts_the_density_on_the_data(fitted, two_blobs):
    untrained = GaussianBernoulliRBM(n_components=6, max_epochs=1, lr=1e-6, random_state=0).fit(two_blobs)
    assert fitted.score(two_blobs) > untrained.score(two_blobs) + 0.3
    assert fitted.score(two_blobs) > fitted.score(np.zeros((10, 2)))


def test_samples_visit_both_blobs_with_their_spread(fitted):
    samples = fitted.sample(400, n_steps=200, random_state=0)
    left = samples[:, 0] < 0
    assert 0.25 < left.mean() < 0.75
    np.testing.assert_allclose(samples[left].mean(0), [-2, 1], atol=0.4)
    np.testing.assert_allclose(samples[~left].mean(0), [2, -1], atol=0.4)


def test_ais_and_reverse_ais_bracket_the_exact_partition_function(fitted, two_blobs):
    exact, _ = fitted.log_partition("exact")
    forward, forward_se = fitted.log_partition("ais", ais_chains=200, ais_betas=2000, random_state=0)
    reverse, reverse_se = fitted.log_partition("reverse_ais", start=fitted.sample(200, n_steps=200, random_state=1),
                                               ais_betas=2000, random_state=0)
    assert forward == pytest.approx(exact, abs=max(4 * forward_se, 0.05))
    assert reverse == pytest.approx(exact, abs=max(4 * reverse_se, 0.05))


def test_the_update_is_the_gradient_of_the_free_energy_difference_with_variances():
    generator = torch.Generator().manual_seed(0)
    W = torch.randn(4, 3, generator=generator) * 0.5
    b, c, log_sigma2 = torch.randn(3, generator=generator), torch.randn(4, generator=generator), torch.randn(3) * 0.3
    machine = gaussian_machine(W, b, c, log_sigma2, torch.zeros(3), torch.zeros(3), min_variance=math.exp(-10.0),
                               learn_variance=True)
    data = torch.randn(5, 3, generator=generator)
    trainer = ContrastiveDivergence(machine, 5, generator, cd_steps=2)
    trainer.gradient(data)
    reference = gaussian_machine(*(p.detach().clone().requires_grad_() for p in (W, b, c, log_sigma2)),
                                 torch.zeros(3), torch.zeros(3))
    loss = reference.free_energy(data).mean() - reference.free_energy(trainer.last_negatives).mean()
    loss.backward()
    for p, expected in zip(trainer.parameters, (reference.W, reference.b, reference.c, reference.visible.log_sigma2)):
        torch.testing.assert_close(p.grad, expected.grad)


def test_variances_are_learned_and_floored():
    rng = np.random.RandomState(0)
    X = np.column_stack([rng.normal(0, 2.0, 500), np.full(500, 3.0)]).astype(np.float32)
    rbm = GaussianBernoulliRBM(n_components=3, max_epochs=5, min_variance=0.05, random_state=0).fit(X)
    assert rbm.variances_[1] == pytest.approx(0.05, rel=1e-4)
    assert rbm.variances_[0] > 1.0
    fixed = GaussianBernoulliRBM(n_components=3, max_epochs=5, learn_variance=False, random_state=0).fit(X)
    np.testing.assert_allclose(fixed.variances_, np.maximum(X.var(0), 0.01), rtol=1e-4)


def test_centering_is_not_a_parameter_and_bad_values_are_clear_errors(two_blobs):
    assert "centered" not in GaussianBernoulliRBM().get_params()
    with pytest.raises(ValueError, match="min_variance"):
        GaussianBernoulliRBM(min_variance=0.0).fit(two_blobs)
    with pytest.raises(ValueError, match="learn_variance"):
        GaussianBernoulliRBM(learn_variance="yes").fit(two_blobs)
    with pytest.raises(ValueError, match="NaN"):
        GaussianBernoulliRBM().fit(np.array([[0.0, np.nan]]))


def test_grey_level_digits_first_layer_of_a_dbn():
    from sklearn.datasets import load_digits

    X = load_digits().data.astype(np.float32) / 16
    dbn = DBN(hidden_layer_sizes=(32, 16), visible_units="gaussian", max_epochs=3, lr=0.01, random_state=0).fit(X)
    assert isinstance(dbn.rbms_[0], GaussianBernoulliRBM)
    assert dbn.transform(X).shape == (len(X), 16)
    samples = dbn.sample(4, n_steps=10, random_state=0)
    assert samples.shape == (4, 64) and not np.isin(samples, [0.0, 1.0]).all()


def test_values_beyond_float32_are_a_clear_error_not_nan(fitted, two_blobs):
    huge = two_blobs.astype(np.float64) * 1e300  # finite in float64
    with pytest.raises(ValueError, match="beyond float32's range"):
        fitted.transform(huge)
    with pytest.raises(ValueError, match="beyond float32's range"):
        GaussianBernoulliRBM(n_components=2, max_epochs=1).fit(huge)
    with pytest.raises(ValueError, match="beyond float32's range"):
        DBN(hidden_layer_sizes=(2,), visible_units="gaussian", max_epochs=1).fit(huge)
    assert np.isfinite(fitted.transform(two_blobs * 1e30)).all()
