"""Bernoulli restricted Boltzmann machine trained by CD-k, PCD or parallel tempering, on PyTorch.

:class:`RBM` fills the hooks of the energy family's template
(:class:`skgen.energy.template.EnergyEstimator`) and adds its own, the visible unit type, which
:class:`skgen.GaussianBernoulliRBM` fills again for real-valued visibles.
"""

import numpy as np
import torch
from sklearn.utils import check_array
from sklearn.utils.validation import check_is_fitted

from skgen._core.estimator import DensityMixin
from skgen._core.params import Integer
from skgen._core.tensors import float32_tensor, to_numpy, to_tensor, torch_generator
from skgen._core.validation import check_unit_interval
from skgen.energy.machines import RestrictedBoltzmannMachine
from skgen.energy.template import EnergyEstimator, EnergyTransformerMixin
from skgen.energy.trainers import ContrastiveDivergence
from skgen.energy.units import BernoulliUnits


class RBM(EnergyTransformerMixin, DensityMixin, EnergyEstimator):
    """Bernoulli restricted Boltzmann machine (binary visible and hidden units).

    Trained by contrastive divergence (CD-k), persistent contrastive divergence (PCD-k) or
    parallel tempering. Each minibatch update is the gradient of the free-energy difference
    ``mean F(v_data) - mean F(v_model)`` between the data and the negative samples,
    computed in closed form and handed to the optimizer as the parameters' ``.grad``, so
    that any :mod:`torch.optim` optimizer applies it (SGD by default; momentum and weight
    decay through ``optimizer__momentum=...``, ``optimizer__weight_decay=...``) and any
    :mod:`torch.optim.lr_scheduler` schedules its learning rate.

    **Which training gives a good generator.** CD-k starts its negative chains at the
    data, so a model trained by it is shaped only near the data: its own Gibbs chains
    started from noise wander into spurious modes (Decelle, Furtlehner & Seoane 2021).
    PCD keeps ``n_chains`` fantasy chains running across updates, but while the weights
    move faster than the chains mix, the updates keep the chains even across the modes
    (digits) and not the model: on MNIST, study 3's PCD recipe (2,000 chains, a rate
    decaying to zero) had even chains, while its own chains from noise drew 0s and 5s and
    no 1s. What measured well (``benchmarks/RESULTS.md``, issue 38): parallel tempering
    (``sampler="tempering"``) with enough temperatures that neighbours swap
    (``n_temperatures=30`` on MNIST: ten swap once in 77 tries next to the model), and a
    learning rate that ends low for a few epochs (``LinearLR`` to 1/200 of 0.02 over 10
    epochs, then 3 epochs there), where the chains mix faster than the weights change.
    Two runs of four gave models whose Gibbs chains from noise settle after about 1,000
    sweeps at FID 65-90 (2,000 samples), every digit near 5%; the other two drifted to one
    digit, so check a model with :func:`skgen.metrics.sampling_convergence` before trusting
    its samples from noise. Centering (``centered=True``) conditions the gradient so that
    larger learning rates stay stable.

    The fitted state is NumPy arrays named as in :class:`sklearn.neural_network.BernoulliRBM`,
    so a model fitted on a GPU pickles and runs on a CPU-only machine.

    Parameters
    ----------
    n_components : int, default=256
        Number of hidden units.
    %(training_parameters)s
    **kwargs
        ``optimizer__<name>=value`` and ``lr_scheduler__<name>=value`` arguments.

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        Weights ``W``; ``W[j, i]`` couples hidden unit ``j`` and visible unit ``i``.
    intercept_hidden_ : ndarray of shape (n_components,)
        Hidden biases.
    intercept_visible_ : ndarray of shape (n_features,)
        Visible biases.
    visible_base_rates_ : ndarray of shape (n_features,)
        Mean of each feature over the training data; the base-rate model AIS and
        tempering anneal from.
    chains_ : ndarray of shape (n_chains, n_features)
        The persistent chains' visible states at the end of training (PCD and tempering
        only); ``sample(start="chains")`` continues them.
    visible_offset_, hidden_offset_ : ndarray
        The centering offsets (``centered=True`` only).
    n_features_in_ : int
        Number of features seen in :meth:`fit`.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features seen in :meth:`fit`, when they were all strings.
    history_ : list of dict
        One entry per epoch: ``epoch``, ``reconstruction_error`` (mean squared error of the
        mean-field reconstruction of up to 1,000 training rows), ``lr`` and ``seconds``.
    n_samples_seen_ : int
        Training rows seen, over :meth:`fit` and :meth:`partial_fit` calls.

    See Also
    --------
    skgen.DBN : A stack of RBMs trained greedily.
    skgen.GaussianBernoulliRBM : The same machine with real-valued visible units.
    sklearn.neural_network.BernoulliRBM : The NumPy original this class follows.

    Notes
    -----
    The template of the energy family (``skgen.energy.template.EnergyEstimator``) owns
    ``fit``, ``partial_fit``, ``sample``, ``log_partition``, ``free_energy`` and
    ``score_samples``; the RBM fills its hooks: ``_initialize``, :meth:`make_trainer` and
    :meth:`store_trainer` for training, ``_make_machine`` (the fitted model as a
    ``skgen.energy.machines.RestrictedBoltzmannMachine``) and ``_persistent_chains`` for
    inference, ``_resume`` for ``partial_fit``, and ``_visible_units``, its visible unit type
    (``skgen.energy.units.BernoulliUnits``), the one hook that
    :class:`skgen.GaussianBernoulliRBM` fills again.

    References
    ----------
    G. E. Hinton (2002). Training products of experts by minimizing contrastive divergence.
    Neural Computation 14(8).

    T. Tieleman (2008). Training restricted Boltzmann machines using approximations to the
    likelihood gradient. ICML.

    R. Salakhutdinov and I. Murray (2008). On the quantitative analysis of deep belief
    networks. ICML.

    G. Desjardins, A. Courville, Y. Bengio, P. Vincent and O. Delalleau (2010). Tempered
    Markov chain Monte Carlo for training of restricted Boltzmann machines. AISTATS.

    J. Melchior, A. Fischer and L. Wiskott (2016). How to center deep Boltzmann machines.
    JMLR 17.

    A. Decelle, C. Furtlehner and B. Seoane (2021). Equilibrium and non-equilibrium regimes
    in the learning of restricted Boltzmann machines. NeurIPS.

    Examples
    --------
    >>> import numpy as np
    >>> from skgen import RBM
    >>> X = np.array([[0, 0, 1], [1, 0, 1], [1, 1, 1], [0, 1, 0]] * 5)
    >>> rbm = RBM(n_components=2, max_epochs=20, random_state=0).fit(X)
    >>> rbm.transform(X).shape
    (20, 2)
    >>> rbm.sample(4, random_state=0).shape
    (4, 3)
    >>> bool(rbm.score(X) < 0)
    True
    >>> pcd = RBM(n_components=2, persistent=True, n_chains=8, random_state=0).fit(X)
    >>> pcd.sample(3, start="chains", n_steps=10, random_state=0).shape
    (3, 3)
    """

    _parameter_constraints = {
        **EnergyEstimator._parameter_constraints,
        "n_components": [Integer(1)],
    }

    def __init__(
        self,
        n_components=256,
        *,
        cd_steps=1,
        persistent=False,
        n_chains=None,
        sampler="gibbs",
        n_temperatures=10,
        chain_start="data",
        centered=False,
        lr=0.1,
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

    # -- the hooks of the template ------------------------------------------------------------

    def _visible_units(self):
        """Binary visible units (:class:`skgen.energy.units.BernoulliUnits`)."""
        return BernoulliUnits()

    def _initialize(self, data, random_state):
        generator = torch_generator(random_state)
        n_features = data.shape[1]
        self.components_ = to_numpy(0.01 * torch.randn(self.n_components, n_features, generator=generator))
        self.intercept_hidden_ = np.zeros(self.n_components, dtype=np.float32)
        self.n_samples_seen_ = 0
        units = self._visible_units()
        units.update_statistics(self, data)
        units.initialize(self)
        self.history_ = []
        for name in ("chains_", "_chain_state", "visible_offset_", "hidden_offset_"):
            self.__dict__.pop(name, None)
        if self.centered:
            self.visible_offset_ = self.visible_base_rates_.astype(np.float32)
            self.hidden_offset_ = np.full(self.n_components, 0.5, dtype=np.float32)

    def _resume(self, data):
        """Check that ``n_components`` is the fitted one, and fold ``data`` into the data's running statistics."""
        self._check_unchanged("n_components", self.components_.shape[0])
        self._visible_units().update_statistics(self, data)

    def make_trainer(self, data, generator):
        """A CD-k, PCD-k or tempering trainer of a copy of the fitted RBM, on ``data``'s device.

        It is set up by the training parameters (``cd_steps``, ``persistent``, ``n_chains``,
        ``sampler``, ``n_temperatures``, ``centered``), and continues the persistent chains
        and centering offsets of the last training. A DBN trains its top RBM with it
        during the up-down fine-tuning; :meth:`store_trainer` takes the result back.

        Parameters
        ----------
        data : Tensor of shape (n_samples, n_features)
            Training rows; new persistent chains start from them.
        generator : torch.Generator
            On ``data``'s device.

        Returns
        -------
        trainer : skgen.energy.trainers.ContrastiveDivergence
        """
        check_is_fitted(self)
        offsets = (self.visible_offset_, self.hidden_offset_) if self.centered else None
        machine = self._make_machine(data.device, training=True)
        self._check_sampler(self.sampler, machine)
        trainer = ContrastiveDivergence(
            machine, min(self.batch_size, len(data)), generator,
            cd_steps=self.cd_steps, persistent=self.persistent, n_chains=self.n_chains or self.batch_size,
            tempering=self.sampler == "tempering", n_temperatures=self.n_temperatures, offsets=offsets,
            chain_start=self.chain_start,
            langevin_step=self.step_size if self.sampler == "gibbs_langevin" else None)
        trainer.start_chains(data, getattr(self, "_chain_state", None))
        return trainer

    def store_trainer(self, trainer):
        """Take the weights, biases (and Gaussian variances), persistent chains and centering offsets of ``trainer``
        as the fitted state.

        Parameters
        ----------
        trainer : skgen.energy.trainers.ContrastiveDivergence
            A trainer from :meth:`make_trainer`, after training.
        """
        machine = trainer.machine
        self.components_, self.intercept_hidden_ = to_numpy(machine.W), to_numpy(machine.c)
        machine.visible.store(self)
        if trainer.centered:
            self.visible_offset_, self.hidden_offset_ = to_numpy(trainer.mu), to_numpy(trainer.lam)
        if trainer.chains is not None:
            self._chain_state = to_numpy(trainer.chains)
            self.chains_ = to_numpy(trainer.model_chains())

    # -- the model as a transformer ------------------------------------------------------

    def transform(self, X):
        """Hidden unit activation probabilities ``P(h=1 | v=X)``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        H : ndarray of shape (n_samples, n_components)
        """
        return to_numpy(self.mean_hiddens(self._inference_rows(X)))

    def inverse_transform(self, H):
        """Visible unit means ``E[v | h=H]`` (for binary visibles, ``P(v=1 | h=H)``).

        Parameters
        ----------
        H : array-like of shape (n_samples, n_components)
            Hidden states or probabilities, in [0, 1].

        Returns
        -------
        X : ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self)
        H = check_array(H, accept_sparse="csr", dtype=(np.float32, np.float64))
        if H.shape[1] != self.n_components:
            raise ValueError(f"H has {H.shape[1]} columns, but the RBM has n_components={self.n_components} "
                             "hidden units.")
        check_unit_interval(H, "H")
        return to_numpy(self.mean_visibles(to_tensor(H, self._inference_device())))

    def mean_hiddens(self, V):
        """``P(h=1 | v)`` of validated visible rows as a tensor: the up pass a DBN chains on its device.

        Parameters
        ----------
        V : Tensor of shape (n_samples, n_features)
            Visible rows that were validated (the data a DBN passes up, on its training device).

        Returns
        -------
        H : Tensor of shape (n_samples, n_components), on ``V``'s device
        """
        return self._on_machine("mean_hiddens", V)

    def mean_visibles(self, H):
        """``E[v | h]`` of hidden rows as a tensor: the down pass of a DBN.

        Parameters
        ----------
        H : Tensor of shape (n_samples, n_components)
            Hidden states or probabilities.

        Returns
        -------
        V : Tensor of shape (n_samples, n_features), on ``H``'s device
        """
        return self._on_machine("mean_visibles", H)

    def _on_machine(self, method, rows):
        """The fitted machine's ``method`` of the tensor ``rows``, on their device, without autograd."""
        check_is_fitted(self)
        with torch.no_grad():
            return getattr(self._machine(rows.device), method)(rows.to(torch.float32))

    def sample_visibles(self, H, generator):
        """Draw visibles from ``P(v | h)`` for hidden rows ``H``: a stochastic step down a DBN.

        Parameters
        ----------
        H : Tensor of shape (n_samples, n_components)
        generator : torch.Generator
            On ``H``'s device.

        Returns
        -------
        V : Tensor of shape (n_samples, n_features)
        """
        check_is_fitted(self)
        with torch.no_grad():
            machine = self._machine(H.device)
            H = H.to(torch.float32)
            return machine.sample_visibles(machine.mean_visibles(H), H, generator)

    @property
    def _n_features_out(self):
        """Number of transformed output features, for ``get_feature_names_out``."""
        return self.components_.shape[0]

    def recognition_layers(self):
        """The up pass as a feed-forward layer: ``[(weight, bias)]``, with ``P(h = 1 | v) = sigmoid(weight @ v + bias)``.

        For Gaussian visibles the weights are divided by the visible variances, as the hiddens
        see ``v / sigma^2``. :meth:`skgen.DBN.recognition_layers` stacks those of its RBMs.

        Returns
        -------
        layers : list of one (ndarray, ndarray)
            ``(weight, bias)`` float32 copies of shapes ``(n_components, n_features_in_)`` and
            ``(n_components,)``.
        """
        check_is_fitted(self)
        weight = np.asarray(self.components_, dtype=np.float64) * self._visible_units().input_scale(self)
        return [(weight.astype(np.float32), np.array(self.intercept_hidden_, dtype=np.float32))]

    def generative_machine(self, weights, intercept, device):
        """This RBM's machine with other weights and visible biases: a DBN's down pass into these visible units.

        Its ``mean_visibles(h)`` and ``sample_visibles(mean, h, generator)`` map states of the
        hiddens to the visibles' means and draws, as :meth:`mean_visibles` and
        :meth:`sample_visibles` do, but through ``weights`` and ``intercept`` (a DBN's
        generative weights, untied by its up-down fine-tuning) and the RBM's other visible
        parameters (a Gaussian RBM's variances).

        Parameters
        ----------
        weights : ndarray of shape (n_components, n_features_in_)
        intercept : ndarray of shape (n_features_in_,)
        device : str or torch.device

        Returns
        -------
        machine : skgen.energy.machines.RestrictedBoltzmannMachine
        """
        check_is_fitted(self)
        machine = self._make_machine(device)
        machine.W, machine.visible.b = float32_tensor(weights, device), float32_tensor(intercept, device)
        return machine

    # -- sampling -------------------------------------------------------------------------------

    def gibbs(self, V, *, random_state=None):
        """One Gibbs step from visibles ``V``: sample ``h ~ P(h|V)``, then ``v ~ P(v|h)``.

        Parameters
        ----------
        V : array-like of shape (n_samples, n_features)
        random_state : int, RandomState instance or None, default=None
            Seeds the draws; ``None`` draws fresh randomness.

        Returns
        -------
        V_new : ndarray of shape (n_samples, n_features)
        """
        return self.sample(start=V, n_steps=1, random_state=random_state)

    # -- the hooks of inference -------------------------------------------------------------

    def _make_machine(self, device, training=False):
        """The fitted model as a :class:`skgen.energy.machines.RestrictedBoltzmannMachine` on ``device``, holding
        its visible units (:meth:`_visible_units`); with ``training``, a copy that the trainer updates in place."""
        return RestrictedBoltzmannMachine(float32_tensor(self.components_, device, copy=training),
                                          float32_tensor(self.intercept_hidden_, device, copy=training),
                                          self._visible_units().bind(self, device, copy=training))

    def _persistent_chains(self):
        """The persistent chains' visible states, :attr:`chains_` (PCD and tempering only)."""
        return [self.chains_] if hasattr(self, "chains_") else None
