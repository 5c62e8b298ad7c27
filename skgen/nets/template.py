"""The one skorch template of the skorch-based estimators (BetaVAE, GAN, DNNClassifier).

:class:`SkorchEstimator` builds a skorch net from small overridable hooks (``_net_params``,
``_learning_rate``, ``_optimizer_defaults``, ``_initialize_module``, ``_train_split``,
``_lr_scheduler_callbacks``, ``_step_callbacks``, ``_monitored_losses``) and trains it, giving every such
estimator one training face:

- the training parameters, declared once in :data:`TRAINING_PARAMETERS` with their
  constraints and numpydoc text, as the energy template declares its own: an estimator
  lists the ones it takes in its ``__init__`` signature, whose body is
  ``self._set_init_params(locals())``, writes ``%(training_parameters)s`` in its Parameters
  section (their documentation, with its defaults and the sentences its
  ``_parameter_notes`` adds), and decorates its ``fit`` with
  :func:`skgen._core.validation.fit_context`, which validates them once per outermost fit;
- early stopping spelled as scikit-learn's ``MLPClassifier`` spells it (``early_stopping``,
  ``validation_fraction``, ``n_iter_no_change``), ``lr_scheduler`` routed to skorch's
  ``LRScheduler`` callback and stepped once per epoch, ``callbacks`` checked, the divergence
  guard, seeding, and one batch iterator.

The training runs on the threads :func:`skgen._core.threads.fit_threads` gives its largest
product, and at the estimator's ``precision`` through :class:`MixedPrecisionNet`.
"""

import math

import torch
from sklearn.utils import check_random_state
from skorch import NeuralNet
from skorch.callbacks import Callback, EarlyStopping, LRScheduler
from skorch.dataset import ValidSplit
from torch import nn

from skgen._core.estimator import SampleMixin, TorchEstimator
from skgen._core.labels import check_sample_labels, draw_sample_labels, encode_fit_labels, one_hot
from skgen._core.optim import fused_update, resolve_optimizer
from skgen._core.params import Boolean, Integer, RandomStateLike, Real, check_param, document_parameters
from skgen._core.precision import PRECISION_CONSTRAINTS, bfloat16_supported, check_precision, precision_context
from skgen._core.tensors import minibatches, resolve_device, seeded_torch, to_tensor
from skgen._core.threads import fit_threads, refresh_threads
from skgen._core.validation import check_finite

ACTIVATIONS = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "softplus": nn.Softplus,
    "leaky_relu": lambda: nn.LeakyReLU(0.2),
}

class Callbacks:
    """A list of skorch callbacks (instances or classes), each alone or in a ``(name, callback)`` pair."""

    def is_satisfied_by(self, value):
        return isinstance(value, list) and all(map(self._is_callback, value))

    def _is_callback(self, item):
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
            item = item[1]
        return isinstance(item, Callback) or (isinstance(item, type) and issubclass(item, Callback))

    def __str__(self):
        return "a list of skorch callbacks or (name, callback) pairs"


_SHARED = TorchEstimator._parameter_constraints

