"""Samplers of the restricted Boltzmann machines of :mod:`skgen.energy.machines`, beyond the Gibbs sweep.

The block Gibbs sweep is a machine's own step (``machine.gibbs_sweep``: ``v -> h -> v`` for an
RBM, odd layers then even layers for a DBM), which these samplers build on:

- :class:`ParallelTempering`: chains at the inverse temperatures of :func:`tempering_ladder`,
  from the machine (``beta = 1``) to its base model (``beta = 0``), with swaps between
  neighbours (Desjardins et al. 2010);
- :class:`GibbsLangevin`: for Gaussian visibles, Metropolis-adjusted Langevin moves of the
  visibles and Gibbs draws of the hiddens (Liao et al. 2022).

They read a machine only through its methods (``gibbs_sweep``, ``mean_visibles``,
``hidden_field``, ``log_unnormalized``) and, for Gibbs-Langevin, its Gaussian units'
variances, so they serve every unit type they suit (``machine.samplers``).
"""

import math

import torch

from skgen._core.tensors import bernoulli


def tempering_ladder(n_temperatures, device):
    """Inverse temperatures from 1 (the model) down to 0 (the base), evenly spaced, as a column."""
    return torch.linspace(1.0, 0.0, n_temperatures, device=device).unsqueeze(1)


class ParallelTempering:
    """Parallel tempering (Desjardins, Courville, Bengio, Vincent & Delalleau 2010).

    ``n_chains`` chains run at each of the inverse temperatures of :func:`tempering_ladder`;
    each step is a Gibbs sweep at every temperature followed by swaps between neighbouring
    temperatures, the even pairs on even steps and the odd pairs on odd steps, each accepted
    with the Metropolis probability ``min(1, p_i(x_j) p_j(x_i) / (p_i(x_i) p_j(x_j)))``. The
    chains at ``beta = 1`` sample the machine; the hot ones cross between its modes.

    Parameters
    ----------
    machine : skgen.energy.machines.RestrictedBoltzmannMachine
    chains : Tensor of shape (n_temperatures * n_chains, n_visible)
        Visible states, temperature-major: rows ``k * n_chains ...`` are at the k-th beta.
    n_temperatures : int
    generator : torch.Generator
    """

    def __init__(self, machine, chains, n_temperatures, generator):
        self.machine, self.chains, self.generator = machine, chains, generator
        self.n_temperatures = n_temperatures
        self.n_chains = len(chains) // n_temperatures
        self.ladder = tempering_ladder(n_temperatures, chains.device)
        self.betas = self.ladder.repeat_interleave(self.n_chains, 0)
        self.n_steps = 0
        self.swaps_accepted = 0
        self.swaps_proposed = 0

    def step(self, clamp=None):
        """One sweep at every temperature, then one round of swaps; returns the ``beta = 1`` chains and means."""
        self.chains, mean = self.machine.gibbs_sweep(self.chains, self.generator, self.betas, clamp)
        self._swap(self.n_steps % 2)
        self.n_steps += 1
        return self.chains[:self.n_chains], mean[:self.n_chains]

    def _swap(self, parity):
        K, m = self.n_temperatures, self.n_chains
        pairs = torch.arange(parity, K - 1, 2, device=self.chains.device)
        if len(pairs) == 0:
            return
        states = self.chains.view(K, m, -1)
        low, high = states[pairs], states[pairs + 1]  # low: colder (larger beta)
        beta_low, beta_high = self.ladder[pairs], self.ladder[pairs + 1]  # (P, 1)
        # log-probabilities of hundreds of nats, which bfloat16 would round by a nat or more: float32 under autocast
        with torch.autocast(self.chains.device.type, enabled=False):
            log_p_low, log_p_high = self._log_p(low), self._log_p(high)
            log_ratio = (log_p_high(beta_low) + log_p_low(beta_high)) - (log_p_low(beta_low) + log_p_high(beta_high))
        accept = torch.rand(log_ratio.shape, generator=self.generator, device=log_ratio.device).log() < log_ratio
        self.swaps_accepted += int(accept.sum())
        self.swaps_proposed += accept.numel()
        swapped_low = torch.where(accept.unsqueeze(2), high, low)
        swapped_high = torch.where(accept.unsqueeze(2), low, high)
        states[pairs], states[pairs + 1] = swapped_low, swapped_high

    def _log_p(self, states):
        """``beta -> log p*_beta(x)`` for states of shape (P, m, n_visible), betas of shape (P, 1).

        The hiddens' field is computed once and serves both temperatures of a swap.
        """
        P, m, n = states.shape
        flat = states.reshape(P * m, n)
        field = self.machine.hidden_field(flat)
        return lambda betas: self.machine.log_unnormalized(flat, betas.repeat_interleave(m, 0), field).view(P, m).double()

    @property
    def acceptance_rate(self):
        """Fraction of proposed swaps accepted so far."""
        return self.swaps_accepted / max(self.swaps_proposed, 1)


