"""skgen.DBM: the deep Boltzmann machine's math on tensors, checked by enumeration and autograd, and the estimator."""

import warnings

import joblib
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import torch
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import NearestNeighbors

from skgen import DBM, DBN, RBM, DNNClassifier
from skgen.energy.dbm_machine import DeepBoltzmannMachine
from skgen.energy.partition import ais_log_partition, ais_schedule
from skgen.energy.trainers import StochasticApproximation

# -- the machine on tiny models, against brute-force enumeration -------------------------------


def tiny_machine(sizes, seed=0, scale=1.0, dtype=torch.float64):
    """A DBM with random weights large enough that its layers interact, and a non-trivial base model."""
    generator = torch.Generator().manual_seed(seed)
    randn = lambda *shape: torch.randn(*shape, generator=generator, dtype=dtype)  # noqa: E731
    weights = [scale * randn(sizes[layer + 1], sizes[layer]) for layer in range(len(sizes) - 1)]
    return DeepBoltzmannMachine(weights, [0.5 * randn(n) for n in sizes], [0.3 * randn(n) for n in sizes])


def every_state(sizes):
    """All joint states of every layer, as a list of per-layer tensors of 2**sum(sizes) rows."""
    n_units = sum(sizes)
    table = ((torch.arange(2**n_units).unsqueeze(1) >> torch.arange(n_units)) & 1).double()
    return list(torch.split(table, list(sizes), 1))


def brute_log_partition(machine, sizes):
    return torch.logsumexp(-machine.energy(every_state(sizes)), 0)


def random_rows(n, n_features, seed=0):
    return torch.bernoulli(torch.full((n, n_features), 0.5, dtype=torch.float64),
                           generator=torch.Generator().manual_seed(seed))


SIZES = [(4, 3), (5, 4, 3), (3, 6, 2), (3, 2, 2, 2)]


@pytest.mark.parametrize("sizes", SIZES, ids=str)
def test_exact_log_partition_and_log_likelihood_match_brute_force(sizes):
    machine = tiny_machine(sizes)
    states = every_state(sizes)
    assert machine.exact_log_partition() == pytest.approx(brute_log_partition(machine, sizes).item(), abs=1e-10)
    v = random_rows(6, sizes[0])
    expected = [torch.logsumexp(-machine.energy([x[(states[0] == row).all(1)] for x in states]), 0).item()
                for row in v]
    np.testing.assert_allclose(machine.exact_log_unnormalized(v).numpy(), expected, atol=1e-10)


@pytest.mark.parametrize("sizes", SIZES[1:], ids=str)
def test_mean_field_never_lowers_the_bound_and_reaches_the_posterior_fixed_point(sizes):
    machine = tiny_machine(sizes, scale=1.5)
    v = random_rows(8, sizes[0])
    means = machine.mean_field(v, 0)
    bounds = [machine.unnormalized_bound(means)]
    for _ in range(100):
        means = machine.mean_field(v, 1, means=means[1:])
        bounds.append(machine.unnormalized_bound(means))
    assert torch.all(torch.diff(torch.stack(bounds), dim=0) >= -1e-12)
    for layer in range(1, len(sizes)):
        torch.testing.assert_close(means[layer], torch.sigmoid(machine.field(means, layer)), atol=1e-9, rtol=0)
    # the bound lies below log p*(v); the gap is KL(q || posterior), > 0 as the hidden layers interact
    gap = machine.exact_log_unnormalized(v) - bounds[-1]
    assert torch.all(gap > 0) and torch.all(gap < 1.0)


def test_for_one_hidden_layer_mean_field_is_the_exact_posterior_and_the_bound_the_log_likelihood():
    machine = tiny_machine((5, 4))
    v = random_rows(8, 5)
    bound = machine.unnormalized_bound(machine.mean_field(v, 1))
    torch.testing.assert_close(bound, machine.exact_log_unnormalized(v), atol=1e-10, rtol=0)