#: name -> (constraints, type, description): every training parameter of the skorch family, once
TRAINING_PARAMETERS = {
    "optimizer": (_SHARED["optimizer"], "torch.optim.Optimizer subclass or str",
                  "The optimizer class (``\"sgd\"`` and ``\"adam\"`` are accepted too); its other arguments "
                  "go through ``optimizer__<name>=value``, e.g. ``optimizer__weight_decay=1e-5``. An optimizer with a "
                  "fused update (Adam, AdamW, SGD) runs it, unless ``optimizer__fused`` or ``optimizer__foreach`` "
                  "is given."),
    "lr": (_SHARED["lr"], "float", "Learning rate."),
    "lr_scheduler": (_SHARED["lr_scheduler"], "torch.optim.lr_scheduler.LRScheduler subclass or None",
                     "Learning-rate schedule, stepped once per epoch by skorch's ``LRScheduler`` callback; its "
                     "arguments as ``lr_scheduler__<name>=value``, e.g. "
                     "``lr_scheduler=torch.optim.lr_scheduler.StepLR, lr_scheduler__step_size=30``."),
    "max_epochs": (_SHARED["max_epochs"], "int", "Passes over the training data."),
    "batch_size": (_SHARED["batch_size"], "int", "Training rows per minibatch."),
    "early_stopping": ([Boolean()], "bool", "Hold out ``validation_fraction`` of the training data and stop once "
                       "the loss on it has not improved for ``n_iter_no_change`` epochs, keeping the weights of the "
                       "best epoch. False (as in ``MLPClassifier``) trains on all data for ``max_epochs`` epochs."),
    "validation_fraction": ([Real(0, 1, closed="neither")], "float", "Share of the training data held out "
                            "when ``early_stopping``, in (0, 1); unused without early stopping."),
    "n_iter_no_change": ([Integer(1)], "int", "Epochs without improvement of the validation loss before "
                         "training stops (the patience of early stopping, spelled as in ``MLPClassifier``)."),
    "callbacks": ([None, Callbacks()], "list of skorch callbacks or None", "Extra skorch callbacks (e.g. "
                  "``ProgressBar``), or ``(name, callback)`` pairs; skorch initialises them at each fit, so what "
                  "they record can be read afterwards."),
    "precision": (PRECISION_CONSTRAINTS["precision"], "{\"float32\", \"bfloat16\"}", "Arithmetic of the "
                  "training products: ``\"bfloat16\"`` runs every forward pass and loss of training under "
                  ":func:`torch.autocast` in bfloat16, while the weights, their gradients and the optimizer's "
                  "updates stay float32 (mixed precision). Faster where the device has bfloat16 units (see the "
                  "user guide's speed page); elsewhere ``fit`` refuses it with a ``ValueError``."),
    "device": (_SHARED["device"], "str", "Where to train: ``\"cpu\"``, ``\"cuda\"`` or ``\"cuda:N\"``. A model "
               "trained on a GPU pickles and loads on a CPU-only machine (skorch maps it to the CPU)."),
    "random_state": (_SHARED["random_state"], "int, RandomState instance or None", "Seeds the weight "
                     "initialisation and the minibatch order (the same value gives the same numbers on the CPU)."),
    "verbose": (_SHARED["verbose"], "int", "Print skorch's table of losses per epoch if positive."),
}

#: the constraints of early stopping, which the estimators that hold out validation data add to their own
EARLY_STOPPING_CONSTRAINTS = {name: TRAINING_PARAMETERS[name][0]
                              for name in ("early_stopping", "validation_fraction", "n_iter_no_change")}


def activation(name):
    """A new instance of the hidden-layer nonlinearity ``name``."""
    return ACTIVATIONS[name]()


def mlp(sizes, activation, batch_norm=False):
    """Linear layers through ``sizes`` (input first, output last), the activation between them.

    With ``batch_norm``, each hidden layer is batch-normalised before its activation. The
    output layer has no activation: callers add the link (sigmoid, logits) they need.
    """
    layers = []
    for n_in, n_out in zip(sizes[:-2], sizes[1:-1]):
        layers += [nn.Linear(n_in, n_out), *([nn.BatchNorm1d(n_out)] if batch_norm else []), ACTIVATIONS[activation]()]
    return nn.Sequential(*layers, nn.Linear(sizes[-2], sizes[-1]))


