"""Devices, random states and arrays as torch sees them.

- :func:`resolve_device`: a device string checked against what this machine has;
- ``random_state`` -> torch: :func:`seed_from`, :func:`torch_generator` (a seeded
  :class:`torch.Generator`) and :func:`seeded_torch` (torch's global generator, seeded
  within a block);
- arrays <-> tensors: :func:`to_tensor`, :func:`float32_tensor`, :func:`to_numpy`;
- :func:`minibatches` of row indices, and :func:`bernoulli` draws.
"""

import contextlib

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.utils import check_random_state


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


def bernoulli(probabilities, generator, out=None):
    """Binary draws (0.0 or 1.0) with the given probabilities, into ``out`` if given.

    Comparing uniform noise with the probabilities is about three times faster on the CPU
    than :func:`torch.bernoulli`. ``out`` must not be ``probabilities`` itself.
    """
    if out is None:
        out = torch.empty_like(probabilities)
    out.uniform_(generator=generator)
    return torch.lt(out, probabilities, out=out)
