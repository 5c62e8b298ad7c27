"""Trainers of the energy family: what one minibatch does to a machine's parameters.

A trainer is built from a machine (:mod:`skgen.energy.machines`) and explicit settings, never
from an estimator, and serves :meth:`skgen.energy.template.EnergyEstimator._fit_epochs`, the one
training loop of the energy family, through four members:

- ``parameters``: the tensors the optimizer updates, their ``.grad`` allocated once;
- ``gradient(batch)``: write the minibatch's gradient into those ``.grad``;
- ``after_step(batch)``: constrain the parameters after the optimizer's step;
- ``reconstruction_error(rows)``: the mean squared error of the mean-field
  reconstruction of ``rows``, the per-epoch record.

:class:`ContrastiveDivergence` trains a restricted Boltzmann machine by CD-k, PCD-k or
parallel tempering; :class:`UpDown` fine-tunes a deep belief network by the up-down
algorithm, its top RBM by a :class:`ContrastiveDivergence`; :class:`StochasticApproximation`
trains a deep Boltzmann machine (:mod:`skgen.energy.dbm_machine`) by mean field and persistent
chains.
"""

import torch

from skgen._core.precision import autocast_product
from skgen._core.tensors import bernoulli
from skgen.energy.samplers import GibbsLangevin, ParallelTempering

#: rate of the moving averages that track the centering offsets (Melchior et al. 2016)
CENTERING_RATE = 0.01