class TensorBatches:
    """Minibatches gathered from a skorch dataset's whole tensors, one indexing per batch.

    skorch's default iterator, a :class:`torch.utils.data.DataLoader`, indexes and
    collates one sample at a time, which costs more than the forward and backward pass of
    a small network. This iterator reads a :class:`skorch.dataset.Dataset` holding tensors,
    or a ``Subset`` of one (what :class:`skorch.dataset.ValidSplit` returns). Shuffling
    draws from torch's global generator, which :class:`SkorchEstimator` seeds.
    """

    def __init__(self, dataset, batch_size, shuffle=False):
        self.indices = None
        if isinstance(dataset, torch.utils.data.Subset):
            self.indices = torch.as_tensor(dataset.indices, dtype=torch.long)
            dataset = dataset.dataset
        self.X, self.y = dataset.X, dataset.y
        self.n_samples = len(dataset) if self.indices is None else len(self.indices)
        self.batch_size = batch_size
        self.shuffle = shuffle

    def __len__(self):
        return math.ceil(self.n_samples / self.batch_size)

    def __iter__(self):
        for batch in minibatches(self.n_samples, self.batch_size, shuffle=self.shuffle):
            if self.indices is not None:
                batch = self.indices[batch]
            yield _take(self.X, batch), None if self.y is None else self.y[batch]


def _take(X, rows):
    """The ``rows`` of a tensor, or of each tensor of a dict (rows with their sample weights)."""
    return {key: value[rows] for key, value in X.items()} if isinstance(X, dict) else X[rows]


def largest_layer(module):
    """Inputs x outputs of the largest linear layer in ``module`` (0 without one): the
    multiply-adds per row of its largest product, for :func:`skgen._core.threads.fit_threads`."""
    return max((layer.in_features * layer.out_features for layer in module.modules() if isinstance(layer, nn.Linear)),
               default=0)


def batched(function, X, batch_size, *row_inputs):
    """Apply ``function`` to ``X`` in row batches without autograd; concatenate.

    ``function`` gets each batch of ``X`` and the same rows of each of ``row_inputs``
    (tensors, or None passed through).
    """
    def rows(tensor, start):
        return None if tensor is None else tensor[start:start + batch_size]

    with torch.no_grad():
        return torch.cat([function(rows(X, start), *(rows(t, start) for t in row_inputs))
                          for start in range(0, len(X), batch_size)])


class DivergenceGuard(Callback):
    """The divergence guard as a skorch callback: after each epoch, :func:`skgen._core.validation.check_finite`
    on the epoch's losses (``losses``, names in the history) and on the module's parameters."""

    def __init__(self, losses=("train_loss",)):
        self.losses = losses

    def on_epoch_end(self, net, **kwargs):
        losses = {name: net.history[-1, name] for name in self.losses}
        check_finite(len(net.history), net.lr, **losses, weights=list(net.module_.parameters()))


class MixedPrecisionNet:
    """A skorch net mixin: forward passes and losses at the net's ``precision``.

    ``precision="bfloat16"`` runs :meth:`infer` (every forward pass: training, validation,
    prediction) and :meth:`get_loss` under :func:`skgen._core.precision.precision_context`
    where the device has bfloat16 units, in float32 elsewhere (see :meth:`autocast`); the
    backward pass and the optimizer step stay outside it, so weights, gradients and updates
    are float32. Outputs come back as float32, for the losses and for NumPy. A net whose
    ``train_step`` calls its module directly (a GAN's two players) runs those calls in
    ``with self.autocast():`` itself. Put the mixin before the skorch class:
    ``class _Net(MixedPrecisionNet, NeuralNetClassifier)``.
    """

    def __init__(self, *args, precision="float32", **kwargs):
        super().__init__(*args, **kwargs)
        self.precision = precision

    def autocast(self):
        """The context of this net's forward passes (see :func:`skgen._core.precision.precision_context`).

        bfloat16 where the device has bfloat16 units, float32 elsewhere: the estimator's ``fit``
        refuses bfloat16 there before any work, so this falls back only for a trained net
        that predicts on another machine (a model trained in bfloat16, loaded on a CPU
        without the units).
        """
        device = torch.device(self.device)
        precision = self.precision if self.precision == "float32" or bfloat16_supported(device) else "float32"
        return precision_context(device, precision)

    def infer(self, x, **fit_params):
        with self.autocast():
            return _float32(super().infer(x, **fit_params))

    def get_loss(self, y_pred, y_true, X=None, training=False):
        with self.autocast():
            return _float32(super().get_loss(y_pred, y_true, X=X, training=training))


