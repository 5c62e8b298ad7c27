"""Deep Boltzmann machines as energy functions on tensors: mean field, Gibbs sweeps, the partition function.

A DBM has binary layers ``x_0 = v`` (visible) and ``x_1 ... x_L`` (hidden); ``W_l``, of shape
``(n_{l+1}, n_l)`` as an RBM's ``components_``, couples ``x_l`` and ``x_{l+1}``::

    E(x) = - sum_l b_l . x_l - sum_l x_{l+1}^T W_l x_l

Given its two neighbours, the units of a layer are independent, with
``P(x_l = 1 | rest) = sigmoid(b_l + W_{l-1} x_{l-1} + W_l^T x_{l+1})``. So the odd layers are
independent given the even ones and the even ones given the odd: a Gibbs sweep samples every
odd layer at once, then every even layer, and the odd layers sum out in closed form::

    log p*(x_even) = sum_{l even} b_l . x_l + sum_{l odd} sum_j softplus(field_{l, j}(x_even))

AIS (:func:`skgen.energy.partition.ais_log_partition`, the one of every machine) anneals the
even layers on that marginal, as Salakhutdinov & Hinton (2009) anneal ``(v, h_2)`` of a
two-layer DBM with ``h_1`` summed out. Its path is geometric between the DBM (``beta = 1``)
and a base model of independent units with biases ``a_l`` (the visibles' data log-odds, zero
or the persistent chains' log-odds for the hiddens) whose partition function is known::

    log p*_beta(x) = -beta E(x) + (1 - beta) sum_l a_l . x_l

A sampler's state is the list of every layer's states, the visibles first; the machine offers
the protocol of the energy template's inference and of AIS, as the restricted Boltzmann
machines of :mod:`skgen.energy.machines` do.

Inference is the mean-field fixed point of a factorised posterior ``q(h | v) = prod_l q(x_l)``
(Salakhutdinov & Hinton 2009), started from a bottom-up pass with doubled weights below the top
layer (Salakhutdinov & Larochelle 2010); it maximises the variational lower bound
``log p(v) >= -E(v, mu) + H(mu) - log Z``, whose parameter gradient is the data term of
training. The model term comes from persistent Gibbs chains (:class:`skgen.energy.trainers.StochasticApproximation`).
"""

import torch
from torch.nn.functional import softplus

from skgen._core.precision import autocast_product
from skgen._core.tensors import bernoulli
from skgen.energy.partition import MAX_EXACT_UNITS, binary_states


