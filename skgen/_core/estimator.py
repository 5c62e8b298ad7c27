"""The base layer every torch-backed skgen estimator stands on.

- :class:`TorchEstimator`: the shared training parameters (``lr``, ``max_epochs``,
  ``batch_size``, ``optimizer``, ``lr_scheduler``, ``device``, ``random_state``,
  ``verbose``) declared once in ``_parameter_constraints``, which each estimator extends
  with its own (``{**TorchEstimator._parameter_constraints, "beta": [...]}``) and which
  ``_validate_params`` checks at the start of ``fit``; skorch-style routed parameters
  (``optimizer__momentum=0.9``, ``lr_scheduler__end_factor=0.0``) that ``get_params``,
  ``set_params``, ``clone`` and ``GridSearchCV`` see like any other; the optimizer and the
  learning-rate scheduler built from them (a fused update where the optimizer has one,
  :func:`fused_update`); the divergence guard; :func:`fit_context`,
  which validates once per outermost fit.
- :class:`SampleMixin` and :class:`DensityMixin`: the ``sample(n_samples, *,
  random_state=None)`` contract and ``score`` as the mean of ``score_samples``.
- The constraints themselves (:class:`Integer`, :class:`Real`, ...). They are skgen's own
  rather than scikit-learn's private ``sklearn.utils._param_validation``: that module's
  ``Interval(Integral, ...)`` takes ``True`` for an int, and custom constraints must
  subclass its private ``_Constraint``, which may change between releases.
- Device checks, ``random_state`` -> seeded :class:`torch.Generator`, arrays <-> tensors,
  minibatches.
- Mixed precision: the ``precision`` constraint (``"float32"`` or ``"bfloat16"``,
  :data:`PRECISION_CONSTRAINTS`),
  :func:`check_precision` (``ValueError`` where the device has no bfloat16 units) and
  :func:`precision_context`, the :func:`torch.autocast` context a training step runs its
  forward pass and loss in; weights and their updates stay float32;
  :func:`autocast_product`, a matrix product into a float32 buffer that autocast reaches.

Fitted state is kept as NumPy arrays or CPU tensors, so a model fitted on ``cuda``
pickles and loads on a CPU-only machine.

A new estimator subclasses one of the two templates built on :class:`TorchEstimator`,
:class:`skgen.nets.template.SkorchEstimator` (networks trained by skorch) or
:class:`skgen.energy.template.EnergyEstimator` (energy models), which validate the parameters
(``self._validate_params()``; :func:`fit_context` once per outermost fit) and run
:func:`check_finite` after each epoch; it adds :class:`SampleMixin` /
:class:`DensityMixin` as they apply, and one line to the registry in
``skgen/__init__.py``; ``tests/test_common.py`` then runs scikit-learn's checks on it.
"""

import contextlib
import contextvars
import functools
import inspect
import math
import numbers
import os
import sys

import numpy as np
import scipy.sparse as sp
import torch
import sklearn.base
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

_OPTIMIZERS = {
    "sgd": torch.optim.SGD,
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "rmsprop": torch.optim.RMSprop,
}


def resolve_device(device):
    """Return ``device`` as a :class:`torch.device`, checking that it is available.

    Raises
    ------
    ValueError
        If the device string is malformed, or CUDA is asked for and not available.
    """
    try:
        device = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"device must be 'cpu', 'cuda' or 'cuda:N', got {device!r}.") from exc
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={str(device)!r} was asked for but CUDA is not available here; use device='cpu'.")
    return device


#: Arithmetic of the products in training: ``"bfloat16"`` runs them under :func:`torch.autocast`.
PRECISIONS = ("float32", "bfloat16")

#: CPU flags (``/proc/cpuinfo``) of bfloat16 arithmetic units: AVX-512 BF16 and AMX (x86), BF16 (Arm)
_CPU_BFLOAT16_FLAGS = {"avx512_bf16", "amx_bf16", "bf16"}


def cpu_has_bfloat16(cpuinfo="/proc/cpuinfo"):
    """Whether this CPU has bfloat16 arithmetic units, read from the flags in ``cpuinfo``.

    False where the file is missing (macOS, Windows).
    """
    try:
        with open(cpuinfo) as lines:
            for line in lines:
                name, _, value = line.partition(":")
                if name.strip() in ("flags", "Features"):
                    return not _CPU_BFLOAT16_FLAGS.isdisjoint(value.split())
    except OSError:
        pass
    return False


