"""The visible unit types of the energy family as objects: binary (Bernoulli) and real-valued (Gaussian).

A unit type has two sides. For its estimator it says which values the data may take
(:meth:`~BernoulliUnits.check_values`), keeps the running statistics of the training data
that define the base model of tempering and AIS (:meth:`~BernoulliUnits.update_statistics`),
starts the visible parameters from them (:meth:`~BernoulliUnits.initialize`), and carries
them between the fitted NumPy state and a machine (:meth:`~BernoulliUnits.bind`,
:meth:`~BernoulliUnits.store`). Bound to tensors, it is the visible layer that a machine of
:mod:`skgen.energy.machines` holds: the visible part of the energy, the conditionals
``E[v | h]`` and their draws, the base model with no weights, and the sum or integral over
the visibles that exact enumeration needs. Every method takes an inverse temperature ``beta``
(a float, or a column of one value per row) on the geometric path between the base
(``beta = 0``) and the machine (``beta = 1``).

- :class:`BernoulliUnits`: ``E_v = -b.v``; the base has visible biases at the log-odds of
  the data means (Salakhutdinov & Murray 2008). Fitted state: ``intercept_visible_`` and
  ``visible_base_rates_``.
- :class:`GaussianUnits`: ``E_v = |v - b|^2 / (2 sigma^2)``, the hiddens seeing
  ``v / sigma^2`` (Cho, Raiko & Ilin 2011; Liao et al. 2022); the base is the Gaussian of
  the data's means and variances. Fitted state: ``intercept_visible_``, ``variances_``,
  ``visible_mean_`` and ``visible_variance_``.

An estimator keeps its running statistics in ``n_samples_seen_`` and the attributes its
unit type names; 0.1.0's joblib files hold the same names.
"""

import math

import numpy as np
import torch
from sklearn.utils.validation import check_non_negative
from torch.nn.functional import softplus

from skgen._core.precision import autocast_product
from skgen._core.tensors import bernoulli, float32_tensor, to_numpy
from skgen._core.validation import check_float32_range, check_unit_interval
from skgen.energy.partition import MAX_EXACT_UNITS, exact_log_partition, exact_log_partition_gaussian

#: pixel means are clipped to [eps, 1 - eps] before taking log-odds
LOG_ODDS_EPS = 1e-3


def log_odds(p):
    """``log(p / (1 - p))`` of means clipped to ``[LOG_ODDS_EPS, 1 - LOG_ODDS_EPS]``: the biases of
    independent binary units with these means."""
    p = np.clip(p, LOG_ODDS_EPS, 1 - LOG_ODDS_EPS)
    return np.log(p) - np.log1p(-p)


def _is_one(beta):
    """Whether ``beta`` is the number 1 (the model itself, no tempering)."""
    return isinstance(beta, float) and beta == 1.0


def _per_row(beta):
    """``beta`` as a per-row vector when it is a column, unchanged when it is a number."""
    return beta.squeeze(1) if isinstance(beta, torch.Tensor) else beta


