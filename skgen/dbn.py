"""Deep belief network: a stack of Bernoulli RBMs trained greedily, layer by layer."""

import numpy as np
import torch
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state, column_or_1d
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, check_non_negative, validate_data

from skgen._base import (
    Boolean,
    LayerSizes,
    Options,
    TorchEstimator,
    check_unit_interval,
    resolve_device,
    seed_from,
    to_numpy,
    to_tensor,
    torch_generator,
)
from skgen.gbrbm import GaussianBernoulliRBM
from skgen.rbm import RBM

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
    random_state : int, RandomState instance or None, default=None
        Seeds every layer (each gets its own seed drawn from it). The same value gives the
        same weights on the CPU.
    **kwargs
        ``optimizer__<name>=value`` and ``lr_scheduler__<name>=value`` arguments for every layer.

    Attributes
    ----------
    rbms_ : list of RBM
        The fitted RBMs, bottom first. ``rbms_[i].components_`` has shape
        ``(hidden_layer_sizes[i], n_inputs_i)``; with ``joint_labels`` the top one has
        ``n_classes`` more inputs, the label units, last.
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
    belief nets. Neural Computation 18(7).

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
    """

    _parameter_constraints = {
        **RBM._parameter_constraints,
        "hidden_layer_sizes": [LayerSizes()],
        "visible_units": [Options("bernoulli", "gaussian")],
        "joint_labels": [Boolean()],
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
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self._set_routed_params(kwargs)

    def fit(self, X, y=None):
        """Fit the RBMs one after the other, each to the hidden probabilities of the last.

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
        X = self._validate(X, reset=True)
        labels = self._encode_labels(y, len(X)) if self.joint_labels else None
        data = to_tensor(X, resolve_device(self.device))
        rng = check_random_state(self.random_state)
        shared = {name: getattr(self, name) for name in _SHARED}
        shared.update({key: getattr(self, key) for key in self._routed_keys()})
        self.rbms_ = []
        for depth, size in enumerate(self.hidden_layer_sizes):
            if labels is not None and depth == len(self.hidden_layer_sizes) - 1:
                data = torch.cat([data, labels.to(data.device)], 1)
            rbm = self._layer(depth, size, seed_from(rng), shared).fit(data)
            self.rbms_.append(rbm)
            if depth + 1 < len(self.hidden_layer_sizes):
                data = rbm.mean_hiddens(data)
        return self

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
        data = to_tensor(self._validate(X, reset=False), self.rbms_[0]._inference_device())
        for depth, rbm in enumerate(self.rbms_):
            if depth == len(self.rbms_) - 1 and self.joint_labels:
                data = torch.cat([data, torch.full((len(data), len(self.classes_)), 1 / len(self.classes_),
                                                   device=data.device)], 1)
            data = rbm.mean_hiddens(data)
        return to_numpy(data)

    def inverse_transform(self, H):
        """Down pass: visible probabilities reached from top-layer hidden states ``H``.

        Each layer maps the probabilities above it to ``P(v=1 | h)`` of the layer below.

        Parameters
        ----------
        H : array-like of shape (n_samples, hidden_layer_sizes[-1])
            Top-layer states or probabilities, in [0, 1].

        Returns
        -------
        X : ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self)
        H = self.rbms_[-1].inverse_transform(H)
        if self.joint_labels:
            H = H[:, :-len(self.classes_)]
        for rbm in reversed(self.rbms_[:-1]):
            H = rbm.inverse_transform(H)
        return H

    def sample(self, n_samples=1, *, y=None, start="noise", sampler="gibbs", n_steps=1000, n_temperatures=None,
               return_probabilities=False, random_state=None):
        """Draw visibles: a Markov chain in the top RBM, then a stochastic down pass.

        The top RBM samples as :meth:`skgen.RBM.sample` does (same ``start``, ``sampler``
        and ``n_steps``, and the same advice on which give the best samples); each lower
        layer then draws its visibles given the states above.

        Parameters
        ----------
        n_samples : int, default=1
            Number of samples (independent chains); ignored when ``y`` or an array
            ``start`` says how many.
        y : array-like of shape (n_samples,) or a single label, default=None
            Classes to draw (``joint_labels=True`` only): the top RBM's label units are
            clamped to them. A single label is repeated ``n_samples`` times.
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
        if self.joint_labels:
            states = states[:, :-len(self.classes_)]
        states = torch.as_tensor(states, device=top._inference_device())
        generator = torch_generator(rng, states.device)
        for depth, rbm in reversed(list(enumerate(self.rbms_[:-1]))):
            states = rbm.mean_visibles(states) if depth == 0 and return_probabilities else \
                rbm.sample_visibles(states, generator)
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
