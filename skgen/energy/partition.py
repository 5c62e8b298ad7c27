"""The partition function: exact enumeration, and one AIS, forward and reverse, for every machine.

Enumeration sums over every state of a machine's smaller binary layers, in float64 (for
Gaussian visibles, over the hidden states, each visible integral in closed form); the
machines call :func:`exact_log_partition`, :func:`exact_log_partition_gaussian` and
:func:`binary_states`. Annealed importance sampling (AIS, Neal 2001) follows Salakhutdinov &
Murray (2008): it anneals between a machine and a base model with no weights whose partition
function is known, through a ladder of inverse temperatures, one Gibbs sweep at each; its
chains run in float32 and its log importance weights add up in float64. Run forward from the
base it estimates ``log Z`` from below on average; run in reverse from states of the machine,
from above.

:func:`ais_log_partition` reads a machine through a small protocol, which the restricted
Boltzmann machines of :mod:`skgen.energy.machines` and the deep Boltzmann machine of
:mod:`skgen.energy.dbm_machine` offer:

- ``base_sample(n, generator)`` and ``log_base_partition()``: the base model;
- ``summed_fields(state)``: the input, at ``beta = 1``, of the units that sum out of the
  annealed probability in closed form (an RBM's hiddens; a DBM's odd layers), which every
  temperature shares;
- ``log_unnormalized(state, beta, fields)``: ``log p*_beta`` of the state, those units summed out;
- ``gibbs_sweep(state, generator, beta, fields=fields)``: the annealed Gibbs step;
- ``visibles(state)``, ``device`` and ``to(dtype)``.
"""

import hashlib
import math
import warnings

import numpy as np
import torch
from torch.nn.functional import softplus

from skgen._core.validation import user_stacklevel

#: enumerate exactly when the layers to enumerate have at most this many units together (2**20 states)
MAX_EXACT_UNITS = 20

_ENUMERATION_CHUNK = 1 << 14


def binary_states(n_units, dtype, device):
    """Every one of the ``2**n_units`` binary vectors, in chunks of rows.

    Raises ``ValueError`` beyond ``MAX_EXACT_UNITS + 4`` units, out of reach of enumeration.
    """
    if n_units > MAX_EXACT_UNITS + 4:
        raise ValueError(f"Exact enumeration over 2**{n_units} states is out of reach; use AIS.")
    bits = torch.arange(n_units, device=device)
    for start in range(0, 2**n_units, _ENUMERATION_CHUNK):
        codes = torch.arange(start, min(start + _ENUMERATION_CHUNK, 2**n_units), device=device).unsqueeze(1)
        yield ((codes >> bits) & 1).to(dtype)


def exact_log_partition(weights, visible_bias, hidden_bias):
    """``log Z`` of the RBM by summing over every state of its smaller layer.

    Parameters
    ----------
    weights : Tensor of shape (n_hidden, n_visible)
    visible_bias : Tensor of shape (n_visible,)
    hidden_bias : Tensor of shape (n_hidden,)

    Returns
    -------
    float
    """
    weights, visible_bias, hidden_bias = (t.double() for t in (weights, visible_bias, hidden_bias))
    if weights.shape[0] > weights.shape[1]:
        # the RBM with its layers swapped has the same Z: enumerate the smaller layer as "hidden"
        weights, visible_bias, hidden_bias = weights.T, hidden_bias, visible_bias
    # log sum_v exp(-E(v, h)) = c.h + sum_i softplus(b_i + (W^T h)_i)
    terms = [h @ hidden_bias + softplus(h @ weights + visible_bias).sum(1)
             for h in binary_states(weights.shape[0], weights.dtype, weights.device)]
    return torch.logsumexp(torch.cat(terms), 0).item()


def exact_log_partition_gaussian(weights, visible_bias, hidden_bias, log_sigma2):
    """``log Z`` of a Gaussian-Bernoulli RBM by summing over its hidden states.

    For each ``h`` the Gaussian integral over ``v`` is closed-form:
    ``log int exp(-E(v, h)) dv = c.h + sum_i ((b_i + (W^T h)_i)^2 - b_i^2) / (2 sigma_i^2)
    + n_visible/2 log(2 pi) + sum_i log sigma_i``.
    """
    weights, visible_bias, hidden_bias, log_sigma2 = (
        t.double() for t in (weights, visible_bias, hidden_bias, log_sigma2))
    precision = torch.exp(-log_sigma2)
    terms = []
    for h in binary_states(weights.shape[0], weights.dtype, weights.device):
        shifted = h @ weights + visible_bias
        terms.append(h @ hidden_bias + 0.5 * ((shifted ** 2 - visible_bias ** 2) * precision).sum(1))
    gaussian = 0.5 * weights.shape[1] * math.log(2 * math.pi) + 0.5 * log_sigma2.sum().item()
    return torch.logsumexp(torch.cat(terms), 0).item() + gaussian


def ais_schedule(n_betas):
    """Inverse temperatures from 0 to 1, denser near 1, in the proportions of Salakhutdinov & Murray.

    Their schedule spaces 500 temperatures on [0, 0.5], 4,000 on [0.5, 0.9] and 10,000 on
    [0.9, 1]; ``n_betas`` keeps those shares.
    """
    if n_betas < 3:
        raise ValueError(f"AIS needs at least 3 inverse temperatures, got {n_betas}.")
    n_low = max(1, round(n_betas * 500 / 14500))
    n_mid = max(1, round(n_betas * 4000 / 14500))
    n_high = max(1, n_betas - n_low - n_mid)
    return torch.cat([
        torch.linspace(0.0, 0.5, n_low + 1, dtype=torch.float64)[:-1],
        torch.linspace(0.5, 0.9, n_mid + 1, dtype=torch.float64)[:-1],
        torch.linspace(0.9, 1.0, n_high, dtype=torch.float64),
    ])


