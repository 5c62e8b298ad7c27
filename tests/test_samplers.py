"""The energy family's samplers reach the model's own distribution from noise.

On machines small enough to know exactly: a binary RBM with six visibles, whose 64 states
are enumerated, and a Gaussian-Bernoulli RBM with three hiddens, whose ``p(v)`` is a
mixture of eight Gaussians with a known mean and covariance.
"""

import itertools

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression

from skgen import RBM, GaussianBernoulliRBM
from skgen.metrics import sampling_convergence


def _binary_rbm():
    """A 6-visible, 3-hidden RBM with two strong modes (all-on and all-off halves), fitted then set by hand."""
    X = np.random.RandomState(0).randint(0, 2, (40, 6)).astype(float)
    rbm = RBM(n_components=3, max_epochs=1, random_state=0).fit(X)
    rbm.components_ = np.array([[2.5, 2.5, 2.5, -2.5, -2.5, -2.5],
                                [-2.0, -2.0, -2.0, 2.0, 2.0, 2.0],
                                [1.0, -1.0, 1.0, -1.0, 1.0, -1.0]], dtype=np.float32)
    rbm.intercept_visible_ = np.full(6, -0.3, dtype=np.float32)
    rbm.intercept_hidden_ = np.array([-3.0, -2.0, 0.5], dtype=np.float32)
    return rbm


def _exact_distribution(rbm):
    states = np.array(list(itertools.product([0, 1], repeat=6)), dtype=float)
    log_p = -rbm.free_energy(states)
    p = np.exp(log_p - log_p.max())
    return states, p / p.sum()


def _empirical(samples, states):
    codes = samples.astype(int) @ (2 ** np.arange(5, -1, -1))
    return np.bincount(codes, minlength=len(states)) / len(samples)


@pytest.mark.parametrize("sampler", ["gibbs", "tempering"])
def test_binary_rbm_samples_from_noise_match_the_exact_distribution(sampler):
    rbm = _binary_rbm()
    states, exact = _exact_distribution(rbm)
    samples = rbm.sample(20000, start="noise", sampler=sampler, n_steps=300, n_temperatures=5, random_state=0)
    total_variation = 0.5 * np.abs(_empirical(samples, states) - exact).sum()
    assert total_variation < 0.03


def test_too_few_gibbs_steps_from_noise_do_not_match():
    # the same check can fail: one step from uniform noise is far from the model
    rbm = _binary_rbm()
    states, exact = _exact_distribution(rbm)
    samples = rbm.sample(20000, start="noise", n_steps=1, random_state=0)
    assert 0.5 * np.abs(_empirical(samples, states) - exact).sum() > 0.05


def _gaussian_rbm():
    """A 2-visible, 3-hidden Gaussian-Bernoulli RBM with separated mixture components, set by hand."""
    X = np.random.RandomState(0).normal(size=(40, 2))
    rbm = GaussianBernoulliRBM(n_components=3, max_epochs=1, random_state=0).fit(X)
    rbm.components_ = np.array([[1.5, 0.0], [0.0, 1.2], [-0.8, 0.8]], dtype=np.float32)
    rbm.intercept_visible_ = np.array([-0.5, 0.2], dtype=np.float32)
    rbm.intercept_hidden_ = np.array([-1.0, 0.0, 0.3], dtype=np.float32)
    rbm.variances_ = np.array([0.25, 0.16], dtype=np.float32)
    return rbm


def _exact_moments(rbm):
    """Mean and covariance of p(v) = sum_h p(h) N(b + W^T h, diag(sigma^2))."""
    W, b, c, var = rbm.components_, rbm.intercept_visible_, rbm.intercept_hidden_, rbm.variances_
    hiddens = np.array(list(itertools.product([0, 1], repeat=3)), dtype=float)
    means = b + hiddens @ W
    log_weights = hiddens @ c + (((means**2) - b**2) / (2 * var)).sum(1)
    weights = np.exp(log_weights - log_weights.max())
    weights /= weights.sum()
    mean = weights @ means
    second = np.diag(var) + np.einsum("k,ki,kj->ij", weights, means, means)
    return mean, second - np.outer(mean, mean)


