"""skgen.RBM: a scikit-learn transformer, a CD/PCD learner, and a density with a partition function."""

import io
import itertools
import pickle
import warnings

import joblib
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import torch
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV

from skgen import RBM
from skgen.datasets import load_alphadigits
from skgen.energy.machines import bernoulli_machine
from skgen.energy.trainers import ContrastiveDivergence

def small(**params):
    return RBM(**{"n_components": 8, "max_epochs": 5, "lr": 0.05, "random_state": 0, **params})



@pytest.fixture(scope="module")
def alphadigits(data_home):
    return load_alphadigits("A4X", data_home=data_home, return_X_y=True)[0]


def test_fitted_state_is_named_as_in_scikit_learn(alphadigits):
    rbm = small().fit(alphadigits)
    assert rbm.components_.shape == (8, 320)
    assert rbm.intercept_hidden_.shape == (8,)
    assert rbm.intercept_visible_.shape == (320,)
    assert rbm.n_features_in_ == 320
    assert [entry["epoch"] for entry in rbm.history_] == [1, 2, 3, 4, 5]
    for value in vars(rbm).values():
        assert not isinstance(value, torch.Tensor), "fitted state must be NumPy, so it loads without the device"


def test_transform_and_inverse_transform_are_the_conditional_probabilities(alphadigits):
    rbm = small().fit(alphadigits)
    W, b, c = rbm.components_, rbm.intercept_visible_, rbm.intercept_hidden_
    hidden = 1 / (1 + np.exp(-(alphadigits @ W.T + c)))
    np.testing.assert_allclose(rbm.transform(alphadigits), hidden, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(rbm.inverse_transform(hidden), 1 / (1 + np.exp(-(hidden @ W + b))), rtol=1e-5,
                               atol=1e-6)


def test_free_energy_follows_its_formula(alphadigits):
    rbm = small().fit(alphadigits)
    W, b, c = (a.astype(np.float64) for a in (rbm.components_, rbm.intercept_visible_, rbm.intercept_hidden_))
    expected = -(alphadigits @ b) - np.logaddexp(0, alphadigits @ W.T + c).sum(axis=1)
    np.testing.assert_allclose(rbm.free_energy(alphadigits), expected, rtol=1e-5)


def _trainer(machine, batch_size, generator, **options):
    settings = {"cd_steps": 1, "n_temperatures": 3, **options}
    return ContrastiveDivergence(machine, batch_size, generator, **settings)


def _random_machine(generator, n_hidden=5, n_visible=7):
    W = torch.randn(n_hidden, n_visible, generator=generator) * 0.5
    b, c = torch.randn(n_visible, generator=generator), torch.randn(n_hidden, generator=generator)
    return bernoulli_machine(W, b, c, torch.zeros(n_visible))


@pytest.mark.parametrize("options", [{"cd_steps": 3}, {"persistent": True, "n_chains": 11},
                                     {"tempering": True, "n_chains": 4}])
def test_the_update_is_the_gradient_of_the_free_energy_difference(options):
    generator = torch.Generator().manual_seed(0)
    machine = _random_machine(generator)
    data = torch.bernoulli(torch.full((6, 7), 0.4), generator=generator)
    trainer = _trainer(machine, 6, generator, **options)
    trainer.start_chains(data, None)
    trainer.gradient(data)
    negatives = trainer.last_negatives.clone()
    reference = bernoulli_machine(*(p.detach().clone().requires_grad_() for p in (machine.W, machine.b, machine.c)),
                                  machine.visible.base_b)
    loss = reference.free_energy(data).mean() - reference.free_energy(negatives).mean()
    loss.backward()
    for p, expected in zip(trainer.parameters, (reference.W, reference.b, reference.c)):
        torch.testing.assert_close(p.grad, expected.grad)


def _centred_trainer():
    """A centred trainer of a random machine, offsets drawn at random, and a batch of data."""
    generator = torch.Generator().manual_seed(0)
    machine = _random_machine(generator)
    data = torch.bernoulli(torch.full((6, 7), 0.4), generator=generator)
    mu, lam = torch.rand(7, generator=generator), torch.rand(5, generator=generator)
    trainer = _trainer(machine, 6, generator, offsets=(mu.numpy(), lam.numpy()))
    return machine, data, trainer


def test_the_centred_update_is_the_gradient_in_centred_coordinates():
    _, data, trainer = _centred_trainer()
    mu, lam = trainer.mu, trainer.lam
    trainer.gradient(data)
    W, b_centred, c_centred = (p.detach().clone().requires_grad_() for p in trainer.parameters)

    def free_energy(v):  # F of E(v, h) = -(v - mu).b - c.(h - lam) - (h - lam).W(v - mu)
        field = c_centred + (v - mu) @ W.T
        return -(v - mu) @ b_centred - torch.nn.functional.softplus(field).sum(1) + field @ lam

    loss = free_energy(data).mean() - free_energy(trainer.last_negatives).mean()
    loss.backward()
    for p, expected in zip(trainer.parameters, (W, b_centred, c_centred)):
        torch.testing.assert_close(p.grad, expected.grad)


def test_after_a_centred_step_the_machine_holds_the_updated_model():
    machine, data, trainer = _centred_trainer()
    trainer.gradient(data)
    torch.optim.SGD(trainer.parameters, lr=0.5).step()
    trainer.after_step(data)
    W, b_centred, c_centred = trainer.parameters
    # what fit stores and what the next negative phase samples with: the uncentred biases of the new model
    torch.testing.assert_close(machine.b, b_centred - W.T @ trainer.lam)
    torch.testing.assert_close(machine.c, c_centred - W @ trainer.mu)


@pytest.mark.parametrize("params", [{}, {"cd_steps": 3}, {"persistent": True}, {"optimizer": torch.optim.Adam,
                                                                                 "lr": 0.01},
                                    {"centered": True}, {"sampler": "tempering", "n_chains": 20}])
def test_reconstruction_error_falls_over_epochs(alphadigits, params):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # the loop's rising-error warning stays quiet
        rbm = small(n_components=32, max_epochs=15, **{"lr": 0.1, **params}).fit(alphadigits)
    errors = [entry["reconstruction_error"] for entry in rbm.history_]
    assert errors[-1] < 0.8 * errors[0]
    assert np.mean(errors[-3:]) < np.mean(errors[:3])


def test_same_random_state_gives_identical_weights_and_another_differs(alphadigits):
    a, b = small(persistent=True).fit(alphadigits), small(persistent=True).fit(alphadigits)
    other = small(persistent=True, random_state=1).fit(alphadigits)
    np.testing.assert_array_equal(a.components_, b.components_)
    np.testing.assert_array_equal(a.intercept_hidden_, b.intercept_hidden_)
    assert not np.array_equal(a.components_, other.components_)


def test_partial_fit_continues_training_and_returns_self(alphadigits):
    rbm = small()
    assert rbm.partial_fit(alphadigits) is rbm
    first = rbm.components_.copy()
    rbm.partial_fit(alphadigits)
    assert not np.array_equal(first, rbm.components_)
    assert len(rbm.history_) == 2 and rbm.n_samples_seen_ == 2 * len(alphadigits)
    again = small()
    again.partial_fit(alphadigits).partial_fit(alphadigits)
    np.testing.assert_array_equal(again.components_, rbm.components_)


def test_routed_optimizer_parameters_reach_the_optimizer(alphadigits):
    plain = small().fit(alphadigits)
    with_momentum = small(optimizer__momentum=0.9).fit(alphadigits)
    assert with_momentum.get_params()["optimizer__momentum"] == 0.9
    assert clone(with_momentum).get_params()["optimizer__momentum"] == 0.9
    assert not np.allclose(plain.components_, with_momentum.components_)
    with pytest.raises(ValueError, match="Nesterov"):
        small(optimizer__nesterov=True, optimizer__momentum=0.0).fit(alphadigits)


def _all_binary_rows(n):
    return np.array(list(itertools.product([0.0, 1.0], repeat=n)))


@pytest.mark.parametrize("n_features, n_components", [(6, 9), (9, 4)])
def test_exact_log_partition_matches_a_brute_force_sum(n_features, n_components):
    rng = np.random.default_rng(0)
    X = (rng.random((50, n_features)) < 0.3).astype(float)
    rbm = RBM(n_components=n_components, max_epochs=3, random_state=0).fit(X)
    rbm.components_ = rng.normal(0, 1, rbm.components_.shape).astype(np.float32)
    states = _all_binary_rows(n_features)
    brute_force = np.logaddexp.reduce(-rbm.free_energy(states))
    log_z, std_error = rbm.log_partition("exact")
    assert log_z == pytest.approx(brute_force, abs=1e-6)
    assert std_error == 0.0
    np.testing.assert_allclose(np.exp(rbm.score_samples(states)).sum(), 1.0, rtol=1e-6)


@pytest.fixture(scope="module")
def binary_digits():
    """scikit-learn's 8x8 digits, binarized: 64 visible units, so exact enumeration is cheap."""
    return (load_digits().data > 7).astype(np.float32)


def test_ais_agrees_with_exact_enumeration(binary_digits):
    rbm = RBM(n_components=16, max_epochs=20, lr=0.05, random_state=0, optimizer__momentum=0.5).fit(binary_digits)
    exact, _ = rbm.log_partition("exact")
    for seed in (0, 1):
        estimate, std_error = rbm.log_partition("ais", ais_chains=100, ais_betas=1000, random_state=seed)
        assert abs(estimate - exact) < 0.1
        assert 0 < std_error < 0.1


def test_ais_warns_when_a_few_runs_carry_the_estimate(binary_digits):
    rbm = RBM(n_components=16, max_epochs=20, lr=0.05, random_state=0, optimizer__momentum=0.5).fit(binary_digits)
    # three temperatures jump from the base model to the RBM: one lucky run carries the weight
    with pytest.warns(RuntimeWarning, match="unreliable.*raise ais_betas") as caught:
        rbm.log_partition("ais", ais_chains=100, ais_betas=3, random_state=0)
    assert caught[0].filename == __file__  # it names the user's call, not skgen's
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rbm.log_partition("ais", ais_chains=100, ais_betas=1000, random_state=0)


def test_the_ais_warning_names_the_users_line_when_score_samples_runs_ais(binary_digits):
    # 32 hidden units: too many to enumerate, so score_samples estimates log Z by AIS, deep inside skgen
    rbm = RBM(n_components=32, max_epochs=5, lr=0.05, ais_chains=100, ais_betas=3, random_state=0).fit(binary_digits)
    rbm.components_ = 4 * rbm.components_  # strong weights: three temperatures leave one lucky run
    with pytest.warns(RuntimeWarning, match="unreliable") as caught:
        rbm.score_samples(binary_digits[:10])
    assert caught[0].filename == __file__


def test_forward_and_reverse_ais_bracket_the_exact_value(binary_digits):
    rbm = RBM(n_components=16, max_epochs=10, lr=0.05, persistent=True, n_chains=200, random_state=0,
              optimizer__momentum=0.5).fit(binary_digits)
    exact, _ = rbm.log_partition("exact")
    model_samples = rbm.sample(300, start="chains", n_steps=200, random_state=0)
    forward, forward_se = rbm.log_partition("ais", ais_chains=300, ais_betas=1000, random_state=0)
    reverse, reverse_se = rbm.log_partition("reverse_ais", start=model_samples, ais_betas=1000, random_state=0)
    from_chains, _ = rbm.log_partition("reverse_ais", ais_betas=1000, random_state=0)
    for estimate, std_error in [(forward, forward_se), (reverse, reverse_se)]:
        assert abs(estimate - exact) < max(4 * std_error, 0.05)
    assert abs(from_chains - exact) < 0.5
    with pytest.raises(ValueError, match="start rows"):
        RBM(n_components=4, max_epochs=1).fit(binary_digits).log_partition("reverse_ais")
    with pytest.raises(ValueError, match="method"):
        rbm.log_partition("importance")


def test_ais_agrees_with_exact_enumeration_when_the_visible_layer_is_smaller():
    rng = np.random.default_rng(0)
    rbm = RBM(n_components=40, max_epochs=1, random_state=0).fit((rng.random((30, 12)) < 0.5).astype(float))
    rbm.components_ = rng.normal(0, 0.5, rbm.components_.shape).astype(np.float32)
    estimate, _ = rbm.log_partition("ais", ais_chains=100, ais_betas=1000, random_state=0)
    assert abs(estimate - rbm.log_partition("exact")[0]) < 0.1


def test_score_uses_ais_for_large_layers_and_tracks_weight_changes(alphadigits):
    rbm = small(n_components=24, ais_chains=50, ais_betas=500).fit(alphadigits)
    score = rbm.score(alphadigits)
    log_z, _ = rbm.log_partition("ais")
    assert score == pytest.approx(np.mean(-rbm.free_energy(alphadigits)) - log_z)
    rbm.partial_fit(alphadigits)
    assert rbm.score(alphadigits) == pytest.approx(np.mean(-rbm.free_energy(alphadigits)) - rbm.log_partition()[0])


def test_training_raises_the_likelihood(alphadigits):
    untrained = RBM(n_components=16, max_epochs=1, lr=1e-6, random_state=0).fit(alphadigits)
    trained = RBM(n_components=16, max_epochs=40, lr=0.05, random_state=0, optimizer__momentum=0.5).fit(alphadigits)
    assert trained.score(alphadigits) > untrained.score(alphadigits) + 20


def test_grid_search_selects_by_held_out_likelihood(binary_digits):
    grid = GridSearchCV(
        RBM(max_epochs=10, lr=0.1, batch_size=20, random_state=0),
        {"n_components": [2, 16], "optimizer": [torch.optim.SGD, torch.optim.Adam]}, cv=2,
    ).fit(binary_digits)
    scores = grid.cv_results_["mean_test_score"]
    assert grid.best_params_["n_components"] == 16
    assert grid.best_score_ == scores.max() and np.all(scores < 0)


@pytest.mark.parametrize("bad, message", [
    (np.nan, "NaN"), (np.inf, "infinity"), (1.5, r"\[0, 1\]"), (-0.5, "Negative values"),
])
def test_bad_values_are_rejected_with_a_clear_error(alphadigits, bad, message):
    X = alphadigits.copy()
    X[3, 7] = bad
    with pytest.raises(ValueError, match=message):
        small().fit(X)
    rbm = small().fit(alphadigits)
    for method in (rbm.transform, rbm.score_samples, rbm.free_energy):
        with pytest.raises(ValueError, match=message):
            method(X)


def test_wrong_width_is_rejected(alphadigits):
    rbm = small().fit(alphadigits)
    with pytest.raises(ValueError, match="320 features"):
        rbm.transform(alphadigits[:, :100])
    with pytest.raises(ValueError, match="n_components=8"):
        rbm.inverse_transform(np.zeros((2, 5)))


def test_divergence_stops_with_advice_to_lower_lr(alphadigits):
    with pytest.raises(ValueError, match="smaller lr"):
        small(lr=10, optimizer__weight_decay=1.0).fit(alphadigits)


def test_sparse_input_gives_the_same_model_as_dense(alphadigits):
    dense = small().fit(alphadigits)
    sparse = small().fit(sp.csr_matrix(alphadigits))
    np.testing.assert_array_equal(dense.components_, sparse.components_)
    np.testing.assert_array_equal(dense.transform(alphadigits), sparse.transform(sp.csr_matrix(alphadigits)))


def test_pickle_and_joblib_round_trips_give_identical_outputs(alphadigits):
    rbm = small().fit(alphadigits)
    buffer = io.BytesIO()
    joblib.dump(rbm, buffer)
    buffer.seek(0)
    for copy in (pickle.loads(pickle.dumps(rbm)), joblib.load(buffer)):
        np.testing.assert_array_equal(copy.transform(alphadigits), rbm.transform(alphadigits))
        np.testing.assert_array_equal(copy.sample(5, random_state=0), rbm.sample(5, random_state=0))
        assert copy.score(alphadigits) == rbm.score(alphadigits)


def test_a_model_marked_cuda_loads_and_runs_without_cuda(alphadigits):
    rbm = small().fit(alphadigits)
    expected = rbm.transform(alphadigits)
    rbm.set_params(device="cuda")
    restored = pickle.loads(pickle.dumps(rbm))
    np.testing.assert_allclose(restored.transform(alphadigits), expected, rtol=1e-5, atol=1e-6)
    assert restored.sample(3, random_state=0).shape == (3, 320)


def test_feature_names_and_pandas_output(alphadigits):
    rbm = small().fit(alphadigits)
    names = rbm.get_feature_names_out()
    assert list(names) == [f"rbm{i}" for i in range(8)]
    frame = clone(rbm).set_output(transform="pandas").fit(alphadigits).transform(alphadigits)
    assert isinstance(frame, pd.DataFrame) and list(frame.columns) == list(names)


def test_sample_and_gibbs_give_reproducible_binary_rows(alphadigits):
    rbm = small().fit(alphadigits)
    samples = rbm.sample(7, n_steps=20, random_state=0)
    assert samples.shape == (7, 320)
    assert set(np.unique(samples)) <= {0.0, 1.0}
    np.testing.assert_array_equal(samples, rbm.sample(7, n_steps=20, random_state=0))
    assert not np.array_equal(samples, rbm.sample(7, n_steps=20, random_state=1))
    from_data = rbm.sample(n_steps=1, start=alphadigits[:4], random_state=0)
    np.testing.assert_array_equal(from_data, rbm.gibbs(alphadigits[:4], random_state=0))
    assert from_data.shape == (4, 320)


@pytest.fixture(scope="module")
def judge(data_home):
    from skgen.metrics import SampleJudge

    return SampleJudge().fit(*load_alphadigits(data_home=data_home, return_X_y=True))


def test_samples_of_an_rbm_fitted_on_three_characters_are_recognised(alphadigits, judge):
    rbm = RBM(n_components=100, max_epochs=100, lr=0.1, random_state=0, optimizer__momentum=0.5).fit(alphadigits)
    judgement = judge.judge(rbm.sample(100, n_steps=1000, random_state=0), "A4X")
    assert judgement.recognised >= 0.9
    assert judgement.covered == 3


def test_bernoulli_draws_are_binary_with_the_given_probabilities_and_reproducible():
    from skgen._core.tensors import bernoulli

    probabilities = torch.tensor([0.0, 0.1, 0.5, 0.9, 1.0]).repeat(20000, 1)
    draws = bernoulli(probabilities, torch.Generator().manual_seed(0))
    assert set(draws.unique().tolist()) <= {0.0, 1.0}
    torch.testing.assert_close(draws.mean(0), probabilities[0], atol=0.01, rtol=0)
    out = torch.empty_like(probabilities)
    assert bernoulli(probabilities, torch.Generator().manual_seed(0), out=out) is out
    torch.testing.assert_close(out, draws)


def _two_mode_rbm(n_visible=20):
    """An RBM whose distribution has two equal modes, all zeros and all ones, and a barrier of e^-20 between."""
    rbm = RBM(n_components=1, max_epochs=1, random_state=0).fit(np.array([[0.0] * n_visible, [1.0] * n_visible]))
    rbm.components_ = np.full((1, n_visible), 4.0, dtype=np.float32)
    rbm.intercept_visible_ = np.full(n_visible, -2.0, dtype=np.float32)
    rbm.intercept_hidden_ = np.array([-2.0 * n_visible], dtype=np.float32)
    return rbm


def test_tempering_visits_both_modes_where_gibbs_stays_in_one():
    rbm = _two_mode_rbm()
    start = np.zeros((100, 20))
    gibbs = rbm.sample(start=start, n_steps=200, random_state=0)
    tempered = rbm.sample(start=start, sampler="tempering", n_temperatures=10, n_steps=200, random_state=0)
    assert (gibbs.mean(1) < 0.5).all()
    assert 0.3 < (tempered.mean(1) > 0.5).mean() < 0.7
    between = (tempered.mean(1) > 0.35) & (tempered.mean(1) < 0.65)
    assert between.mean() < 0.05  # the samples lie in the modes, not on the barrier


def test_persistent_chains_carry_across_partial_fit(alphadigits, monkeypatch):
    starts = []
    original = ContrastiveDivergence.start_chains
    monkeypatch.setattr(ContrastiveDivergence, "start_chains",
                        lambda self, data, state: (starts.append(state), original(self, data, state))[1])
    rbm = small(persistent=True, n_chains=30, batch_size=10)
    rbm.partial_fit(alphadigits)
    first = rbm._chain_state.copy()
    assert rbm.chains_.shape == (30, 320) and set(np.unique(rbm.chains_)) <= {0.0, 1.0}
    rbm.partial_fit(alphadigits)
    assert starts[0] is None
    np.testing.assert_array_equal(starts[1], first)
    assert not np.array_equal(rbm._chain_state, first)


def test_lr_scheduler_is_routed_and_stepped_per_epoch(alphadigits):
    rbm = small(max_epochs=4, lr=0.08, lr_scheduler=torch.optim.lr_scheduler.LinearLR,
                lr_scheduler__start_factor=1.0, lr_scheduler__end_factor=0.0, lr_scheduler__total_iters=4)
    rbm.fit(alphadigits)
    np.testing.assert_allclose([entry["lr"] for entry in rbm.history_], [0.08, 0.06, 0.04, 0.02])
    assert clone(rbm).get_params()["lr_scheduler__end_factor"] == 0.0
    with pytest.raises(ValueError, match="lr_scheduler must be None or a subclass"):
        small(lr_scheduler="linear").fit(alphadigits)


def test_sampling_options(alphadigits):
    rbm = small(persistent=True, n_chains=12).fit(alphadigits)
    chains = rbm.sample(5, start="chains", n_steps=3, random_state=0)
    assert chains.shape == (5, 320) and set(np.unique(chains)) <= {0.0, 1.0}
    means = rbm.sample(5, n_steps=3, return_probabilities=True, random_state=0)
    assert ((means > 0) & (means < 1)).all()
    clamped = rbm.sample(start=alphadigits[:4], n_steps=5, clamp=(np.arange(160), alphadigits[:4, :160]),
                         random_state=0)
    np.testing.assert_array_equal(clamped[:, :160], alphadigits[:4, :160])
    tempered = rbm.sample(3, sampler="tempering", n_temperatures=3, n_steps=4, random_state=0)
    assert tempered.shape == (3, 320)
    # one clamp per chain, held at every temperature (a class-conditional DBN's labels)
    clamped = rbm.sample(start=alphadigits[:4], sampler="tempering", n_temperatures=3, n_steps=5,
                         clamp=(np.arange(160), alphadigits[:4, :160]), random_state=0)
    np.testing.assert_array_equal(clamped[:, :160], alphadigits[:4, :160])


@pytest.mark.parametrize("options, message", [
    ({"start": "data"}, "start must be one of 'noise', 'chains'"),
    ({"start": None}, "start must be 'noise', 'chains' or an array"),
    ({"sampler": "metropolis"}, "sampler must be one of 'gibbs', 'tempering'"),
    ({"n_steps": 0}, "n_steps must be an int"),
    ({"return_probabilities": "yes"}, "return_probabilities must be a bool"),
    ({"clamp": ([400], [1.0])}, "clamp columns"),
    ({"start": "chains"}, "start='chains' needs persistent chains"),
])
def test_bad_sampling_options_are_clear_errors(alphadigits, options, message):
    rbm = small().fit(alphadigits)
    with pytest.raises(ValueError, match=message):
        rbm.sample(2, **options)


@pytest.mark.parametrize("params, message", [
    ({"n_chains": 0}, "n_chains must be None or an int"), ({"sampler": "pt"}, "sampler must be one of"),
    ({"centered": "yes"}, "centered must be a bool"), ({"n_components": True}, "n_components must be an int"),
    ({"persistent": 1}, "persistent must be a bool"), ({"n_temperatures": 1}, "n_temperatures must be an int"),
    ({"lr": float("nan")}, "lr must be a finite float"), ({"device": "meta"}, "device must be"),
])
def test_bad_parameters_are_clear_errors(alphadigits, params, message):
    with pytest.raises(ValueError, match=message):
        small(**params).fit(alphadigits)