class PrecisionNeuralNet(MixedPrecisionNet, NeuralNet):
    """skorch's :class:`~skorch.NeuralNet` with :class:`MixedPrecisionNet`."""


def _float32(output):
    """``output`` (a tensor or a tuple, list or dict of them) with bfloat16 tensors as float32."""
    if torch.is_tensor(output):
        return output.float() if output.dtype == torch.bfloat16 else output
    if isinstance(output, (tuple, list)):
        return type(output)(map(_float32, output))
    if isinstance(output, dict):
        return {key: _float32(value) for key, value in output.items()}
    return output


class ThreadRefresh(Callback):
    """Choose the fit's thread count again before each epoch, for the machine's load then
    (:func:`skgen._core.threads.refresh_threads`)."""

    def on_epoch_begin(self, net, **kwargs):
        refresh_threads()


def _build(what, given, owner, build, *args, **kwargs):
    """``build(*args, **kwargs)``; a ``TypeError`` or ``ValueError`` it raises names ``what`` (``"lr_scheduler=StepLR"``)
    and the routed arguments ``given`` (``{"lr_scheduler__gamma": 0.5}``)."""
    try:
        return build(*args, **kwargs)
    except (TypeError, ValueError) as error:
        if given:
            routed = ", ".join(f"{key}={value!r}" for key, value in given.items())
            raise type(error)(f"{owner}: {what} refuses {routed}: {error}") from error
        prefix = what.partition("=")[0]
        raise type(error)(f"{owner}: {what} cannot be built without routed arguments ({prefix}__<name>=value): "
                          f"{error}") from error


def _discard(message):
    """The sink of skorch's EarlyStopping message at ``verbose=0``."""


