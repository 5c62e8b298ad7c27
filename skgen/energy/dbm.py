"""Deep Boltzmann machine: modified RBMs pretrained greedily, then trained jointly by mean field and Gibbs chains."""

import inspect

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted

from skgen._core.estimator import DensityMixin
from skgen._core.params import Boolean, Integer, LayerSizes, Real, check_param
from skgen._core.tensors import seed_from, to_numpy, torch_generator
from skgen._core.threads import fit_threads
from skgen.energy.dbm_machine import DeepBoltzmannMachine
from skgen.energy.rbm import RBM
from skgen.energy.template import EnergyEstimator, EnergyTransformerMixin
from skgen.energy.trainers import StochasticApproximation
from skgen.energy.units import BernoulliUnits, log_odds


class DBM(EnergyTransformerMixin, DensityMixin, EnergyEstimator):
    """Deep Boltzmann machine with binary units (Salakhutdinov & Hinton 2009).

    An undirected stack of binary layers ``v, h_1, ..., h_L``, each coupled to its
    neighbours only: unlike a :class:`skgen.DBN`, every hidden layer is inferred from the
    layers both below and above it. The posterior over the hidden layers is approximated by
    the mean-field fixed point of a factorised distribution, which :meth:`transform`
    returns for the top layer.

    :meth:`fit` runs in two stages:

    1. **Greedy pretraining** (``pretrain_epochs`` per layer, at ``pretrain_lr``): RBMs
       (:class:`skgen.RBM`, CD-1) trained bottom-up, each on the hidden probabilities of the
       one below, modified so that their composition counts no input twice. The bottom RBM
       sees two copies of the visibles, so that its hiddens take twice the input from
       below that they will get in the DBM, where the layer above supplies the other half
       (Salakhutdinov & Hinton 2009, section 3.1); the two copies' weights are learnt from
       identical data and averaged. The paper also ties two copies of the *top* layer; an
       RBM cannot tie its hidden units, so the top and the middle RBMs are trained plainly
       and their weights halved in the DBM, the rule of Salakhutdinov & Hinton (2012) for
       middle layers. A layer's bias is the mean of the two RBMs' biases for it.
    2. **Joint training** (``max_epochs``, at ``lr``): for each minibatch the data term of
       the gradient is the sufficient statistics of the mean-field posterior
       (``mean_field_steps`` sweeps from a bottom-up pass), the model term those of
       ``n_chains`` persistent Gibbs chains advanced ``cd_steps`` sweeps, which alternate
       between the odd and the even layers (stochastic approximation). The learning rate
       decays linearly to zero over ``max_epochs`` by default (``lr_scheduler``), as the
       paper decreases it to zero.

    :meth:`score_samples` is the variational lower bound of ``log p(v)``, with ``log Z``
    exact for a DBM small enough to enumerate and by annealed importance sampling
    otherwise (:meth:`log_partition`).

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(500, 1000)
        Units of each hidden layer, bottom first.
    pretrain_epochs : int, default=10
        Epochs of each pretraining RBM; 0 starts the joint training from small random
        weights.
    pretrain_lr : float, default=0.05
        Learning rate of the pretraining RBMs (with ``optimizer`` and its
        ``optimizer__*`` arguments, ``batch_size``, and no learning-rate schedule).
    mean_field_steps : int, default=10
        Mean-field sweeps of the posterior, in training and in :meth:`transform` and
        :meth:`score_samples`.
    cd_steps : int, default=5
        Gibbs sweeps of the persistent chains per update (the paper's 5).
    n_chains : int, default=100
        Persistent chains ("fantasy particles") of the joint training; ``None`` takes
        ``batch_size``.
    lr : float, default=0.005
        Learning rate of the joint training.
    max_epochs : int, default=10
        Passes over the training data of the joint training.
    batch_size : int, default=100
        Rows per minibatch, in pretraining and joint training.
    lr_scheduler : torch.optim.lr_scheduler.LRScheduler subclass or None, default=PolynomialLR
        The joint training's learning-rate schedule, stepped once per epoch, with its
        arguments as ``lr_scheduler__<name>=value``. A schedule that takes ``total_iters``
        gets ``max_epochs`` unless given: the default decays ``lr`` linearly to zero.
    warm_start : bool, default=False
        When the DBM is fitted, :meth:`fit` continues its joint training for ``max_epochs``
        more epochs, from its weights and persistent chains, appending to ``history_``,
        instead of pretraining anew: a long training can run in parts, each with its own
        ``lr`` (or ``lr_scheduler__*`` arguments) carrying on the schedule. It is
        :meth:`partial_fit`'s continuation (which every energy model has, one epoch per
        call) for ``max_epochs`` epochs; both raise ``ValueError`` when
        ``hidden_layer_sizes`` or ``n_chains`` no longer match the fitted model.
    %(training_parameters)s
    **kwargs
        ``optimizer__<name>=value`` and ``lr_scheduler__<name>=value`` arguments.

    Attributes
    ----------
    weights_ : list of ndarray
        ``weights_[l]`` of shape ``(n_{l+1}, n_l)`` couples layer ``l`` (0: the visibles)
        and layer ``l + 1``, as an RBM's ``components_``.
    intercepts_ : list of ndarray
        Biases of each layer, the visibles' first.
    visible_base_rates_ : ndarray of shape (n_features,)
        Mean of each feature over the training data; AIS anneals from the model of
        independent visibles with these means.
    n_samples_seen_ : int
        Training rows seen, over :meth:`fit`, warm starts and :meth:`partial_fit` calls.
    chains_ : ndarray of shape (n_chains, n_features)
        The persistent chains' visible states at the end of training;
        ``sample(start="chains")`` continues the chains.
    history_ : list of dict
        One entry per epoch of joint training: ``epoch``, ``reconstruction_error`` (mean
        squared error of ``P(v | mu_1)`` after mean field, on up to 1,000 training rows),
        ``lr`` and ``seconds``.
    n_features_in_ : int
        Number of features seen in :meth:`fit`.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features seen in :meth:`fit`, when they were all strings.

    See Also
    --------
    skgen.DBN : A stack of RBMs with directed lower layers.
    skgen.DNNClassifier : A classifier that a fitted DBM can initialise (``dbn=``).

    References
    ----------
    R. Salakhutdinov and G. E. Hinton (2009). Deep Boltzmann machines. AISTATS.

    R. Salakhutdinov and H. Larochelle (2010). Efficient learning of deep Boltzmann
    machines. AISTATS.

    R. Salakhutdinov and G. E. Hinton (2012). An efficient learning procedure for deep
    Boltzmann machines. Neural Computation 24(8).

    G. E. Hinton and R. Salakhutdinov (2012). A better way to pretrain deep Boltzmann
    machines. NIPS.

    Examples
    --------
    >>> import numpy as np
    >>> from skgen import DBM
    >>> X = np.array([[0, 0, 1, 1], [1, 0, 1, 0], [1, 1, 1, 1], [0, 1, 0, 0]] * 5)
    >>> dbm = DBM(hidden_layer_sizes=(3, 2), pretrain_epochs=5, max_epochs=5, batch_size=4,
    ...           n_chains=8, random_state=0).fit(X)
    >>> dbm.transform(X).shape
    (20, 2)
    >>> [weights.shape for weights in dbm.weights_]
    [(3, 4), (2, 3)]
    >>> dbm.sample(3, n_steps=10, random_state=0).shape
    (3, 4)
    >>> bool(dbm.score(X) < 0)
    True
    """

    _parameter_constraints = {
        **EnergyEstimator._parameter_constraints,
        "hidden_layer_sizes": [LayerSizes()],
        "pretrain_epochs": [Integer(0)],
        "pretrain_lr": [Real(0, closed="neither")],
        "mean_field_steps": [Integer(1)],
        "warm_start": [Boolean()],
    }

    def __init__(
        self,
        hidden_layer_sizes=(500, 1000),
        *,
        pretrain_epochs=10,
        pretrain_lr=0.05,
        mean_field_steps=10,
        cd_steps=5,
        n_chains=100,
        lr=0.005,
        max_epochs=10,
        batch_size=100,
        optimizer=torch.optim.SGD,
        lr_scheduler=torch.optim.lr_scheduler.PolynomialLR,
        warm_start=False,
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

    def _loop(self):
        """The joint training: ``max_epochs`` epochs into ``history_``."""
        return self.max_epochs, "history_", "joint epoch"

    def _resume(self, data):
        """Check that ``hidden_layer_sizes`` and ``n_chains`` are the fitted model's, and fold ``data`` into the
        visibles' running means (the base model of AIS)."""
        self._check_unchanged("hidden_layer_sizes", tuple(W.shape[0] for W in self.weights_))
        self._check_unchanged("n_chains", len(self.chains_), asked=self.n_chains or self.batch_size)
        self._visible_units().update_statistics(self, data)

    def _initialize(self, data, random_state):
        """The greedy pretraining: the fitted state of the DBM composed of modified RBMs (class docstring)."""
        self.n_samples_seen_ = 0
        self._visible_units().update_statistics(self, data)
        for name in ("chains_", "_chain_hiddens", "_log_partition_cache"):
            self.__dict__.pop(name, None)
        self.history_ = []
        with fit_threads(self.batch_size * self._largest_pretraining_rbm(data.shape[1])):  # caps the RBMs' fits
            weights, biases = self._pretrain(data, random_state)
        self.weights_, self.intercepts_ = [to_numpy(W) for W in weights], [to_numpy(b) for b in biases]

    def _pretrain(self, data, rng):
        """Weights bottom first and biases visible first of the DBM composed of greedily trained RBMs."""
        sizes = [data.shape[1], *self.hidden_layer_sizes]
        if self.pretrain_epochs == 0:
            generator = torch_generator(rng, data.device)
            weights = [0.01 * torch.randn(sizes[layer + 1], sizes[layer], generator=generator, device=data.device)
                       for layer in range(len(sizes) - 1)]
            return weights, [self._visible_base_bias(data.device), *(torch.zeros(n, device=data.device)
                                                                     for n in sizes[1:])]
        top = len(self.hidden_layer_sizes) - 1
        weights, biases_from_below, biases_from_above = [], [], []
        inputs = torch.cat([data, data], 1) if top > 0 else data
        for depth, size in enumerate(self.hidden_layer_sizes):
            rbm = self._pretraining_rbm(size, seed_from(rng)).fit(inputs)
            W, b, c = (torch.as_tensor(a, device=data.device) for a in (
                rbm.components_, rbm.intercept_visible_, rbm.intercept_hidden_))
            if depth == 0 and top > 0:
                W, b = _merge_copies(W, sizes[0]), _merge_copies(b, sizes[0])
            elif depth > 0:
                W = W / 2
            weights.append(W)
            biases_from_above.append(b)
            biases_from_below.append(c)
            if depth < top:
                inputs = rbm.mean_hiddens(inputs)
        # a hidden layer below the top has a bias from the RBM below it and one from the RBM above
        hidden_biases = [(below + above) / 2 for below, above in zip(biases_from_below[:-1], biases_from_above[1:])]
        return weights, [biases_from_above[0], *hidden_biases, biases_from_below[-1]]

    def _largest_pretraining_rbm(self, n_features):
        """Weights of the largest pretraining RBM, the bottom one seeing two copies of the visibles."""
        sizes = [n_features * (2 if len(self.hidden_layer_sizes) > 1 else 1), *self.hidden_layer_sizes]
        return max(n_in * n_out for n_in, n_out in zip(sizes, sizes[1:]))

    def _pretraining_rbm(self, size, seed):
        optimizer_arguments = {key: getattr(self, key) for key in self._routed_keys() if key.startswith("optimizer__")}
        return RBM(n_components=size, lr=self.pretrain_lr, max_epochs=self.pretrain_epochs,
                   batch_size=self.batch_size, optimizer=self.optimizer, precision=self.precision, device=self.device,
                   random_state=seed,
                   **optimizer_arguments)


    def _hidden_base_biases(self, biases, device):
        """The AIS base model's hidden biases: the log-odds of the persistent chains' mean states.

        A base of independent units near the model's marginals cuts the variance of AIS: on a
        784-500-1000 MNIST DBM, 100 runs of 20,000 temperatures carried 54-56 effective runs
        instead of 2 with hiddens at 1/2 (benchmarks/RESULTS.md). Without chains, 1/2.
        """
        if not hasattr(self, "_chain_hiddens"):
            return [torch.zeros(len(b), device=device) for b in biases[1:]]
        return [torch.as_tensor(log_odds(states.mean(0)), dtype=torch.float32, device=device)
                for states in self._chain_hiddens]

    def _visible_base_bias(self, device):
        return torch.as_tensor(log_odds(self.visible_base_rates_), dtype=torch.float32, device=device)

    def make_trainer(self, data, generator):
        """The stochastic approximation trainer of a copy of the fitted DBM, on ``data``'s device.

        It is set up by ``n_chains``, ``cd_steps`` and ``mean_field_steps``, and continues
        the persistent chains of the last training, else starts them at training rows.

        Parameters
        ----------
        data : Tensor of shape (n_samples, n_features)
            Training rows; new persistent chains start from them.
        generator : torch.Generator
            On ``data``'s device.

        Returns
        -------
        trainer : skgen.energy.trainers.StochasticApproximation
        """
        check_is_fitted(self)
        trainer = StochasticApproximation(self._make_machine(data.device), self.n_chains or self.batch_size,
                                          self.cd_steps, self.mean_field_steps, generator)
        previous = [self.chains_, *self._chain_hiddens] if hasattr(self, "chains_") else None
        trainer.start_chains(data, previous)
        return trainer

    def store_trainer(self, trainer):
        """Take the weights, biases and persistent chains of ``trainer`` as the fitted state.

        Parameters
        ----------
        trainer : skgen.energy.trainers.StochasticApproximation
            A trainer from :meth:`make_trainer`, after training.
        """
        self.weights_ = [to_numpy(W) for W in trainer.machine.weights]
        self.intercepts_ = [to_numpy(b) for b in trainer.machine.biases]
        self.chains_ = to_numpy(trainer.chains[0])
        self._chain_hiddens = [to_numpy(x) for x in trainer.chains[1:]]

    def _make_lr_scheduler(self, optimizer):
        """The ``lr_scheduler`` over ``optimizer``; one that takes ``total_iters`` gets ``max_epochs`` unless routed."""
        if self.lr_scheduler is None:
            return None
        arguments = self._routed("lr_scheduler__")
        if "total_iters" in inspect.signature(self.lr_scheduler).parameters:
            arguments.setdefault("total_iters", self.max_epochs)
        return self.lr_scheduler(optimizer, **arguments)

    def _make_machine(self, device, training=False):
        """The fitted DBM as a new :class:`skgen.energy.dbm_machine.DeepBoltzmannMachine` on ``device`` (its tensors
        copies of the fitted arrays, which a trainer may update in place), with the base model of AIS
        (:meth:`_hidden_base_biases`) and ``mean_field_steps``."""
        as_parameter = lambda a: torch.as_tensor(a, dtype=torch.float32, device=device).clone()  # noqa: E731
        base = [self._visible_base_bias(device), *self._hidden_base_biases(self.intercepts_, device)]
        return DeepBoltzmannMachine([as_parameter(W) for W in self.weights_], [as_parameter(b) for b in self.intercepts_],
                                    base, self.mean_field_steps)

    def _persistent_chains(self):
        """The persistent chains of every layer: :attr:`chains_`, then the hidden layers' states."""
        if not hasattr(self, "chains_"):
            return None
        return [self.chains_, *getattr(self, "_chain_hiddens", [])]

    # -- the model as a transformer ------------------------------------------------------

    def transform(self, X):
        """Mean-field posterior probabilities of the top hidden layer, ``q(h_L = 1 | v = X)``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        H : ndarray of shape (n_samples, hidden_layer_sizes[-1])
        """
        return to_numpy(self._mean_field(X)[-1])

    def posterior(self, X):
        """Mean-field posterior probabilities of every hidden layer, ``[q(h_1 = 1 | v = X), ...]``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Visible rows, in [0, 1].

        Returns
        -------
        means : list of ndarray
            One array of shape ``(n_samples, hidden_layer_sizes[l])`` per hidden layer,
            bottom first; the last is :meth:`transform`'s.
        """
        return [to_numpy(mu) for mu in self._mean_field(X)[1:]]

    def _mean_field(self, X):
        v = self._inference_rows(X)
        machine = self._machine(v.device)
        with torch.no_grad(), fit_threads(len(v) * machine.largest_weights):
            return machine.mean_field(v, self.mean_field_steps)

    @property
    def _n_features_out(self):
        """Number of transformed output features, for ``get_feature_names_out``."""
        return self.weights_[-1].shape[0]

    def recognition_layers(self, augmented=False):
        """The bottom-up pass that starts mean field, as feed-forward layers: ``[(weight, bias), ...]``.

        Layer ``l`` computes ``sigmoid(weight @ x + bias)`` from the layer below; below the
        top the weights are doubled, standing in for the input that the layer above gives
        in the DBM (Salakhutdinov & Larochelle 2010). :class:`skgen.DNNClassifier` copies
        these layers when given a fitted DBM as ``dbn``.

        Parameters
        ----------
        augmented : bool, default=False
            Layers for the "augmented input" ``[v, q(h_2 | v)]`` of Salakhutdinov & Hinton
            (2009, section 4.2): the first layer takes ``W_1`` from ``v`` and ``W_2^T`` from
            the second layer's mean-field posterior (:meth:`posterior`), the input the DBM
            gives ``h_1`` from both its neighbours, so its weights are not doubled. At the
            mean-field fixed point of a two-layer DBM these layers compute ``q(h_1)`` and
            ``q(h_2)`` exactly. Needs at least two hidden layers.

        Returns
        -------
        layers : list of (ndarray, ndarray)
            ``(weight, bias)`` float32 copies of shapes ``(n_{l+1}, n_l)`` and ``(n_{l+1},)``,
            bottom first; with ``augmented``, the first weight has shape
            ``(n_1, n_features_in_ + n_2)``.
        """
        check_is_fitted(self)
        check_param("augmented", augmented, Boolean(), owner=type(self).__name__)
        if augmented and len(self.weights_) < 2:
            raise ValueError("augmented=True needs a DBM with at least two hidden layers; this one has "
                             f"{len(self.weights_)}.")
        top = len(self.weights_) - 1
        weights = [W * (1.0 if layer == top else 2.0) for layer, W in enumerate(self.weights_)]
        if augmented:
            weights[0] = np.hstack([self.weights_[0], self.weights_[1].T])
        return [(np.array(W, dtype=np.float32), np.array(self.intercepts_[layer + 1], dtype=np.float32))
                for layer, W in enumerate(weights)]


def _merge_copies(tensor, n_features):
    """The mean of the two copies' halves (last axis) of the bottom RBM's visible side."""
    return (tensor[..., :n_features] + tensor[..., n_features:]) / 2

