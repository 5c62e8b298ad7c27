"""Restricted Boltzmann machines as energy functions on tensors, and the directed layers of a DBN.

A :class:`RestrictedBoltzmannMachine` holds the weights ``W`` (hidden x visible), the hidden
biases and its visible units, an object of :mod:`skgen.energy.units` (binary or Gaussian)
that holds the visible biases and, for tempering and AIS, a *base model* with no weights
whose partition function is known. Every method takes an inverse temperature ``beta`` (a
float, or a column of one value per row) on the geometric path between the base
(``beta=0``) and the machine (``beta=1``)::

    log p*_beta(v, h) = -beta E(v, h) - (1 - beta) E_base(v)

so that Gibbs sampling and parallel tempering (Desjardins et al. 2010, :mod:`skgen.energy.samplers`),
AIS and reverse AIS (:mod:`skgen.energy.partition`) are written once for every unit type. Hidden
units are binary.

It offers the machine protocol that the energy template's inference
(:class:`skgen.energy.template.EnergyEstimator`) and AIS read, as the deep Boltzmann machine
of :mod:`skgen.energy.dbm_machine` does: a sampler's states (:meth:`~RestrictedBoltzmannMachine.noise`,
:meth:`~RestrictedBoltzmannMachine.start_state`, :meth:`~RestrictedBoltzmannMachine.visibles`),
the (annealed) Gibbs sweep, the log unnormalised probability at ``beta`` with the units that
sum out summed out, the free energy, the base model and exact enumeration.

:func:`bernoulli_machine` and :func:`gaussian_machine` build one from tensors. Beside them,
:class:`SigmoidLayer` is a directed layer of sigmoid units, the recognition and generative
layers of a deep belief network. The trainers of these machines (CD-k, PCD-k, tempering,
up-down) are in :mod:`skgen.energy.trainers`.
"""

import math

import torch
from torch.nn.functional import softplus

from skgen._core.precision import autocast_product
from skgen._core.tensors import bernoulli
from skgen.energy.units import BernoulliUnits, GaussianUnits


class RestrictedBoltzmannMachine:
    """An RBM: binary hidden units and visible units of the type it holds (:mod:`skgen.energy.units`).

    The machine owns the weights, the hidden biases and what is the same for every unit type
    (the hiddens' conditionals, the free energy, the Gibbs sweep); its visible units
    (:class:`~skgen.energy.units.BernoulliUnits`, :class:`~skgen.energy.units.GaussianUnits`)
    own the visible biases, the visible part of the energy and its conditionals, and the base model.

    Parameters
    ----------
    W : Tensor of shape (n_hidden, n_visible)
    c : Tensor of shape (n_hidden,)
    visible : BernoulliUnits or GaussianUnits
        Bound to tensors of shape (n_visible,).
    """

    def __init__(self, W, c, visible):
        self.W, self.c, self.visible = W, c, visible

    @property
    def b(self):
        """The visible biases (the visibles' means at ``h = 0`` for Gaussian units)."""
        return self.visible.b

    @property
    def samplers(self):
        """The samplers of :mod:`skgen.energy.samplers` that suit the visible units."""
        return self.visible.samplers

    @property
    def device(self):
        return self.W.device

    @property
    def largest_weights(self):
        """Entries of the weight matrix: a step's largest product per row, for the thread count."""
        return self.W.numel()

    def hidden_input(self, v, out=None):
        """What the hiddens see of ``v`` (``v / sigma^2`` for Gaussian units), written into ``out`` if given."""
        return self.visible.hidden_input(v, out=out)

    def hidden_field(self, v, out=None):
        """The hiddens' total input ``W x(v) + c`` (at ``beta=1``), into ``out`` if given."""
        return autocast_product(torch.addmm, self.c, self.hidden_input(v), self.W.T, out=out)

    def extra_parameters(self):
        """Trained parameters beyond ``W``, ``b`` and ``c`` (the visible log variances, where learned)."""
        return self.visible.extra_parameters()

    def extra_gradients(self, v_negative, v_data, inputs, mean_hiddens, weights):
        """Write the gradients of :meth:`extra_parameters` (see :class:`skgen.energy.trainers.ContrastiveDivergence`)."""
        self.visible.extra_gradients(self.W, v_negative, v_data, inputs, mean_hiddens, weights)

    def constrain(self):
        """Project the parameters back into their domain after an optimizer step."""
        self.visible.constrain()

    def mean_hiddens(self, v, beta=1.0, out=None):
        """``P(h = 1 | v)`` at inverse temperature ``beta``, into ``out`` if given."""
        field = self.hidden_field(v, out=out)
        return field.sigmoid_() if _is_one(beta) else field.mul_(beta).sigmoid_()

    def mean_visibles(self, h, beta=1.0, out=None):
        """``E[v | h]`` at inverse temperature ``beta``, into ``out`` if given."""
        return self.visible.mean_visibles(h, self.W, beta, out=out)

    def sample_visibles(self, mean, h, generator, beta=1.0, out=None):
        """Draw visibles given the hiddens ``h`` and their conditional means ``mean``, into ``out`` if given."""
        return self.visible.sample_visibles(mean, h, generator, beta, out=out)

    def gibbs_sweep(self, v, generator, beta=1.0, clamp=None, fields=None):
        """One block Gibbs step ``v -> h -> v`` at ``beta``; returns the new visibles and their means.

        ``clamp`` is ``(columns, values)``: those visibles are held at ``values`` throughout.
        ``fields``, the :meth:`summed_fields` of ``v``, is reused instead of computed again.
        """
        h_mean = self.mean_hiddens(v, beta) if fields is None else torch.sigmoid(beta * fields)
        h = bernoulli(h_mean, generator)
        mean = self.mean_visibles(h, beta)
        v = self.sample_visibles(mean, h, generator, beta)
        if clamp is not None:
            columns, values = clamp
            v[:, columns] = values
            mean[:, columns] = values
        return v, mean

    def log_unnormalized(self, v, beta=1.0, fields=None):
        """``log p*_beta(v)``, the hiddens summed out; ``fields`` reuses :meth:`summed_fields` of ``v``."""
        field = self.hidden_field(v) if fields is None else fields
        return self.visible.log_factor(v, beta) + softplus(beta * field).sum(1)

    def summed_fields(self, v):
        """The input of the units that sum out of :meth:`log_unnormalized` (the hiddens) at ``beta = 1``:
        what its value at every temperature shares."""
        return self.hidden_field(v)

    def free_energy(self, v):
        """``F(v) = -log p*(v)`` of each row, in float64, so that ``P(v) = exp(-F(v)) / Z``."""
        return -self.to(torch.float64).log_unnormalized(v.double())

    # -- a sampler's states: the visibles ----------------------------------------------------

    def start_state(self, v, generator=None, hiddens=None):
        """A sampler's state at the visible rows ``v``: ``v`` itself (the hiddens are drawn at each sweep)."""
        return v

    def visibles(self, state):
        """The visible rows of a sampler's state."""
        return state

    def noise(self, n, generator):
        """The ``"noise"`` start of a sampler: uniformly random binary visibles, or the data's Gaussian."""
        return self.visible.noise(n, generator)

    # -- the base model and the partition function ---------------------------------------------

    def base_sample(self, n, generator):
        """``n`` draws of the visibles from the base model."""
        return self.visible.base_sample(n, generator)

    def log_base_partition(self):
        """``log Z`` of the base model: factorised visibles, hiddens free."""
        return self.visible.log_base_partition() + self.W.shape[0] * math.log(2.0)

    def exact_log_partition(self):
        """``log Z`` by enumeration (at most about 20 units; see :meth:`enumerable`)."""
        return self.visible.exact_log_partition(self.W, self.c)

    def enumerable(self):
        """Whether :meth:`exact_log_partition` is within reach."""
        return self.visible.enumerable(self.W)

    def to(self, dtype):
        """A copy of the machine with its tensors cast to ``dtype``."""
        return RestrictedBoltzmannMachine(self.W.to(dtype), self.c.to(dtype), self.visible.to(dtype))