class SkorchEstimator(TorchEstimator):
    """Base class of the estimators trained by a skorch net; see the module docstring.

    Subclasses take the parameters of :data:`TRAINING_PARAMETERS` beside their own in an
    explicit ``__init__`` signature, whose body is ``self._set_init_params(locals())``; they
    extend ``_parameter_constraints`` with their own parameters (and
    :data:`EARLY_STOPPING_CONSTRAINTS` if they hold out data), write ``%(training_parameters)s`` in their docstring's Parameters
    section, implement ``_net_params``, and call ``self._fit_net(X, y)`` from a ``fit``
    decorated with :func:`skgen._core.validation.fit_context`, after their own validation of
    the data.
    """

    _parameter_constraints = {
        **TorchEstimator._parameter_constraints,
        **{name: constraints for name, (constraints, _, _) in TRAINING_PARAMETERS.items()
           if name not in EARLY_STOPPING_CONSTRAINTS},
    }
    #: name -> a sentence that a subclass adds to the shared documentation of a training parameter
    _parameter_notes = {}
    #: the skorch net class; :class:`MixedPrecisionNet` among its bases gives it ``precision``
    _net_class = PrecisionNeuralNet
    #: history entries (per epoch) that the divergence guard requires to be finite
    _monitored_losses = ("train_loss",)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        document_parameters(cls, TRAINING_PARAMETERS, cls._parameter_notes)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True  # every estimator of the family takes sparse X (to_tensor densifies it)
        return tags

    def _validate_params(self):
        """Check the declared parameters (see :class:`~skgen._core.estimator.TorchEstimator`), then the
        routed ``optimizer__*`` and ``lr_scheduler__*`` arguments: the optimizer (each player's, where
        more prefixes route to it) and the ``lr_scheduler`` are built over a placeholder parameter,
        so that an argument they refuse is an error that names it, before any work."""
        super()._validate_params()
        optimizer = resolve_optimizer(self.optimizer)
        placeholder = [nn.Parameter(torch.zeros(1, device=resolve_device(self.device)))]
        shared = {"lr": self._learning_rate(), **self._optimizer_defaults(), **self._routed("optimizer__")}
        for prefix in [prefix for prefix in self._routed_prefixes if prefix.endswith("optimizer__")]:
            given = {f"optimizer__{key}": value for key, value in self._routed("optimizer__").items()}
            given.update({f"{prefix}{key}": value for key, value in self._routed(prefix).items()})
            built = _build(f"optimizer={optimizer.__name__}", given, type(self).__name__, optimizer, placeholder,
                           **{**shared, **self._routed(prefix)})
        if self.lr_scheduler is not None:
            given = {f"lr_scheduler__{key}": value for key, value in self._routed("lr_scheduler__").items()}
            _build(f"lr_scheduler={self.lr_scheduler.__name__}", given, type(self).__name__, self.lr_scheduler, built,
                   **self._routed("lr_scheduler__"))

    def _net_params(self):
        """``module``, ``criterion``, their ``module__*`` / ``criterion__*`` arguments, and any other net argument."""
        raise NotImplementedError

    def _learning_rate(self):
        return self.lr

    def _optimizer_defaults(self):
        """Optimizer arguments that routed ``optimizer__<name>`` parameters override."""
        return {}

    def _initialize_module(self, module):
        """Change the freshly initialised module before training (no change by default)."""

    def _train_split(self, y, seed):
        """skorch's ``train_split``: ``validation_fraction`` held out with early stopping, else None."""
        if not getattr(self, "early_stopping", False):
            return None
        return ValidSplit(self.validation_fraction, random_state=seed)

    def _step_callbacks(self):
        """``[(name, callback)]`` acting after every optimizer step, before the user's callbacks see it."""
        return []

    def _lr_scheduler_callbacks(self):
        """``[(name, LRScheduler)]`` stepping ``lr_scheduler`` on the net's optimizer once per epoch."""
        if self.lr_scheduler is None:
            return []
        return [("lr_scheduler", LRScheduler(self.lr_scheduler, **self._routed("lr_scheduler__")))]

    def _callbacks(self):
        callbacks = [("thread_refresh", ThreadRefresh()),
                     ("divergence_guard", DivergenceGuard(self._monitored_losses)),
                     *self._step_callbacks(), *self._lr_scheduler_callbacks(), *(self.callbacks or [])]
        if getattr(self, "early_stopping", False):
            sink = print if self.verbose else _discard
            callbacks.append(("early_stopping", EarlyStopping(patience=self.n_iter_no_change, load_best=True, sink=sink)))
        return callbacks

    def _fit_net(self, X, y=None, **row_inputs):
        """Build the net from the hooks and train it on the validated arrays ``X`` (and ``y``); return self.

        Module initialisation, the validation split and the minibatch order are seeded from
        ``random_state``; torch's global generator is restored afterwards. ``row_inputs``
        that are not None (``sample_weight=`` weights, ``labels=`` one-hot classes), each
        with one value or row per row of ``X``, travel with the rows as
        ``X={"X": rows, name: values}``, for a module or a ``get_loss`` that reads them. The
        estimator's ``precision`` (float32 where it has none) goes to a net with
        :class:`MixedPrecisionNet`.
        """
        device = resolve_device(self.device)
        precision_options = self._precision_options(device)
        X = to_tensor(X, device)
        row_inputs = {name: to_tensor(value, device) for name, value in row_inputs.items() if value is not None}
        if row_inputs:
            X = {"X": X, **row_inputs}
        y = None if y is None else torch.as_tensor(y, device=device)
        optimizer = resolve_optimizer(self.optimizer)
        optimizer_params = {**self._optimizer_defaults(), **self._routed("optimizer__")}
        chosen = {name for prefix in self._routed_prefixes if prefix.endswith("optimizer__")
                  for name in self._routed(prefix)}
        optimizer_params = {**fused_update(optimizer, device, chosen | set(optimizer_params)), **optimizer_params}
        with seeded_torch(self.random_state, device) as seed:
            self.net_ = self._net_class(
                **self._net_params(),
                optimizer=optimizer,
                lr=self._learning_rate(),
                max_epochs=self.max_epochs,
                batch_size=self.batch_size,
                iterator_train=TensorBatches,
                iterator_train__shuffle=True,
                iterator_valid=TensorBatches,
                train_split=self._train_split(y, seed),
                callbacks=self._callbacks(),
                device=str(device),
                verbose=self.verbose,
                **precision_options,
                **{f"optimizer__{name}": value for name, value in optimizer_params.items()},
            )
            self.net_.initialize()
            self._initialize_module(self.net_.module_)
            with fit_threads(self.batch_size * largest_layer(self.net_.module_)):
                self.net_.partial_fit(X, y)
        self.n_iter_ = len(self.net_.history)
        return self


    def _precision_options(self, device):
        """``{"precision": ...}`` for a net with :class:`MixedPrecisionNet`; ValueError where the
        device lacks bfloat16 units, or the net cannot run anything but float32."""
        precision = getattr(self, "precision", "float32")
        check_precision(device, precision)
        if issubclass(self._net_class, MixedPrecisionNet):
            return {"precision": precision}
        if precision != "float32":
            raise ValueError(f"{type(self).__name__} trains only in float32 (its net has no MixedPrecisionNet); "
                             f"got precision={precision!r}.")
        return {}


