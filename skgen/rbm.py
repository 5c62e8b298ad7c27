"""Bernoulli restricted Boltzmann machine trained by CD-k, PCD or parallel tempering, on PyTorch."""

import hashlib
import time

import numpy as np
import torch
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils import check_array, check_random_state
from sklearn.utils.validation import check_is_fitted, check_non_negative, validate_data

from skgen import _partition
from skgen._base import (
    Boolean,
    DensityMixin,
    Integer,
    Options,
    TorchEstimator,
    bernoulli,
    check_finite,
    check_param,
    check_unit_interval,
    minibatches,
    resolve_device,
    seed_from,
    to_numpy,
    to_tensor,
    torch_generator,
)
from skgen._machines import BernoulliMachine, ParallelTempering, gibbs_sweep
from skgen._threads import fit_threads

#: rows of the training data on which the per-epoch reconstruction error is measured
_MONITOR_ROWS = 1000
#: pixel means are clipped to [eps, 1 - eps] before taking log-odds
_EPS = 1e-3
#: rate of the moving averages that track the centering offsets (Melchior et al. 2016)
_CENTERING_RATE = 0.01
_SAMPLERS = ("gibbs", "tempering")


class RBM(ClassNamePrefixFeaturesOutMixin, TransformerMixin, DensityMixin, TorchEstimator):
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
    cd_steps : int, default=1
        Gibbs steps ``k`` of the negative phase per update (CD-k, PCD-k, or tempering steps).
    persistent : bool, default=False
        Persistent contrastive divergence: the negative chains carry on from update to
        update instead of restarting at the data. Implied by ``sampler="tempering"``.
    n_chains : int, default=None
        Number of persistent chains (per temperature); ``None`` takes ``batch_size``.
        Ignored by CD-k, whose chains are the batch.
    sampler : {"gibbs", "tempering"}, default="gibbs"
        Negative phase: block Gibbs sampling, or parallel tempering (Desjardins et al.
        2010) over ``n_temperatures`` inverse temperatures between the model and its
        base-rate model, swapping neighbours after each sweep.
    n_temperatures : int, default=10
        Temperatures of parallel tempering (the model's included).
    centered : bool, default=False
        Centre visibles and hiddens on moving averages of their data means (Melchior,
        Fischer & Wiskott 2016). The model is the same; the gradient is better conditioned.
    lr : float, default=0.1
        Learning rate of the optimizer.
    max_epochs : int, default=10
        Passes over the training data in :meth:`fit`.
    batch_size : int, default=10
        Rows per minibatch.
    optimizer : torch.optim.Optimizer subclass or str, default=torch.optim.SGD
        The optimizer class (or ``"sgd"``, ``"adam"``...). Its other arguments go through
        ``optimizer__<name>=value``.
    lr_scheduler : torch.optim.lr_scheduler.LRScheduler subclass, default=None
        A learning-rate schedule, stepped once per epoch, with its arguments as
        ``lr_scheduler__<name>=value``: e.g. ``lr_scheduler=torch.optim.lr_scheduler.LinearLR,
        lr_scheduler__end_factor=0.0, lr_scheduler__total_iters=max_epochs`` decays the
        learning rate linearly to zero.
    ais_chains : int, default=100
        Annealing runs of the AIS estimate of the partition function (used by
        :meth:`score_samples` when neither layer is small enough to enumerate).
    ais_betas : int, default=10000
        Inverse temperatures of each AIS run, spaced as in Salakhutdinov & Murray (2008).
    device : str, default="cpu"
        Where to train: ``"cpu"``, ``"cuda"`` or ``"cuda:N"``. Inference runs there too
        when it is available, on the CPU otherwise.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, minibatch order, Gibbs sampling and AIS. The same
        value gives the same weights on the CPU.
    verbose : int, default=0
        Print the reconstruction error after each epoch when positive.
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

    #: no gradient clipping: the CD gradient of binary units is bounded (the Gaussian RBM clips)
    max_grad_norm = None

    _parameter_constraints = {
        **TorchEstimator._parameter_constraints,
        "n_components": [Integer(1)],
        "cd_steps": [Integer(1)],
        "persistent": [Boolean()],
        "n_chains": [None, Integer(1)],
        "sampler": [Options(*_SAMPLERS)],
        "n_temperatures": [Integer(2)],
        "centered": [Boolean()],
        "ais_chains": [Integer(1)],
        "ais_betas": [Integer(3)],
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
        centered=False,
        lr=0.1,
        max_epochs=10,
        batch_size=10,
        optimizer=torch.optim.SGD,
        lr_scheduler=None,
        ais_chains=100,
        ais_betas=10000,
        device="cpu",
        random_state=None,
        verbose=0,
        **kwargs,
    ):
        self.n_components = n_components
        self.cd_steps = cd_steps
        self.persistent = persistent
        self.n_chains = n_chains
        self.sampler = sampler
        self.n_temperatures = n_temperatures
        self.centered = centered
        self.lr = lr
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.optimizer = optimizer
        self.lr_scheduler = lr_scheduler
        self.ais_chains = ais_chains
        self.ais_betas = ais_betas
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self._set_routed_params(kwargs)

    # -- training ---------------------------------------------------------------------------

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
        self._validate_params()
        data = self._training_tensor(X, reset=True)
        self._rng = check_random_state(self.random_state)
        self._initialise(data, self._rng)
        self._train(data, self.max_epochs, self._rng)
        return self

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
        self._validate_params()
        data = self._training_tensor(X, reset=first)
        if first:
            self._rng = check_random_state(self.random_state)
            self._initialise(data, self._rng)
        else:
            self._update_base_rates(data)
        self._train(data, 1, self._rng)
        return self

    def _validate(self, X, reset):
        """``X`` checked (an array or sparse matrix) by scikit-learn, then its values' range."""
        X = validate_data(self, X, accept_sparse="csr", dtype=(np.float32, np.float64), reset=reset)
        try:
            self._check_values(X)
        except ValueError:
            check_non_negative(X, type(self).__name__)  # scikit-learn's wording for negative values
            raise
        return X

    def _check_values(self, X):
        check_unit_interval(X)

    def _training_tensor(self, X, reset):
        """The training rows as a float32 tensor on the training device."""
        device = resolve_device(self.device)
        if not torch.is_tensor(X):
            return to_tensor(self._validate(X, reset), device)
        if X.ndim != 2 or not X.is_floating_point() or not torch.isfinite(X).all():
            raise ValueError(f"X must be a 2-D floating-point tensor of finite values, got shape {tuple(X.shape)}.")
        if reset:
            self.n_features_in_ = X.shape[1]
            self.__dict__.pop("feature_names_in_", None)
        elif X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, but {type(self).__name__} is expecting "
                             f"{self.n_features_in_} features as input.")
        if len(X):
            self._check_values(to_numpy(torch.stack([X.amin(0), X.amax(0)])))
        return X.to(device=device, dtype=torch.float32)

    def _initialise(self, data, rng):
        generator = torch_generator(rng)
        n_features = data.shape[1]
        self.components_ = to_numpy(0.01 * torch.randn(self.n_components, n_features, generator=generator))
        self.intercept_hidden_ = np.zeros(self.n_components, dtype=np.float32)
        self.n_samples_seen_ = 0
        self._update_base_rates(data)
        self._initialise_visibles()
        self.history_ = []
        for name in ("chains_", "_chain_state", "visible_offset_", "hidden_offset_"):
            self.__dict__.pop(name, None)
        if self.centered:
            self.visible_offset_ = self.visible_base_rates_.astype(np.float32)
            self.hidden_offset_ = np.full(self.n_components, 0.5, dtype=np.float32)

    def _initialise_visibles(self):
        # visible biases start at the log-odds of the pixel means (Hinton's practical guide, 8.1)
        self.intercept_visible_ = _log_odds(self.visible_base_rates_).astype(np.float32)

    def _update_base_rates(self, data):
        n = data.shape[0]
        total = self.n_samples_seen_ + n
        batch_mean = data.mean(0).double().cpu().numpy()
        if not self.n_samples_seen_:
            self.visible_base_rates_ = batch_mean
        else:
            self.visible_base_rates_ = (self.n_samples_seen_ * self.visible_base_rates_ + n * batch_mean) / total
        self.n_samples_seen_ = total

    def _train(self, data, n_epochs, rng):
        with fit_threads(min(self.batch_size, len(data)) * data.shape[1] * self.n_components):
            self._run_epochs(data, n_epochs, rng)

    def _run_epochs(self, data, n_epochs, rng):
        generator = torch_generator(rng, data.device)
        machine = self._machine(data.device, training=True)
        trainer = _ContrastiveDivergence(self, machine, min(self.batch_size, len(data)), generator)
        trainer.start_chains(data, getattr(self, "_chain_state", None))
        optimizer = self._make_optimizer(trainer.parameters)
        scheduler = self._make_lr_scheduler(optimizer)
        monitor = data[torch.randperm(len(data), generator=generator, device=data.device)[:_MONITOR_ROWS]]
        for _ in range(n_epochs):
            start, lr = time.perf_counter(), optimizer.param_groups[0]["lr"]
            for rows in minibatches(len(data), self.batch_size, generator):
                batch = data[rows]
                trainer.gradient(batch)
                if self.max_grad_norm is not None:
                    torch.nn.utils.clip_grad_norm_(trainer.parameters, self.max_grad_norm)
                optimizer.step()
                trainer.after_step(batch)
            if scheduler is not None:
                scheduler.step()
            check_finite(len(self.history_) + 1, self.lr, weights=trainer.parameters)
            self._record_epoch(machine, monitor, lr, time.perf_counter() - start)
        self._store(machine, trainer)

    def _store(self, machine, trainer):
        self._store_params(machine)
        if trainer.centered:
            self.visible_offset_, self.hidden_offset_ = to_numpy(trainer.mu), to_numpy(trainer.lam)
        if trainer.chains is not None:
            self._chain_state = to_numpy(trainer.chains)
            self.chains_ = to_numpy(trainer.model_chains())

    def _store_params(self, machine):
        self.components_, self.intercept_visible_, self.intercept_hidden_ = (
            to_numpy(p) for p in (machine.W, machine.b, machine.c))

    def _record_epoch(self, machine, monitor, lr, seconds):
        with torch.no_grad():
            reconstruction = machine.mean_visibles(machine.mean_hiddens(monitor))
            error = torch.mean((reconstruction - monitor) ** 2).item()
        entry = {"epoch": len(self.history_) + 1, "reconstruction_error": error, "lr": lr, "seconds": seconds}
        self.history_.append(entry)
        if self.verbose:
            print(f"[{type(self).__name__}] epoch {entry['epoch']}: reconstruction error {error:.5f}, "
                  f"lr {lr:.3g}, {seconds:.2f}s")

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
        """
        check_is_fitted(self)
        check_param("method", method, Options("auto", "exact", "ais", "reverse_ais"), owner=type(self).__name__)
        machine = self._machine(self._inference_device())
        if method == "auto":
            method = "exact" if self._enumerable() else "ais"
        if method == "exact":
            return machine.exact_log_partition(), 0.0
        n_chains = check_param("ais_chains", self.ais_chains if ais_chains is None else ais_chains, Integer(1))
        n_betas = check_param("ais_betas", self.ais_betas if ais_betas is None else ais_betas, Integer(3))
        generator = torch_generator(seed_from(self.random_state if random_state is None else random_state),
                                    machine.W.device)
        if method == "reverse_ais":
            start = self._reverse_start(start, machine.W.device)
        with torch.no_grad(), fit_threads(n_chains * machine.W.numel()):
            return _partition.ais_log_partition(machine, _partition.ais_schedule(n_betas), n_chains, generator,
                                                start=start)

    def _enumerable(self):
        return min(self.components_.shape) <= _partition.MAX_EXACT_UNITS

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
        return -free_energy - self._cached_log_partition()

    def _cached_log_partition(self):
        seed = self.random_state if isinstance(self.random_state, (int, np.integer)) else None
        key = (self._fingerprint(), self.ais_chains, self.ais_betas, seed)
        cache = getattr(self, "_log_partition_cache", None)
        if cache is None or cache[0] != key:
            self._log_partition_cache = (key, self.log_partition()[0])
        return self._log_partition_cache[1]

    def _fingerprint(self):
        digest = hashlib.blake2b(digest_size=16)
        for array in self._numpy_params():
            digest.update(np.ascontiguousarray(array).tobytes())
        return digest.hexdigest()

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
               return_probabilities=False, clamp=None, random_state=None):
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
        sampler : {"gibbs", "tempering"}, default="gibbs"
            Block Gibbs sampling, or parallel tempering (the same as the training option).
        n_steps : int, default=1000
            Steps per chain (Gibbs sweeps; for tempering, sweeps at every temperature).
        n_temperatures : int, default=None
            Temperatures of tempering; ``None`` takes the estimator's ``n_temperatures``.
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
        check_param("sampler", sampler, Options(*_SAMPLERS), owner=owner)
        check_param("n_steps", n_steps, Integer(1), owner=owner)
        check_param("n_temperatures", n_temperatures, None, Integer(2), owner=owner)
        check_param("return_probabilities", return_probabilities, Boolean(), owner=owner)
        machine = self._machine(self._inference_device())
        generator = torch_generator(random_state, machine.W.device)
        v = self._start_states(start, n_samples, machine, generator)
        clamp = self._clamp(clamp, len(v), machine.W.device)
        with torch.no_grad(), fit_threads(len(v) * machine.W.numel()):
            if clamp is not None:
                v[:, clamp[0]] = clamp[1]
            if sampler == "gibbs":
                for _ in range(n_steps):
                    v, mean = gibbs_sweep(machine, v, generator, clamp=clamp)
            else:
                n_temperatures = self.n_temperatures if n_temperatures is None else n_temperatures
                tempering = ParallelTempering(machine, v.repeat(n_temperatures, 1), n_temperatures, generator)
                clamp = None if clamp is None else (clamp[0], clamp[1].repeat(n_temperatures, 1))
                for _ in range(n_steps):
                    v, mean = tempering.step(clamp)
        return to_numpy(mean if return_probabilities else v)

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

    def _numpy_params(self):
        return self.components_, self.intercept_visible_, self.intercept_hidden_

    def _machine(self, device, training=False):
        """The fitted model as a :class:`skgen._machines.BernoulliMachine` on ``device`` (a copy to train)."""
        W, b, c = (torch.as_tensor(a, dtype=torch.float32, device=device).clone() for a in self._numpy_params())
        base = torch.as_tensor(_log_odds(self.visible_base_rates_), dtype=torch.float32, device=device)
        return BernoulliMachine(W, b, c, base)

    def _inference_rows(self, X):
        check_is_fitted(self)
        return to_tensor(self._validate(X, reset=False), self._inference_device())

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.input_tags.positive_only = True
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags


class _ContrastiveDivergence:
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
    """

    def __init__(self, rbm, machine, batch_size, generator):
        self.machine, self.generator = machine, generator
        self.cd_steps = rbm.cd_steps
        self.tempering = rbm.sampler == "tempering"
        self.persistent = rbm.persistent or self.tempering
        self.n_chains = (rbm.n_chains or rbm.batch_size) if self.persistent else batch_size
        self.n_temperatures = rbm.n_temperatures
        W = machine.W
        n_rows = self.n_chains + batch_size
        self.inputs = torch.empty(n_rows, W.shape[1], dtype=W.dtype, device=W.device)
        self.hiddens = torch.empty(n_rows, W.shape[0], dtype=W.dtype, device=W.device)
        self.phase_weights = torch.empty(n_rows, dtype=W.dtype, device=W.device)
        hidden_rows = lambda: torch.empty(self.n_chains, W.shape[0], dtype=W.dtype, device=W.device)  # noqa: E731
        visible_rows = lambda: torch.empty(self.n_chains, W.shape[1], dtype=W.dtype, device=W.device)  # noqa: E731
        self.h, self.h_mean = hidden_rows(), hidden_rows()
        self.v_mean, self.negatives = visible_rows(), visible_rows()
        self.centered = rbm.centered
        if self.centered:
            self.mu = torch.as_tensor(rbm.visible_offset_, device=W.device).clone()
            self.lam = torch.as_tensor(rbm.hidden_offset_, device=W.device).clone()
            self.b_centred = machine.b + W.T @ self.lam
            self.c_centred = machine.c + W @ self.mu
            self.parameters = [W, self.b_centred, self.c_centred, *machine.extra_parameters()]
        else:
            self.parameters = [W, machine.b, machine.c, *machine.extra_parameters()]
        for p in self.parameters:
            p.grad = torch.zeros_like(p)
        self.chains = None

    def start_chains(self, data, state):
        """Persistent chains from a previous fit's ``state``, else from the data."""
        if not self.persistent:
            return
        n_rows = self.n_chains * (self.n_temperatures if self.tempering else 1)
        if state is not None and state.shape[0] == n_rows:
            self.chains = torch.as_tensor(state, device=data.device).clone()
        else:
            visibles = data[torch.arange(n_rows, device=data.device) % len(data)].clone()
            self.chains = visibles if self.tempering else bernoulli(self.machine.mean_hiddens(visibles), self.generator)
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
        torch.addmm(machine.c, x0, machine.W.T, out=h0).sigmoid_()
        if self.centered:
            self.data_hidden_mean = h0.mean(0)
        vk = self._negatives(v0, h0)
        machine.hidden_input(vk, out=inputs[:m])
        torch.addmm(machine.c, inputs[:m], machine.W.T, out=hiddens[:m]).sigmoid_()
        if self.persistent and not self.tempering:
            bernoulli(hiddens[:m], self.generator, out=self.chains)
        self.last_negatives = vk
        weights[:m].fill_(1.0 / m)
        weights[m:].fill_(-1.0 / n)
        machine.extra_gradients(vk, v0, inputs, hiddens, weights)
        hiddens.mul_(weights.unsqueeze(1))
        W, b, c = self.parameters[:3]
        torch.mm(hiddens.t(), inputs, out=W.grad)
        torch.mv(inputs.t(), weights, out=b.grad)
        torch.sum(hiddens, 0, out=c.grad)
        if self.centered:
            W.grad.sub_(torch.outer(self.lam, b.grad)).sub_(torch.outer(c.grad, self.mu))

    def _negatives(self, v0, h0):
        """The negative phase's visible states: CD-k from the data, PCD-k from the chains, or tempering."""
        machine, generator = self.machine, self.generator
        if self.tempering:
            for _ in range(self.cd_steps):
                v, _ = self.sampler.step()
            self.chains = self.sampler.chains
            return v
        m = len(self.chains) if self.persistent else len(v0)
        h, v_mean, v = self.h[:m], self.v_mean[:m], self.negatives[:m]
        if self.persistent:
            h.copy_(self.chains)
        else:
            bernoulli(h0, generator, out=h)
        for step in range(self.cd_steps):
            if step:
                bernoulli(machine.mean_hiddens(v, out=self.h_mean[:m]), generator, out=h)
            machine.sample_visibles(machine.mean_visibles(h, out=v_mean), h, generator, out=v)
        return v

    def after_step(self, v0):
        """Constrain the parameters; move the centering offsets towards the batch means, keeping the model,
        and give the machine the uncentred biases of the updated model."""
        self.machine.constrain()
        if not self.centered:
            return
        machine, rate = self.machine, _CENTERING_RATE
        mu_step = rate * (v0.mean(0) - self.mu)
        lam_step = rate * (self.data_hidden_mean - self.lam)
        self.b_centred.add_(machine.W.T @ lam_step)
        self.c_centred.add_(machine.W @ mu_step)
        self.mu.add_(mu_step)
        self.lam.add_(lam_step)
        torch.addmv(self.b_centred, machine.W.T, self.lam, alpha=-1, out=machine.b)
        torch.addmv(self.c_centred, machine.W, self.mu, alpha=-1, out=machine.c)


def _log_odds(p):
    p = np.clip(p, _EPS, 1 - _EPS)
    return np.log(p) - np.log1p(-p)