def bernoulli_machine(W, b, c, base_b):
    """An RBM with binary visibles of biases ``b``, its base model's visible biases ``base_b``."""
    return RestrictedBoltzmannMachine(W, c, BernoulliUnits(b, base_b))


def gaussian_machine(W, b, c, log_sigma2, base_mean, base_log_sigma2, min_variance=1e-2, learn_variance=False):
    """An RBM with Gaussian visibles of means ``b`` (at ``h = 0``) and log variances ``log_sigma2``; its
    base model is the independent Gaussians of ``base_mean`` and ``base_log_sigma2``."""
    return RestrictedBoltzmannMachine(W, c, GaussianUnits(b, log_sigma2, base_mean, base_log_sigma2,
                                                          min_variance=min_variance, learn_variance=learn_variance))


def _is_one(beta):
    """Whether ``beta`` is the number 1 (the model itself, no tempering)."""
    return isinstance(beta, float) and beta == 1.0


class SigmoidLayer:
    """A directed layer of sigmoid units, trained by the delta rule.

    ``weights`` is stored hidden x visible, as an RBM's ``components_``: a recognition
    layer (``upward``) infers hiddens from visibles, ``P(h=1 | v) = sigmoid(v W^T + c)``;
    a generative layer infers visibles from hiddens, ``P(v=1 | h) = sigmoid(h W + b)``.

    Parameters
    ----------
    weights : Tensor of shape (n_hidden, n_visible)
    bias : Tensor of shape (n_hidden,) if upward, else (n_visible,)
    upward : bool
    """

    def __init__(self, weights, bias, upward):
        self.weights, self.bias, self.upward = weights, bias, upward

    def probabilities(self, causes):
        """``P(effect=1 | causes)``."""
        weights = self.weights.T if self.upward else self.weights
        return autocast_product(torch.addmm, self.bias, causes, weights).sigmoid_()

    def sample(self, causes, generator):
        """Binary effects drawn given ``causes``."""
        return bernoulli(self.probabilities(causes), generator)

    def delta_rule(self, causes, effects):
        """Write minus the delta rule ``causes^T (effects - P(effect=1 | causes)) / n`` into ``.grad``.

        That is the gradient of the mean cross-entropy of ``effects``, which the optimizer
        descends; ``.grad`` must be allocated.
        """
        error = self.probabilities(causes).sub_(effects).div_(len(causes))
        if self.upward:
            autocast_product(torch.mm, error.T, causes, out=self.weights.grad)
        else:
            autocast_product(torch.mm, causes.T, error, out=self.weights.grad)
        torch.sum(error, 0, out=self.bias.grad)