def bfloat16_supported(device):
    """Whether ``device`` (a :class:`torch.device`) has bfloat16 arithmetic units.

    CUDA: compute capability 8.0 (Ampere) or later; CPU: :func:`cpu_has_bfloat16`.
    """
    if device.type == "cuda":
        return torch.cuda.get_device_capability(device) >= (8, 0)
    return cpu_has_bfloat16()


def check_precision(device, precision):
    """Raise ``ValueError`` unless ``device`` can train at ``precision`` ("float32" or "bfloat16").

    A CPU without bfloat16 units would still run ``torch.autocast`` in bfloat16, by
    converting every operand to float32 and back: slower than float32 and less exact, so
    skgen refuses it rather than silently losing on both counts.
    """
    check_param("precision", precision, Options(*PRECISIONS))
    if precision == "bfloat16" and not bfloat16_supported(device):
        what = ("this CPU has no bfloat16 units (no avx512_bf16, amx_bf16 or bf16 flag in /proc/cpuinfo)"
                if device.type == "cpu" else f"{device} has no bfloat16 tensor cores (compute capability below 8.0)")
        raise ValueError(f"precision='bfloat16' needs bfloat16 arithmetic, but {what}; use precision='float32'.")


def precision_context(device, precision):
    """The context to run forward passes and losses in at ``precision`` on ``device``.

    ``"bfloat16"``: :func:`torch.autocast` in bfloat16, which runs matrix products in
    bfloat16 and keeps reductions, losses and the weights in float32; ``"float32"``: no
    change. Backward passes and optimizer steps belong outside it (PyTorch's advice: they
    follow the dtypes of the forward pass by themselves).

    Raises
    ------
    ValueError
        As :func:`check_precision`.

    Examples
    --------
    >>> import torch
    >>> from skgen._base import cpu_has_bfloat16, precision_context
    >>> a, b = torch.ones(2, 3), torch.ones(3, 4)
    >>> with precision_context(torch.device("cpu"), "float32"):
    ...     (a @ b).dtype
    torch.float32
    >>> if cpu_has_bfloat16():
    ...     with precision_context(torch.device("cpu"), "bfloat16"):
    ...         assert (a @ b).dtype == torch.bfloat16
    """
    check_precision(device, precision)
    if precision == "float32":
        return contextlib.nullcontext()
    return torch.autocast(device.type, dtype=torch.bfloat16)


def seed_from(random_state):
    """Draw a 31-bit integer seed from an int, a RandomState or None (fresh entropy)."""
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


def torch_generator(random_state, device="cpu"):
    """A :class:`torch.Generator` on ``device`` seeded from ``random_state``."""
    generator = torch.Generator(device=resolve_device(device))
    generator.manual_seed(seed_from(random_state))
    return generator


@contextlib.contextmanager
def seeded_torch(random_state, device="cpu"):
    """Seed torch's global RNG from ``random_state`` inside the block, restoring it after.

    For code that draws from the global generator (skorch's module initialisation and
    data loaders), so that the same ``random_state`` gives the same numbers on CPU.
    """
    device = resolve_device(device)
    devices = [device] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        seed = seed_from(random_state)
        torch.manual_seed(seed)
        yield seed


@functools.cache
def _has_fused_update(optimizer, device_type):
    """Whether ``optimizer`` builds with ``fused=True`` over parameters on ``device_type``."""
    if "fused" not in inspect.signature(optimizer).parameters:
        return False
    try:
        optimizer([torch.zeros(1, device=device_type, requires_grad=True)], lr=0.1, fused=True)
    except (RuntimeError, TypeError, ValueError):
        return False
    return True


def fused_update(optimizer, device, chosen):
    """``{"fused": True}`` where ``optimizer`` has a fused update on ``device``, else ``{}``.

    A fused update is one kernel per parameter tensor where the plain one makes a handful
    of elementwise passes: Adam's step over the 784-500-500-2000 network's weights takes a
    sixth of the time on a CPU core, and on a GPU it saves a launch per pass. The result of
    the update is the same algorithm's. ``chosen`` names the optimizer arguments the user
    set: one that picks an implementation (``fused``, ``foreach``) is left to stand.
    """
    if {"fused", "foreach"} & set(chosen):
        return {}
    return {"fused": True} if _has_fused_update(optimizer, torch.device(device).type) else {}