def ais_log_partition(machine, betas, n_chains, generator, start=None):
    """Estimate ``log Z`` of a machine by annealed importance sampling, forward or reverse.

    Forward AIS (``start=None``) draws ``n_chains`` states from the base model and anneals
    them up the ladder ``betas`` to the machine: at each inverse temperature the importance
    weight gains ``log p*_beta(x) - log p*_beta'(x)`` of the chains' states, then one Gibbs
    sweep at ``beta`` moves them. The mean weight estimates ``Z / Z_base`` without bias, so
    ``log Z`` comes out slightly low on average (and log-likelihoods slightly high). Reverse
    AIS (Burda, Grosse & Salakhutdinov 2015) starts from states of the machine itself
    (``start``: data rows or persistent chains) and anneals down to the base: its weights
    estimate ``Z_base / Z``, so ``log Z`` comes out slightly high on average when the start
    is a fair sample of the machine. Together they bracket it.

    Parameters
    ----------
    machine : skgen.energy.machines.RestrictedBoltzmannMachine or skgen.energy.dbm_machine.DeepBoltzmannMachine
        The machine and its base model, read through the protocol of this module's docstring.
    betas : Tensor of shape (n_betas,)
        Increasing inverse temperatures from 0 to 1 (see :func:`ais_schedule`).
    n_chains : int
        Number of independent annealing runs (ignored when ``start`` is given).
    generator : torch.Generator
        Source of randomness, on the device of the machine.
    start : state of the machine, default=None
        Reverse AIS from these states (:meth:`~skgen.energy.machines.RestrictedBoltzmannMachine.start_state`).

    Returns
    -------
    log_z : float
    std_error : float
        Standard error of ``log_z`` by the delta method: ``std(w) / (mean(w) sqrt(n_runs))``.
    """
    reverse = start is not None
    # the chains run in float32; the log importance weights accumulate in float64
    exact = machine.to(torch.float64)
    betas = betas.flip(0).tolist() if reverse else betas.tolist()
    state = start if reverse else machine.base_sample(n_chains, generator)
    n_runs = len(machine.visibles(state))
    log_w = torch.zeros(n_runs, dtype=torch.float64, device=machine.device)
    for previous, beta in zip(betas[:-1], betas[1:]):
        fields = machine.summed_fields(state)
        state64, fields64 = _double(state), _double(fields)
        log_w += exact.log_unnormalized(state64, beta, fields64) - exact.log_unnormalized(state64, previous, fields64)
        state, _ = machine.gibbs_sweep(state, generator, beta, fields=fields)
    log_mean_w = torch.logsumexp(log_w, 0).item() - math.log(n_runs)
    relative_w = torch.exp(log_w - log_w.max())
    std_error = (relative_w.std() / (relative_w.mean() * math.sqrt(n_runs))).item() if n_runs > 1 else math.inf
    log_z_base = machine.log_base_partition()
    return (log_z_base - log_mean_w if reverse else log_z_base + log_mean_w), std_error


def _double(tensors):
    """A tensor, or the tensors of a list or dict (None kept), in float64."""
    if tensors is None:
        return None
    if torch.is_tensor(tensors):
        return tensors.double()
    if isinstance(tensors, dict):
        return {key: _double(value) for key, value in tensors.items()}
    return [_double(value) for value in tensors]


def checked_estimate(estimate, n_chains):
    """An AIS ``(log_z, std_error)``, with a warning when a few of its runs carry all its weight.

    The standard error implies the effective number of runs, ``n / (1 + n se^2)``: below a
    tenth of the runs (and below 2), the estimate rests on the luckiest runs and ``log Z``
    is likely far too low, so log-likelihoods come out far too high.
    """
    _, std_error = estimate
    effective = n_chains / (1 + n_chains * std_error**2)
    if n_chains > 1 and effective < max(2.0, 0.1 * n_chains):
        warnings.warn(f"The AIS estimate of log Z is unreliable: {effective:.1f} of its {n_chains} annealing runs "
                      f"carry its weight (standard error {std_error:.2f}); raise ais_betas or ais_chains.",
                      RuntimeWarning, stacklevel=user_stacklevel())
    return estimate


def cached_log_partition(estimator):
    """``estimator.log_partition()[0]``, estimated once per fitted state and AIS settings.

    ``score_samples`` calls it on every call; the estimate, kept in
    ``estimator._log_partition_cache``, holds while a digest of the fitted numeric arrays
    (the public attributes ending in ``_``, which define the model and its base model),
    ``ais_chains``, ``ais_betas`` and an integer ``random_state`` stay the same. An unseeded
    estimator's estimate is kept too: each new one would be another random draw of the same
    quantity.
    """
    digest = hashlib.blake2b(digest_size=16)
    for name in sorted(vars(estimator)):
        if name.endswith("_") and not name.startswith("_"):
            value = getattr(estimator, name)
            for array in value if isinstance(value, list) else [value]:
                if isinstance(array, np.ndarray) and np.issubdtype(array.dtype, np.number):
                    digest.update(f"{name}{array.shape}".encode())
                    digest.update(np.ascontiguousarray(array).tobytes())
    seed = estimator.random_state if isinstance(estimator.random_state, (int, np.integer)) else None
    key = (digest.hexdigest(), estimator.ais_chains, estimator.ais_betas, seed)
    cache = getattr(estimator, "_log_partition_cache", None)
    if cache is None or cache[0] != key:
        estimator._log_partition_cache = (key, estimator.log_partition()[0])
    return estimator._log_partition_cache[1]