class GibbsLangevin:
    """Gibbs-Langevin sampling of Gaussian visibles (Liao, Kornblith, Ren, Fleet & Hinton 2022).

    The chains' state is ``(v, h)``. A step moves the visibles by a Langevin step on the
    energy ``E(v, h)``, preconditioned by the visible variances,
    ``v' = v + step_size (E[v | h] - v) + sqrt(2 step_size) sigma xi``, draws the hiddens
    ``h' ~ P(h | v')`` by Gibbs sampling, and accepts the pair with the Metropolis-Hastings
    probability ``min(1, p(v') q(v | v', h') / (p(v) q(v' | v, h)))``, where ``P(h | v)``
    cancels into the free energy. The chain therefore leaves the model's distribution
    invariant for every ``step_size`` in (0, 1]; small steps are accepted more often, large
    ones move further.

    Parameters
    ----------
    machine : skgen.energy.machines.RestrictedBoltzmannMachine
        With Gaussian visible units (:class:`skgen.energy.units.GaussianUnits`).
    v : Tensor of shape (n_chains, n_visible)
        The chains' visible states.
    step_size : float
        In (0, 1]: the fraction of the way to ``E[v | h]`` that a step goes.
    generator : torch.Generator
    """

    def __init__(self, machine, v, step_size, generator):
        self.machine, self.step_size, self.generator = machine, step_size, generator
        self.sigma = torch.exp(machine.visible.log_sigma2 / 2)
        field = machine.hidden_field(v)
        self.v, self.log_p = v, machine.log_unnormalized(v, fields=field)
        self.h = bernoulli(torch.sigmoid(field), generator)
        self.mean = machine.mean_visibles(self.h)
        self.accepted = 0
        self.proposed = 0

    def step(self):
        """One Metropolis-adjusted step of every chain; returns the visibles and ``E[v | h]``."""
        machine, generator, s = self.machine, self.generator, self.step_size
        noise = torch.randn(self.v.shape, generator=generator, device=self.v.device, dtype=self.v.dtype)
        proposal = self.v + s * (self.mean - self.v) + math.sqrt(2 * s) * self.sigma * noise
        field = machine.hidden_field(proposal)
        h = bernoulli(torch.sigmoid(field), generator)
        mean = machine.mean_visibles(h)
        log_p = machine.log_unnormalized(proposal, fields=field)
        log_ratio = (log_p - self.log_p + self._log_proposal(self.v, proposal, mean)
                     - self._log_proposal(proposal, self.v, self.mean))
        accept = torch.rand(len(log_ratio), generator=generator, device=log_ratio.device).log() < log_ratio
        self.accepted += int(accept.sum())
        self.proposed += len(accept)
        rows = accept.unsqueeze(1)
        self.v, self.h, self.mean = (torch.where(rows, new, old) for new, old in
                                     ((proposal, self.v), (h, self.h), (mean, self.mean)))
        self.log_p = torch.where(accept, log_p, self.log_p)
        return self.v, self.mean

    def _log_proposal(self, target, origin, origin_mean):
        """``log q(target | origin)`` up to a constant: the Gaussian of a Langevin step from ``origin``."""
        drift = origin + self.step_size * (origin_mean - origin)
        return -(((target - drift) / self.sigma) ** 2).sum(1) / (4 * self.step_size)

    @property
    def acceptance_rate(self):
        """Fraction of proposed moves accepted so far."""
        return self.accepted / max(self.proposed, 1)