def resolve_optimizer(optimizer):
    """Return the ``torch.optim.Optimizer`` class that ``optimizer`` names.

    ``optimizer`` is a subclass of :class:`torch.optim.Optimizer` (the canonical form) or
    one of the names ``"sgd"``, ``"adam"``, ``"adamw"``, ``"rmsprop"``.
    """
    if isinstance(optimizer, str) and optimizer.lower() in _OPTIMIZERS:
        return _OPTIMIZERS[optimizer.lower()]
    if isinstance(optimizer, type) and issubclass(optimizer, torch.optim.Optimizer):
        return optimizer
    raise ValueError(
        f"optimizer must be a torch.optim.Optimizer subclass such as torch.optim.Adam, "
        f"or one of {sorted(_OPTIMIZERS)}; got {optimizer!r}."
    )


class RoutedParamsMixin:
    """skorch-style ``prefix__name=value`` parameters for a scikit-learn estimator.

    An estimator's ``__init__`` takes ``**kwargs`` and calls ``self._set_routed_params(kwargs)``;
    the routed values then behave as ordinary parameters in ``get_params``, ``set_params``,
    ``clone`` and grid searches. ``_routed_prefixes`` names the prefixes an estimator
    routes (a GAN routes one optimizer per network).
    """

    _routed_prefixes = ("optimizer__", "lr_scheduler__")

    def _set_routed_params(self, kwargs):
        for key, value in kwargs.items():
            if not key.startswith(self._routed_prefixes):
                raise TypeError(
                    f"{type(self).__name__} got an unexpected keyword argument {key!r}; "
                    f"extra arguments must start with one of {self._routed_prefixes}, e.g. optimizer__momentum."
                )
            setattr(self, key, value)

    def _routed_keys(self):
        return sorted(k for k in vars(self) if k.startswith(self._routed_prefixes))

    def get_params(self, deep=True):
        params = super().get_params(deep=deep)
        params.update({key: getattr(self, key) for key in self._routed_keys()})
        return params

    def set_params(self, **params):
        routed = {k: params.pop(k) for k in list(params) if k.startswith(self._routed_prefixes)}
        self._set_routed_params(routed)
        return super().set_params(**params)

    def _routed(self, prefix):
        """The routed parameters under ``prefix``, without it: ``{"momentum": 0.9}``."""
        return {key[len(prefix):]: getattr(self, key) for key in self._routed_keys() if key.startswith(prefix)}


# -- parameter constraints -------------------------------------------------------------------


class Integer:
    """An int (not a bool) in ``[low, high]``; ``high=None`` is unbounded."""

    def __init__(self, low=1, high=None):
        self.low, self.high = low, high

    def is_satisfied_by(self, value):
        return (isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))
                and value >= self.low and (self.high is None or value <= self.high))

    def __str__(self):
        return f"an int in [{self.low}, {'inf' if self.high is None else self.high}]"


class Real:
    """A finite real number (not a bool) between ``low`` and ``high``, each bound open or closed."""

    def __init__(self, low=-math.inf, high=math.inf, *, closed="both"):
        self.low, self.high, self.closed = low, high, closed

    def is_satisfied_by(self, value):
        if not isinstance(value, numbers.Real) or isinstance(value, (bool, np.bool_)) or not math.isfinite(value):
            return False
        above = value >= self.low if self.closed in ("both", "left") else value > self.low
        below = value <= self.high if self.closed in ("both", "right") else value < self.high
        return above and below

    def __str__(self):
        left = "[" if self.closed in ("both", "left") else "("
        right = "]" if self.closed in ("both", "right") else ")"
        return f"a finite float in {left}{self.low:g}, {self.high:g}{right}"


class Options:
    """One of a fixed set of strings."""

    def __init__(self, *options):
        self.options = options

    def is_satisfied_by(self, value):
        return isinstance(value, str) and value in self.options

    def __str__(self):
        return f"one of {', '.join(map(repr, self.options))}"


class Boolean:
    """``True`` or ``False`` (or a NumPy bool), not a truthy string or number."""

    def is_satisfied_by(self, value):
        return isinstance(value, (bool, np.bool_))

    def __str__(self):
        return "a bool"