class ContrastiveDivergence:
    """The CD-k / PCD-k / tempering gradient of one minibatch, written into the parameters' ``.grad``.

    Buffers are allocated once and every product writes into them, so that an update of
    CD-1 does little besides its matrix products. The negative and positive phases share
    two stacked buffers, ``inputs = [x(v_neg); x(v_data)]`` (``x(v)`` is what the hiddens
    see: ``v`` itself for binary visibles) and ``hiddens = [P(h|v_neg); P(h|v_data)]``;
    once the hidden rows are scaled by ``+1/m`` and ``-1/n``, the weight gradient is the
    single product ``hiddens^T inputs`` and the bias gradients are sums over their rows.

    With centering, the optimizer updates the centred biases, the machine samples with the
    equivalent uncentred ones, and the weight gradient gets the rank-one corrections of
    ``(h - lambda)(v - mu)^T``.

    Parameters
    ----------
    machine : skgen.energy.machines.RestrictedBoltzmannMachine
        The model to train, in place.
    batch_size : int
        The largest minibatch :meth:`gradient` will get.
    generator : torch.Generator
        On the machine's device.
    cd_steps : int, default=1
        Gibbs steps (or tempering steps) of the negative phase.
    persistent : bool, default=False
        Carry the negative chains across updates (PCD) instead of starting them at the data.
    n_chains : int, default=None
        Persistent chains (per temperature); ``None`` takes ``batch_size``.
    tempering : bool, default=False
        Parallel tempering over ``n_temperatures`` temperatures (implies ``persistent``).
    n_temperatures : int, default=10
    offsets : pair of arrays or tensors (mu, lambda), default=None
        Centering offsets of the visibles and hiddens; ``None`` trains uncentred.
    chain_start : {"data", "noise"}, default="data"
        Where the negative chains start: at the minibatch (CD-k) or at the machine's noise
        (Liao et al. 2022); persistent chains start there once.
    langevin_step : float, default=None
        The step size of Gibbs-Langevin negative chains (:class:`skgen.energy.samplers.GibbsLangevin`,
        Gaussian visibles); ``None`` runs Gibbs sweeps.
    """

    def __init__(self, machine, batch_size, generator, *, cd_steps=1, persistent=False, n_chains=None,
                 tempering=False, n_temperatures=10, offsets=None, chain_start="data", langevin_step=None):
        self.machine, self.generator = machine, generator
        self.cd_steps = cd_steps
        self.tempering = tempering
        self.chain_start, self.langevin_step = chain_start, langevin_step
        self.persistent = persistent or tempering
        self.n_chains = (n_chains or batch_size) if self.persistent else batch_size
        self.n_temperatures = n_temperatures
        W = machine.W
        n_rows = self.n_chains + batch_size
        self.inputs = torch.empty(n_rows, W.shape[1], dtype=W.dtype, device=W.device)
        self.hiddens = torch.empty(n_rows, W.shape[0], dtype=W.dtype, device=W.device)
        self.phase_weights = torch.empty(n_rows, dtype=W.dtype, device=W.device)
        hidden_rows = lambda: torch.empty(self.n_chains, W.shape[0], dtype=W.dtype, device=W.device)  # noqa: E731
        visible_rows = lambda: torch.empty(self.n_chains, W.shape[1], dtype=W.dtype, device=W.device)  # noqa: E731
        self.h, self.h_mean = hidden_rows(), hidden_rows()
        self.v_mean, self.negatives = visible_rows(), visible_rows()
        self.centered = offsets is not None
        if self.centered:
            self.mu, self.lam = (torch.as_tensor(offset, device=W.device).clone() for offset in offsets)
            self.b_centred = machine.b + W.T @ self.lam
            self.c_centred = machine.c + W @ self.mu
            self.parameters = [W, self.b_centred, self.c_centred, *machine.extra_parameters()]
        else:
            self.parameters = [W, machine.b, machine.c, *machine.extra_parameters()]
        for p in self.parameters:
            p.grad = torch.zeros_like(p)
        self.chains = None

    def start_chains(self, data, state):
        """Persistent chains from a previous training's ``state`` (:attr:`chains`), else from the data."""
        if not self.persistent:
            return
        n_rows = self.n_chains * (self.n_temperatures if self.tempering else 1)
        if state is not None and state.shape[0] == n_rows:
            self.chains = torch.as_tensor(state, device=data.device).clone()
        else:
            if self.chain_start == "noise":
                visibles = self.machine.noise(n_rows, self.generator)
            else:
                visibles = data[torch.arange(n_rows, device=data.device) % len(data)].clone()
            # the chains hold visible states where the sampler moves them, hidden states for Gibbs sweeps
            holds_visibles = self.tempering or self.langevin_step is not None
            self.chains = visibles if holds_visibles else bernoulli(self.machine.mean_hiddens(visibles), self.generator)
        if self.tempering:
            self.sampler = ParallelTempering(self.machine, self.chains, self.n_temperatures, self.generator)

    def model_chains(self):
        """The visible states of the chains at the model's temperature."""
        if self.tempering:
            return self.chains[:self.n_chains]
        return self.last_negatives

    def gradient(self, v0):
        """Write the gradient of ``mean F(v0) - mean F(v_neg)`` into the parameters' ``.grad``."""
        machine, n = self.machine, len(v0)
        m = self.n_chains if self.persistent else n
        inputs, hiddens, weights = self.inputs[:m + n], self.hiddens[:m + n], self.phase_weights[:m + n]
        x0, h0 = inputs[m:], hiddens[m:]
        machine.hidden_input(v0, out=x0)
        autocast_product(torch.addmm, machine.c, x0, machine.W.T, out=h0).sigmoid_()
        if self.centered:
            self.data_hidden_mean = h0.mean(0)
        vk = self._negatives(v0, h0)
        machine.hidden_input(vk, out=inputs[:m])
        autocast_product(torch.addmm, machine.c, inputs[:m], machine.W.T, out=hiddens[:m]).sigmoid_()
        if self.persistent and not self.tempering and self.langevin_step is None:
            bernoulli(hiddens[:m], self.generator, out=self.chains)
        self.last_negatives = vk
        weights[:m].fill_(1.0 / m)
        weights[m:].fill_(-1.0 / n)
        machine.extra_gradients(vk, v0, inputs, hiddens, weights)
        hiddens.mul_(weights.unsqueeze(1))
        W, b, c = self.parameters[:3]
        autocast_product(torch.mm, hiddens.t(), inputs, out=W.grad)
        torch.mv(inputs.t(), weights, out=b.grad)
        torch.sum(hiddens, 0, out=c.grad)
        if self.centered:
            W.grad.sub_(torch.outer(self.lam, b.grad)).sub_(torch.outer(c.grad, self.mu))

    def _negatives(self, v0, h0):
        """The negative phase's visible states: CD-k from the data or noise, PCD-k from the chains, tempering,
        or Gibbs-Langevin steps."""
        machine, generator = self.machine, self.generator
        if self.tempering:
            for _ in range(self.cd_steps):
                v, _ = self.sampler.step()
            self.chains = self.sampler.chains
            return v
        if self.langevin_step is not None:
            return self._langevin_negatives(v0)
        m = len(self.chains) if self.persistent else len(v0)
        h, v_mean, v = self.h[:m], self.v_mean[:m], self.negatives[:m]
        if self.persistent:
            h.copy_(self.chains)
        elif self.chain_start == "noise":
            bernoulli(machine.mean_hiddens(machine.noise(m, generator)), generator, out=h)
        else:
            bernoulli(h0, generator, out=h)
        for step in range(self.cd_steps):
            if step:
                bernoulli(machine.mean_hiddens(v, out=self.h_mean[:m]), generator, out=h)
            machine.sample_visibles(machine.mean_visibles(h, out=v_mean), h, generator, out=v)
        return v

    def _langevin_negatives(self, v0):
        """``cd_steps`` Gibbs-Langevin steps from the persistent chains, the data or noise.

        The sampler is made anew at each update, as its cached energies belong to the
        parameters of the last one.
        """
        if self.persistent:
            start = self.chains
        elif self.chain_start == "noise":
            start = self.machine.noise(len(v0), self.generator)
        else:
            start = v0
        sampler = GibbsLangevin(self.machine, start, self.langevin_step, self.generator)
        for _ in range(self.cd_steps):
            v, _ = sampler.step()
        if self.persistent:
            self.chains = v
        return v

    def after_step(self, v0):
        """Constrain the parameters; move the centering offsets towards the batch means, keeping the model,
        and give the machine the uncentred biases of the updated model."""
        self.machine.constrain()
        if not self.centered:
            return
        machine, rate = self.machine, CENTERING_RATE
        mu_step = rate * (v0.mean(0) - self.mu)
        lam_step = rate * (self.data_hidden_mean - self.lam)
        self.b_centred.add_(machine.W.T @ lam_step)
        self.c_centred.add_(machine.W @ mu_step)
        self.mu.add_(mu_step)
        self.lam.add_(lam_step)
        torch.addmv(self.b_centred, machine.W.T, self.lam, alpha=-1, out=machine.b)
        torch.addmv(self.c_centred, machine.W, self.mu, alpha=-1, out=machine.c)

    def reconstruction_error(self, rows):
        """Mean squared error of the mean-field reconstruction ``E[v | P(h | rows)]`` of ``rows``."""
        with torch.no_grad():
            reconstruction = self.machine.mean_visibles(self.machine.mean_hiddens(rows))
            return torch.mean((reconstruction - rows) ** 2).item()


