"""Restricted Boltzmann machines as energy functions on tensors, one class per visible unit type.

A machine holds the weights ``W`` (hidden x visible), the visible and hidden biases and,
for tempering and AIS, a *base model* with no weights whose partition function is known.
Every method takes an inverse temperature ``beta`` (a float, or a column of one value per
row) on the geometric path between the base (``beta=0``) and the machine (``beta=1``)::

    log p*_beta(v, h) = -beta E(v, h) - (1 - beta) E_base(v)

so that Gibbs sampling and parallel tempering (Desjardins et al. 2010, :mod:`skgen.energy.samplers`),
AIS and reverse AIS (:mod:`skgen.energy.partition`) are written once for every unit type. Hidden
units are binary.

- :class:`BernoulliMachine`: binary visibles, ``E = -b.v - c.h - h.Wv``; the base has
  visible biases set to the log-odds of the data means (Salakhutdinov & Murray 2008).
- :class:`GaussianMachine`: real visibles with variances ``sigma^2``,
  ``E = |v - b|^2 / (2 sigma^2) - c.h - h.W(v / sigma^2)`` (Cho, Raiko & Ilin 2011;
  Liao et al. 2022); the base is the Gaussian of the data's means and variances.

Beside them, :class:`SigmoidLayer` is a directed layer of sigmoid units, the recognition
and generative layers of a deep belief network. The trainers of these machines (CD-k,
PCD-k, tempering, up-down) are in :mod:`skgen.energy.trainers`.
"""

import math

import torch
from torch.nn.functional import softplus

from skgen._core.precision import autocast_product
from skgen._core.tensors import bernoulli
from skgen.energy.partition import MAX_EXACT_UNITS, exact_log_partition, exact_log_partition_gaussian


class BernoulliMachine:
    """An RBM with binary visible and hidden units.

    Parameters
    ----------
    W : Tensor of shape (n_hidden, n_visible)
    b : Tensor of shape (n_visible,)
    c : Tensor of shape (n_hidden,)
    base_b : Tensor of shape (n_visible,)
        Visible biases of the base model.
    """

    #: the samplers of :mod:`skgen.energy.samplers` that suit these visible units
    samplers = ("gibbs", "tempering")

    def __init__(self, W, b, c, base_b):
        self.W, self.b, self.c, self.base_b = W, b, c, base_b

    def hidden_input(self, v, out=None):
        """What the hiddens see of ``v`` (``v`` itself for binary visibles), written into ``out`` if given."""
        return v if out is None else out.copy_(v)

    def hidden_field(self, v, out=None):
        """The hiddens' total input ``W x(v) + c`` (at ``beta=1``), into ``out`` if given."""
        return autocast_product(torch.addmm, self.c, self.hidden_input(v), self.W.T, out=out)

    def extra_parameters(self):
        """Trained parameters beyond ``W``, ``b`` and ``c``."""
        return []

    def extra_gradients(self, v_negative, v_data, inputs, mean_hiddens, weights):
        """Write the gradients of :meth:`extra_parameters` (see :class:`skgen.energy.trainers.ContrastiveDivergence`)."""

    def constrain(self):
        """Project the parameters back into their domain after an optimizer step."""

    def mean_hiddens(self, v, beta=1.0, out=None):
        """``P(h = 1 | v)`` at inverse temperature ``beta``, into ``out`` if given."""
        field = self.hidden_field(v, out=out)
        return field.sigmoid_() if _is_one(beta) else field.mul_(beta).sigmoid_()

    def mean_visibles(self, h, beta=1.0, out=None):
        """``E[v | h]`` at inverse temperature ``beta``, into ``out`` if given."""
        field = autocast_product(torch.addmm, self.b, h, self.W, out=out)
        if _is_one(beta):
            return field.sigmoid_()
        return field.mul_(beta).add_((1 - beta) * self.base_b).sigmoid_()

    def sample_visibles(self, mean, h, generator, beta=1.0, out=None):
        """Draw visibles given the hiddens ``h`` and their conditional means ``mean``, into ``out`` if given."""
        return bernoulli(mean, generator, out=out)

    def visible_log_factor(self, v, beta=1.0):
        """The visible-only part of ``log p*_beta(v)``: ``beta b.v + (1 - beta) base_b.v``."""
        beta = _per_row(beta)
        return beta * (v @ self.b) + (1 - beta) * (v @ self.base_b)

    def log_unnormalized(self, v, beta=1.0, field=None):
        """``log p*_beta(v)``, the hiddens summed out; ``field`` reuses :meth:`hidden_field` of ``v``."""
        field = self.hidden_field(v) if field is None else field
        return self.visible_log_factor(v, beta) + softplus(beta * field).sum(1)

    def free_energy(self, v):
        """``F(v) = -log p*(v)``, so that ``P(v) = exp(-F(v)) / Z``."""
        return -self.log_unnormalized(v)

    def base_sample(self, n, generator):
        """``n`` draws from the base model."""
        return bernoulli(torch.sigmoid(self.base_b).expand(n, -1).contiguous(), generator)

    def log_base_partition(self):
        """``log Z`` of the base model: factorised visibles, hiddens free."""
        return softplus(self.base_b.double()).sum().item() + self.W.shape[0] * math.log(2.0)

    def noise(self, n, generator):
        """Uniformly random visibles, the ``"noise"`` start of a sampler."""
        return bernoulli(torch.full((n, self.W.shape[1]), 0.5, device=self.W.device), generator)

    def exact_log_partition(self):
        """``log Z`` by enumerating the smaller layer (at most about 20 units)."""
        return exact_log_partition(self.W, self.b, self.c)

    def enumerable(self):
        """Whether :meth:`exact_log_partition` is within reach: a layer of at most ``MAX_EXACT_UNITS`` units."""
        return min(self.W.shape) <= MAX_EXACT_UNITS

    def to(self, dtype):
        """A copy of the machine with its tensors cast to ``dtype``."""
        copy = object.__new__(type(self))
        copy.__dict__ = {name: value.to(dtype) if torch.is_tensor(value) else value for name, value in vars(self).items()}
        return copy