@pytest.mark.parametrize("step_size", [0.1, 0.5])
def test_gibbs_langevin_samples_from_noise_match_the_exact_mean_and_covariance(step_size):
    rbm = _gaussian_rbm()
    mean, covariance = _exact_moments(rbm)
    samples = rbm.sample(20000, start="noise", sampler="gibbs_langevin", n_steps=300, step_size=step_size,
                         random_state=0)
    np.testing.assert_allclose(samples.mean(0), mean, atol=0.04)
    np.testing.assert_allclose(np.cov(samples.T), covariance, atol=0.05)


def test_gibbs_langevin_is_refused_for_binary_visibles():
    rbm = _binary_rbm()
    with pytest.raises(ValueError, match="gibbs_langevin"):
        rbm.sample(3, sampler="gibbs_langevin")
    X = np.random.RandomState(0).randint(0, 2, (20, 6)).astype(float)
    with pytest.raises(ValueError, match="gibbs_langevin"):
        RBM(n_components=2, sampler="gibbs_langevin").fit(X)


@pytest.mark.parametrize("step_size", [0, -0.1, 1.5, "big", None])
def test_gibbs_langevin_step_size_is_validated(step_size):
    rbm = _gaussian_rbm()
    if step_size is not None:  # sample's None takes the estimator's step_size
        with pytest.raises(ValueError, match="step_size"):
            rbm.sample(3, sampler="gibbs_langevin", step_size=step_size)
    X = np.random.RandomState(0).normal(size=(20, 2))
    with pytest.raises(ValueError, match="step_size"):
        GaussianBernoulliRBM(n_components=2, sampler="gibbs_langevin", step_size=step_size).fit(X)


def test_gaussian_rbm_trains_with_gibbs_langevin_chains_from_noise():
    # two strongly correlated features: the base model (the data's independent Gaussians), where the chains
    # start, has none of the correlation, so the samples carry it only if training taught the model
    rng = np.random.RandomState(0)
    z = rng.normal(size=(400, 1))
    X = np.hstack([z, z + 0.2 * rng.normal(size=(400, 1))])
    rbm = GaussianBernoulliRBM(n_components=16, sampler="gibbs_langevin", chain_start="noise", cd_steps=20,
                               lr=0.05, batch_size=20, max_epochs=20, random_state=0).fit(X)
    samples = rbm.sample(2000, start="noise", sampler="gibbs_langevin", n_steps=200, random_state=0)
    assert np.corrcoef(samples.T)[0, 1] > 0.3


def test_chain_start_is_validated():
    X = np.random.RandomState(0).normal(size=(20, 2))
    with pytest.raises(ValueError, match="chain_start"):
        GaussianBernoulliRBM(n_components=2, chain_start="chains").fit(X)


def test_sampling_convergence_runs_on_scikit_learn_digits():
    X, y = load_digits(return_X_y=True)
    X = (X > 7).astype(float)
    rbm = RBM(n_components=32, persistent=True, n_chains=100, lr=0.05, max_epochs=5, random_state=0).fit(X)
    classifier = LogisticRegression(max_iter=1000).fit(X, y)
    table = sampling_convergence(rbm, X, n_steps=(1, 100), n_samples=300, extractor=None, classifier=classifier,
                                 random_state=0)
    assert list(table["sampler"]) == ["gibbs", "gibbs", "tempering", "tempering"]
    assert list(table["n_steps"]) == [1, 100, 1, 100]
    assert np.isfinite(table["fid"]).all()
    assert ((table["min_class_pct"] >= 0) & (table["min_class_pct"] <= table["max_class_pct"])).all()
    # the model's samples lie nearer the digits than uniform noise does
    noise = (np.random.RandomState(0).random_sample((300, 64)) > 0.5).astype(float)
    from skgen.metrics import frechet_distance
    assert (table["fid"] < frechet_distance(X, noise)).all()


def test_sampling_convergence_validates_its_arguments():
    X = (load_digits().data[:100] > 7).astype(float)
    rbm = RBM(n_components=4, max_epochs=1, random_state=0).fit(X)
    with pytest.raises(ValueError, match="n_steps"):
        sampling_convergence(rbm, X, n_steps=(0, 10), extractor=None, classifier=None)
    with pytest.raises(ValueError, match="samplers"):
        sampling_convergence(rbm, X, samplers="gibbs", extractor=None, classifier=None)
