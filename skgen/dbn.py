"""Deep belief network: a stack of Bernoulli RBMs trained greedily, layer by layer."""

import numbers

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, check_non_negative, validate_data

from skgen._base import RoutedParamsMixin, bernoulli, check_unit_interval, seed_from, to_numpy, torch_generator
from skgen.rbm import RBM, _mean_visibles

#: the RBM parameters that every layer shares, as the DBN's own parameters
_SHARED = ("cd_steps", "persistent", "lr", "max_epochs", "batch_size", "optimizer", "device", "verbose")


class DBN(RoutedParamsMixin, ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Deep belief network of Bernoulli RBMs, trained greedily layer by layer.

    The first RBM is fitted to the data, each next one to the hidden probabilities of the
    one below (Hinton, Osindero & Teh 2006). As a transformer, the network maps data to
    the hidden probabilities of its top layer (the up pass); as a generative model, the
    top RBM is an associative memory whose Gibbs chain is followed by a stochastic down
    pass through the directed lower layers.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(200, 200)
        Hidden units of each RBM, bottom first.
    cd_steps, persistent, lr, max_epochs, batch_size, optimizer, device, verbose
        Training parameters shared by every layer; see :class:`skgen.RBM`.
    random_state : int, RandomState instance or None, default=None
        Seeds every layer (each gets its own seed drawn from it). The same value gives the
        same weights on the CPU.
    **kwargs
        ``optimizer__<name>=value`` arguments for every layer's optimizer.

    Attributes
    ----------
    rbms_ : list of RBM
        The fitted RBMs, bottom first. ``rbms_[i].components_`` has shape
        ``(hidden_layer_sizes[i], n_inputs_i)``.
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
    """

    def __init__(
        self,
        hidden_layer_sizes=(200, 200),
        *,
        cd_steps=1,
        persistent=False,
        lr=0.1,
        max_epochs=10,
        batch_size=10,
        optimizer=torch.optim.SGD,
        device="cpu",
        random_state=None,
        verbose=0,
        **kwargs,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.cd_steps = cd_steps
        self.persistent = persistent
        self.lr = lr
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.optimizer = optimizer
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
        y : None
            Ignored.

        Returns
        -------
        self : DBN
        """
        sizes = self._layer_sizes()
        X = self._validate(X, reset=True)
        rng = check_random_state(self.random_state)
        shared = {name: getattr(self, name) for name in _SHARED}
        shared.update({key: getattr(self, key) for key in self._routed_keys()})
        self.rbms_ = []
        for size in sizes:
            rbm = RBM(n_components=size, random_state=seed_from(rng), **shared).fit(X)
            self.rbms_.append(rbm)
            if len(self.rbms_) < len(sizes):
                X = rbm.transform(X)
        return self

    def _layer_sizes(self):
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, numbers.Integral):
            sizes = (sizes,)
        sizes = tuple(sizes) if np.iterable(sizes) else ()
        if not sizes or not all(isinstance(s, numbers.Integral) and not isinstance(s, bool) and s > 0
                                for s in sizes):
            raise ValueError(f"hidden_layer_sizes must be a non-empty tuple of positive integers, "
                             f"got {self.hidden_layer_sizes!r}.")
        return sizes

    def _validate(self, X, reset):
        X = validate_data(self, X, accept_sparse="csr", dtype=(np.float32, np.float64), reset=reset)
        try:
            check_unit_interval(X)
        except ValueError:
            check_non_negative(X, type(self).__name__)  # scikit-learn's wording for negative values
            raise
        return X

    def transform(self, X):
        """Up pass: hidden probabilities of the top layer, layer by layer.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Values in [0, 1].

        Returns
        -------
        H : ndarray of shape (n_samples, hidden_layer_sizes[-1])
        """
        check_is_fitted(self)
        X = self._validate(X, reset=False)
        for rbm in self.rbms_:
            X = rbm.transform(X)
        return X

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
        for rbm in reversed(self.rbms_):
            H = rbm.inverse_transform(H)
        return H

    def sample(self, n_samples=1, *, n_steps=1000, random_state=None):
        """Draw binary visibles: a Gibbs chain in the top RBM, then a stochastic down pass.

        Parameters
        ----------
        n_samples : int, default=1
            Number of samples (independent chains).
        n_steps : int, default=1000
            Gibbs steps in the top RBM, from uniformly random states.
        random_state : int, RandomState instance or None, default=None
            Seeds the chains and the down pass; ``None`` draws fresh randomness.

        Returns
        -------
        samples : ndarray of shape (n_samples, n_features)
            Binary visible states (0.0 or 1.0).
        """
        check_is_fitted(self)
        rng = check_random_state(random_state)
        top = self.rbms_[-1].sample(n_samples, n_steps=n_steps, random_state=seed_from(rng))
        generator = None
        states = torch.as_tensor(top)
        for rbm in reversed(self.rbms_[:-1]):
            W, b, _ = rbm._tensors()
            if generator is None:
                generator = torch_generator(rng, W.device)
            states = bernoulli(_mean_visibles(states.to(W.device), W, b), generator)
        return to_numpy(states)

    @property
    def _n_features_out(self):
        """Number of transformed output features, for ``get_feature_names_out``."""
        return self.rbms_[-1].components_.shape[0]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.input_tags.positive_only = True
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags
