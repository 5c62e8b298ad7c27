"""Gaussian-Bernoulli restricted Boltzmann machine: real-valued visibles, binary hiddens.

:class:`GaussianBernoulliRBM` is an :class:`skgen.RBM` whose hooks of the visible unit
type are filled for Gaussian units; training, sampling and likelihoods are the RBM's.
"""

import torch

from skgen._core.params import Boolean, Real
from skgen.energy.rbm import RBM
from skgen.energy.units import GaussianUnits


class GaussianBernoulliRBM(RBM):
    """Restricted Boltzmann machine with Gaussian visible units and binary hidden units.

    The energy is ``E(v, h) = sum_i (v_i - b_i)^2 / (2 sigma_i^2) - c.h - h.W(v / sigma^2)``
    (Cho, Raiko & Ilin 2011), so ``v | h`` is Gaussian with mean ``b + W^T h`` and
    variances ``sigma^2``, and ``P(h_j = 1 | v) = sigmoid(c_j + W_j.(v / sigma^2))``. It
    models real-valued data: grey-level images, standardised features.

    Training, sampling and likelihoods are the :class:`skgen.RBM`'s, with the visible unit
    type swapped: CD-k, PCD-k with ``n_chains`` chains or parallel tempering, any
    :mod:`torch.optim` optimizer and learning-rate schedule, ``sample`` from noise (the
    data's Gaussian), chains or data, and ``score_samples`` by exact enumeration of the
    hidden layer when it has at most 20 units, AIS from the data's Gaussian otherwise.
    Following Liao, Kornblith, Ren, Fleet & Hinton (2022), the variances are learned (in
    log space, floored at ``min_variance`` so that no unit collapses onto a constant pixel)
    and persistent chains with a decaying learning rate keep training in equilibrium.
    Centering (Melchior et al. 2016) is defined for binary visibles, so it is no parameter here.

    Parameters
    ----------
    n_components : int, default=256
        Number of hidden units.
    learn_variance : bool, default=True
        Learn the visible variances; otherwise they stay at the data's (floored) variances.
    min_variance : float, default=1e-2
        Floor of the visible variances. Pixels that never change in the training data
        (MNIST's border) would otherwise get a variance near zero and an unbounded input
        to the hiddens.
    max_grad_norm : float or None, default=10.0
        Clip the norm of each update's gradient (all parameters together) to this, as
        Liao et al. do: with unbounded visibles one unlucky batch can otherwise throw the
        weights far. ``None`` does not clip.
    step_size : float in (0, 1], default=0.5
        Step of the Gibbs-Langevin sampler (``sampler="gibbs_langevin"`` in training, and
        the default of ``sample(sampler="gibbs_langevin")``): the fraction of the way to
        ``E[v | h]`` that a Langevin step of the visibles goes before its
        Metropolis-Hastings test (see :class:`skgen.energy.samplers.GibbsLangevin`).
    lr : float, default=0.01
        Learning rate of the optimizer; smaller than the RBM's, as larger steps overshoot
        with unbounded visibles.
    %(training_parameters)s
    **kwargs
        ``optimizer__<name>=value`` and ``lr_scheduler__<name>=value`` arguments.

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        Weights ``W``.
    intercept_hidden_ : ndarray of shape (n_components,)
        Hidden biases ``c``.
    intercept_visible_ : ndarray of shape (n_features,)
        Visible means at ``h = 0``, ``b``.
    variances_ : ndarray of shape (n_features,)
        Visible variances ``sigma^2``.
    visible_mean_, visible_variance_ : ndarray of shape (n_features,)
        The training data's means and variances: the base model of AIS and tempering,
        and the ``"noise"`` start of sampling.
    chains_, history_, n_features_in_, feature_names_in_, n_samples_seen_
        As in :class:`skgen.RBM`.

    See Also
    --------
    skgen.RBM : Binary visible units.

    References
    ----------
    K. Cho, T. Raiko and A. Ilin (2011). Improved learning of Gaussian-Bernoulli restricted
    Boltzmann machines. ICANN.

    R. Liao, S. Kornblith, M. Ren, D. J. Fleet and G. Hinton (2022). Gaussian-Bernoulli
    RBMs without tears. arXiv:2210.10318.

    Examples
    --------
    >>> import numpy as np
    >>> from skgen import GaussianBernoulliRBM
    >>> rng = np.random.RandomState(0)
    >>> X = np.vstack([rng.normal(-2, 0.5, (50, 2)), rng.normal(2, 0.5, (50, 2))])
    >>> rbm = GaussianBernoulliRBM(n_components=4, max_epochs=30, random_state=0).fit(X)
    >>> rbm.sample(5, random_state=0).shape
    (5, 2)
    >>> bool(rbm.score(X) > rbm.score(X + 6))
    True
    """

    _parameter_constraints = {
        **RBM._parameter_constraints,
        "learn_variance": [Boolean()],
        "min_variance": [Real(0, closed="neither")],
        "max_grad_norm": [None, Real(0, closed="neither")],
        "step_size": [Real(0, 1, closed="right")],
    }

    def __init__(
        self,
        n_components=256,
        *,
        learn_variance=True,
        min_variance=1e-2,
        max_grad_norm=10.0,
        cd_steps=1,
        persistent=False,
        n_chains=None,
        sampler="gibbs",
        n_temperatures=10,
        step_size=0.5,
        chain_start="data",
        lr=0.01,
        max_epochs=10,
        batch_size=10,
        optimizer=torch.optim.SGD,
        lr_scheduler=None,
        ais_chains=100,
        ais_betas=10000,
        precision="float32",
        device="cpu",
        random_state=None,
        verbose=0,
        **kwargs,
    ):
        self._set_init_params(locals())

    #: centering (Melchior et al. 2016) is defined for binary visibles, so it is no parameter here
    centered = False

    def _visible_units(self):
        """Gaussian visible units (:class:`skgen.energy.units.GaussianUnits`) with this model's ``min_variance``,
        learning their variances where ``learn_variance``."""
        return GaussianUnits(min_variance=self.min_variance, learn_variance=self.learn_variance)