class LayerSizes:
    """A non-empty tuple or list of positive ints (``allow_empty`` admits ``()``)."""

    def __init__(self, allow_empty=False):
        self.allow_empty = allow_empty

    def is_satisfied_by(self, value):
        return (isinstance(value, (tuple, list)) and (self.allow_empty or len(value) > 0)
                and all(Integer(1).is_satisfied_by(size) for size in value))

    def __str__(self):
        return f"a {'' if self.allow_empty else 'non-empty '}tuple of positive ints"


class Subclass:
    """A class derived from ``base`` (an optimizer, a scheduler), or one of ``names``."""

    def __init__(self, base, names=()):
        self.base, self.names = base, tuple(names)

    def is_satisfied_by(self, value):
        return (isinstance(value, type) and issubclass(value, self.base)) or (
            isinstance(value, str) and value.lower() in self.names)

    def __str__(self):
        names = f" or one of {', '.join(map(repr, self.names))}" if self.names else ""
        return f"a subclass of {self.base.__module__}.{self.base.__qualname__}{names}"


class Device:
    """``"cpu"``, ``"cuda"`` or ``"cuda:N"`` (a string or a :class:`torch.device`)."""

    def is_satisfied_by(self, value):
        try:
            return isinstance(value, (str, torch.device)) and torch.device(value).type in ("cpu", "cuda")
        except (RuntimeError, TypeError):
            return False

    def __str__(self):
        return "'cpu', 'cuda' or 'cuda:N'"


class Instance:
    """An instance of one of ``types`` (``None`` for the value None)."""

    def __init__(self, *types):
        self.types = types

    def is_satisfied_by(self, value):
        return any(value is None if t is None else isinstance(value, t) for t in self.types)

    def __str__(self):
        return " or ".join("None" if t is None else t.__name__ for t in self.types)


class RandomStateLike(Instance):
    """What :func:`sklearn.utils.check_random_state` takes: None, an int or a RandomState."""

    def __init__(self):
        super().__init__(None, np.random.RandomState)

    def is_satisfied_by(self, value):
        return super().is_satisfied_by(value) or Integer(0, 2**32 - 1).is_satisfied_by(value)

    def __str__(self):
        return "None, an int in [0, 2**32 - 1] or a numpy RandomState"


def check_param(name, value, *constraints, owner=None):
    """Raise ``ValueError`` naming ``name`` and ``value`` unless one constraint holds.

    ``None`` among the constraints admits the value None.
    """
    for constraint in constraints:
        if (value is None) if constraint is None else constraint.is_satisfied_by(value):
            return value
    allowed = " or ".join("None" if c is None else str(c) for c in constraints)
    where = f"{owner}: " if owner else ""
    raise ValueError(f"{where}{name} must be {allowed}, got {value!r}.")


#: The declared constraint of an estimator's ``precision`` parameter, for its ``_parameter_constraints``.
PRECISION_CONSTRAINTS = {"precision": [Options(*PRECISIONS)]}


# -- the base class -------------------------------------------------------------------------


class TorchEstimator(RoutedParamsMixin, BaseEstimator):
    """Base class of skgen's torch estimators: shared parameters, routing, validation, optimizer.

    Subclasses list their ``__init__`` parameters as usual and extend
    ``_parameter_constraints``; :meth:`_validate_params` checks every declared parameter.
    """

    _parameter_constraints = {
        "lr": [Real(0, closed="neither")],
        "max_epochs": [Integer(1)],
        "batch_size": [Integer(1)],
        "optimizer": [Subclass(torch.optim.Optimizer, _OPTIMIZERS)],
        "lr_scheduler": [None, Subclass(torch.optim.lr_scheduler.LRScheduler)],
        "device": [Device()],
        "random_state": [RandomStateLike()],
        "verbose": [Integer(0)],
    }

    def _validate_params(self):
        """Check every parameter in ``_parameter_constraints``; ValueError naming the first bad one.

        A ``precision`` the device cannot run (bfloat16 without bfloat16 units) is refused
        here too, so that the error comes before any work.
        """
        params = self.get_params(deep=False)
        for name, constraints in self._parameter_constraints.items():
            if name in params:
                check_param(name, params[name], *constraints, owner=type(self).__name__)
        if params.get("precision", "float32") != "float32":
            check_precision(resolve_device(params["device"]), params["precision"])

    def _make_optimizer(self, parameters, prefix="optimizer"):
        """Build the optimizer ``self.<prefix>`` over ``parameters`` with ``self.lr`` and ``<prefix>__*``."""
        optimizer, arguments = resolve_optimizer(getattr(self, prefix)), self._routed(f"{prefix}__")
        fused = fused_update(optimizer, parameters[0].device, arguments) if parameters else {}
        return optimizer(parameters, lr=self.lr, **fused, **arguments)

    def _make_lr_scheduler(self, optimizer):
        """The ``lr_scheduler`` class over ``optimizer`` with its ``lr_scheduler__*`` arguments, or None."""
        if self.lr_scheduler is None:
            return None
        return self.lr_scheduler(optimizer, **self._routed("lr_scheduler__"))

    def _inference_device(self):
        """The training device where it is available here, else the CPU (a CUDA model on a CPU machine)."""
        try:
            return resolve_device(self.device)
        except ValueError:
            return torch.device("cpu")