class GaussianMachine(BernoulliMachine):
    """An RBM with Gaussian visible units of variances ``sigma2`` and binary hidden units.

    Parameters
    ----------
    W, b, c
        As in :class:`BernoulliMachine`; ``b`` is the visibles' mean at ``h = 0``.
    log_sigma2 : Tensor of shape (n_visible,)
        Log variances of the visible units.
    base_mean, base_log_sigma2 : Tensor of shape (n_visible,)
        The base model: independent Gaussians (the data's means and log variances).
    """

    samplers = ("gibbs", "tempering", "gibbs_langevin")

    def __init__(self, W, b, c, log_sigma2, base_mean, base_log_sigma2, learn_variance=False, min_log_sigma2=None):
        super().__init__(W, b, c, base_mean)
        self.log_sigma2, self.base_log_sigma2 = log_sigma2, base_log_sigma2
        self.learn_variance, self.min_log_sigma2 = learn_variance, min_log_sigma2

    def hidden_input(self, v, out=None):
        return torch.mul(v, torch.exp(-self.log_sigma2), out=out)

    def extra_parameters(self):
        return [self.log_sigma2] if self.learn_variance else []

    def extra_gradients(self, v_negative, v_data, inputs, mean_hiddens, weights):
        # -dF/d(log sigma_i^2) = (v_i - b_i)^2 / (2 sigma_i^2) - x_i (W^T p(h|v))_i, with x = v / sigma^2,
        # summed over the rows with the phase weights (+1/m negatives, -1/n data)
        if not self.learn_variance:
            return
        visibles = torch.cat([v_negative, v_data])
        per_row = ((visibles - self.b) ** 2) * torch.exp(-self.log_sigma2) / 2 - inputs * (mean_hiddens @ self.W)
        torch.mv(per_row.t(), weights, out=self.log_sigma2.grad)

    def constrain(self):
        if self.learn_variance:
            self.log_sigma2.clamp_(min=self.min_log_sigma2)

    def _variance(self, beta):
        """Variance of ``v | h`` at ``beta``: the machine's and the base's Gaussians multiplied."""
        return 1 / (beta * torch.exp(-self.log_sigma2) + (1 - beta) * torch.exp(-self.base_log_sigma2))

    def mean_visibles(self, h, beta=1.0, out=None):
        mean = autocast_product(torch.addmm, self.b, h, self.W, out=out)
        if _is_one(beta):
            return mean
        base_part = (1 - beta) * torch.exp(-self.base_log_sigma2) * self.base_b
        return mean.mul_(beta * torch.exp(-self.log_sigma2)).add_(base_part).mul_(self._variance(beta))

    def sample_visibles(self, mean, h, generator, beta=1.0, out=None):
        out = torch.empty_like(mean) if out is None else out
        torch.randn(mean.shape, generator=generator, device=mean.device, dtype=mean.dtype, out=out)
        return out.mul_(self._variance(beta).sqrt()).add_(mean)

    def visible_log_factor(self, v, beta=1.0):
        beta = _per_row(beta)
        own = -(((v - self.b) ** 2) * torch.exp(-self.log_sigma2)).sum(1) / 2
        base = -(((v - self.base_b) ** 2) * torch.exp(-self.base_log_sigma2)).sum(1) / 2
        return beta * own + (1 - beta) * base

    def base_sample(self, n, generator):
        noise = torch.randn((n, self.W.shape[1]), generator=generator, device=self.W.device)
        return self.base_b + noise * torch.exp(self.base_log_sigma2 / 2)

    def log_base_partition(self):
        n_visible = self.W.shape[1]
        return (0.5 * n_visible * math.log(2 * math.pi) + 0.5 * self.base_log_sigma2.double().sum().item()
                + self.W.shape[0] * math.log(2.0))

    def noise(self, n, generator):
        return self.base_sample(n, generator)

    def exact_log_partition(self):
        return exact_log_partition_gaussian(self.W, self.b, self.c, self.log_sigma2)

    def enumerable(self):
        """Whether the hidden layer, the only one enumeration can sum over, is small enough."""
        return self.W.shape[0] <= MAX_EXACT_UNITS


def _is_one(beta):
    """Whether ``beta`` is the number 1 (the model itself, no tempering)."""
    return isinstance(beta, float) and beta == 1.0


def _per_row(beta):
    """``beta`` as a per-row vector when it is a column, unchanged when it is a number."""
    return beta.squeeze(1) if isinstance(beta, torch.Tensor) else beta


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