class DeepBoltzmannMachine:
    """A DBM with binary units in every layer.

    Parameters
    ----------
    weights : list of Tensor
        ``weights[l]`` of shape ``(n_{l+1}, n_l)`` couples layers ``l`` and ``l + 1``, bottom first.
    biases : list of Tensor
        ``biases[l]`` of shape ``(n_l,)``, the visible biases first.
    base_biases : list of Tensor
        Biases of the base model's independent units, one per layer, for AIS.
    mean_field_steps : int, default=10
        Mean-field sweeps of :meth:`free_energy`'s posterior.
    """

    #: the samplers of :mod:`skgen.energy.samplers` that suit a DBM: its block Gibbs sweep
    samplers = ("gibbs",)

    def __init__(self, weights, biases, base_biases, mean_field_steps=10):
        self.weights, self.biases, self.base_biases = list(weights), list(biases), list(base_biases)
        self.mean_field_steps = mean_field_steps

    @property
    def device(self):
        return self.biases[0].device

    @property
    def n_layers(self):
        """Number of layers, the visible one included (``L + 1``)."""
        return len(self.biases)

    @property
    def largest_weights(self):
        """Entries of the largest weight matrix: a sweep's largest product per row, for the thread count."""
        return max(W.numel() for W in self.weights)

    def parameters(self):
        """The trained tensors: the weights bottom first, then the biases visible first."""
        return [*self.weights, *self.biases]

    def field(self, states, layer, beta=1.0, from_below=None):
        """Total input of ``layer`` from its neighbours' ``states`` (states or means) at ``beta``.

        ``from_below``, the layer's bias plus its input from the layer below when that layer
        is clamped (:meth:`from_visibles`), is reused instead of computed again.
        """
        field = self.biases[layer] if from_below is None else from_below
        if layer > 0 and from_below is None:
            field = autocast_product(torch.addmm, field, states[layer - 1], self.weights[layer - 1].T)
        if layer + 1 < self.n_layers:
            field = autocast_product(torch.addmm, field, states[layer + 1], self.weights[layer])
        return self._anneal(field, layer, beta)

    def energy(self, states):
        """``E(x)`` of each row; multilinear, so ``energy(means)`` is ``E_q[E]`` of a factorised ``q``."""
        energy = -sum(x @ b for x, b in zip(states, self.biases))
        for layer, W in enumerate(self.weights):
            energy = energy - ((states[layer + 1] @ W) * states[layer]).sum(1)
        return energy

    # -- inference ---------------------------------------------------------------------------

    def recognition(self, v):
        """The bottom-up pass that starts mean field: ``[v, mu_1, ..., mu_L]``.

        A hidden layer below the top takes twice its input from below, standing in for the
        input its upper neighbour will give it (the doubled weights of the greedy pretraining).
        """
        means = [v]
        for layer in range(1, self.n_layers):
            scale = 1.0 if layer == self.n_layers - 1 else 2.0
            means.append(autocast_product(torch.addmm, self.biases[layer], means[-1], self.weights[layer - 1].T,
                                          alpha=scale).sigmoid_())
        return means

    def mean_field(self, v, n_steps, means=None):
        """Mean-field posterior ``[v, mu_1, ..., mu_L]`` of visible rows ``v`` after ``n_steps`` sweeps.

        Each sweep updates the odd hidden layers, then the even ones, to
        ``mu_l = sigmoid(field_l(mu))``. The units of the updated layers are independent given
        the others, so each half-sweep maximises the variational bound over them exactly: the
        bound never decreases, and its fixed points are the posterior's. ``means`` (the hidden
        means, bottom first) starts the iteration instead of :meth:`recognition`.
        """
        means = self.recognition(v) if means is None else [v, *means]
        from_visibles = self.from_visibles(v)
        for _ in range(n_steps):
            for first in (1, 2):
                for layer in range(first, self.n_layers, 2):
                    field = self.field(means, layer, from_below=from_visibles if layer == 1 else None)
                    means[layer] = torch.sigmoid(field)  # not in place: a one-layer DBM's field is from_visibles
        return means

    def from_visibles(self, v):
        """The first hidden layer's bias plus its input from the visibles ``v``: fixed while ``v`` is clamped."""
        return autocast_product(torch.addmm, self.biases[1], v, self.weights[0].T)

    def unnormalized_bound(self, means):
        """``-E(v, mu) + H(mu)`` of each row: the variational lower bound of ``log p(v)`` plus ``log Z``."""
        entropy = sum((torch.special.entr(mu) + torch.special.entr(1 - mu)).sum(1) for mu in means[1:])
        return -self.energy(means) + entropy

    def free_energy(self, v):
        """The variational free energy ``E(v, mu) - H(mu)`` of each row at its mean-field posterior ``mu``
        (:attr:`mean_field_steps` sweeps), in float64: an upper bound of ``-log sum_h exp(-E(v, h))``."""
        means = self.mean_field(v, self.mean_field_steps)
        return -self.to(torch.float64).unnormalized_bound([mu.double() for mu in means])

    # -- sampling -----------------------------------------------------------------------------

    def gibbs_sweep(self, states, generator, beta=1.0, clamp=None, fields=None):
        """Sample every odd layer given the even ones, then every even layer given the odd ones, at ``beta``.

        ``states`` lists every layer's states (the odd ones may be None: they are drawn first).
        ``clamp`` is ``(columns, values)``: those visibles are held at ``values``. ``fields``,
        the :meth:`summed_fields` of ``states``, is reused instead of computed again.
        Returns the new states and ``P(v = 1 | x_1)`` of the visibles' draw.
        """
        states = list(states)
        for layer in range(1, self.n_layers, 2):
            field = self.field(states, layer) if fields is None else fields[layer]
            states[layer] = bernoulli(self._anneal(field, layer, beta).sigmoid(), generator)
        visible_mean = None
        for layer in range(0, self.n_layers, 2):
            mean = self.field(states, layer, beta).sigmoid_()
            visible_mean = mean if layer == 0 else visible_mean
            states[layer] = bernoulli(mean, generator)
        if clamp is not None:
            columns, values = clamp
            states[0][:, columns] = values
            visible_mean[:, columns] = values
        return states, visible_mean

    def _anneal(self, field, layer, beta):
        """A layer's field at ``beta = 1`` taken to ``beta``, on the path to the base model's biases."""
        return field if _is_one(beta) else beta * field + (1 - beta) * self.base_biases[layer]

    # -- a sampler's states: every layer's ------------------------------------------------------

    def start_state(self, v, generator, hiddens=None):
        """A sampler's state at the visible rows ``v``: with the hidden layers' ``hiddens`` (the persistent
        chains'), or hidden states drawn from the bottom-up pass."""
        if hiddens is not None:
            return [v, *hiddens]
        return [v, *(bernoulli(mu, generator) for mu in self.recognition(v)[1:])]

    def visibles(self, states):
        """The visible rows of a sampler's state."""
        return states[0]

    def rao_blackwellize(self, states):
        """The states with each odd layer replaced by its exact mean given the even layers (less noisy statistics)."""
        states = list(states)
        for layer in range(1, self.n_layers, 2):
            states[layer] = self.field(states, layer).sigmoid_()
        return states

    def sufficient_statistics(self, states, row_weights):
        """``sum_rows w x_{l+1} x_l^T`` of each weight, then ``sum_rows w x_l`` of each bias, as :meth:`parameters`."""
        weighted = [x * row_weights.unsqueeze(1) for x in states]
        pair_terms = [autocast_product(torch.mm, weighted[layer + 1].T, states[layer])
                      for layer in range(len(self.weights))]
        return pair_terms + [x.sum(0) for x in weighted]

    def write_gradient(self, data_states, model_states):
        """Write ``-d(log-likelihood)/d(theta)``, model statistics minus data statistics, into ``.grad``."""
        for parameter, model, data in zip(self.parameters(), self._mean_statistics(model_states),
                                          self._mean_statistics(data_states)):
            parameter.grad = model.sub_(data)

    def _mean_statistics(self, states):
        n = len(states[0])
        return self.sufficient_statistics(states, torch.full((n,), 1.0 / n, dtype=states[0].dtype,
                                                             device=states[0].device))

    # -- the partition function -------------------------------------------------------------

    def log_marginal(self, states, summed=1, beta=1.0, fields=None):
        """``log p*_beta`` of the layers of one parity, the layers of parity ``summed`` summed out.

        ``summed=1`` (the odd layers) gives the even layers' marginal that AIS anneals.
        ``fields`` maps each summed layer to its :meth:`field` at ``beta = 1``, to reuse
        between temperatures.
        """
        total = 0.0
        for layer in range(self.n_layers):
            if layer % 2 == summed:
                field = self.field(states, layer) if fields is None else fields[layer]
                total = total + softplus(self._anneal(field, layer, beta)).sum(1)
            else:
                total = total + states[layer] @ self._anneal(self.biases[layer], layer, beta)
        return total

    def log_unnormalized(self, states, beta=1.0, fields=None):
        """``log p*_beta`` of the even layers' states, the odd layers summed out: what AIS anneals.
        ``fields`` reuses :meth:`summed_fields` of ``states``."""
        return self.log_marginal(states, 1, beta, fields)

    def summed_fields(self, states):
        """Each odd layer's field at ``beta = 1`` from the even layers' ``states``, by layer: what
        :meth:`log_unnormalized` and :meth:`gibbs_sweep` share at every temperature."""
        return {layer: self.field(states, layer) for layer in range(1, self.n_layers, 2)}

    def base_sample(self, n, generator):
        """``n`` draws of the even layers from the base model (the odd ones None)."""
        return [bernoulli(torch.sigmoid(a).expand(n, -1).contiguous(), generator) if layer % 2 == 0 else None
                for layer, a in enumerate(self.base_biases)]

    def log_base_partition(self):
        """``log Z`` of the base model of independent units."""
        return sum(softplus(a.double()).sum().item() for a in self.base_biases)

    def noise(self, n, generator):
        """Uniformly random states of every layer, the ``"noise"`` start of a sampler."""
        return [bernoulli(torch.full((n, len(b)), 0.5, device=b.device), generator) for b in self.biases]

    def enumerable(self):
        """Whether :meth:`exact_log_partition` is within reach: the even or the odd layers have at most
        ``MAX_EXACT_UNITS`` units together."""
        sizes = [len(b) for b in self.biases]
        return min(sum(sizes[0::2]), sum(sizes[1::2])) <= MAX_EXACT_UNITS

    def exact_log_partition(self):
        """``log Z`` by enumerating the layers of the parity with fewer units, the others summed out."""
        sizes = [len(b) for b in self.biases]
        kept = min((0, 1), key=lambda parity: sum(sizes[parity::2]))
        machine = self.to(torch.float64)
        terms = [machine.log_marginal(states, summed=1 - kept)
                 for states in _enumerate_layers(sizes, range(kept, self.n_layers, 2), torch.float64,
                                                 self.biases[0].device)]
        return torch.logsumexp(torch.cat(terms), 0).item()

    def exact_log_unnormalized(self, v):
        """``log p*(v) = log sum_h exp(-E(v, h))`` of each row, by enumerating the even hidden layers."""
        sizes = [len(b) for b in self.biases]
        machine = self.to(torch.float64)
        v = v.double()
        terms = [machine._log_marginal_per_state(v, states)
                 for states in _enumerate_layers(sizes, range(2, self.n_layers, 2), torch.float64, v.device)]
        return torch.logsumexp(torch.cat(terms, 1), 1)

    def _log_marginal_per_state(self, v, states):
        """``log p*(v, x_even hidden)`` for every row of ``v`` (rows) and enumerated state (columns)."""
        n_states = 1 if self.n_layers < 3 else len(states[2])
        flat = [v.repeat_interleave(n_states, 0)]
        for layer in range(1, self.n_layers):
            flat.append(None if layer % 2 else states[layer].repeat(len(v), 1))
        return self.log_marginal(flat, summed=1).view(len(v), n_states)

    def to(self, dtype):
        """A copy of the machine with its tensors cast to ``dtype``."""
        cast = lambda tensors: [t.to(dtype) for t in tensors]  # noqa: E731
        return DeepBoltzmannMachine(cast(self.weights), cast(self.biases), cast(self.base_biases), self.mean_field_steps)


def _is_one(beta):
    """Whether ``beta`` is the number 1 (the model itself, no tempering)."""
    return isinstance(beta, float) and beta == 1.0


def _enumerate_layers(sizes, layers, dtype, device):
    """Every joint binary state of ``layers``, in chunks: lists of per-layer states (None elsewhere)."""
    layers = list(layers)
    for table in binary_states(sum(sizes[layer] for layer in layers), dtype, device):
        states, offset = [None] * len(sizes), 0
        for layer in layers:
            states[layer] = table[:, offset:offset + sizes[layer]]
            offset += sizes[layer]
        yield states