#: how many validating fits enclose the running code (see :func:`fit_context`)
_FIT_DEPTH = contextvars.ContextVar("skgen_fit_depth", default=0)


def fit_context(fit):
    """Decorate a ``fit`` (or ``partial_fit``) so that parameters are validated once per outermost fit.

    As scikit-learn's ``_fit_context(prefer_skip_nested_validation=True)``: the outermost
    decorated fit calls ``self._validate_params()`` and validates its data; a decorated fit
    that runs inside it (a DBN fitting its RBMs) skips its parameter validation, and
    :func:`inside_validated_fit` tells it that its data, handed over by the outer fit,
    were checked too. Only estimators that configure their inner estimators from their
    own validated parameters decorate their ``fit`` so.
    """
    @functools.wraps(fit)
    def validated_fit(self, *args, **kwargs):
        depth = _FIT_DEPTH.get()
        if depth == 0:
            self._validate_params()
        token = _FIT_DEPTH.set(depth + 1)
        try:
            return fit(self, *args, **kwargs)
        finally:
            _FIT_DEPTH.reset(token)

    return validated_fit


def inside_validated_fit():
    """Whether the running fit was called by another fit, which validated its parameters and data."""
    return _FIT_DEPTH.get() > 1


def check_finite(epoch, lr, **values):
    """The divergence guard: ``ValueError`` naming the epoch when a loss or a weight is not finite.

    ``values`` maps what was checked (``loss=...``, ``weights=[...]``) to tensors, numbers,
    or lists of them.
    """
    for what, value in values.items():
        for item in value if isinstance(value, (list, tuple)) else [value]:
            finite = torch.isfinite(item).all() if torch.is_tensor(item) else math.isfinite(item)
            if not finite:
                raise ValueError(
                    f"Training diverged (non-finite {what}) in epoch {epoch} with lr={lr}; use a smaller lr."
                )


class SampleMixin:
    """The generative contract: ``sample(n_samples=1, *, random_state=None)`` returns an array
    shaped like the training rows. Estimators implement ``_sample(n_samples, random_state)``.
    """

    def sample(self, n_samples=1, *, random_state=None):
        """Draw ``n_samples`` rows from the fitted model.

        Parameters
        ----------
        n_samples : int, default=1
            Number of samples.
        random_state : int, RandomState instance or None, default=None
            Seeds the draws; ``None`` draws fresh randomness.

        Returns
        -------
        samples : ndarray of shape (n_samples, n_features_in_)
        """
        self._check_sample_request(n_samples)
        return self._sample(n_samples, random_state)

    def _check_sample_request(self, n_samples):
        check_is_fitted(self)
        check_param("n_samples", n_samples, Integer(1), owner=type(self).__name__)


class DensityMixin(sklearn.base.DensityMixin):
    """``score`` as the mean of ``score_samples``, so ``GridSearchCV`` without a scorer picks
    the model with the best held-out log-likelihood."""

    def score(self, X, y=None):
        """Mean log-likelihood of the rows of ``X``, in nats (see ``score_samples``).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : None
            Ignored.

        Returns
        -------
        score : float
        """
        return float(np.mean(self.score_samples(X)))


