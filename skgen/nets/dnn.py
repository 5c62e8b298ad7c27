"""A multilayer perceptron classifier whose logistic hidden layers a DBN can initialise.

The training loop, callbacks, history, early stopping and device handling are skorch's
(:class:`skorch.NeuralNetClassifier`, built by :class:`skgen.nets.template.SkorchEstimator`); this
module adds the scikit-learn face (labels of any type, ``classes_``, validation) and the
transfer of a deep belief network's weights into the hidden layers.
"""

import math
import warnings

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.base import ClassifierMixin, clone
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils import check_array
from sklearn.utils.validation import check_is_fitted, validate_data
from skorch import NeuralNetClassifier
from skorch.callbacks import Callback
from skorch.dataset import ValidSplit
from torch import nn

from skgen._core.optim import resolve_optimizer
from skgen._core.params import Boolean, Instance, LayerSizes, Options, Real
from skgen._core.tensors import seed_from, to_numpy, to_tensor
from skgen._core.validation import fit_context, user_stacklevel
from skgen.energy.dbm import DBM
from skgen.energy.dbn import DBN
from skgen.nets.template import EARLY_STOPPING_CONSTRAINTS, MixedPrecisionNet, SkorchEstimator

_DEFAULT_HIDDEN_LAYER_SIZES = (200, 200)


#: hidden-unit nonlinearities, named as ``MLPClassifier`` names them
ACTIVATIONS = {"logistic": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU}


class HiddenLayerMLP(nn.Module):
    """Fully connected hidden layers of ``activation`` units and a linear output.

    The output is the logits of a softmax layer: the cross-entropy loss and
    ``predict_proba`` apply the softmax. Logistic hidden units are what lets the weights
    of a stack of RBMs, whose hidden units are logistic, initialise the network.
    Weights start Glorot-uniform, biases at zero. In training mode, inputs and hidden units
    are dropped with probabilities ``input_dropout`` and ``dropout``, the kept ones scaled
    by 1 / (1 - probability) (inverted dropout: no rescaling at prediction).
    """

    def __init__(self, n_features, hidden_layer_sizes, n_classes, activation="logistic", dropout=0.0,
                 input_dropout=0.0):
        super().__init__()
        sizes = [n_features, *hidden_layer_sizes]
        self.hidden = nn.ModuleList(nn.Linear(n_in, n_out) for n_in, n_out in zip(sizes[:-1], sizes[1:]))
        self.output = nn.Linear(sizes[-1], n_classes)
        for layer in [*self.hidden, self.output]:
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)
        self.activation = ACTIVATIONS[activation]()
        self.input_dropout = nn.Dropout(input_dropout) if input_dropout else nn.Identity()
        self.dropout = nn.Dropout(dropout) if dropout else nn.Identity()

    def forward(self, X):
        X = self.input_dropout(X)
        for layer in self.hidden:
            X = self.dropout(self.activation(layer(X)))
        return self.output(X)


class MaxNorm(Callback):
    """Max-norm regularisation (Srivastava et al. 2014) as a skorch callback: after every
    optimizer step, each hidden unit's incoming weight vector is scaled down to an L2 norm
    of at most ``max_norm`` if it is longer."""

    def __init__(self, max_norm):
        self.max_norm = max_norm

    def on_batch_end(self, net, training=False, **kwargs):
        if training:
            with torch.no_grad():
                for layer in net.module_.hidden:
                    layer.weight.renorm_(2, 0, self.max_norm)


class _WeightedClassifierNet(MixedPrecisionNet, NeuralNetClassifier):
    """skorch's classifier whose rows may carry weights: ``X={"X": rows, "sample_weight": weights}``
    makes each minibatch's loss the mean of weight x cross-entropy (the criterion's
    ``reduction="none"`` leaves the reduction to :meth:`get_loss`)."""

    def infer(self, x, **fit_params):
        return super().infer(x["X"] if isinstance(x, dict) else x, **fit_params)

    def get_loss(self, y_pred, y_true, X=None, training=False):
        losses = super().get_loss(y_pred, y_true, X=X, training=training)
        return (losses * X["sample_weight"]).mean() if isinstance(X, dict) else losses.mean()


