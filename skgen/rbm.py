"""Bernoulli restricted Boltzmann machine trained by contrastive divergence, on PyTorch."""

import hashlib
import numbers
import time

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils import check_array, check_random_state
from sklearn.utils.validation import check_is_fitted, check_non_negative, validate_data

from skgen import _partition
from skgen._base import (
    TorchEstimator,
    bernoulli,
    check_unit_interval,
    minibatches,
    resolve_device,
    resolve_optimizer,
    seed_from,
    to_numpy,
    to_tensor,
    torch_generator,
)

#: rows of the training data on which the per-epoch reconstruction error is measured
_MONITOR_ROWS = 1000
#: pixel means are clipped to [eps, 1 - eps] before taking log-odds
_EPS = 1e-3


class RBM(ClassNamePrefixFeaturesOutMixin, TransformerMixin, TorchEstimator):
    """Bernoulli restricted Boltzmann machine (binary visible and hidden units).

    Trained by contrastive divergence (CD-k) or persistent contrastive divergence (PCD).
    Each minibatch update is the gradient of the free-energy difference
    ``mean F(v_data) - mean F(v_model)`` between the data and the end of the negative Gibbs
    chain, computed in closed form and handed to the optimizer as the parameters' ``.grad``,
    so that any :mod:`torch.optim` optimizer applies it (SGD by default; momentum and
    weight decay through ``optimizer__momentum=...``, ``optimizer__weight_decay=...``).

    The fitted state is NumPy arrays named as in :class:`sklearn.neural_network.BernoulliRBM`,
    so a model fitted on a GPU pickles and runs on a CPU-only machine.

    Parameters
    ----------
    n_components : int, default=256
        Number of hidden units.
    cd_steps : int, default=1
        Gibbs steps ``k`` of the negative phase (CD-k, or PCD-k when ``persistent``).
    persistent : bool, default=False
        Persistent contrastive divergence: the negative chains (one per row of a batch)
        carry on from batch to batch instead of restarting at the data.
    lr : float, default=0.1
        Learning rate of the optimizer.
    max_epochs : int, default=10
        Passes over the training data in :meth:`fit`.
    batch_size : int, default=10
        Rows per minibatch.
    optimizer : torch.optim.Optimizer subclass or str, default=torch.optim.SGD
        The optimizer class (or ``"sgd"``, ``"adam"``...). Its other arguments go through
        ``optimizer__<name>=value``.
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
        ``optimizer__<name>=value`` arguments for the optimizer.

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        Weights ``W``; ``W[j, i]`` couples hidden unit ``j`` and visible unit ``i``.
    intercept_hidden_ : ndarray of shape (n_components,)
        Hidden biases.
    intercept_visible_ : ndarray of shape (n_features,)
        Visible biases.
    visible_base_rates_ : ndarray of shape (n_features,)
        Mean of each feature over the training data; the base-rate model AIS starts from.
    n_features_in_ : int
        Number of features seen in :meth:`fit`.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features seen in :meth:`fit`, when they were all strings.
    history_ : list of dict
        One entry per epoch: ``epoch``, ``reconstruction_error`` (mean squared error of the
        mean-field reconstruction of up to 1,000 training rows) and ``seconds``.
    n_samples_seen_ : int
        Training rows seen, over :meth:`fit` and :meth:`partial_fit` calls.

    See Also
    --------
    skgen.DBN : A stack of RBMs trained greedily.
    sklearn.neural_network.BernoulliRBM : The NumPy original this class follows.

    References
    ----------
    G. E. Hinton (2002). Training products of experts by minimizing contrastive divergence.
    Neural Computation 14(8).

    T. Tieleman (2008). Training restricted Boltzmann machines using approximations to the
    likelihood gradient. ICML.

    R. Salakhutdinov and I. Murray (2008). On the quantitative analysis of deep belief
    networks. ICML.

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
    """

    def __init__(
        self,
        n_components=256,
        *,
        cd_steps=1,
        persistent=False,
        lr=0.1,
        max_epochs=10,
        batch_size=10,
        optimizer=torch.optim.SGD,
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
        self.lr = lr
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.optimizer = optimizer
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
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Values in [0, 1]: binary data, or probabilities.
        y : None
            Ignored.

        Returns
        -------
        self : RBM
        """
        self._check_params()
        X = self._validate(X, reset=True)
        self._rng = check_random_state(self.random_state)
        self._initialise(X, self._rng)
        self._train(X, self.max_epochs, self._rng)
        return self

    def partial_fit(self, X, y=None):
        """Fit the RBM for one epoch over ``X``, continuing from the current state.

        The first call initialises the model. Persistent chains carry over between calls;
        the optimizer's state (momentum) does not.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Values in [0, 1].
        y : None
            Ignored.

        Returns
        -------
        self : RBM
        """
        first = not hasattr(self, "components_")
        self._check_params()
        X = self._validate(X, reset=first)
        if first:
            self._rng = check_random_state(self.random_state)
            self._initialise(X, self._rng)
        else:
            self._update_base_rates(X)
        self._train(X, 1, self._rng)
        return self

    def _check_params(self):
        for name in ("n_components", "cd_steps", "max_epochs", "batch_size", "ais_chains", "ais_betas"):
            value = getattr(self, name)
            if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}.")
        if not isinstance(self.lr, numbers.Real) or not self.lr > 0:
            raise ValueError(f"lr must be a positive number, got {self.lr!r}.")
        resolve_optimizer(self.optimizer)

    def _validate(self, X, reset):
        X = validate_data(self, X, accept_sparse="csr", dtype=(np.float32, np.float64), reset=reset)
        try:
            check_unit_interval(X)
        except ValueError:
            check_non_negative(X, type(self).__name__)  # scikit-learn's wording for negative values
            raise
        return X

    def _initialise(self, X, rng):
        generator = torch_generator(rng)
        n_features = X.shape[1]
        self.components_ = to_numpy(0.01 * torch.randn(self.n_components, n_features, generator=generator))
        self.intercept_hidden_ = np.zeros(self.n_components, dtype=np.float32)
        self.n_samples_seen_ = 0
        self.visible_base_rates_ = np.zeros(n_features, dtype=np.float64)
        self._update_base_rates(X)
        # visible biases start at the log-odds of the pixel means (Hinton's practical guide, 8.1)
        self.intercept_visible_ = _log_odds(self.visible_base_rates_).astype(np.float32)
        self.history_ = []
        self._chains = None

    def _update_base_rates(self, X):
        n = X.shape[0]
        total = self.n_samples_seen_ + n
        batch_mean = np.asarray(X.mean(axis=0), dtype=np.float64).ravel()
        self.visible_base_rates_ = (self.n_samples_seen_ * self.visible_base_rates_ + n * batch_mean) / total
        self.n_samples_seen_ = total

    def _train(self, X, n_epochs, rng):
        device = resolve_device(self.device)
        generator = torch_generator(rng, device)
        data = to_tensor(X, device)
        W, b, c = (torch.tensor(a, dtype=torch.float32, device=device) for a in self._numpy_params())
        cd = _ContrastiveDivergence(W, b, c, self.cd_steps, min(self.batch_size, len(data)), generator)
        if self.persistent:
            cd.start_chains(data, self._chains)
        optimizer = self._make_optimizer([W, b, c])
        monitor = data[torch.randperm(len(data), generator=generator, device=device)[:_MONITOR_ROWS]]
        for _ in range(n_epochs):
            start = time.perf_counter()
            for rows in minibatches(len(data), self.batch_size, generator):
                cd.gradient(data, rows)
                optimizer.step()
            self._check_finite(W, b, c)
            self._record_epoch(monitor, W, b, c, time.perf_counter() - start)
        self.components_, self.intercept_visible_, self.intercept_hidden_ = (to_numpy(p) for p in (W, b, c))
        if self.persistent:
            self._chains = to_numpy(cd.chains)

    def _check_finite(self, W, b, c):
        if not all(torch.isfinite(p).all() for p in (W, b, c)):
            raise ValueError(
                f"Training diverged (non-finite weights) in epoch {len(self.history_) + 1} with lr={self.lr}; "
                "use a smaller lr."
            )

    def _record_epoch(self, monitor, W, b, c, seconds):
        reconstruction = _mean_visibles(_mean_hiddens(monitor, W, c), W, b)
        error = torch.mean((reconstruction - monitor) ** 2).item()
        self.history_.append({"epoch": len(self.history_) + 1, "reconstruction_error": error, "seconds": seconds})
        if self.verbose:
            print(f"[RBM] epoch {len(self.history_)}: reconstruction error {error:.5f}, {seconds:.2f}s")

    # -- the model as a transformer ------------------------------------------------------

    def transform(self, X):
        """Hidden unit activation probabilities ``P(h=1 | v=X)``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Values in [0, 1].

        Returns
        -------
        H : ndarray of shape (n_samples, n_components)
        """
        W, b, c, v = self._inference_tensors(X)
        return to_numpy(_mean_hiddens(v, W, c))

    def inverse_transform(self, H):
        """Visible unit activation probabilities ``P(v=1 | h=H)``.

        Parameters
        ----------
        H : array-like of shape (n_samples, n_components)
            Hidden states or probabilities, in [0, 1].

        Returns
        -------
        X : ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self)
        H = _check_hidden(H, self.components_.shape[0])
        W, b, _ = self._tensors()
        return to_numpy(_mean_visibles(to_tensor(H, W.device), W, b))

    @property
    def _n_features_out(self):
        """Number of transformed output features, for ``get_feature_names_out``."""
        return self.components_.shape[0]

    # -- the model as a density -------------------------------------------------------------

    def free_energy(self, X):
        """Free energy ``F(v) = -b.v - sum_j log(1 + exp(c_j + W_j.v))`` of each row.

        ``P(v) = exp(-F(v)) / Z``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        free_energy : ndarray of shape (n_samples,)
        """
        W, b, c, v = self._inference_tensors(X)
        return to_numpy(_free_energy(v.double(), W.double(), b.double(), c.double()))

    def log_partition(self, method="auto", *, ais_chains=None, ais_betas=None, random_state=None):
        """The log partition function ``log Z`` and the standard error of its estimate.

        Parameters
        ----------
        method : {"auto", "exact", "ais"}, default="auto"
            ``"exact"`` sums over every state of the smaller layer (at most 20 units or so);
            ``"ais"`` is annealed importance sampling; ``"auto"`` enumerates when the smaller
            layer has at most 20 units and runs AIS otherwise.
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
        if method == "auto":
            method = "exact" if min(self.components_.shape) <= _partition.MAX_EXACT_UNITS else "ais"
        W, b, c = self._tensors()
        if method == "exact":
            return _partition.exact_log_partition(W, b, c), 0.0
        if method != "ais":
            raise ValueError(f"method must be 'auto', 'exact' or 'ais', got {method!r}.")
        n_chains = self.ais_chains if ais_chains is None else ais_chains
        n_betas = self.ais_betas if ais_betas is None else ais_betas
        seed = seed_from(self.random_state if random_state is None else random_state)
        base = torch.as_tensor(_log_odds(self.visible_base_rates_), device=W.device)
        return _partition.ais_log_partition(W, b, c, base, _partition.ais_schedule(n_betas), n_chains,
                                            torch_generator(seed, W.device))

    def score_samples(self, X):
        """Log-likelihood ``log P(v)`` of each row, in nats: ``-F(v) - log Z``.

        ``log Z`` is exact when the smaller layer has at most 20 units, and an AIS estimate
        otherwise (see :meth:`log_partition`), computed once per set of weights.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        log_likelihood : ndarray of shape (n_samples,)
        """
        free_energy = self.free_energy(X)
        return -free_energy - self._cached_log_partition()

    def score(self, X, y=None):
        """Mean log-likelihood of the rows of ``X``, in nats (see :meth:`score_samples`).

        So ``GridSearchCV`` without a scorer selects the model with the best held-out likelihood.
        """
        return float(np.mean(self.score_samples(X)))

    def _cached_log_partition(self):
        seed = self.random_state if isinstance(self.random_state, numbers.Integral) else None
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
            Values in [0, 1].
        random_state : int, RandomState instance or None, default=None
            Seeds the draws; ``None`` draws fresh randomness.

        Returns
        -------
        V_new : ndarray of shape (n_samples, n_features)
            Binary visible states (0.0 or 1.0).
        """
        return self.sample(None, n_steps=1, start=V, random_state=random_state)

    def sample(self, n_samples=1, *, n_steps=1000, start=None, random_state=None):
        """Draw binary visibles from the model by block Gibbs sampling.

        Each chain starts at uniformly random visibles (or at the rows of ``start``) and
        runs ``n_steps`` steps ``v -> h -> v``; the last visible states are returned.

        Parameters
        ----------
        n_samples : int, default=1
            Number of chains; ignored when ``start`` is given.
        n_steps : int, default=1000
            Gibbs steps per chain. The default is enough for the chains to forget their
            start on small models; a well-trained large model mixes more slowly.
        start : array-like of shape (n_chains, n_features), default=None
            Visible states to start the chains from, e.g. data rows.
        random_state : int, RandomState instance or None, default=None
            Seeds the start and the draws; ``None`` draws fresh randomness.

        Returns
        -------
        samples : ndarray of shape (n_samples, n_features)
            Binary visible states (0.0 or 1.0).
        """
        if not isinstance(n_steps, numbers.Integral) or n_steps < 1:
            raise ValueError(f"n_steps must be a positive integer, got {n_steps!r}.")
        if start is None:
            if not isinstance(n_samples, numbers.Integral) or n_samples < 1:
                raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}.")
            check_is_fitted(self)
            W, b, c = self._tensors()
            generator = torch_generator(random_state, W.device)
            v = bernoulli(torch.full((n_samples, W.shape[1]), 0.5, device=W.device), generator)
        else:
            W, b, c, v = self._inference_tensors(start)
            generator = torch_generator(random_state, W.device)
        for _ in range(n_steps):
            h = bernoulli(_mean_hiddens(v, W, c), generator)
            v = bernoulli(_mean_visibles(h, W, b), generator)
        return to_numpy(v)

    # -- helpers ---------------------------------------------------------------------------

    def _numpy_params(self):
        return self.components_, self.intercept_visible_, self.intercept_hidden_

    def _inference_device(self):
        try:
            return resolve_device(self.device)
        except ValueError:
            return torch.device("cpu")

    def _tensors(self):
        device = self._inference_device()
        return tuple(torch.as_tensor(a, dtype=torch.float32, device=device) for a in self._numpy_params())

    def _inference_tensors(self, X):
        check_is_fitted(self)
        X = self._validate(X, reset=False)
        W, b, c = self._tensors()
        return W, b, c, to_tensor(X, W.device)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.input_tags.positive_only = True
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags


class _ContrastiveDivergence:
    """The CD-k / PCD-k gradient of one minibatch, written into the parameters' ``.grad``.

    Buffers are allocated once and every product writes into them, so that an epoch of
    CD-1 does little besides its matrix products: ``v0 W^T``, ``h W``, ``vk W^T`` and the
    weight gradient. The negative and positive phases share two stacked buffers,
    ``visibles = [vk; v0]`` and ``hiddens = [P(h|vk); P(h|v0)]``; once the hidden rows are
    scaled by ``+1/n`` and ``-1/n``, the weight gradient is the single product
    ``hiddens^T visibles`` and the bias gradients are sums over their rows.
    """

    def __init__(self, W, b, c, cd_steps, batch_size, generator):
        self.W, self.b, self.c = W, b, c
        self.cd_steps = cd_steps
        self.generator = generator
        n_hidden, n_visible = W.shape
        empty = lambda *shape: torch.empty(*shape, dtype=W.dtype, device=W.device)  # noqa: E731
        self.visibles, self.hiddens = empty(2 * batch_size, n_visible), empty(2 * batch_size, n_hidden)
        self.v_mean, self.h = empty(batch_size, n_visible), empty(batch_size, n_hidden)
        self.phase_weights = empty(2 * batch_size)
        for p in (W, b, c):
            p.grad = torch.zeros_like(p)
        self.chains = None

    def start_chains(self, data, chains):
        """PCD: keep hidden chain states across batches, starting from ``chains`` or the data."""
        if chains is not None and chains.shape == self.h.shape:
            self.chains = torch.as_tensor(chains, device=self.W.device)
        else:
            rows = torch.arange(len(self.h), device=data.device) % len(data)
            self.chains = bernoulli(_mean_hiddens(data[rows], self.W, self.c), self.generator)

    def gradient(self, data, rows):
        """Write the gradient of ``mean F(v0) - mean F(vk)`` for the batch ``data[rows]`` into ``.grad``."""
        n = len(rows)
        W, b, c, g = self.W, self.b, self.c, self.generator
        visibles, hiddens, weights = self.visibles[:2 * n], self.hiddens[:2 * n], self.phase_weights[:2 * n]
        vk, v0, hk, h0 = visibles[:n], visibles[n:], hiddens[:n], hiddens[n:]
        v_mean, h = self.v_mean[:n], self.h[:n]
        torch.index_select(data, 0, rows, out=v0)
        torch.addmm(c, v0, W.t(), out=h0).sigmoid_()
        if self.chains is None:
            bernoulli(h0, g, out=h)
        else:
            h.copy_(self.chains[:n])
        for step in range(self.cd_steps):
            bernoulli(torch.addmm(b, h, W, out=v_mean).sigmoid_(), g, out=vk)
            torch.addmm(c, vk, W.t(), out=hk).sigmoid_()
            if step + 1 < self.cd_steps or self.chains is not None:
                bernoulli(hk, g, out=h)
        if self.chains is not None:
            self.chains[:n].copy_(h)
        weights[:n].fill_(1.0 / n)
        weights[n:].fill_(-1.0 / n)
        hiddens.mul_(weights.unsqueeze(1))
        torch.mm(hiddens.t(), visibles, out=W.grad)
        torch.mv(visibles.t(), weights, out=b.grad)
        torch.sum(hiddens, 0, out=c.grad)


def _mean_hiddens(v, W, c):
    return torch.sigmoid(torch.addmm(c, v, W.T))


def _mean_visibles(h, W, b):
    return torch.sigmoid(torch.addmm(b, h, W))


def _free_energy(v, W, b, c):
    return -(v @ b) - torch.nn.functional.softplus(torch.addmm(c, v, W.T)).sum(1)


def _log_odds(p):
    p = np.clip(p, _EPS, 1 - _EPS)
    return np.log(p) - np.log1p(-p)


def _check_hidden(H, n_components):
    H = check_array(H, accept_sparse="csr", dtype=(np.float32, np.float64))
    if H.shape[1] != n_components:
        raise ValueError(f"H has {H.shape[1]} columns, but the RBM has n_components={n_components} hidden units.")
    check_unit_interval(H, "H")
    return H