def to_tensor(X, device="cpu", dtype=torch.float32):
    """A validated 2-D array (dense or sparse) as a tensor on ``device``."""
    if sp.issparse(X):
        X = X.toarray()
    # torch cannot wrap negative strides (e.g. X[::-1]) nor read-only memory (joblib's
    # memmaps in parallel fits); copy only when needed.
    X = np.ascontiguousarray(X)
    if not X.flags.writeable:
        X = X.copy()
    return torch.as_tensor(X, dtype=dtype, device=device)


def float32_tensor(array, device, copy=False):
    """A fitted array as a float32 tensor on ``device``; with ``copy``, one that never shares the array's
    memory, for a trainer to update in place."""
    tensor = torch.as_tensor(array, dtype=torch.float32, device=device)
    return tensor.clone() if copy else tensor


def to_numpy(tensor):
    """A tensor as a NumPy array on the CPU (no autograd graph)."""
    return tensor.detach().cpu().numpy()


def minibatches(n_samples, batch_size, generator=None, shuffle=True):
    """Yield index tensors covering ``range(n_samples)`` in batches of ``batch_size``.

    With ``shuffle``, the order is a permutation drawn from ``generator`` (on its device).
    """
    if shuffle:
        device = generator.device if generator is not None else "cpu"
        order = torch.randperm(n_samples, generator=generator, device=device)
    else:
        order = torch.arange(n_samples)
    yield from torch.split(order, batch_size)


def check_unit_interval(X, name="X"):
    """Raise ``ValueError`` unless every value of ``X`` (dense or sparse) lies in [0, 1].

    Call it after ``sklearn.utils.validation.validate_data``, which already rejects NaN and
    infinity with its own clear message.
    """
    values = X.data if sp.issparse(X) else np.asarray(X)
    if values.size and (values.min() < 0 or values.max() > 1):
        raise ValueError(
            f"{name} must hold values in [0, 1] (binary data or probabilities); "
            f"found values in [{values.min():g}, {values.max():g}]. Scale or binarize it first."
        )


def check_float32_range(X, name="X"):
    """Raise ``ValueError`` when a value of ``X`` (dense or sparse) lies beyond float32's range.

    skgen computes in float32: a finite float64 beyond about 3.4e38 would become infinite
    there, and NaN after the first product.
    """
    values = X.data if sp.issparse(X) else np.asarray(X)
    largest = float(np.abs(values).max()) if values.size else 0.0
    limit = float(np.finfo(np.float32).max)
    if largest > limit:
        raise ValueError(
            f"{name} holds values beyond float32's range (largest magnitude {largest:g}, float32's limit is "
            f"{limit:g}); skgen computes in float32: rescale {name}, e.g. with sklearn.preprocessing.StandardScaler."
        )


def autocast_product(product, *operands, out=None, **options):
    """``product(*operands, **options)`` (``torch.mm``, ``torch.addmm``...), as float32, into ``out`` if given.

    :func:`torch.autocast` passes by calls with ``out=``: they run in float32. Under
    autocast the product is therefore computed out of place, at autocast's dtype, and
    copied into ``out`` (or cast back); outside it, this is ``product(..., out=out)``.
    Either way the result is float32, so that the states, chains and gradients built from
    it stay float32 (and NumPy can store them).
    """
    if not torch.is_autocast_enabled(operands[-1].device.type):
        return product(*operands, out=out, **options)
    result = product(*operands, **options)
    return result.float() if out is None else out.copy_(result)


def bernoulli(probabilities, generator, out=None):
    """Binary draws (0.0 or 1.0) with the given probabilities, into ``out`` if given.

    Comparing uniform noise with the probabilities is about three times faster on the CPU
    than :func:`torch.bernoulli`. ``out`` must not be ``probabilities`` itself.
    """
    if out is None:
        out = torch.empty_like(probabilities)
    out.uniform_(generator=generator)
    return torch.lt(out, probabilities, out=out)


#: the folder of the skgen package (this module lies in its _core/)
_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def user_stacklevel():
    """The ``stacklevel`` at which a warning raised by this function's caller names the first
    frame outside skgen: the user's call, however deep inside skgen the warning is raised."""
    level, frame = 1, sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        level, frame = level + 1, frame.f_back
    return level