class UpDown:
    """The up-down algorithm's gradient for one minibatch (Hinton, Osindero & Teh 2006, appendix B).

    The lower layers of a deep belief network are untied into recognition layers, which
    drive the data up, and generative layers, which drive the top RBM's negative states
    down; the top RBM keeps tied weights and its own negative phase. A minibatch holds the
    visible rows followed by ``n_labels`` one-hot label columns, which join the top RBM's
    visibles.

    Parameters
    ----------
    top : ContrastiveDivergence
        The top RBM's trainer, its chains started.
    recognition, generative : list of skgen.energy.machines.SigmoidLayer
        The lower layers, bottom first, trained in place.
    generator : torch.Generator
    n_labels : int, default=0
    """

    def __init__(self, top, recognition, generative, generator, n_labels=0):
        self.top, self.recognition, self.generative = top, recognition, generative
        self.generator, self.n_labels = generator, n_labels
        self.n_top_features = top.machine.W.shape[1] - n_labels
        layers = [p for layer in recognition + generative for p in (layer.weights, layer.bias)]
        for parameter in layers:
            parameter.grad = torch.zeros_like(parameter)
        self.parameters = [*top.parameters, *layers]

    def _split(self, batch):
        """The visible rows and the label columns (or None) of a minibatch."""
        if not self.n_labels:
            return batch, None
        return batch[:, :-self.n_labels].contiguous(), batch[:, -self.n_labels:].contiguous()

    def gradient(self, batch):
        """Write the up-down gradient of a minibatch of visible rows (and one-hot labels) into ``.grad``."""
        visibles, labels = self._split(batch)
        wake = self.wake_phase(visibles)
        self.top_visibles = wake[-1] if labels is None else torch.cat([wake[-1], labels], 1)
        self.top.gradient(self.top_visibles)
        sleep = self.sleep_phase(self.top.model_chains()[:, :self.n_top_features])
        for layer, below, above in zip(self.generative, wake, wake[1:]):
            layer.delta_rule(above, below)
        for layer, below, above in zip(self.recognition, sleep, sleep[1:]):
            layer.delta_rule(below, above)

    def wake_phase(self, visibles):
        """States of every layer, bottom first, drawn up from the data through the recognition weights."""
        states = [visibles]
        for layer in self.recognition:
            states.append(layer.sample(states[-1], self.generator))
        return states

    def sleep_phase(self, top_states):
        """States of every layer, bottom first, drawn down from the top RBM's through the generative weights."""
        states = [top_states]
        for layer in reversed(self.generative):
            states.insert(0, layer.sample(states[0], self.generator))
        return states

    def after_step(self, batch):
        """The top RBM's constraints and centering offsets after an optimizer step."""
        self.top.after_step(self.top_visibles)

    def reconstruction_error(self, rows):
        """Mean squared error of the visibles reached by the mean-field up pass (no label known), the top
        RBM's mean visibles and the generative down pass."""
        visibles, _ = self._split(rows)
        with torch.no_grad():
            states = visibles
            for layer in self.recognition:
                states = layer.probabilities(states)
            if self.n_labels:
                states = torch.cat([states, torch.full((len(states), self.n_labels), 1 / self.n_labels,
                                                       device=states.device)], 1)
            machine = self.top.machine
            states = machine.mean_visibles(machine.mean_hiddens(states))[:, :self.n_top_features]
            for layer in reversed(self.generative):
                states = layer.probabilities(states)
            return torch.mean((states - visibles) ** 2).item()


