"""Deep belief network: a stack of Bernoulli RBMs trained greedily, layer by layer, then fine-tuned by up-down."""

import time

import numpy as np
import torch
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state, column_or_1d
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, check_non_negative, validate_data

from skgen._base import (
    Boolean,
    Integer,
    LayerSizes,
    Options,
    TorchEstimator,
    bernoulli,
    check_finite,
    check_unit_interval,
    minibatches,
    resolve_device,
    seed_from,
    to_numpy,
    to_tensor,
    torch_generator,
)
from skgen._threads import fit_threads
from skgen.gbrbm import GaussianBernoulliRBM
from skgen.rbm import RBM, _ContrastiveDivergence

#: rows of the training data on which the per-epoch reconstruction error of fine-tuning is measured
_MONITOR_ROWS = 1000
#: the RBM parameters that every layer shares, as the DBN's own parameters
_SHARED = ("cd_steps", "persistent", "n_chains", "sampler", "n_temperatures", "centered", "lr", "max_epochs",
           "batch_size", "optimizer", "lr_scheduler", "device", "verbose")


class DBN(ClassNamePrefixFeaturesOutMixin, TransformerMixin, TorchEstimator):
    """Deep belief network of Bernoulli RBMs, trained greedily layer by layer.

    The first RBM is fitted to the data, each next one to the hidden probabilities of the
    one below (Hinton, Osindero & Teh 2006); the layers pass tensors to each other on the
    training device. As a transformer, the network maps data to the hidden probabilities
    of its top layer (the up pass); as a generative model, the top RBM is an associative
    memory whose Markov chain is followed by a stochastic down pass through the directed
    lower layers.

    With ``joint_labels=True``, ``fit(X, y)`` joins one-hot label units to the visible
    layer of the top RBM, which then models images and their classes together; clamping
    those units in :meth:`sample` draws images of the asked classes (Hinton et al. 2006).

    With ``fine_tune_epochs > 0``, the greedy training is followed by generative
    fine-tuning with the up-down algorithm (Hinton et al. 2006, appendix B). The weights
    of each lower layer are untied into recognition weights, which the up pass uses, and
    generative weights, which the down pass uses; both start at the greedily trained RBM's.
    For each minibatch, the wake phase drives the data up through the recognition weights
    with stochastic binary states; the top RBM, whose weights stay tied, takes a step of
    its own training (CD-k from the wake states, or PCD or tempering as configured); the
    sleep phase drives the top RBM's negative states down through the generative weights,
    again with stochastic states. The generative weights then learn by the delta rule to
    reconstruct each layer's wake states from the wake states above, and the recognition
    weights to infer each layer's sleep states from the sleep states below. Every update
    is a step of ``optimizer`` at ``lr``.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(200, 200)
        Hidden units of each RBM, bottom first.
    visible_units : {"bernoulli", "gaussian"}, default="bernoulli"
        The data's unit type: binary (or probabilities in [0, 1]), or real-valued, which
        makes the first layer a :class:`skgen.GaussianBernoulliRBM`.
    cd_steps, persistent, n_chains, sampler, n_temperatures, centered, lr, max_epochs, batch_size, optimizer, lr_scheduler, device, verbose
        Training parameters shared by every layer; see :class:`skgen.RBM` (a Gaussian
        first layer is not centred).
    joint_labels : bool, default=False
        Train the top RBM on the top features joined with one-hot labels, so that
        :meth:`sample` can be asked for classes. ``fit`` then needs ``y``; without it,
        ``fit`` ignores ``y`` as every transformer does.
    fine_tune_epochs : int, default=0
        Epochs of up-down fine-tuning after the greedy training (0: none). Each is a pass
        over the training data in minibatches of ``batch_size``; the optimizer (with its
        ``optimizer__*`` arguments) and ``lr_scheduler`` are built anew, as for a layer.
        Needs ``visible_units="bernoulli"``. With ``joint_labels``, the top RBM's negative
        phase draws the label units as independent Bernoulli units, as in greedy training.
    random_state : int, RandomState instance or None, default=None
        Seeds every layer (each gets its own seed drawn from it), then the fine-tuning. The
        same value gives the same weights on the CPU.
    **kwargs
        ``optimizer__<name>=value`` and ``lr_scheduler__<name>=value`` arguments for every layer.

    Attributes
    ----------
    rbms_ : list of RBM
        The fitted RBMs, bottom first. ``rbms_[i].components_`` has shape
        ``(hidden_layer_sizes[i], n_inputs_i)``; with ``joint_labels`` the top one has
        ``n_classes`` more inputs, the label units, last.
        After fine-tuning, the lower RBMs hold the recognition weights
        (``components_`` and ``intercept_hidden_``), which :meth:`transform` uses, and
        keep their greedily trained ``intercept_visible_``, which the DBN no longer uses.
    generative_weights_ : list of ndarray
        The down pass's weights, one per lower layer, bottom first:
        ``generative_weights_[i]`` has the shape of ``rbms_[i].components_``.
        :meth:`sample` and :meth:`inverse_transform` use them. Copies of
        ``rbms_[i].components_`` without fine-tuning; empty for a one-layer DBN.
    generative_intercepts_ : list of ndarray
        The down pass's visible biases, one per lower layer, bottom first: copies of
        ``rbms_[i].intercept_visible_`` without fine-tuning.
    fine_tune_history_ : list of dict
        One entry per fine-tuning epoch: ``epoch``, ``reconstruction_error`` (mean squared
        error of ``inverse_transform(transform(X))`` on up to 1,000 training rows), ``lr``
        and ``seconds``. Empty without fine-tuning.
    classes_ : ndarray of shape (n_classes,)
        The labels (``joint_labels=True`` only).
    n_features_in_ : int
        Number of features seen in :meth:`fit`.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features seen in :meth:`fit`, when they were all strings.

    See Also
    --------
    skgen.RBM : One layer.
    skgen.DNNClassifier : A classifier whose hidden layers a fitted DBN can initialise.

    References
    ----------
    G. E. Hinton, S. Osindero and Y.-W. Teh (2006). A fast learning algorithm for deep
    belief nets. Neural Computation 18(7), appendix B for the up-down algorithm.

    Examples
    --------
    >>> import numpy as np
    >>> from skgen import DBN
    >>> X = np.array([[0, 0, 1, 1], [1, 0, 1, 0], [1, 1, 1, 1], [0, 1, 0, 0]] * 5)
    >>> dbn = DBN(hidden_layer_sizes=(3, 2), max_epochs=20, random_state=0).fit(X)
    >>> dbn.transform(X).shape
    (20, 2)
    >>> [rbm.components_.shape for rbm in dbn.rbms_]
    [(3, 4), (2, 3)]
    >>> dbn.sample(5, random_state=0).shape
    (5, 4)
    >>> y = np.array([0, 1, 1, 0] * 5)
    >>> labelled = DBN(hidden_layer_sizes=(3, 4), joint_labels=True, max_epochs=20, random_state=0).fit(X, y)
    >>> labelled.sample(y=[1, 1, 0], random_state=0).shape
    (3, 4)
    >>> tuned = DBN(hidden_layer_sizes=(3, 2), max_epochs=20, fine_tune_epochs=5, random_state=0).fit(X)
    >>> [weights.shape for weights in tuned.generative_weights_]
    [(3, 4)]
    >>> len(tuned.fine_tune_history_)
    5
    """

    _parameter_constraints = {
        **RBM._parameter_constraints,
        "hidden_layer_sizes": [LayerSizes()],
        "visible_units": [Options("bernoulli", "gaussian")],
        "joint_labels": [Boolean()],
        "fine_tune_epochs": [Integer(0)],
    }

    def __init__(
        self,
        hidden_layer_sizes=(200, 200),
        *,
        visible_units="bernoulli",
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
        joint_labels=False,
        fine_tune_epochs=0,
        device="cpu",
        random_state=None,
        verbose=0,
        **kwargs,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.visible_units = visible_units
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
        self.joint_labels = joint_labels
        self.fine_tune_epochs = fine_tune_epochs
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self._set_routed_params(kwargs)

    def fit(self, X, y=None):
        """Fit the RBMs one after the other, each to the hidden probabilities of the last.

        Then, with ``fine_tune_epochs > 0``, fine-tune the network by the up-down algorithm.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Values in [0, 1]: binary data, or probabilities.
        y : array-like of shape (n_samples,), default=None
            Class labels, joined to the top RBM when ``joint_labels=True``; ignored otherwise.

        Returns
        -------
        self : DBN
        """
        self._validate_params()
        if self.fine_tune_epochs and self.visible_units == "gaussian":
            raise ValueError("fine_tune_epochs > 0 needs visible_units='bernoulli': the up-down fine-tuning "
                             "of a Gaussian first layer is not supported.")
        X = self._validate(X, reset=True)
        labels = self._encode_labels(y, X.shape[0]) if self.joint_labels else None
        visibles = to_tensor(X, resolve_device(self.device))
        labels = None if labels is None else labels.to(visibles.device)
        rng = check_random_state(self.random_state)
        shared = {name: getattr(self, name) for name in _SHARED}
        shared.update({key: getattr(self, key) for key in self._routed_keys()})
        self.rbms_ = []
        data = visibles
        for depth, size in enumerate(self.hidden_layer_sizes):
            if labels is not None and depth == len(self.hidden_layer_sizes) - 1:
                data = torch.cat([data, labels], 1)
            rbm = self._layer(depth, size, seed_from(rng), shared).fit(data)
            self.rbms_.append(rbm)
            if depth + 1 < len(self.hidden_layer_sizes):
                data = rbm.mean_hiddens(data)
        self.generative_weights_ = [rbm.components_.copy() for rbm in self.rbms_[:-1]]
        self.generative_intercepts_ = [rbm.intercept_visible_.copy() for rbm in self.rbms_[:-1]]
        self.fine_tune_history_ = []
        if self.fine_tune_epochs:
            self._fine_tune(visibles, labels, data, rng)
        return self

    def _fine_tune(self, visibles, labels, top_data, rng):
        """Run the up-down algorithm; ``top_data`` is what the top RBM was trained on greedily."""
        generator = torch_generator(rng, visibles.device)
        up_down = _UpDown(self, min(self.batch_size, len(visibles)), generator)
        up_down.top.start_chains(top_data, getattr(self.rbms_[-1], "_chain_state", None))
        optimizer = self._make_optimizer(up_down.parameters)
        scheduler = self._make_lr_scheduler(optimizer)
        monitor = visibles[torch.randperm(len(visibles), generator=generator, device=visibles.device)[:_MONITOR_ROWS]]
        with fit_threads(min(self.batch_size, len(visibles)) * max(rbm.components_.size for rbm in self.rbms_)):
            for epoch in range(1, self.fine_tune_epochs + 1):
                start, lr = time.perf_counter(), optimizer.param_groups[0]["lr"]
                for rows in minibatches(len(visibles), self.batch_size, generator):
                    up_down.gradient(visibles[rows], None if labels is None else labels[rows])
                    optimizer.step()
                    up_down.after_step()
                if scheduler is not None:
                    scheduler.step()
                check_finite(epoch, self.lr, weights=up_down.parameters)
                up_down.store(self)
                self._record_epoch(monitor, lr, time.perf_counter() - start)

    def _record_epoch(self, monitor, lr, seconds):
        error = torch.mean((self._reconstruct(monitor) - monitor) ** 2).item()
        entry = {"epoch": len(self.fine_tune_history_) + 1, "reconstruction_error": error, "lr": lr,
                 "seconds": seconds}
        self.fine_tune_history_.append(entry)
        if self.verbose:
            print(f"[DBN] fine-tuning epoch {entry['epoch']}: reconstruction error {error:.5f}, lr {lr:.3g}, "
                  f"{seconds:.2f}s")

    def _layer(self, depth, size, seed, shared):
        """The RBM of layer ``depth``: Gaussian-Bernoulli at the bottom for real-valued data."""
        if depth == 0 and self.visible_units == "gaussian":
            shared = {name: value for name, value in shared.items() if name != "centered"}
            return GaussianBernoulliRBM(n_components=size, random_state=seed, **shared)
        return RBM(n_components=size, random_state=seed, **shared)

    def _encode_labels(self, y, n_samples):
        """One-hot labels as a tensor; sets ``classes_``."""
        if y is None:
            raise ValueError("DBN(joint_labels=True) needs the labels: call fit(X, y).")
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        if len(y) != n_samples:
            raise ValueError(f"y has {len(y)} labels for {n_samples} rows of X.")
        encoder = LabelEncoder().fit(y)
        self.classes_ = encoder.classes_
        return torch.nn.functional.one_hot(torch.as_tensor(encoder.transform(y)), len(self.classes_)).float()

    def _validate(self, X, reset):
        X = validate_data(self, X, accept_sparse="csr", dtype=(np.float32, np.float64), reset=reset)
        if self.visible_units == "gaussian":
            return X
        try:
            check_unit_interval(X)
        except ValueError:
            check_non_negative(X, type(self).__name__)  # scikit-learn's wording for negative values
            raise
        return X

    def transform(self, X):
        """Up pass: hidden probabilities of the top layer, layer by layer.

        With ``joint_labels``, the label units hold ``1 / n_classes`` each (no class known).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Values in [0, 1].

        Returns
        -------
        H : ndarray of shape (n_samples, hidden_layer_sizes[-1])
        """
        check_is_fitted(self)
        return to_numpy(self._up_pass(to_tensor(self._validate(X, reset=False), self.rbms_[0]._inference_device())))

    def _up_pass(self, data):
        """Top hidden probabilities of visible rows (a tensor), through the recognition weights."""
        for depth, rbm in enumerate(self.rbms_):
            if depth == len(self.rbms_) - 1 and self.joint_labels:
                data = torch.cat([data, torch.full((len(data), len(self.classes_)), 1 / len(self.classes_),
                                                   device=data.device)], 1)
            data = rbm.mean_hiddens(data)
        return data

    def inverse_transform(self, H):
        """Down pass: visible probabilities reached from top-layer hidden states ``H``.

        The top RBM maps ``H`` to its visible probabilities, then each lower layer maps the
        probabilities above it to ``P(v=1 | h)`` of the layer below, through its generative
        weights.

        Parameters
        ----------
        H : array-like of shape (n_samples, hidden_layer_sizes[-1])
            Top-layer states or probabilities, in [0, 1].

        Returns
        -------
        X : ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self)
        top_visibles = self._without_labels(self.rbms_[-1].inverse_transform(H))
        return to_numpy(self._down_pass(to_tensor(top_visibles, self._inference_device())))

    def _reconstruct(self, data):
        """``inverse_transform(transform(data))`` on tensors."""
        top_visibles = self.rbms_[-1].mean_visibles(self._up_pass(data))
        return self._down_pass(self._without_labels(top_visibles))

    def _without_labels(self, top_visibles):
        """The top RBM's visible rows (an array or a tensor) without their label units."""
        return top_visibles[:, :-len(self.classes_)] if self.joint_labels else top_visibles

    def _down_pass(self, states):
        """Mean visibles of the bottom layer (``P(v=1 | h)``, or a Gaussian's means), for states or
        probabilities of the top RBM's visibles."""
        for weights, intercept in self._generative_layers(states.device):
            states = _conditional_visibles(states, weights, intercept)
        return states if len(self.rbms_) == 1 or self.visible_units == "bernoulli" else \
            self.rbms_[0].mean_visibles(states)

    def _generative_layers(self, device):
        """The lower layers' generative weights and visible biases as tensors on ``device``, top first.

        A Gaussian bottom layer is left out: the GaussianBernoulliRBM draws its visibles itself.
        """
        gaussian = self.visible_units == "gaussian"
        pairs = list(zip(self.generative_weights_[gaussian:], self.generative_intercepts_[gaussian:]))[::-1]
        return [(torch.as_tensor(weights, device=device), torch.as_tensor(intercept, device=device))
                for weights, intercept in pairs]

    def sample(self, n_samples=1, *, y=None, start="noise", sampler="gibbs", n_steps=1000, n_temperatures=None,
               return_probabilities=False, random_state=None):
        """Draw visibles: a Markov chain in the top RBM, then a stochastic down pass.

        The top RBM samples as :meth:`skgen.RBM.sample` does (same ``start``, ``sampler``
        and ``n_steps``, and the same advice on which give the best samples); each lower
        layer then draws its visibles given the states above, through its generative weights.

        Parameters
        ----------
        n_samples : int, default=1
            Number of samples (independent chains); ignored when ``y`` or an array
            ``start`` says how many.
        y : array-like of shape (n_samples,) or a single label, default=None
            Classes to draw (``joint_labels=True`` only): the top RBM's label units are
            clamped to them. A single label is repeated ``n_samples`` times. The label
            units pull a chain only weakly: from ``"noise"``, give it thousands of
            ``n_steps`` (on MNIST, 1,000 steps left 18% of the asked 1s as other digits,
            3,000 fewer than 3%).
        start : {"noise", "chains"} or array-like of shape (n_chains, n_features), default="noise"
            Where the top chains start: random states, the top RBM's persistent chains, or
            the up pass of these data rows.
        sampler : {"gibbs", "tempering"}, default="gibbs"
            The top RBM's sampler.
        n_steps : int, default=1000
            Steps in the top RBM.
        n_temperatures : int, default=None
            Temperatures of tempering; ``None`` takes the estimator's ``n_temperatures``.
        return_probabilities : bool, default=False
            Return the bottom layer's ``P(v=1 | h)`` instead of binary draws.
        random_state : int, RandomState instance or None, default=None
            Seeds the chains and the down pass; ``None`` draws fresh randomness.

        Returns
        -------
        samples : ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self)
        rng = check_random_state(random_state)
        top = self.rbms_[-1]
        labels = self._labels_to_clamp(y, n_samples)
        if labels is not None:
            n_samples = len(labels)
        start = self._top_start(start, labels)
        clamp = None if labels is None else (np.arange(top.n_features_in_ - len(self.classes_), top.n_features_in_),
                                             labels)
        states = top.sample(n_samples, start=start, sampler=sampler, n_steps=n_steps, n_temperatures=n_temperatures,
                            return_probabilities=return_probabilities and len(self.rbms_) == 1, clamp=clamp,
                            random_state=seed_from(rng))
        states = torch.as_tensor(self._without_labels(states), device=top._inference_device())
        generator = torch_generator(rng, states.device)
        layers = self._generative_layers(states.device)
        for height, (weights, intercept) in enumerate(layers, 1):
            states = _conditional_visibles(states, weights, intercept)
            if height < len(layers) or not return_probabilities or self.visible_units == "gaussian":
                states = bernoulli(states, generator)
        if self.visible_units == "gaussian" and len(self.rbms_) > 1:
            bottom = self.rbms_[0]
            states = bottom.mean_visibles(states) if return_probabilities else bottom.sample_visibles(states, generator)
        return to_numpy(states)

    def _labels_to_clamp(self, y, n_samples):
        """One-hot rows for the classes ``y`` asks for, or None."""
        if y is None:
            return None
        if not self.joint_labels:
            raise ValueError("sample(y=...) needs a DBN fitted with joint_labels=True.")
        y = np.repeat(y, n_samples) if np.ndim(y) == 0 else column_or_1d(y)
        unknown = set(np.unique(y).tolist()) - set(self.classes_.tolist())
        if unknown:
            raise ValueError(f"y holds labels the DBN was not fitted on: {sorted(unknown)}; "
                             f"known classes are {self.classes_.tolist()}.")
        return np.eye(len(self.classes_), dtype=np.float32)[np.searchsorted(self.classes_, y)]

    def _top_start(self, start, labels):
        """``start`` for the top RBM: strings pass through, data rows go up the lower layers."""
        if isinstance(start, str):
            return start
        data = to_tensor(self._validate(start, reset=False), self.rbms_[0]._inference_device())
        for rbm in self.rbms_[:-1]:
            data = rbm.mean_hiddens(data)
        if self.joint_labels:
            fill = labels if labels is not None else np.full((len(data), len(self.classes_)), 1 / len(self.classes_))
            data = torch.cat([data, torch.as_tensor(fill, dtype=torch.float32, device=data.device)], 1)
        return to_numpy(data)

    @property
    def _n_features_out(self):
        """Number of transformed output features, for ``get_feature_names_out``."""
        return self.rbms_[-1].components_.shape[0]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.input_tags.positive_only = self.visible_units == "bernoulli"
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags


def _conditional_visibles(states, weights, intercept):
    """``P(v=1 | h)`` of a directed layer of sigmoid units: ``sigmoid(h W + b)``."""
    return torch.addmm(intercept, states, weights).sigmoid_()


class _SigmoidLayer:
    """A directed layer of sigmoid units, trained by the delta rule.

    ``weights`` is stored hidden x visible, as an RBM's ``components_``: a recognition
    layer (``upward``) infers hiddens from visibles, ``P(h=1 | v) = sigmoid(v W^T + c)``;
    a generative layer infers visibles from hiddens, ``P(v=1 | h) = sigmoid(h W + b)``.
    """

    def __init__(self, weights, bias, upward):
        self.weights, self.bias, self.upward = weights, bias, upward
        for parameter in (weights, bias):
            parameter.grad = torch.zeros_like(parameter)

    @classmethod
    def copy_of(cls, weights, bias, device, upward):
        """A layer training float32 copies of the arrays ``weights`` and ``bias`` on ``device``."""
        return cls(*(torch.as_tensor(array, dtype=torch.float32, device=device).clone() for array in (weights, bias)),
                   upward)

    def probabilities(self, causes):
        """``P(effect=1 | causes)``."""
        if self.upward:
            return torch.addmm(self.bias, causes, self.weights.T).sigmoid_()
        return _conditional_visibles(causes, self.weights, self.bias)

    def sample(self, causes, generator):
        """Binary effects drawn given ``causes``."""
        return bernoulli(self.probabilities(causes), generator)

    def delta_rule(self, causes, effects):
        """Write minus the delta rule ``causes^T (effects - P(effect=1 | causes)) / n`` into ``.grad``.

        That is the gradient of the mean cross-entropy of ``effects``, which the optimizer descends.
        """
        error = self.probabilities(causes).sub_(effects).div_(len(causes))
        if self.upward:
            torch.mm(error.T, causes, out=self.weights.grad)
        else:
            torch.mm(causes.T, error, out=self.weights.grad)
        torch.sum(error, 0, out=self.bias.grad)


class _UpDown:
    """The up-down algorithm's gradient for one minibatch (Hinton, Osindero & Teh 2006, appendix B).

    The lower layers are untied into recognition layers, which start at the RBMs'
    ``components_`` and ``intercept_hidden_``, and generative layers, which start at the
    DBN's ``generative_weights_`` and ``generative_intercepts_``. The top RBM keeps tied
    weights and its own negative phase (:class:`skgen.rbm._ContrastiveDivergence`).
    """

    def __init__(self, dbn, batch_size, generator):
        device = resolve_device(dbn.device)
        top = dbn.rbms_[-1]
        self.generator = generator
        self.top_machine = top._machine(device, training=True)
        self.top = _ContrastiveDivergence(top, self.top_machine, batch_size, generator)
        self.n_top_features = top.n_features_in_ - (len(dbn.classes_) if dbn.joint_labels else 0)
        self.recognition = [_SigmoidLayer.copy_of(rbm.components_, rbm.intercept_hidden_, device, upward=True)
                            for rbm in dbn.rbms_[:-1]]
        self.generative = [_SigmoidLayer.copy_of(weights, intercept, device, upward=False)
                           for weights, intercept in zip(dbn.generative_weights_, dbn.generative_intercepts_)]
        self.parameters = [*self.top.parameters,
                           *(p for layer in self.recognition + self.generative for p in (layer.weights, layer.bias))]

    def gradient(self, visibles, labels):
        """Write the up-down gradient of a minibatch of visible rows (and one-hot labels) into ``.grad``."""
        wake = self.wake_phase(visibles)
        self.top_visibles = wake[-1] if labels is None else torch.cat([wake[-1], labels], 1)
        self.top.gradient(self.top_visibles)
        sleep = self.sleep_phase(self.top.model_chains()[:, :self.n_top_features])
        for layer, below, above in zip(self.generative, wake, wake[1:]):
            layer.delta_rule(above, below)
        for layer, below, above in zip(self.recognition, sleep, sleep[1:]):
            layer.delta_rule(below, above)

    def wake_phase(self, visibles):
        """States of every layer, bottom first, drawn up from the data through the recognition weights."""
        states = [visibles]
        for layer in self.recognition:
            states.append(layer.sample(states[-1], self.generator))
        return states

    def sleep_phase(self, top_states):
        """States of every layer, bottom first, drawn down from the top RBM's through the generative weights."""
        states = [top_states]
        for layer in reversed(self.generative):
            states.insert(0, layer.sample(states[0], self.generator))
        return states

    def after_step(self):
        """The top RBM's constraints and centering offsets after an optimizer step."""
        self.top.after_step(self.top_visibles)

    def store(self, dbn):
        """Write the weights into the DBN: recognition into the lower RBMs, generative into its own attributes."""
        for rbm, layer in zip(dbn.rbms_[:-1], self.recognition):
            rbm.components_, rbm.intercept_hidden_ = to_numpy(layer.weights), to_numpy(layer.bias)
        dbn.generative_weights_ = [to_numpy(layer.weights) for layer in self.generative]
        dbn.generative_intercepts_ = [to_numpy(layer.bias) for layer in self.generative]
        dbn.rbms_[-1]._store(self.top_machine, self.top)
