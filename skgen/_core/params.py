"""Declared parameters: the constraints an estimator lists in ``_parameter_constraints``, and routing.

- The constraints (:class:`Integer`, :class:`Real`, :class:`Options`, :class:`Boolean`,
  :class:`LayerSizes`, :class:`Subclass`, :class:`Device`, :class:`Instance`,
  :class:`RandomStateLike`) and :func:`check_param`, which raises a ``ValueError`` naming
  the parameter and its value unless one holds. They are skgen's own rather than
  scikit-learn's private ``sklearn.utils._param_validation``: that module's
  ``Interval(Integral, ...)`` takes ``True`` for an int, and custom constraints must
  subclass its private ``_Constraint``, which may change between releases.
- :class:`RoutedParamsMixin`: skorch-style routed parameters (``optimizer__momentum=0.9``,
  ``lr_scheduler__end_factor=0.0``) that ``get_params``, ``set_params``, ``clone`` and
  ``GridSearchCV`` see like any other.
- :func:`document_parameters`: parameters declared once in a table, ``name -> (constraints,
  type, description)``, documented in each class (or function) that takes them where its
  docstring writes :data:`DOC_MARKER` (or another marker), with the defaults of its signature.

:class:`skgen._core.estimator.TorchEstimator` declares the parameters every estimator
shares with them.
"""

import inspect
import math
import numbers
import re

import numpy as np
import torch


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


#: where a class's Parameters section takes the documentation of its declared parameters
DOC_MARKER = "    %(training_parameters)s\n"


def _default_text(value):
    """A default as numpydoc writes it: ``"gibbs"``, ``torch.optim.SGD``, ``None``."""
    if isinstance(value, type) and issubclass(value, torch.optim.Optimizer):
        return f"torch.optim.{value.__name__}"
    if isinstance(value, str):
        return f'"{value}"'
    return repr(value)


def _wrap(text, width):
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return lines + [line]


def _signature(cls):
    """The signature of ``cls.__init__``, or of ``cls`` itself where it is a function."""
    return inspect.signature(cls.__init__ if isinstance(cls, type) else cls)


def declared_parameters_doc(cls, declared, notes=None):
    """The numpydoc entries of the parameters of ``declared`` that ``cls.__init__`` (or the
    function ``cls``) takes and ``cls``'s docstring does not document itself, in the order of the
    signature, with its defaults.

    ``declared`` maps a name to ``(constraints, type, description)``; ``notes`` maps a name to
    a sentence that ``cls`` adds to the shared description.
    """
    documented = set(re.findall(r"^    (\w+) :", cls.__doc__ or "", re.MULTILINE))
    notes = notes or {}
    entries = []
    for name, parameter in _signature(cls).parameters.items():
        if name in declared and name not in documented:
            _, kind, description = declared[name]
            description = f"{description} {notes[name]}" if name in notes else description
            entries.append(f"    {name} : {kind}, default={_default_text(parameter.default)}\n")
            entries.extend(f"        {line}\n" for line in _wrap(description, 84))
    return "".join(entries)


def document_parameters(cls, declared, notes=None, marker=DOC_MARKER):
    """Replace ``marker`` (:data:`DOC_MARKER` unless given: a line ``    %(name)s``) in ``cls``'s
    docstring by :func:`declared_parameters_doc`, then put the entries of its Parameters section in
    the order of the signature; call it from the template's ``__init_subclass__``. ``cls`` may also
    be a function, whose own signature then gives the order and the defaults.

    Examples
    --------
    >>> from skgen._core.params import Integer, document_parameters
    >>> class Model:
    ...     \"\"\"A model.
    ...
    ...     Parameters
    ...     ----------
    ...     %(training_parameters)s
    ...     lr : float, default=0.1
    ...         Its own learning rate.
    ...     \"\"\"
    ...     def __init__(self, lr=0.1, max_epochs=10):
    ...         self.lr, self.max_epochs = lr, max_epochs
    >>> declared = {"lr": ([], "float", "Learning rate."), "max_epochs": ([Integer(1)], "int", "Passes over the data.")}
    >>> document_parameters(Model, declared, {"max_epochs": "Ten by default."})
    >>> print(Model.__doc__.split("----------")[1].rstrip())
    <BLANKLINE>
        lr : float, default=0.1
            Its own learning rate.
        max_epochs : int, default=10
            Passes over the data. Ten by default.
    """
    if cls.__doc__ and marker in cls.__doc__:
        entries = declared_parameters_doc(cls, declared, notes)
        cls.__doc__ = _in_signature_order(cls, cls.__doc__.replace(marker, entries))


def _in_signature_order(cls, doc):
    """``doc`` with the entries of its Parameters section (``**kwargs`` included) in the order of the signature."""
    header = "    Parameters\n    ----------\n"
    if header not in doc:
        return doc
    start = doc.index(header) + len(header)
    following = re.search(r"\n\n    \S[^\n]*\n    -{3,}\n", doc[start:])
    end = start + following.start() + 1 if following else len(doc.rstrip()) + 1
    entries = re.split(r"(?m)^(?=    \S)", doc[start:end])
    head, entries = entries[0], [entry.rstrip("\n") + "\n" for entry in entries[1:]]
    order = list(_signature(cls).parameters)

    def position(entry):
        name = re.match(r"    \**(\w+)", entry).group(1)
        return order.index(name) if name in order else len(order)

    return doc[:start] + head + "".join(sorted(entries, key=position)) + doc[end:]