class SampleMeanMixin(SampleMixin):
    """``sample(n_samples=1, *, y=None, random_state=None, mean=False)``: draws, or the model's means.

    For the generative skorch estimators, each with a ``conditional`` parameter; a
    conditional one sets ``classes_`` and ``class_prior_`` in ``fit``
    (:func:`skgen._core.labels.encode_fit_labels`). Estimators implement
    ``_sample(n_samples, random_state, mean, labels)``, ``labels`` being one-hot rows or None,
    and pass :meth:`_fit_labels` to ``_fit_net`` as ``labels=``.
    """

    def _fit_labels(self, y, n_rows):
        """One-hot rows of the training classes ``y`` of a conditional model, setting ``classes_`` and
        ``class_prior_``; None for an unconditional one, which ignores ``y``."""
        if not self.conditional:
            return None
        return one_hot(encode_fit_labels(self, y, n_rows, "conditional"), len(self.classes_), "cpu")

    def sample(self, n_samples=1, *, y=None, random_state=None, mean=False):
        """Draw ``n_samples`` rows from the fitted model, or their means.

        Parameters
        ----------
        n_samples : int, default=1
            Number of samples.
        y : array-like of shape (n_samples,) or a single label, default=None
            Classes to draw (``conditional=True`` only); a single label is repeated
            ``n_samples`` times, and an array sets the number of samples (``n_samples``
            must then be 1 or its length). Without it, a conditional model draws the
            classes in their training proportions.
        random_state : int, RandomState instance or None, default=None
            Seeds the draws; ``None`` draws fresh randomness.
        mean : bool, default=False
            Return the means of the model's output distribution (pixel probabilities for
            binary data) instead of draws from it.

        Returns
        -------
        samples : ndarray of shape (n_samples, n_features_in_)
        """
        self._check_sample_request(n_samples)
        check_param("mean", mean, Boolean(), owner=type(self).__name__)
        check_param("random_state", random_state, RandomStateLike(), owner=type(self).__name__)
        if not self.conditional:
            check_sample_labels(self, y, n_samples, "conditional")  # refuses any y
            return self._sample(n_samples, random_state, mean, None)
        random_state = check_random_state(random_state)
        classes = draw_sample_labels(self, y, n_samples, "conditional", random_state)
        return self._sample(len(classes), random_state, mean, one_hot(classes, len(self.classes_), "cpu"))