class DNNClassifier(ClassifierMixin, SkorchEstimator):
    """Deep neural network classifier, optionally DBN-pretrained.

    A multilayer perceptron with logistic (by default), tanh or ReLU hidden units and a
    softmax output, trained by minibatch gradient descent on the cross-entropy with skorch.
    Its hidden layers start either at random or at the weights of a deep belief network
    (:class:`skgen.DBN`), the greedy layer-wise pretraining of Hinton, Osindero and Teh
    (2006): layer ``i`` takes the weights ``components_`` and hidden biases
    ``intercept_hidden_`` of the DBN's ``i``-th RBM, so that the hidden layers compute the
    DBN's :meth:`~skgen.DBN.transform`. The softmax output layer is always freshly
    initialised. All layers are then fine-tuned.

    The defaults follow ``MLPClassifier``'s (Adam, no early stopping) with a rate of 1e-2,
    which logistic units need to learn as fast as ``MLPClassifier``'s ReLU units do at
    1e-3: on scikit-learn's digits binarized at 8 (70/30 stratified split), at 30 epochs
    both a random ``(48, 32)`` network and one started from a DBN score 1 to 5 points above
    ``MLPClassifier(hidden_layer_sizes=(48, 32), max_iter=30)`` (92.2-92.8% and 92.4-93.1%
    against 88.0-91.1% on three splits).

    With ``early_stopping=True``, ``validation_fraction`` of the training data is held out
    (stratified when every class allows it); training stops after ``n_iter_no_change`` epochs
    without a lower validation loss and restores the weights of the best epoch. Data
    passed to ``score`` or used as a test set never takes part in training.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=None
        Units of each hidden layer. None means the DBN's sizes when ``dbn`` is given, and
        ``(200, 200)`` otherwise. Sizes given together with a ``dbn`` must match the DBN's,
        else ``fit`` raises ``ValueError``.
    dbn : DBN, DBM, FrozenEstimator or None, default=None
        Pretraining of the hidden layers, which needs ``activation="logistic"``. A
        :class:`skgen.DBM` gives its :meth:`~skgen.DBM.recognition_layers`, the bottom-up
        pass that starts its mean field.

        - None: random initialisation (Glorot uniform weights, zero biases).
        - an unfitted :class:`skgen.DBN`: a clone of it is fitted on ``X`` in ``fit``
          (unsupervised pretraining, labels unused), then initialises the hidden layers. A
          DBN whose ``random_state`` is None gets one drawn from this estimator's
          ``random_state``. This form pretrains once per fit, so once per candidate and
          fold of a grid search.
        - a fitted DBN, or ``sklearn.frozen.FrozenEstimator(fitted_dbn)``: its weights are
          copied, then fine-tuned; the DBN itself is never refitted nor changed. Wrap a
          fitted DBN in ``FrozenEstimator`` to share one pretraining across all candidates
          of a grid search: ``clone`` (which ``GridSearchCV`` calls) returns a
          ``FrozenEstimator`` as is, where it would return an unfitted copy of a bare DBN.

        A DBN with Gaussian visible units gives its first layer's weights divided by the
        visible variances, as its up pass does. A ``joint_labels`` DBN gives its top layer
        without the label units, which its up pass holds at ``1 / n_classes`` each: their
        weights join the top layer's biases (an unfitted one is fitted on ``(X, y)``).

        Compare with ``Pipeline([("dbn", DBN()), ("clf", DNNClassifier())])``: there the
        DBN is a fixed feature extractor and the classifier learns new layers on top of its
        features; with ``dbn=`` the DBN's layers become the network's and are fine-tuned.
    augment_input : bool, default=False
        Only with a DBM of two or more hidden layers as ``dbn``: the network's input is
        ``[x, q(h_2 | x)]``, the sample beside the DBM's mean-field posterior of its second
        hidden layer (:meth:`~skgen.DBM.posterior`), and its first layer starts from
        ``W_1`` on ``x`` and ``W_2^T`` on ``q(h_2 | x)`` (``DBM.recognition_layers(augmented=True)``),
        the "augmented input" with which Salakhutdinov & Hinton (2009, section 4.2)
        fine-tune a DBM's classifier. The posterior is computed by the DBM in ``fit``,
        ``predict`` and ``predict_proba`` and is not fine-tuned. Any other ``dbn`` raises
        ``ValueError`` in ``fit``.
    activation : {"logistic", "tanh", "relu"}, default="logistic"
        The hidden units' nonlinearity, named as in ``MLPClassifier``. A ``dbn`` needs
        ``"logistic"``, the units of the RBMs whose weights it copies (any other value
        raises ``ValueError`` in ``fit``); without one, ``"relu"`` and ``"tanh"`` learn about
        as fast at the default rate.
    dropout : float, default=0.0
        Probability of dropping each hidden unit in training (Srivastava et al. 2014 keep
        half of them: 0.5). Kept units are scaled by 1 / (1 - dropout), so nothing changes
        at prediction, and pretrained weights start as they are: the same as the paper's
        scaling of a pretrained net's weights by 1/p for a net whose kept units are not
        scaled. The paper's rates need long training: fine-tuning a DBN-pretrained
        784-500-500-2000-10 network on MNIST for 150 epochs, 0.3 (with 0.1 on the inputs)
        gave 0.93% test error and 0.5 (with 0.2) 1.27% (``benchmarks/RESULTS.md``).
    input_dropout : float, default=0.0
        Probability of dropping each input feature in training (the paper's value: 0.2).
    max_norm : float or None, default=None
        Max-norm constraint: after every optimizer step, each hidden unit's incoming
        weight vector longer than ``max_norm`` is scaled down to that L2 norm (the paper
        uses 3 to 4 with dropout). None: unconstrained.
    lr : float or "auto", default="auto"
        Learning rate. ``"auto"``: 0.1 for SGD (with its momentum 0.9, Hinton's setting for
        fine-tuning a DBN), 1e-2 for every other optimizer (ten times Adam's own default,
        which leaves logistic units far behind ``MLPClassifier`` at equal epochs).
    %(training_parameters)s
    **kwargs : dict
        ``optimizer__<name>`` and ``lr_scheduler__<name>`` parameters, routed to the
        optimizer and the learning-rate scheduler.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels, sorted.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Feature names, when ``X`` has string column names.
    hidden_layer_sizes_ : tuple of int
        Units of each hidden layer of the fitted network.
    dbn_ : DBN or FrozenEstimator or None
        The DBN whose weights initialised the hidden layers: the clone fitted in ``fit``, or
        the fitted ``dbn`` as given (not copied). None with random initialisation.
    net_ : skorch.NeuralNetClassifier
        The trained skorch net; ``net_.module_`` is the :class:`HiddenLayerMLP`,
        ``net_.history`` the losses and times per epoch.
    n_iter_ : int
        Epochs trained, early stopping included. Training raises ``ValueError`` naming the
        epoch if the loss or a weight stops being finite (try a smaller ``lr``).

    See Also
    --------
    skgen.DBN : Deep belief network, the pretraining.
    sklearn.neural_network.MLPClassifier : The same kind of network, without pretraining.

    References
    ----------
    G. E. Hinton, S. Osindero and Y.-W. Teh, "A fast learning algorithm for deep belief
    nets", Neural Computation 18(7), 2006.

    G. E. Hinton and R. R. Salakhutdinov, "Reducing the dimensionality of data with neural
    networks", Science 313(5786), 2006.

    N. Srivastava, G. Hinton, A. Krizhevsky, I. Sutskever and R. Salakhutdinov, "Dropout: a
    simple way to prevent neural networks from overfitting", JMLR 15, 2014.

    Examples
    --------
    >>> import torch
    >>> from sklearn.datasets import load_digits
    >>> from skgen import DNNClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> X = X / 16
    >>> clf = DNNClassifier(hidden_layer_sizes=(64,), activation="relu", max_epochs=20, random_state=0).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape
    (2, 10)
    >>> bool(clf.score(X, y) > 0.9)
    True

    Fine-tune a pretrained DBN with SGD (learning rate 0.1, momentum 0.9) and dropout,
    sharing its pretraining through ``FrozenEstimator``:

    >>> from sklearn.frozen import FrozenEstimator
    >>> from skgen import DBN
    >>> dbn = DBN(hidden_layer_sizes=(64,), max_epochs=5, random_state=0).fit(X)
    >>> pretrained = DNNClassifier(dbn=FrozenEstimator(dbn), optimizer=torch.optim.SGD, dropout=0.5,
    ...                            max_norm=3.0, max_epochs=20, random_state=0).fit(X, y)
    >>> pretrained.hidden_layer_sizes_
    (64,)
    """

    _parameter_constraints = {
        **SkorchEstimator._parameter_constraints,
        **EARLY_STOPPING_CONSTRAINTS,
        "hidden_layer_sizes": [None, LayerSizes(allow_empty=True)],
        "dbn": [None, Instance(DBN, FrozenEstimator, DBM)],
        "augment_input": [Boolean()],
        "activation": [Options(*ACTIVATIONS)],
        "lr": [Real(0, closed="neither"), Options("auto")],
        "dropout": [Real(0, 1, closed="left")],
        "input_dropout": [Real(0, 1, closed="left")],
        "max_norm": [None, Real(0, closed="neither")],
    }
    _parameter_notes = {
        "optimizer": "SGD gets momentum 0.9 unless ``optimizer__momentum`` says otherwise (``optimizer__momentum=0`` "
                     "for plain SGD); other optimizers get their own defaults. A grid over optimizers, "
                     "``{\"optimizer\": [torch.optim.SGD, torch.optim.Adam]}``, thus gives each working settings.",
        "precision": "Prediction runs at it too where the device has bfloat16 units, and in float32 elsewhere, so "
                     "that a model trained in bfloat16 predicts on any machine.",
        "random_state": "It also seeds the validation split of early stopping, and the pretraining of an unfitted "
                        "``dbn`` whose own ``random_state`` is None.",
    }
    _net_class = _WeightedClassifierNet

    def __init__(
        self,
        *,
        hidden_layer_sizes=None,
        dbn=None,
        augment_input=False,
        activation="logistic",
        dropout=0.0,
        input_dropout=0.0,
        max_norm=None,
        optimizer=torch.optim.Adam,
        lr="auto",
        max_epochs=100,
        batch_size=128,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        lr_scheduler=None,
        callbacks=None,
        precision="float32",
        device="cpu",
        random_state=None,
        verbose=0,
        **kwargs,
    ):
        self._set_init_params(locals())

    @fit_context(prefer_skip_nested_validation=False)  # the dbn to pretrain is the user's: it checks its own
    def fit(self, X, y, sample_weight=None):
        """Pretrain (if ``dbn`` is an unfitted DBN), then train the network on ``(X, y)``.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Training data. A DBN to pretrain needs values in [0, 1].
        y : array-like of shape (n_samples,)
            Class labels, of any type.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each row in the cross-entropy (and in the validation loss
            of early stopping). The weights are rescaled to mean 1, so a row of weight 2
            counts as much as two rows of weight 1. None weighs all rows equally.

        Returns
        -------
        self : DNNClassifier
            The fitted classifier.
        """
        X, y = validate_data(self, X, y, accept_sparse=("csr", "csc"), dtype=np.float32)
        check_classification_targets(y)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, len(X))
        encoder = LabelEncoder().fit(y)
        self.classes_ = encoder.classes_
        if len(self.classes_) < 2:
            raise ValueError(
                f"The number of classes has to be greater than one; got {len(self.classes_)} class."
            )
        self.dbn_ = self._pretrained_dbn(X, y)
        self.hidden_layer_sizes_ = (
            tuple(weight.shape[0] for weight, _ in _dbn_layers(self.dbn_)) if self.dbn_ is not None
            else tuple(self.hidden_layer_sizes or _DEFAULT_HIDDEN_LAYER_SIZES)
        )
        return self._fit_net(self._network_input(X), encoder.transform(y).astype(np.int64), sample_weight=sample_weight)

    def predict_proba(self, X):
        """Class probabilities (the softmax output); each row sums to 1.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Rows with the features seen in :meth:`fit`; with ``augment_input``, the DBM's
            posterior ``q(h_2 | X)`` is appended to them, as in training.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probability of each class of ``classes_``, in that order.
        """
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse=("csr", "csc"), dtype=np.float32, reset=False)
        proba = self.net_.predict_proba(to_tensor(self._network_input(X), device=self.net_.device)).astype(np.float64)
        return proba / proba.sum(axis=1, keepdims=True)

    def predict(self, X):
        """The most probable class of each sample: the largest of :meth:`predict_proba`.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Rows to classify, as in :meth:`predict_proba`.

        Returns
        -------
        y : ndarray of shape (n_samples,)
            Predicted labels, from ``classes_``.
        """
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def _pretrained_dbn(self, X, y):
        """The fitted DBN whose weights initialise the network (fitting a clone if needed)."""
        if self.dbn is None:
            if self.augment_input:
                raise ValueError("augment_input=True needs a DBM as dbn; dbn is None.")
            return None
        if self.activation != "logistic":
            raise ValueError(
                f"activation={self.activation!r} cannot start from a DBN, whose hidden units are logistic: "
                "the network would not compute the DBN's features. Use activation='logistic' with dbn."
            )
        dbn = self.dbn
        if not isinstance(dbn.estimator if isinstance(dbn, FrozenEstimator) else dbn, (DBN, DBM)):
            raise ValueError(f"dbn must be None, a skgen.DBN or DBM, or a FrozenEstimator of a fitted one; "
                             f"got {dbn!r}.")
        self._check_augment_input(dbn)
        fitted = _is_fitted(dbn)
        if isinstance(dbn, FrozenEstimator) and not fitted:
            raise ValueError("dbn is a FrozenEstimator of an unfitted DBN; fit the DBN before freezing it.")
        layers = _dbn_layers(dbn) if fitted else None
        dbn_sizes = tuple(weight.shape[0] for weight, _ in layers) if fitted else tuple(dbn.hidden_layer_sizes)
        if self.hidden_layer_sizes is not None and tuple(self.hidden_layer_sizes) != dbn_sizes:
            raise ValueError(
                f"hidden_layer_sizes={tuple(self.hidden_layer_sizes)} conflicts with the DBN's hidden layers "
                f"{dbn_sizes}; leave hidden_layer_sizes=None to take the DBN's."
            )
        if fitted and dbn.n_features_in_ != self.n_features_in_:
            raise ValueError(f"The DBN was fitted on {dbn.n_features_in_} features but X has {self.n_features_in_}.")
        if fitted:
            _check_feature_names(self, dbn)
            return dbn
        dbn = clone(dbn)
        if "random_state" in dbn.get_params() and dbn.random_state is None:
            dbn.set_params(random_state=seed_from(self.random_state))
        if dbn.precision == "float32":  # the DBN's own bfloat16 stands; a float32 one trains as the network does
            dbn.set_params(precision=self.precision)
        return dbn.fit(X, y) if getattr(dbn, "joint_labels", False) else dbn.fit(X)

    def _check_augment_input(self, dbn):
        model = dbn.estimator if isinstance(dbn, FrozenEstimator) else dbn
        if self.augment_input and not (isinstance(model, DBM) and len(model.hidden_layer_sizes) >= 2):
            raise ValueError(f"augment_input=True needs a DBM with at least two hidden layers as dbn; got {dbn!r}.")

    def _network_input(self, X):
        """``X``, or with ``augment_input`` the augmented input ``[X, q(h_2 | X)]`` of the DBM."""
        if not self.augment_input:
            return X
        with warnings.catch_warnings():
            # X's feature names were checked against the DBM's in fit (against the classifier's own, the same,
            # since): the DBM would warn that the validated array has none
            warnings.filterwarnings("ignore", message="X does not have valid feature names", category=UserWarning)
            second = self.dbn_.posterior(X)[1]
        return sp.hstack([X, second], format="csr", dtype=np.float32) if sp.issparse(X) else np.hstack([X, second])

    def _net_params(self):
        n_augmented = self.hidden_layer_sizes_[1] if self.augment_input else 0
        return dict(
            module=HiddenLayerMLP,
            module__activation=self.activation,
            module__n_features=self.n_features_in_ + n_augmented,
            module__hidden_layer_sizes=self.hidden_layer_sizes_,
            module__n_classes=len(self.classes_),
            module__dropout=self.dropout,
            module__input_dropout=self.input_dropout,
            criterion=nn.CrossEntropyLoss,
            criterion__reduction="none",
        )

    def _learning_rate(self):
        if self.lr != "auto":
            return self.lr
        return 0.1 if issubclass(resolve_optimizer(self.optimizer), torch.optim.SGD) else 1e-2

    def _optimizer_defaults(self):
        return {"momentum": 0.9} if issubclass(resolve_optimizer(self.optimizer), torch.optim.SGD) else {}

    def _step_callbacks(self):
        return [] if self.max_norm is None else [("max_norm", MaxNorm(self.max_norm))]

    def _initialize_module(self, module):
        if self.dbn_ is not None:
            _copy_into(module.hidden, _dbn_layers(self.dbn_, augmented=self.augment_input))

    def _train_split(self, y, seed):
        if not self.early_stopping:
            return None
        stratified = _can_stratify(to_numpy(y), self.validation_fraction)
        return ValidSplit(self.validation_fraction, stratified=stratified, random_state=seed)