class StochasticApproximation:
    """The deep Boltzmann machine's gradient of one minibatch (Salakhutdinov & Hinton 2009), into ``.grad``.

    The data term is the sufficient statistics of the mean-field posterior of the batch; the
    model term those of ``n_chains`` persistent Gibbs chains after ``gibbs_steps`` sweeps,
    with their odd layers replaced by their exact conditional means (stochastic
    approximation, the persistent chains of PCD).

    Parameters
    ----------
    machine : skgen.energy.dbm_machine.DeepBoltzmannMachine
        Trained in place; its tensors are the optimizer's parameters.
    n_chains, gibbs_steps, mean_field_steps : int
    generator : torch.Generator
        On the machine's device.
    """

    def __init__(self, machine, n_chains, gibbs_steps, mean_field_steps, generator):
        self.machine, self.n_chains, self.generator = machine, n_chains, generator
        self.gibbs_steps, self.mean_field_steps = gibbs_steps, mean_field_steps
        self.parameters = machine.parameters()
        self.chains = None

    def start_chains(self, data, states=None):
        """The persistent chains: ``states`` of a previous fit, else data rows with their recognition pass sampled."""
        if states is not None:
            self.chains = [torch.as_tensor(x, device=data.device).clone() for x in states]
            return
        rows = data[torch.randperm(len(data), generator=self.generator, device=data.device)[
            torch.arange(self.n_chains, device=data.device) % len(data)]]
        means = self.machine.recognition(rows)
        self.chains = [rows.clone(), *(bernoulli(mu, self.generator) for mu in means[1:])]

    def gradient(self, batch):
        """Write the negative log-likelihood gradient of ``batch`` into the parameters' ``.grad``."""
        with torch.no_grad():
            means = self.machine.mean_field(batch, self.mean_field_steps)
            for _ in range(self.gibbs_steps):
                self.chains, _ = self.machine.gibbs_sweep(self.chains, self.generator)
            self.machine.write_gradient(means, self.machine.rao_blackwellize(self.chains))

    def after_step(self, batch):
        """Nothing to constrain: every parameter of a binary DBM may take any value."""

    def reconstruction_error(self, rows):
        """Mean squared error of ``P(v | mu_1)``, the visibles given the mean-field posterior of ``rows``."""
        with torch.no_grad():
            means = self.machine.mean_field(rows, self.mean_field_steps)
            reconstruction = self.machine.field([None, means[1]], 0).sigmoid_()
            return torch.mean((reconstruction - rows) ** 2).item()
