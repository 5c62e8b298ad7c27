"""Bernoulli restricted Boltzmann machine trained by CD-k, PCD or parallel tempering, on PyTorch.

:class:`RBM` fills the hooks of the energy family's template
(:class:`skgen.energy.template.EnergyEstimator`) and adds its own, the visible unit type, which
:class:`skgen.GaussianBernoulliRBM` fills again for real-valued visibles.
"""

import numpy as np
import torch
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils import check_array, check_random_state
from sklearn.utils.validation import check_is_fitted, check_non_negative, validate_data

from skgen._core.estimator import DensityMixin
from skgen._core.params import Boolean, Integer, Options, Real, check_param
from skgen._core.tensors import float32_tensor, resolve_device, seed_from, to_numpy, to_tensor, torch_generator
from skgen._core.threads import fit_threads
from skgen._core.validation import check_unit_interval, fit_context, inside_validated_fit
from skgen.energy import partition as _partition
from skgen.energy.machines import BernoulliMachine
from skgen.energy.samplers import GibbsLangevin, ParallelTempering, gibbs_sweep
from skgen.energy.template import SAMPLERS, EnergyEstimator
from skgen.energy.trainers import ContrastiveDivergence

#: pixel means are clipped to [eps, 1 - eps] before taking log-odds
_EPS = 1e-3