def _is_fitted(estimator):
    try:
        check_is_fitted(estimator)
    except NotFittedError:
        return False
    return True


def _dbn_layers(dbn, augmented=False):
    """``[(weight, bias), ...]`` of logistic layers that compute a fitted DBN's or DBM's up pass, bottom first:
    its public ``recognition_layers``, for a DBM ``augmented`` or not. Float32 copies."""
    return dbn.recognition_layers(augmented=augmented)


def _check_feature_names(classifier, dbn):
    """Check the feature names of the classifier's ``X`` (its ``feature_names_in_``) against those the fitted
    ``dbn`` saw, as the dbn would check them itself: its pretrained weights belong to its own columns.

    Other names, or the same in another order, raise ``ValueError``; names on one side only warn,
    as scikit-learn warns.
    """
    model = dbn.estimator if isinstance(dbn, FrozenEstimator) else dbn
    fitted, given = getattr(model, "feature_names_in_", None), getattr(classifier, "feature_names_in_", None)
    name = type(model).__name__
    if fitted is None and given is not None:
        warnings.warn(f"X has feature names, but the dbn, a {name}, was fitted without feature names: its weights "
                      "go onto X's columns in their order.", UserWarning, stacklevel=user_stacklevel())
    elif fitted is not None and given is None:
        warnings.warn(f"X does not have valid feature names, but the dbn, a {name}, was fitted with feature names: "
                      "its weights go onto X's columns in their order.", UserWarning, stacklevel=user_stacklevel())
    elif fitted is not None and list(fitted) != list(given):
        unseen = [column for column in given if column not in set(fitted)]
        missing = [column for column in fitted if column not in set(given)]
        what = (f"unseen by the {name}: {unseen[:5]}; missing: {missing[:5]}" if unseen or missing
                else f"in another order than the {name}'s")
        raise ValueError(f"The feature names of X should match those the dbn, a {name}, was fitted on, in the same "
                         f"order, as its pretrained weights belong to those columns; X's columns are {what}.")