@pytest.mark.parametrize("sizes", SIZES, ids=str)
def test_gradient_is_autograd_of_the_mean_bound_minus_log_z(sizes):
    machine = tiny_machine(sizes)
    for parameter in machine.parameters():
        parameter.requires_grad_(True)
    v = random_rows(8, sizes[0])
    means = machine.mean_field(v, 300)
    objective = machine.unnormalized_bound(means).mean() - brute_log_partition(machine, sizes)
    expected = torch.autograd.grad(-objective, machine.parameters())
    with torch.no_grad():
        states = every_state(sizes)
        probabilities = torch.softmax(-machine.energy(states), 0)
        model = machine.sufficient_statistics(states, probabilities)
        data = machine.sufficient_statistics([x.detach() for x in means], torch.full((8,), 1 / 8, dtype=v.dtype))
        machine.write_gradient([x.detach() for x in means], [x.detach() for x in states])
    for gradient, model_term, data_term in zip(expected, model, data):
        torch.testing.assert_close(model_term - data_term, gradient, atol=1e-10, rtol=0)
    # write_gradient averages rows equally: with every state once, its model term is the uniform mean
    uniform = machine.sufficient_statistics(states, torch.full((len(states[0]),), 1 / len(states[0]),
                                                               dtype=v.dtype))
    for parameter, model_term, data_term in zip(machine.parameters(), uniform, data):
        torch.testing.assert_close(parameter.grad, model_term - data_term, atol=1e-12, rtol=0)


def test_persistent_chains_give_the_exact_model_term():
    sizes = (5, 4, 3)
    exact_machine = tiny_machine(sizes)
    v = random_rows(8, 5)
    states = every_state(sizes)
    with torch.no_grad():
        means = exact_machine.mean_field(v, 300)
        exact = [m - d for m, d in zip(
            exact_machine.sufficient_statistics(states, torch.softmax(-exact_machine.energy(states), 0)),
            exact_machine.sufficient_statistics(means, torch.full((8,), 1 / 8, dtype=v.dtype)))]
    machine = exact_machine.to(torch.float32)
    trainer = StochasticApproximation(machine, n_chains=20000, gibbs_steps=1, mean_field_steps=300,
                                      generator=torch.Generator().manual_seed(0))
    trainer.start_chains(v.float())
    for _ in range(30):  # burn-in from the data, then the last gradient is the chains' equilibrium
        trainer.gradient(v.float())
    for parameter, expected in zip(machine.parameters(), exact):
        torch.testing.assert_close(parameter.grad, expected.float(), atol=0.02, rtol=0)


@pytest.mark.parametrize("sizes", [(5, 4, 3), (3, 6, 2), (3, 2, 2, 2)], ids=str)
def test_ais_agrees_with_exact_enumeration_of_a_tiny_dbm(sizes):
    machine = tiny_machine(sizes).to(torch.float32)
    exact = machine.exact_log_partition()
    for seed in (0, 1):
        estimate, std_error = ais_log_partition(machine, ais_schedule(1000), 200, torch.Generator().manual_seed(seed))
        assert abs(estimate - exact) < max(4 * std_error, 0.02)
        assert 0 < std_error < 0.05


# -- the estimator ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def binary_digits():
    """scikit-learn's 8x8 digits, binarized, shuffled: 64 visible units."""
    X = (load_digits().data > 7).astype(np.float32)
    return X[np.random.RandomState(0).permutation(len(X))]


def small(**params):
    return DBM(**{"hidden_layer_sizes": (8, 4), "pretrain_epochs": 5, "max_epochs": 5, "batch_size": 20,
                  "n_chains": 50, "lr": 0.01, "random_state": 0, "optimizer__momentum": 0.5, **params})