class BernoulliUnits:
    """Binary visible units (values in [0, 1]: binary data, or probabilities).

    Parameters
    ----------
    b : Tensor of shape (n_visible,), default=None
        Visible biases (bound units only).
    base_b : Tensor of shape (n_visible,), default=None
        Visible biases of the base model (bound units only).
    """

    #: the name a DBN's ``visible_units`` gives this type
    name = "bernoulli"
    #: the samplers of :mod:`skgen.energy.samplers` that suit these units
    samplers = ("gibbs", "tempering")
    #: scikit-learn's ``positive_only`` input tag of an estimator whose data these units model
    positive_only = True
    #: whether the up-down algorithm (:class:`skgen.energy.trainers.UpDown`), whose directed layers are
    #: sigmoid units, can fine-tune a DBN whose data these units model
    up_down = True

    def __init__(self, b=None, base_b=None):
        self.b, self.base_b = b, base_b

    # -- the type, for its estimator ----------------------------------------------------------

    def check_values(self, X, owner):
        """Raise ``ValueError`` unless the values of ``X`` (validated by scikit-learn, or a tensor's
        per-column minima and maxima) lie in [0, 1]."""
        try:
            check_unit_interval(X)
        except ValueError:
            check_non_negative(X, owner)  # scikit-learn's wording for negative values
            raise

    def update_statistics(self, model, data):
        """Fold the training rows ``data`` (a tensor) into ``model``'s running pixel means,
        ``visible_base_rates_``, and count them in ``n_samples_seen_``."""
        seen, n = getattr(model, "n_samples_seen_", 0), data.shape[0]
        batch_mean = data.mean(0).double().cpu().numpy()
        if not seen:
            model.visible_base_rates_ = batch_mean
        else:
            model.visible_base_rates_ = (seen * model.visible_base_rates_ + n * batch_mean) / (seen + n)
        model.n_samples_seen_ = seen + n

    def initialize(self, model):
        """Start ``model``'s visible biases at the log-odds of the pixel means (Hinton's practical guide, 8.1)."""
        model.intercept_visible_ = log_odds(model.visible_base_rates_).astype(np.float32)

    def bind(self, model, device, copy=False):
        """These units with ``model``'s fitted visible parameters as tensors on ``device`` (copies to train
        with ``copy``)."""
        return type(self)(float32_tensor(model.intercept_visible_, device, copy=copy),
                          float32_tensor(log_odds(model.visible_base_rates_), device, copy=copy))

    def store(self, model):
        """Take the bound units' trained parameters as ``model``'s fitted state."""
        model.intercept_visible_ = to_numpy(self.b)

    def input_scale(self, model):
        """What the hiddens see of a visible value per unit of it, from ``model``'s fitted state: 1."""
        return 1.0

    # -- the bound units, for a machine ----------------------------------------------------------

    def hidden_input(self, v, out=None):
        """What the hiddens see of ``v`` (``v`` itself), written into ``out`` if given."""
        return v if out is None else out.copy_(v)

    def extra_parameters(self):
        """Trained parameters beyond ``b``."""
        return []

    def extra_gradients(self, W, v_negative, v_data, inputs, mean_hiddens, weights):
        """Write the gradients of :meth:`extra_parameters` (see :class:`skgen.energy.trainers.ContrastiveDivergence`)."""

    def constrain(self):
        """Project the parameters back into their domain after an optimizer step."""

    def mean_visibles(self, h, W, beta=1.0, out=None):
        """``E[v | h]`` at inverse temperature ``beta`` given hiddens ``h`` and weights ``W``, into ``out``."""
        field = autocast_product(torch.addmm, self.b, h, W, out=out)
        if _is_one(beta):
            return field.sigmoid_()
        return field.mul_(beta).add_((1 - beta) * self.base_b).sigmoid_()

    def sample_visibles(self, mean, h, generator, beta=1.0, out=None):
        """Draw visibles given their conditional means ``mean``, into ``out`` if given."""
        return bernoulli(mean, generator, out=out)

    def log_factor(self, v, beta=1.0):
        """The visible-only part of ``log p*_beta(v)``: ``beta b.v + (1 - beta) base_b.v``."""
        beta = _per_row(beta)
        return beta * (v @ self.b) + (1 - beta) * (v @ self.base_b)

    def base_sample(self, n, generator):
        """``n`` draws from the base model's visibles."""
        return bernoulli(torch.sigmoid(self.base_b).expand(n, -1).contiguous(), generator)

    def log_base_partition(self):
        """``log`` of the base model's sum over the visibles."""
        return softplus(self.base_b.double()).sum().item()

    def noise(self, n, generator):
        """Uniformly random visibles, the ``"noise"`` start of a sampler."""
        return bernoulli(torch.full((n, len(self.b)), 0.5, device=self.b.device), generator)

    def exact_log_partition(self, W, c):
        """``log Z`` of the machine with weights ``W`` and hidden biases ``c``, enumerating its smaller layer."""
        return exact_log_partition(W, self.b, c)

    def enumerable(self, W):
        """Whether :meth:`exact_log_partition` is within reach: a layer of at most ``MAX_EXACT_UNITS`` units."""
        return min(W.shape) <= MAX_EXACT_UNITS

    def to(self, dtype):
        """A copy with its tensors cast to ``dtype``."""
        copy = object.__new__(type(self))
        copy.__dict__ = {name: value.to(dtype) if torch.is_tensor(value) else value for name, value in vars(self).items()}
        return copy