def _copy_into(hidden, layers):
    with torch.no_grad():
        for linear, (weight, bias) in zip(hidden, layers):
            linear.weight.copy_(torch.from_numpy(weight))
            linear.bias.copy_(torch.from_numpy(bias))


def _check_sample_weight(sample_weight, n_samples):
    """``sample_weight`` as float32 weights of mean 1, or ValueError saying what is wrong.

    The weights are checked in float64 and divided by the largest before the mean is taken,
    so that weights as large as 1e37 (or any finite float64) neither overflow the sum nor
    leave float32's range.
    """
    try:
        sample_weight = check_array(sample_weight, ensure_2d=False, dtype=np.float64, input_name="sample_weight")
    except ValueError as error:
        raise ValueError(f"sample_weight must hold one number per row of X: {error}") from error
    if sample_weight.shape != (n_samples,):
        raise ValueError(f"sample_weight must hold one weight per row of X, shape ({n_samples},); "
                         f"got shape {sample_weight.shape}.")
    if sample_weight.min() < 0 or sample_weight.max() == 0:
        raise ValueError(f"sample_weight must be non-negative and not all zero; got values in "
                         f"[{sample_weight.min():g}, {sample_weight.max():g}].")
    sample_weight = sample_weight / sample_weight.max()
    return (sample_weight / sample_weight.mean()).astype(np.float32)


def _can_stratify(y, validation_fraction):
    """Whether a stratified split can give every class a place on both sides."""
    _, counts = np.unique(y, return_counts=True)
    n_valid = math.ceil(validation_fraction * len(y))
    return counts.min() >= 2 and len(counts) <= n_valid <= len(y) - len(counts)