@pytest.fixture(scope="module")
def digits_dbm(binary_digits):
    """A DBM good enough to sample digits: 64-100-50, 20 + 30 epochs, on 1,500 training digits; a healthy
    training, so the loop's rising-error warning stays quiet."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        return DBM(hidden_layer_sizes=(100, 50), pretrain_epochs=20, max_epochs=30, batch_size=20, n_chains=100,
                   lr=0.01, random_state=0, optimizer__momentum=0.9).fit(binary_digits[:1500])


def test_fitted_state_is_numpy_and_shaped_by_the_layers(binary_digits):
    dbm = small().fit(binary_digits)
    assert [W.shape for W in dbm.weights_] == [(8, 64), (4, 8)]
    assert [b.shape for b in dbm.intercepts_] == [(64,), (8,), (4,)]
    assert dbm.chains_.shape == (50, 64)
    assert [entry["epoch"] for entry in dbm.history_] == [1, 2, 3, 4, 5]
    for value in vars(dbm).values():
        assert not isinstance(value, torch.Tensor), "fitted state must be NumPy, so it loads without the device"
    assert list(dbm.get_feature_names_out()) == ["dbm0", "dbm1", "dbm2", "dbm3"]


def test_learning_rate_decays_linearly_to_zero_by_default(binary_digits):
    dbm = small(lr=0.02).fit(binary_digits[:200])
    np.testing.assert_allclose([entry["lr"] for entry in dbm.history_], [0.02, 0.016, 0.012, 0.008, 0.004])
    constant = small(lr=0.02, lr_scheduler=None).fit(binary_digits[:200])
    assert [entry["lr"] for entry in constant.history_] == [0.02] * 5


def test_warm_start_continues_the_joint_training_without_pretraining_again(binary_digits):
    dbm = small().fit(binary_digits[:300])
    fitted = [a.copy() for a in (*dbm.weights_, *dbm.intercepts_)]
    dbm.set_params(warm_start=True, max_epochs=2, lr=1e-9, lr_scheduler=None).fit(binary_digits[:300])
    assert [entry["epoch"] for entry in dbm.history_] == [1, 2, 3, 4, 5, 6, 7]
    for before, after in zip(fitted, (*dbm.weights_, *dbm.intercepts_)):
        np.testing.assert_allclose(after, before, atol=1e-5)  # a negligible step from the fitted state
    refitted = clone(dbm).set_params(warm_start=False).fit(binary_digits[:300])
    assert len(refitted.history_) == 2
    assert np.abs(refitted.weights_[0] - fitted[0]).max() > 1e-3  # pretrained anew: 5 joint epochs lost
    with pytest.raises(ValueError, match="features"):
        dbm.fit(binary_digits[:300, :32])


def test_transform_is_the_top_layer_of_the_mean_field_fixed_point(binary_digits):
    dbm = small(mean_field_steps=50).fit(binary_digits)
    W1, W2 = (W.astype(np.float64) for W in dbm.weights_)
    _, b1, b2 = (b.astype(np.float64) for b in dbm.intercepts_)
    sigmoid = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    X = binary_digits[:50].astype(np.float64)
    mu1 = sigmoid(2 * X @ W1.T + b1)
    mu2 = sigmoid(mu1 @ W2.T + b2)
    for _ in range(50):
        mu1 = sigmoid(X @ W1.T + mu2 @ W2 + b1)
        mu2 = sigmoid(mu1 @ W2.T + b2)
    np.testing.assert_allclose(dbm.transform(binary_digits[:50]), mu2, atol=1e-5)


def test_pretraining_gives_a_better_model_than_joint_training_alone(binary_digits):
    train, test = binary_digits[:1500], binary_digits[1500:]
    pretrained = small(hidden_layer_sizes=(32, 16), pretrain_epochs=10, max_epochs=5).fit(train)
    from_scratch = small(hidden_layer_sizes=(32, 16), pretrain_epochs=0, max_epochs=5).fit(train)
    assert pretrained.score(test) > from_scratch.score(test) + 3


def test_score_samples_is_a_lower_bound_close_to_the_exact_log_likelihood(binary_digits):
    dbm = small(mean_field_steps=30).fit(binary_digits)  # 8 odd units: log Z and log p(v) enumerate
    exact_log_z, _ = dbm.log_partition("exact")
    assert dbm.log_partition()[0] == exact_log_z
    rows = binary_digits[:100]
    machine = DeepBoltzmannMachine(*(list(map(torch.as_tensor, arrays)) for arrays in (
        dbm.weights_, dbm.intercepts_, [np.zeros(n, dtype=np.float32) for n in (64, 8, 4)])))
    log_likelihood = machine.exact_log_unnormalized(torch.as_tensor(rows)).numpy() - exact_log_z
    bound = dbm.score_samples(rows)
    np.testing.assert_allclose(bound, -dbm.free_energy(rows) - exact_log_z, rtol=1e-12)
    assert np.all(bound <= log_likelihood + 1e-4)
    assert np.mean(log_likelihood - bound) < 0.5


def test_ais_agrees_with_exact_enumeration_of_a_fitted_dbm(binary_digits):
    dbm = small().fit(binary_digits)
    exact, _ = dbm.log_partition("exact")
    for seed in (0, 1):
        estimate, std_error = dbm.log_partition("ais", ais_chains=100, ais_betas=1000, random_state=seed)
        assert abs(estimate - exact) < max(4 * std_error, 0.1)
    with pytest.raises(ValueError, match="method"):
        dbm.log_partition("importance")
    # with strong weights, three temperatures leave one lucky run carrying the estimate
    dbm.weights_ = [4 * W for W in dbm.weights_]
    with pytest.warns(RuntimeWarning, match="unreliable") as caught:
        dbm.log_partition("ais", ais_chains=100, ais_betas=3, random_state=0)
    assert caught[0].filename == __file__  # it names the user's call, not skgen's


def test_ais_from_the_chains_base_has_less_variance_than_from_uniform_hiddens(digits_dbm):
    # the base model's hiddens sit at the persistent chains' means, near the model's marginals
    machine = digits_dbm._make_machine("cpu")
    uniform = DeepBoltzmannMachine(machine.weights, machine.biases,
                                   [machine.base_biases[0], *(torch.zeros_like(b) for b in machine.base_biases[1:])])
    errors = {"chains": [], "uniform": []}
    for seed in range(3):
        errors["chains"].append(digits_dbm.log_partition("ais", ais_chains=100, ais_betas=300, random_state=seed)[1])
        errors["uniform"].append(ais_log_partition(uniform, ais_schedule(300), 100, torch.Generator().manual_seed(seed))[1])
    assert np.mean(errors["chains"]) < 0.5 * np.mean(errors["uniform"])


def test_samples_resemble_scikit_learn_digits(binary_digits, digits_dbm):
    train = binary_digits[:1500]
    samples = digits_dbm.sample(200, start="chains", n_steps=200, random_state=0)
    independent = (np.random.RandomState(0).random_sample((200, 64)) < train.mean(0)).astype(np.float32)
    # a digit drawn by the DBM lies near a training digit, where pixels drawn independently do not
    nearest = NearestNeighbors(n_neighbors=1).fit(train)
    sample_distance = nearest.kneighbors(samples)[0].mean()
    independent_distance = nearest.kneighbors(independent)[0].mean()
    assert sample_distance < 0.75 * independent_distance  # 0.67 here; 1.0 for an untrained DBM
    # a classifier of the digits reads most samples confidently, and the samples cover most classes
    classifier = LogisticRegression(max_iter=1000).fit(train, load_digits().target[
        np.random.RandomState(0).permutation(len(binary_digits))][:1500])
    confidence = classifier.predict_proba(samples).max(1)
    assert np.median(confidence) > 0.85  # 0.94 here; 0.66 for an untrained DBM
    assert len(np.unique(classifier.predict(samples))) >= 8


@pytest.mark.parametrize("start", ["noise", "chains", "rows"])
def test_sampling_starts_from_noise_chains_or_data_rows(binary_digits, start):
    dbm = small().fit(binary_digits)
    begin = binary_digits[:7] if start == "rows" else start
    samples = dbm.sample(7, start=begin, n_steps=5, random_state=0)
    assert samples.shape == (7, 64) and set(np.unique(samples)) <= {0.0, 1.0}
    np.testing.assert_array_equal(samples, dbm.sample(7, start=begin, n_steps=5, random_state=0))
    means = dbm.sample(7, start=begin, n_steps=5, return_probabilities=True, random_state=0)
    assert np.all((means >= 0) & (means <= 1)) and not set(np.unique(means)) <= {0.0, 1.0}


def test_bad_sampler_start_and_input_are_clear_errors(binary_digits):
    with pytest.raises(NotFittedError):
        small().transform(binary_digits)
    dbm = small().fit(binary_digits)
    with pytest.raises(ValueError, match="sampler"):
        dbm.sample(2, sampler="tempering")
    with pytest.raises(ValueError, match="start"):
        dbm.sample(2, start="data")
    with pytest.raises(ValueError, match="n_steps"):
        dbm.sample(2, n_steps=0)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        small().fit(binary_digits * 2)
    with pytest.raises(ValueError, match="hidden_layer_sizes"):
        small(hidden_layer_sizes=()).fit(binary_digits)
    with pytest.raises(ValueError, match="64 features"):
        dbm.transform(binary_digits[:, :10])


def test_same_random_state_gives_identical_weights_and_clone_refits_them(binary_digits):
    dbm = small().fit(binary_digits[:300])
    again = clone(dbm)
    assert not hasattr(again, "weights_") and again.get_params() == dbm.get_params()
    again.fit(binary_digits[:300])
    for a, b in zip([*dbm.weights_, *dbm.intercepts_], [*again.weights_, *again.intercepts_]):
        np.testing.assert_array_equal(a, b)
    other = small(random_state=1).fit(binary_digits[:300])
    assert not np.array_equal(dbm.weights_[0], other.weights_[0])


def test_joblib_round_trip_gives_identical_transform_scores_and_samples(binary_digits, tmp_path):
    dbm = small().fit(binary_digits)
    joblib.dump(dbm, tmp_path / "dbm.joblib")
    loaded = joblib.load(tmp_path / "dbm.joblib")
    np.testing.assert_array_equal(loaded.transform(binary_digits), dbm.transform(binary_digits))
    np.testing.assert_array_equal(loaded.score_samples(binary_digits), dbm.score_samples(binary_digits))
    np.testing.assert_array_equal(loaded.sample(5, start="chains", n_steps=3, random_state=0),
                                  dbm.sample(5, start="chains", n_steps=3, random_state=0))


def test_classifier_starts_from_the_recognition_layers(binary_digits):
    dbm = small(hidden_layer_sizes=(32, 16)).fit(binary_digits)
    layers = dbm.recognition_layers()
    np.testing.assert_allclose(layers[0][0], 2 * dbm.weights_[0])
    np.testing.assert_allclose(layers[1][0], dbm.weights_[1])
    np.testing.assert_allclose(layers[1][1], dbm.intercepts_[2])
    y = load_digits().target[np.random.RandomState(0).permutation(len(binary_digits))]
    untrained = DNNClassifier(dbn=FrozenEstimator(dbm), lr=1e-12, max_epochs=1, early_stopping=False,
                              random_state=0).fit(binary_digits, y)
    hidden = untrained.net_.module_.hidden
    for linear, (weight, bias) in zip(hidden, layers):
        np.testing.assert_allclose(linear.weight.detach().numpy(), weight, atol=1e-6)
        np.testing.assert_allclose(linear.bias.detach().numpy(), bias, atol=1e-6)
    with pytest.raises(ValueError, match="conflicts"):
        DNNClassifier(dbn=FrozenEstimator(dbm), hidden_layer_sizes=(8,)).fit(binary_digits, y)


def test_augmented_recognition_layers_compute_the_mean_field_fixed_point(binary_digits):
    dbm = small(hidden_layer_sizes=(32, 16), mean_field_steps=100).fit(binary_digits)
    X = binary_digits[:50]
    q1, q2 = dbm.posterior(X)
    np.testing.assert_array_equal(q2, dbm.transform(X))
    (W1, b1), (W2, b2) = dbm.recognition_layers(augmented=True)
    assert W1.shape == (32, 64 + 16)
    sigmoid = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    h1 = sigmoid(np.hstack([X, q2]) @ W1.T + b1)
    np.testing.assert_allclose(h1, q1, atol=1e-4)
    np.testing.assert_allclose(sigmoid(h1 @ W2.T + b2), q2, atol=1e-4)
    with pytest.raises(ValueError, match="two hidden layers"):
        small(hidden_layer_sizes=(8,)).fit(binary_digits[:100]).recognition_layers(augmented=True)


def test_classifier_with_augmented_input_learns_and_predicts_sparse_input(binary_digits, tmp_path):
    dbm = small(hidden_layer_sizes=(32, 16)).fit(binary_digits[:1200])
    y = load_digits().target[np.random.RandomState(0).permutation(len(binary_digits))]
    untrained = DNNClassifier(dbn=FrozenEstimator(dbm), augment_input=True, lr=1e-12, max_epochs=1,
                              random_state=0).fit(binary_digits, y)
    for linear, (weight, bias) in zip(untrained.net_.module_.hidden, dbm.recognition_layers(augmented=True)):
        np.testing.assert_allclose(linear.weight.detach().numpy(), weight, atol=1e-6)
        np.testing.assert_allclose(linear.bias.detach().numpy(), bias, atol=1e-6)
    clf = DNNClassifier(dbn=FrozenEstimator(dbm), augment_input=True, optimizer="sgd", max_epochs=30,
                        random_state=0).fit(binary_digits[:1200], y[:1200])
    assert clf.score(binary_digits[1200:], y[1200:]) > 0.8  # 0.87 here; 0.86 without augment_input
    np.testing.assert_allclose(clf.predict_proba(sp.csr_matrix(binary_digits[1200:])),
                               clf.predict_proba(binary_digits[1200:]), atol=1e-6)
    joblib.dump(clf, tmp_path / "clf.joblib")
    np.testing.assert_array_equal(joblib.load(tmp_path / "clf.joblib").predict_proba(binary_digits),
                                  clf.predict_proba(binary_digits))


@pytest.mark.parametrize("dbn", [None, DBN(hidden_layer_sizes=(8, 4)), DBM(hidden_layer_sizes=(8,))],
                         ids=["none", "dbn", "one-layer-dbm"])
def test_augment_input_without_a_two_layer_dbm_is_a_clear_error(binary_digits, dbn):
    y = load_digits().target[np.random.RandomState(0).permutation(len(binary_digits))]
    with pytest.raises(ValueError, match="augment_input=True needs a DBM"):
        DNNClassifier(dbn=dbn, augment_input=True, max_epochs=1).fit(binary_digits, y)


def test_classifier_with_augmented_input_fits_an_unfitted_dbm_first(binary_digits):
    y = load_digits().target[np.random.RandomState(0).permutation(len(binary_digits))]
    clf = DNNClassifier(dbn=small(hidden_layer_sizes=(16, 8)), augment_input=True, max_epochs=2,
                        random_state=0).fit(binary_digits[:500], y[:500])
    assert clf.net_.module_.hidden[0].weight.shape == (16, 64 + 8)
    np.testing.assert_allclose(clf.dbn_.posterior(binary_digits[:5])[1], clf.dbn_.transform(binary_digits[:5]))
    assert clf.predict(binary_digits[500:]).shape == (len(binary_digits) - 500,)


# -- the template's inference and training, and the defects of round 4 (issues 39 and 40) -------------------


def test_reverse_ais_from_the_chains_brackets_the_exact_value_with_forward_ais(binary_digits):
    dbm = small().fit(binary_digits)
    exact, _ = dbm.log_partition("exact")
    forward, forward_se = dbm.log_partition("ais", ais_chains=200, ais_betas=1000, random_state=0)
    reverse, reverse_se = dbm.log_partition("reverse_ais", ais_betas=1000, random_state=0)
    assert forward - 4 * forward_se - 0.05 < exact < reverse + 4 * reverse_se + 0.05
    assert abs(reverse - exact) < max(4 * reverse_se, 0.1)
    samples = dbm.sample(100, start="chains", n_steps=20, random_state=0)
    from_rows, _ = dbm.log_partition("reverse_ais", start=samples, ais_betas=1000, random_state=0)
    assert abs(from_rows - exact) < 0.5


@pytest.mark.parametrize("n_samples", [None, "3", 2.5, 0])
def test_a_bad_n_samples_is_a_value_error_naming_it_as_for_the_rbm(binary_digits, n_samples):
    dbm = small(max_epochs=1).fit(binary_digits[:200])
    rbm = RBM(n_components=4, max_epochs=1).fit(binary_digits[:200])
    for model in (dbm, rbm):
        with pytest.raises(ValueError, match=f"{type(model).__name__}: n_samples must be an int in \\[1, inf\\]"):
            model.sample(n_samples, n_steps=2)


def test_recognition_layers_take_augmented_as_a_bool(binary_digits):
    dbm = small(max_epochs=1).fit(binary_digits[:200])
    for bad in ("no", 1, None):
        with pytest.raises(ValueError, match="augmented must be a bool"):
            dbm.recognition_layers(augmented=bad)
    assert len(dbm.recognition_layers(augmented=np.bool_(True))) == 2


def test_sampling_holds_clamped_visibles(binary_digits):
    dbm = small().fit(binary_digits)
    clamped = dbm.sample(start=binary_digits[:4], n_steps=5, clamp=(np.arange(32), binary_digits[:4, :32]),
                         random_state=0)
    np.testing.assert_array_equal(clamped[:, :32], binary_digits[:4, :32])


def test_partial_fit_continues_the_joint_training_as_warm_start_does(binary_digits):
    X = binary_digits[:300]
    stepwise = small(max_epochs=1, lr_scheduler=None).partial_fit(X)
    assert [entry["epoch"] for entry in stepwise.history_] == [1]
    pretrained = [W.copy() for W in stepwise.weights_]
    stepwise.partial_fit(X)
    assert [entry["epoch"] for entry in stepwise.history_] == [1, 2]
    assert stepwise.n_samples_seen_ == 600
    assert not np.array_equal(pretrained[0], stepwise.weights_[0])  # trained on, not pretrained anew
    assert np.abs(stepwise.weights_[0] - pretrained[0]).max() < 0.5
    with pytest.raises(ValueError, match="X has 32 features"):
        stepwise.partial_fit(X[:, :32])


@pytest.mark.parametrize("change, message", [
    ({"n_chains": 30}, "n_chains=30 does not match the fitted model's 50"),
    ({"n_chains": None, "batch_size": 25}, "n_chains=None does not match the fitted model's 50"),
    ({"hidden_layer_sizes": (8, 6)}, "hidden_layer_sizes=\\(8, 6\\) does not match the fitted model's \\(8, 4\\)"),
])
@pytest.mark.parametrize("continuation", ["warm_start", "partial_fit"])
def test_continuing_refuses_a_changed_shape_of_the_fitted_state(binary_digits, change, message, continuation):
    dbm = small(max_epochs=1).fit(binary_digits[:200])
    dbm.set_params(**change)
    with pytest.raises(ValueError, match=message):
        if continuation == "warm_start":
            dbm.set_params(warm_start=True).fit(binary_digits[:200])
        else:
            dbm.partial_fit(binary_digits[:200])


def test_a_classifier_refuses_a_dbm_fitted_on_other_columns(binary_digits):
    frame = pd.DataFrame(binary_digits, columns=[f"pixel{i}" for i in range(64)])
    y = load_digits().target[np.random.RandomState(0).permutation(len(binary_digits))]
    dbm = small(hidden_layer_sizes=(16, 8), max_epochs=1).fit(frame)
    for augment_input in (False, True):
        classifier = DNNClassifier(dbn=FrozenEstimator(dbm), augment_input=augment_input, max_epochs=1)
        with pytest.raises(ValueError, match="feature names of X should match those the dbn, a DBM, was fitted on"):
            classifier.fit(frame[frame.columns[::-1]], y)


def test_augmented_input_of_a_dbm_fitted_on_a_frame_does_not_warn_with_its_columns(binary_digits):
    frame = pd.DataFrame(binary_digits, columns=[f"pixel{i}" for i in range(64)])
    y = load_digits().target[np.random.RandomState(0).permutation(len(binary_digits))]
    dbm = small(hidden_layer_sizes=(16, 8), max_epochs=1).fit(frame)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        classifier = DNNClassifier(dbn=FrozenEstimator(dbm), augment_input=True, max_epochs=1,
                                   random_state=0).fit(frame, y)
        classifier.predict(frame)
        classifier.predict_proba(frame[:5])