class RBM(ClassNamePrefixFeaturesOutMixin, TransformerMixin, DensityMixin, EnergyEstimator):
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
    PCD keeps ``n_chains`` fantasy chains running across updates, so the gradient follows
    the model's equilibrium; with many chains (a few thousand) and a learning rate that
    decays to zero, the model samples well from noise. Parallel tempering
    (``sampler="tempering"``) lets those chains cross between modes. Centering
    (``centered=True``) conditions the gradient so that larger learning rates stay stable.

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
    The template of the energy family (``skgen.energy.template.EnergyEstimator``) runs the
    training loop; the RBM fills its hooks (``_initialize``, :meth:`make_trainer`,
    :meth:`store_trainer`) and declares the hooks of its visible unit type, which
    :class:`skgen.GaussianBernoulliRBM` fills again: ``_make_machine`` (the fitted model as
    a machine of ``skgen.energy.machines``), ``_check_visible_values``, ``_initialize_visibles``,
    ``_update_visible_statistics``, ``_is_centered`` and :meth:`store_trainer`.

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

    # -- training ---------------------------------------------------------------------------

    @fit_context
    def fit(self, X, y=None):
        """Fit the RBM to ``X`` for ``max_epochs`` epochs, from a fresh initialisation.

        Parameters
        ----------
        X : {array-like, sparse matrix, Tensor} of shape (n_samples, n_features)
            Training rows (binary data, or probabilities). A :class:`torch.Tensor` is
            trained on without leaving the device (a DBN passes its layers' tensors).
        y : None
            Ignored.

        Returns
        -------
        self : RBM
        """
        data = self._training_tensor(X, reset=True)
        self._rng = check_random_state(self.random_state)
        self._initialize(data, self._rng)
        self._fit_epochs(data, self.max_epochs, self._rng, self.history_)
        return self

    @fit_context
    def partial_fit(self, X, y=None):
        """Fit the RBM for one epoch over ``X``, continuing from the current state.

        The first call initialises the model. Persistent chains and centering offsets
        carry over between calls; the optimizer's state (momentum) and the learning-rate
        schedule do not.

        Parameters
        ----------
        X : {array-like, sparse matrix, Tensor} of shape (n_samples, n_features)
        y : None
            Ignored.

        Returns
        -------
        self : RBM
        """
        first = not hasattr(self, "components_")
        data = self._training_tensor(X, reset=first)
        if first:
            self._rng = check_random_state(self.random_state)
            self._initialize(data, self._rng)
        else:
            self._update_visible_statistics(data)
        self._fit_epochs(data, 1, self._rng, self.history_)
        return self

    def _validate(self, X, reset):
        """``X`` checked (an array or sparse matrix) by scikit-learn, then its values' range."""
        X = validate_data(self, X, accept_sparse="csr", dtype=(np.float32, np.float64), reset=reset)
        self._check_visible_values(X)
        return X

    def _check_visible_values(self, X):
        """Hook of the unit type: raise ``ValueError`` unless the values of ``X`` suit the visible units.

        ``X`` is an array or sparse matrix that scikit-learn validated (finite), or the
        per-column minima and maxima of a tensor. Binary visibles take values in [0, 1].
        """
        try:
            check_unit_interval(X)
        except ValueError:
            check_non_negative(X, type(self).__name__)  # scikit-learn's wording for negative values
            raise

    def _training_tensor(self, X, reset):
        """The training rows as a float32 tensor on the training device.

        A tensor handed over by an enclosing fit (a DBN's layer) was checked there.
        """
        device = resolve_device(self.device)
        if not torch.is_tensor(X):
            return to_tensor(self._validate(X, reset), device)
        if reset:
            self.n_features_in_ = X.shape[1]
            self.__dict__.pop("feature_names_in_", None)
        if inside_validated_fit():
            return X.to(device=device, dtype=torch.float32)
        if X.ndim != 2 or not X.is_floating_point() or not torch.isfinite(X).all():
            raise ValueError(f"X must be a 2-D floating-point tensor of finite values, got shape {tuple(X.shape)}.")
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, but {type(self).__name__} is expecting "
                             f"{self.n_features_in_} features as input.")
        if len(X):
            self._check_visible_values(to_numpy(torch.stack([X.amin(0), X.amax(0)])))
        return X.to(device=device, dtype=torch.float32)

    def _initialize(self, data, random_state):
        generator = torch_generator(random_state)
        n_features = data.shape[1]
        self.components_ = to_numpy(0.01 * torch.randn(self.n_components, n_features, generator=generator))
        self.intercept_hidden_ = np.zeros(self.n_components, dtype=np.float32)
        self.n_samples_seen_ = 0
        self._update_visible_statistics(data)
        self._initialize_visibles()
        self.history_ = []
        for name in ("chains_", "_chain_state", "visible_offset_", "hidden_offset_"):
            self.__dict__.pop(name, None)
        if self._is_centered():
            self.visible_offset_ = self.visible_base_rates_.astype(np.float32)
            self.hidden_offset_ = np.full(self.n_components, 0.5, dtype=np.float32)

    def _is_centered(self):
        """Hook of the unit type: whether training is centred (the ``centered`` parameter of binary visibles)."""
        return self.centered

    def _initialize_visibles(self):
        """Hook of the unit type: the visible parameters' starting values, from the data's statistics."""
        # visible biases start at the log-odds of the pixel means (Hinton's practical guide, 8.1)
        self.intercept_visible_ = _log_odds(self.visible_base_rates_).astype(np.float32)

    def _update_visible_statistics(self, data):
        """Hook of the unit type: fold the rows ``data`` into the running statistics of the training data
        (here the pixel means, ``visible_base_rates_``), which define the base model, and count them."""
        n = data.shape[0]
        total = self.n_samples_seen_ + n
        batch_mean = data.mean(0).double().cpu().numpy()
        if not self.n_samples_seen_:
            self.visible_base_rates_ = batch_mean
        else:
            self.visible_base_rates_ = (self.n_samples_seen_ * self.visible_base_rates_ + n * batch_mean) / total
        self.n_samples_seen_ = total

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
        offsets = (self.visible_offset_, self.hidden_offset_) if self._is_centered() else None
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
        """Take the weights, biases, persistent chains and centering offsets of ``trainer`` as the fitted state.

        Parameters
        ----------
        trainer : skgen.energy.trainers.ContrastiveDivergence
            A trainer from :meth:`make_trainer`, after training.
        """
        machine = trainer.machine
        self.components_, self.intercept_visible_, self.intercept_hidden_ = (
            to_numpy(p) for p in (machine.W, machine.b, machine.c))
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

        Returns
        -------
        H : Tensor of shape (n_samples, n_components), on ``V``'s device
        """
        check_is_fitted(self)
        with torch.no_grad():
            return self._machine(V.device).mean_hiddens(V.to(torch.float32))

    def mean_visibles(self, H):
        """``E[v | h]`` of hidden rows as a tensor: the down pass of a DBN.

        Parameters
        ----------
        H : Tensor of shape (n_samples, n_components)

        Returns
        -------
        V : Tensor of shape (n_samples, n_features), on ``H``'s device
        """
        check_is_fitted(self)
        with torch.no_grad():
            return self._machine(H.device).mean_visibles(H.to(torch.float32))

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

    # -- the model as a density -------------------------------------------------------------

    def free_energy(self, X):
        """Free energy ``F(v)`` of each row, so that ``P(v) = exp(-F(v)) / Z``.

        For binary visibles, ``F(v) = -b.v - sum_j log(1 + exp(c_j + W_j.v))``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        free_energy : ndarray of shape (n_samples,)
        """
        v = self._inference_rows(X)
        return to_numpy(self._machine(v.device).to(torch.float64).free_energy(v.double()))

    def log_partition(self, method="auto", *, start=None, ais_chains=None, ais_betas=None, random_state=None):
        """The log partition function ``log Z`` and the standard error of its estimate.

        Parameters
        ----------
        method : {"auto", "exact", "ais", "reverse_ais"}, default="auto"
            ``"exact"`` sums over every state of the smaller layer (at most 20 units or so);
            ``"ais"`` is annealed importance sampling from the base-rate model, which
            underestimates ``log Z`` on average; ``"reverse_ais"`` anneals from ``start``
            down to the base-rate model and overestimates it on average when ``start`` is
            a fair sample of the model, so the two bracket ``log Z``; ``"auto"``
            enumerates when the smaller layer has at most 20 units and runs AIS otherwise.
        start : array-like of shape (n_chains, n_features), default=None
            The states reverse AIS starts from: data rows or model samples. ``None``
            takes the persistent chains :attr:`chains_`.
        ais_chains, ais_betas : int, default=None
            AIS runs and inverse temperatures; ``None`` takes the estimator's parameters.
        random_state : int, RandomState instance or None, default=None
            Seeds AIS; ``None`` takes the estimator's ``random_state``.

        Returns
        -------
        log_z : float
        std_error : float
            0.0 for the exact value.

        Warns
        -----
        RuntimeWarning
            When fewer than a tenth of the AIS runs carry the estimate's weight (judged
            from its standard error): ``log Z`` is then likely far too low.
        """
        check_is_fitted(self)
        check_param("method", method, Options("auto", "exact", "ais", "reverse_ais"), owner=type(self).__name__)
        machine = self._machine(self._inference_device())
        if method == "auto":
            method = "exact" if machine.enumerable() else "ais"
        if method == "exact":
            return machine.exact_log_partition(), 0.0
        n_chains = check_param("ais_chains", self.ais_chains if ais_chains is None else ais_chains, Integer(1))
        n_betas = check_param("ais_betas", self.ais_betas if ais_betas is None else ais_betas, Integer(3))
        generator = torch_generator(seed_from(self.random_state if random_state is None else random_state),
                                    machine.W.device)
        if method == "reverse_ais":
            start = self._reverse_start(start, machine.W.device)
        with torch.no_grad(), fit_threads(n_chains * machine.W.numel()):
            estimate = _partition.ais_log_partition(machine, _partition.ais_schedule(n_betas), n_chains, generator,
                                                    start=start)
        return _partition.checked_estimate(estimate, len(start) if method == "reverse_ais" else n_chains)

    def _reverse_start(self, start, device):
        if start is None:
            if not hasattr(self, "chains_"):
                raise ValueError("reverse AIS needs start rows (data or samples): this model has no persistent "
                                 "chains (train with persistent=True or sampler='tempering', or pass start=).")
            start = self.chains_
        return self._inference_rows(start).to(device)

    def score_samples(self, X):
        """Log-likelihood ``log P(v)`` of each row, in nats: ``-F(v) - log Z``.

        ``log Z`` is exact when the smaller layer has at most 20 units, and a forward AIS
        estimate otherwise (see :meth:`log_partition`), computed once per set of weights.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        log_likelihood : ndarray of shape (n_samples,)
        """
        free_energy = self.free_energy(X)
        machine = self._machine(self._inference_device())
        parameters = [to_numpy(value) for value in vars(machine).values() if torch.is_tensor(value)]
        return -free_energy - _partition.cached_log_partition(self, parameters)

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

    def sample(self, n_samples=1, *, start="noise", sampler="gibbs", n_steps=1000, n_temperatures=None,
               step_size=None, return_probabilities=False, clamp=None, random_state=None):
        """Draw visibles from the model by Markov chain Monte Carlo.

        Each chain starts at ``start`` and runs ``n_steps`` steps of ``sampler``; the last
        visible states (or their conditional means) are returned.

        **Which start and sampler give the best samples.** A model trained out of
        equilibrium by CD-k samples well only near where its training chains started, the
        data (Decelle, Furtlehner & Seoane 2021): start it from data rows, with a few
        steps. A model trained by PCD with many chains samples well from ``"noise"`` after
        enough steps, and best from ``"chains"``, its persistent chains, which are already
        in equilibrium. ``sampler="tempering"`` crosses between the modes (digits,
        characters) where plain Gibbs chains stay in the one they fell into, at
        ``n_temperatures`` times the cost per step.

        Parameters
        ----------
        n_samples : int, default=1
            Number of chains; ignored when ``start`` is an array (one chain per row).
        start : {"noise", "chains"} or array-like of shape (n_chains, n_features), default="noise"
            ``"noise"``: uniformly random visibles (for Gaussian visibles, draws from the
            data's Gaussian); ``"chains"``: the persistent chains :attr:`chains_`, cycled to
            ``n_samples``; an array: those rows, e.g. data.
        sampler : {"gibbs", "tempering", "gibbs_langevin"}, default="gibbs"
            Block Gibbs sampling, parallel tempering (the same as the training option), or,
            for Gaussian visibles only, Metropolis-adjusted Gibbs-Langevin steps (Liao et
            al. 2022), which leave the model's distribution invariant.
        n_steps : int, default=1000
            Steps per chain (Gibbs sweeps; for tempering, sweeps at every temperature).
        n_temperatures : int, default=None
            Temperatures of tempering; ``None`` takes the estimator's ``n_temperatures``.
        step_size : float in (0, 1], default=None
            Step of ``"gibbs_langevin"``: the fraction of the way to ``E[v | h]`` that a
            step goes; ``None`` takes the estimator's ``step_size``.
        return_probabilities : bool, default=False
            Return the mean-field visibles ``E[v | h]`` of the last step instead of the
            drawn states: smoother images, not samples.
        clamp : tuple (columns, values), default=None
            Hold the visibles ``columns`` at ``values`` (shape ``(n_chains, len(columns))``
            or ``(len(columns),)``) throughout, and sample the others given them: inpainting,
            or the label units of a class-conditional DBN.
        random_state : int, RandomState instance or None, default=None
            Seeds the start and the draws; ``None`` draws fresh randomness.

        Returns
        -------
        samples : ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self)
        owner = type(self).__name__
        check_param("sampler", sampler, Options(*SAMPLERS), owner=owner)
        check_param("n_steps", n_steps, Integer(1), owner=owner)
        check_param("n_temperatures", n_temperatures, None, Integer(2), owner=owner)
        check_param("return_probabilities", return_probabilities, Boolean(), owner=owner)
        machine = self._machine(self._inference_device())
        self._check_sampler(sampler, machine)
        if sampler == "gibbs_langevin":
            step_size = check_param("step_size", self.step_size if step_size is None else step_size,
                                    Real(0, 1, closed="right"), owner=owner)
            if clamp is not None:
                raise ValueError("clamp is not available with sampler='gibbs_langevin': use 'gibbs' or 'tempering'.")
        generator = torch_generator(random_state, machine.W.device)
        v = self._start_states(start, n_samples, machine, generator)
        clamp = self._clamp(clamp, len(v), machine.W.device)
        with torch.no_grad(), fit_threads(len(v) * machine.W.numel()):
            if clamp is not None:
                v[:, clamp[0]] = clamp[1]
            if sampler == "gibbs":
                for _ in range(n_steps):
                    v, mean = gibbs_sweep(machine, v, generator, clamp=clamp)
            elif sampler == "gibbs_langevin":
                langevin = GibbsLangevin(machine, v, step_size, generator)
                for _ in range(n_steps):
                    v, mean = langevin.step()
            else:
                n_temperatures = self.n_temperatures if n_temperatures is None else n_temperatures
                tempering = ParallelTempering(machine, v.repeat(n_temperatures, 1), n_temperatures, generator)
                clamp = None if clamp is None else (clamp[0], clamp[1].repeat(n_temperatures, 1))
                for _ in range(n_steps):
                    v, mean = tempering.step(clamp)
        return to_numpy(mean if return_probabilities else v)

    def _check_sampler(self, sampler, machine):
        """Raise ``ValueError`` unless ``sampler`` suits the visible units of ``machine``."""
        if sampler not in machine.samplers:
            raise ValueError(f"{type(self).__name__}: sampler={sampler!r} does not suit its visible units; "
                             f"they take {', '.join(map(repr, machine.samplers))} ('gibbs_langevin' needs Gaussian "
                             "visibles, as in GaussianBernoulliRBM).")

    def _start_states(self, start, n_samples, machine, generator):
        if isinstance(start, str):
            check_param("start", start, Options("noise", "chains"), owner=type(self).__name__)
            check_param("n_samples", n_samples, Integer(1), owner=type(self).__name__)
            if start == "noise":
                return machine.noise(n_samples, generator)
            if not hasattr(self, "chains_"):
                raise ValueError("start='chains' needs persistent chains: train with persistent=True or "
                                 "sampler='tempering', or start from 'noise' or data rows.")
            rows = np.arange(n_samples) % len(self.chains_)
            return torch.as_tensor(self.chains_[rows], device=machine.W.device)
        if start is None:
            raise ValueError("start must be 'noise', 'chains' or an array of visible rows, got None.")
        return self._inference_rows(start).to(machine.W.device).clone()

    def _clamp(self, clamp, n_chains, device):
        if clamp is None:
            return None
        try:
            columns, values = clamp
        except (TypeError, ValueError):
            raise ValueError("clamp must be a pair (columns, values).") from None
        columns = torch.as_tensor(np.asarray(columns, dtype=np.int64).ravel(), device=device)
        values = torch.as_tensor(np.asarray(values, dtype=np.float32), device=device)
        if len(columns) and (columns.min() < 0 or columns.max() >= self.n_features_in_):
            raise ValueError(f"clamp columns must lie in [0, {self.n_features_in_}).")
        try:
            values = values.expand(n_chains, len(columns)).clone()
        except RuntimeError:
            raise ValueError(f"clamp values of shape {tuple(values.shape)} do not fit {n_chains} chains and "
                             f"{len(columns)} columns.") from None
        return columns, values

    # -- helpers ---------------------------------------------------------------------------

    def _make_machine(self, device, training=False):
        """Hook of the unit type: the fitted model as a :class:`skgen.energy.machines.BernoulliMachine` on ``device``.

        With ``training``, a copy that the trainer updates in place.
        """
        arrays = (self.components_, self.intercept_visible_, self.intercept_hidden_,
                  _log_odds(self.visible_base_rates_))
        return BernoulliMachine(*(float32_tensor(a, device, copy=training) for a in arrays))

    def _machine(self, device):
        """The fitted model on ``device``, kept there while the fitted state stays the same."""
        return self._device_machine(device, self._make_machine)

    def _inference_rows(self, X):
        check_is_fitted(self)
        return to_tensor(self._validate(X, reset=False), self._inference_device())

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.input_tags.positive_only = True
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags


def _log_odds(p):
    p = np.clip(p, _EPS, 1 - _EPS)
    return np.log(p) - np.log1p(-p)