class GaussianUnits(BernoulliUnits):
    """Gaussian visible units of variances ``sigma^2``, learned in log space and floored.

    Parameters
    ----------
    b : Tensor of shape (n_visible,), default=None
        The visibles' means at ``h = 0`` (bound units only).
    log_sigma2 : Tensor of shape (n_visible,), default=None
        Log variances (bound units only).
    base_mean, base_log_sigma2 : Tensor of shape (n_visible,), default=None
        The base model: independent Gaussians of the data's means and log variances (bound units only).
    min_variance : float, default=1e-2
        Floor of the variances, at initialisation and after each update.
    learn_variance : bool, default=False
        Whether training updates the variances.
    """

    name = "gaussian"
    samplers = ("gibbs", "tempering", "gibbs_langevin")
    positive_only = False
    up_down = False

    def __init__(self, b=None, log_sigma2=None, base_mean=None, base_log_sigma2=None, *, min_variance=1e-2,
                 learn_variance=False):
        super().__init__(b, base_mean)
        self.log_sigma2, self.base_log_sigma2 = log_sigma2, base_log_sigma2
        self.min_variance, self.learn_variance = min_variance, learn_variance
        self.min_log_sigma2 = math.log(min_variance)

    # -- the type, for its estimator ----------------------------------------------------------

    def check_values(self, X, owner):
        """Any finite value within float32's range is data (scikit-learn's validation rejects NaN and infinity)."""
        check_float32_range(X)

    def update_statistics(self, model, data):
        """Fold the rows ``data`` into ``model``'s running means and variances (Chan et al.),
        ``visible_mean_`` and ``visible_variance_``, and count them in ``n_samples_seen_``."""
        seen, n = getattr(model, "n_samples_seen_", 0), data.shape[0]
        mean, variance = (t.double().cpu().numpy() for t in torch.var_mean(data, 0, correction=0)[::-1])
        if not seen:
            model.visible_mean_, model.visible_variance_ = mean, variance
        else:
            total = seen + n
            delta = mean - model.visible_mean_
            model.visible_variance_ = (seen * model.visible_variance_ + n * variance + delta**2 * seen * n / total) / total
            model.visible_mean_ = model.visible_mean_ + delta * n / total
        model.n_samples_seen_ = seen + n

    def initialize(self, model):
        """Start ``model``'s visible means and variances at the data's (the variances floored)."""
        model.intercept_visible_ = model.visible_mean_.astype(np.float32)
        model.variances_ = np.maximum(model.visible_variance_, self.min_variance).astype(np.float32)

    def bind(self, model, device, copy=False):
        def as_tensor(array):
            return float32_tensor(array, device, copy=copy)

        return type(self)(as_tensor(model.intercept_visible_), as_tensor(np.log(model.variances_)),
                          as_tensor(model.visible_mean_),
                          as_tensor(np.log(np.maximum(model.visible_variance_, self.min_variance))),
                          min_variance=self.min_variance, learn_variance=copy and self.learn_variance)

    def store(self, model):
        model.intercept_visible_ = to_numpy(self.b)
        model.variances_ = to_numpy(torch.exp(self.log_sigma2))

    def input_scale(self, model):
        """What the hiddens see of a visible value per unit of it: ``1 / sigma^2``, from ``model``'s ``variances_``."""
        return 1.0 / np.asarray(model.variances_, dtype=np.float64)

    # -- the bound units, for a machine ----------------------------------------------------------

    def hidden_input(self, v, out=None):
        return torch.mul(v, torch.exp(-self.log_sigma2), out=out)

    def extra_parameters(self):
        return [self.log_sigma2] if self.learn_variance else []

    def extra_gradients(self, W, v_negative, v_data, inputs, mean_hiddens, weights):
        # -dF/d(log sigma_i^2) = (v_i - b_i)^2 / (2 sigma_i^2) - x_i (W^T p(h|v))_i, with x = v / sigma^2,
        # summed over the rows with the phase weights (+1/m negatives, -1/n data)
        if not self.learn_variance:
            return
        visibles = torch.cat([v_negative, v_data])
        per_row = ((visibles - self.b) ** 2) * torch.exp(-self.log_sigma2) / 2 - inputs * (mean_hiddens @ W)
        torch.mv(per_row.t(), weights, out=self.log_sigma2.grad)

    def constrain(self):
        if self.learn_variance:
            self.log_sigma2.clamp_(min=self.min_log_sigma2)

    def variance(self, beta=1.0):
        """Variance of ``v | h`` at ``beta``: the machine's and the base's Gaussians multiplied."""
        return 1 / (beta * torch.exp(-self.log_sigma2) + (1 - beta) * torch.exp(-self.base_log_sigma2))

    def mean_visibles(self, h, W, beta=1.0, out=None):
        mean = autocast_product(torch.addmm, self.b, h, W, out=out)
        if _is_one(beta):
            return mean
        base_part = (1 - beta) * torch.exp(-self.base_log_sigma2) * self.base_b
        return mean.mul_(beta * torch.exp(-self.log_sigma2)).add_(base_part).mul_(self.variance(beta))

    def sample_visibles(self, mean, h, generator, beta=1.0, out=None):
        out = torch.empty_like(mean) if out is None else out
        torch.randn(mean.shape, generator=generator, device=mean.device, dtype=mean.dtype, out=out)
        return out.mul_(self.variance(beta).sqrt()).add_(mean)

    def log_factor(self, v, beta=1.0):
        beta = _per_row(beta)
        own = -(((v - self.b) ** 2) * torch.exp(-self.log_sigma2)).sum(1) / 2
        base = -(((v - self.base_b) ** 2) * torch.exp(-self.base_log_sigma2)).sum(1) / 2
        return beta * own + (1 - beta) * base

    def base_sample(self, n, generator):
        noise = torch.randn((n, len(self.b)), generator=generator, device=self.b.device)
        return self.base_b + noise * torch.exp(self.base_log_sigma2 / 2)

    def log_base_partition(self):
        return 0.5 * len(self.b) * math.log(2 * math.pi) + 0.5 * self.base_log_sigma2.double().sum().item()

    def noise(self, n, generator):
        """Draws from the data's Gaussian (the base model), the ``"noise"`` start of a sampler."""
        return self.base_sample(n, generator)

    def exact_log_partition(self, W, c):
        """``log Z`` enumerating the hidden states, each visible integral in closed form."""
        return exact_log_partition_gaussian(W, self.b, c, self.log_sigma2)

    def enumerable(self, W):
        """Whether the hidden layer, the only one enumeration can sum over, is small enough."""
        return W.shape[0] <= MAX_EXACT_UNITS


#: the visible unit types by the names a DBN's ``visible_units`` takes
VISIBLE_UNITS = {units.name: units for units in (BernoulliUnits, GaussianUnits)}
