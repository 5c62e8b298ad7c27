"""The partition function of a Bernoulli RBM: exact enumeration and annealed importance sampling.

Both work on the RBM with one layer summed out: ``log Z = log sum_v exp(-F(v))``.
Enumeration sums over every state of the smaller layer, in float64. Annealed importance
sampling (AIS, Neal 2001) follows Salakhutdinov & Murray (2008): it anneals from a
base-rate model (no weights, visible biases fitted to the data marginals, whose partition
function is known) to the RBM through a ladder of inverse temperatures, with one Gibbs
sweep at each; its chains run in float32 and its log importance weights add up in float64.
"""

import math

import torch

from skgen._base import bernoulli

#: enumerate exactly when the smaller layer has at most this many units (2**20 states)
MAX_EXACT_UNITS = 20

_ENUMERATION_CHUNK = 1 << 14


def _binary_states(n_units, start, stop, dtype, device):
    """Rows ``start..stop-1`` of the table of all ``2**n_units`` binary vectors."""
    codes = torch.arange(start, stop, device=device).unsqueeze(1)
    bits = torch.arange(n_units, device=device)
    return ((codes >> bits) & 1).to(dtype)


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
    n_units = weights.shape[0]
    if n_units > MAX_EXACT_UNITS + 4:
        raise ValueError(f"Exact enumeration over 2**{n_units} states is out of reach; use AIS.")
    terms = []
    for start in range(0, 2**n_units, _ENUMERATION_CHUNK):
        h = _binary_states(n_units, start, min(start + _ENUMERATION_CHUNK, 2**n_units), weights.dtype,
                           weights.device)
        # log sum_v exp(-E(v, h)) = c.h + sum_i softplus(b_i + (W^T h)_i)
        terms.append(h @ hidden_bias + torch.nn.functional.softplus(h @ weights + visible_bias).sum(1))
    return torch.logsumexp(torch.cat(terms), 0).item()


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


def ais_log_partition(weights, visible_bias, hidden_bias, base_visible_bias, betas, n_chains, generator):
    """Estimate ``log Z`` of the RBM by annealed importance sampling.

    Parameters
    ----------
    weights, visible_bias, hidden_bias : Tensor
        The RBM, as in :func:`exact_log_partition`.
    base_visible_bias : Tensor of shape (n_visible,)
        Visible biases of the base-rate model the runs start from; the log-odds of the
        training data's pixel means make a base close to the RBM and a low-variance estimate.
    betas : Tensor of shape (n_betas,)
        Increasing inverse temperatures from 0 to 1 (see :func:`ais_schedule`).
    n_chains : int
        Number of independent annealing runs.
    generator : torch.Generator
        Source of randomness, on the device of the tensors.

    Returns
    -------
    log_z : float
        The estimate, ``log`` of the mean importance weight plus ``log Z`` of the base.
        Unbiased for ``Z``, hence slightly low on average for ``log Z``.
    std_error : float
        Standard error of ``log_z`` by the delta method: ``std(w) / (mean(w) sqrt(n_chains))``.
    """
    # the chains run in float32; the log importance weights accumulate in float64
    W, b, c, b_base = (t.to(torch.float32) for t in (weights, visible_bias, hidden_bias, base_visible_bias))
    betas = betas.tolist()
    softplus = torch.nn.functional.softplus
    # base model: factorised visibles with biases b_base, and hiddens with no parameters at all
    log_z_base = softplus(b_base.double()).sum().item() + W.shape[0] * math.log(2.0)
    v = bernoulli(torch.sigmoid(b_base).expand(n_chains, -1), generator)
    log_w = torch.zeros(n_chains, dtype=torch.float64, device=W.device)
    bias_gap = b - b_base
    field, h, visible_input = (torch.empty(n_chains, n, device=W.device) for n in (W.shape[0], W.shape[0], W.shape[1]))
    for previous, beta in zip(betas[:-1], betas[1:]):
        # log p*_beta(v) = b_base.v + beta (b - b_base).v + sum_j softplus(beta (W v + c)_j)
        torch.addmm(c, v, W.T, out=field)
        exact_field = field.double()
        log_w += (beta - previous) * (v @ bias_gap).double()
        log_w += (softplus(beta * exact_field) - softplus(previous * exact_field)).sum(1)
        bernoulli(field.mul_(beta).sigmoid_(), generator, out=h)
        bernoulli(torch.addmm(bias_gap, h, W, out=visible_input).mul_(beta).add_(b_base).sigmoid_(), generator, out=v)
    log_mean_w = torch.logsumexp(log_w, 0).item() - math.log(n_chains)
    relative_w = torch.exp(log_w - log_w.max())
    std_error = (relative_w.std() / (relative_w.mean() * math.sqrt(n_chains))).item() if n_chains > 1 else math.inf
    return log_z_base + log_mean_w, std_error
