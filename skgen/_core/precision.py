"""Mixed precision: the arithmetic a training step runs its products in.

The ``precision`` constraint (``"float32"`` or ``"bfloat16"``, :data:`PRECISION_CONSTRAINTS`);
:func:`check_precision` (``ValueError`` where the device has no bfloat16 units) and
:func:`precision_context`, the :func:`torch.autocast` context a training step runs its
forward pass and loss in; weights and their updates stay float32;
:func:`autocast_product`, a matrix product into a float32 buffer that autocast reaches.
"""

import contextlib

import torch

from skgen._core.params import Options, check_param


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
    >>> from skgen._core.precision import cpu_has_bfloat16, precision_context
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


#: The declared constraint of an estimator's ``precision`` parameter, for its ``_parameter_constraints``.
PRECISION_CONSTRAINTS = {"precision": [Options(*PRECISIONS)]}


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
