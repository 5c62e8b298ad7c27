"""What every torch-backed skgen estimator shares.

- the device (``"cpu"``, ``"cuda"``, ``"cuda:1"``...) checked once, with a clear error;
- ``random_state`` turned into a seeded :class:`torch.Generator`, or a forked and seeded
  global torch RNG for code (skorch) that draws from the global one;
- the optimizer as a ``torch.optim`` class (or its name) with skorch-style routed
  parameters such as ``optimizer__momentum=0.9`` that ``get_params``/``set_params``,
  ``clone`` and ``GridSearchCV`` see like any other parameter;
- arrays, lists, pandas frames and sparse matrices to tensors and back;
- shuffled minibatches drawn from a generator.

Fitted state is kept as NumPy arrays or CPU tensors, so a model fitted on ``cuda``
pickles and loads on a CPU-only machine.
"""

import contextlib

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.utils import check_random_state

_OPTIMIZERS = {
    "sgd": torch.optim.SGD,
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "rmsprop": torch.optim.RMSprop,
}
_ROUTED_PREFIXES = ("optimizer__",)


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
    """skorch-style ``optimizer__name=value`` parameters for a scikit-learn estimator.

    An estimator's ``__init__`` takes ``**kwargs`` and calls ``self._set_routed_params(kwargs)``;
    the routed values then behave as ordinary parameters in ``get_params``, ``set_params``,
    ``clone`` and grid searches, and :meth:`_make_optimizer` passes them to the optimizer.
    """

    def _set_routed_params(self, kwargs):
        for key, value in kwargs.items():
            if not key.startswith(_ROUTED_PREFIXES):
                raise TypeError(
                    f"{type(self).__name__} got an unexpected keyword argument {key!r}; "
                    f"extra arguments must start with one of {_ROUTED_PREFIXES}, e.g. optimizer__momentum."
                )
            setattr(self, key, value)

    def _routed_keys(self):
        return sorted(k for k in vars(self) if k.startswith(_ROUTED_PREFIXES))

    def get_params(self, deep=True):
        params = super().get_params(deep=deep)
        params.update({key: getattr(self, key) for key in self._routed_keys()})
        return params

    def set_params(self, **params):
        routed = {k: params.pop(k) for k in list(params) if k.startswith(_ROUTED_PREFIXES)}
        self._set_routed_params(routed)
        return super().set_params(**params)

    def _routed(self, prefix):
        """The routed parameters under ``prefix``, without it: ``{"momentum": 0.9}``."""
        return {key[len(prefix):]: getattr(self, key) for key in self._routed_keys() if key.startswith(prefix)}

    def _make_optimizer(self, parameters):
        """Build ``self.optimizer`` over ``parameters`` with ``self.lr`` and ``optimizer__*``."""
        return resolve_optimizer(self.optimizer)(parameters, lr=self.lr, **self._routed("optimizer__"))


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


def bernoulli(probabilities, generator, out=None):
    """Binary draws (0.0 or 1.0) with the given probabilities, into ``out`` if given.

    Comparing uniform noise with the probabilities is about three times faster on the CPU
    than :func:`torch.bernoulli`. ``out`` must not be ``probabilities`` itself.
    """
    if out is None:
        out = torch.empty_like(probabilities)
    out.uniform_(generator=generator)
    return torch.lt(out, probabilities, out=out)
