"""The template of the energy family: RBM, GaussianBernoulliRBM, DBN and DBM.

In the manner of scikit-learn's ``mixture._base.BaseMixture``, :class:`EnergyEstimator`
owns what every energy model shares and declares, as abstract methods, what each fills:

- the training parameters, declared once in :data:`TRAINING_PARAMETERS` with their
  constraints and their numpydoc text: a subclass lists the ones it takes in its
  ``__init__`` and writes ``%(training_parameters)s`` in its Parameters section, which
  becomes their documentation with the defaults of its signature;
- the one training loop, :meth:`EnergyEstimator._fit_epochs`: epochs of minibatches, the
  optimizer and ``lr_scheduler`` (stepped once per epoch), the divergence guard and the
  rising-error warning, the per-epoch ``history`` record and ``verbose`` print, the CPU threads of
  :func:`skgen._core.threads.fit_threads` for the loop's largest product, chosen again before
  each epoch (:func:`skgen._core.threads.refresh_threads`); each minibatch goes through
  :meth:`EnergyEstimator._training_step`, the one place where a gradient is computed;
- the hooks, which a subclass fills: ``_initialize`` (a fresh fitted state),
  ``make_trainer`` (a trainer of :mod:`skgen.energy.trainers` over a copy of that state on the
  training device) and ``store_trainer`` (the trained state back as NumPy fitted state).
  The last two are public, so that a stack (a DBN) trains its top RBM inside its own loop
  through the RBM's public methods;
- :meth:`EnergyEstimator._device_machine`: the fitted model as tensors on a device, built
  once and kept while the fitted state stays the same, so that samplers and stacks do not
  copy the weights from NumPy at every call, while the fitted state itself stays NumPy
  (a model fitted on ``cuda`` pickles and loads on a CPU-only machine);
- validation once per outermost fit (:func:`skgen._core.validation.fit_context`): a DBN validates its
  parameters and data, and the RBMs it fits inside skip both.

A new energy model subclasses :class:`EnergyEstimator`, fills the three hooks, decorates its
``fit`` with :func:`skgen._core.validation.fit_context` and calls :meth:`~EnergyEstimator._fit_epochs`.
"""

import inspect
import re
import time
import warnings
import weakref
from abc import ABCMeta, abstractmethod

import torch
from sklearn.exceptions import ConvergenceWarning

from skgen._core.estimator import TorchEstimator
from skgen._core.params import Boolean, Integer, Options
from skgen._core.precision import PRECISION_CONSTRAINTS, precision_context
from skgen._core.tensors import minibatches, torch_generator
from skgen._core.threads import fit_threads, refresh_threads
from skgen._core.validation import check_finite, user_stacklevel

#: rows of the training data on which the per-epoch reconstruction error is measured
MONITOR_ROWS = 1000
#: a reconstruction error this many times its lowest, after it fell, warns that training diverges
RISE_WARNING = 1.5
SAMPLERS = ("gibbs", "tempering", "gibbs_langevin")
#: where a subclass's docstring takes the documentation of its training parameters
DOC_MARKER = "    %(training_parameters)s\n"

#: name -> (constraints, type, description): every training parameter of the family, once
TRAINING_PARAMETERS = {
    "cd_steps": ([Integer(1)], "int", "Gibbs steps ``k`` of the negative phase per update (CD-k, PCD-k, or tempering "
                 "steps)."),
    "persistent": ([Boolean()], "bool", "Persistent contrastive divergence: the negative chains carry on from update "
                   "to update instead of restarting at the data. Implied by ``sampler=\"tempering\"``."),
    "n_chains": ([None, Integer(1)], "int", "Number of persistent chains (per temperature); ``None`` takes "
                 "``batch_size``. Ignored by CD-k, whose chains are the batch."),
    "sampler": ([Options(*SAMPLERS)], "{\"gibbs\", \"tempering\", \"gibbs_langevin\"}", "Negative phase: block Gibbs "
                "sampling; parallel tempering (Desjardins et al. 2010) over ``n_temperatures`` inverse temperatures "
                "between the model and its base-rate model, swapping neighbours after each sweep; or, for Gaussian "
                "visibles, Gibbs-Langevin steps of size ``step_size`` (Liao et al. 2022)."),
    "chain_start": ([Options("data", "noise")], "{\"data\", \"noise\"}", "Where the negative chains start: at the "
                    "minibatch's rows (CD-k) or at noise, as for ``sample(start=\"noise\")`` (Liao et al. 2022); "
                    "persistent chains start there once, at the beginning of training."),
    "n_temperatures": ([Integer(2)], "int", "Temperatures of parallel tempering (the model's included)."),
    "centered": ([Boolean()], "bool", "Centre visibles and hiddens on moving averages of their data means "
                 "(Melchior, Fischer & Wiskott 2016). The model is the same; the gradient is better conditioned."),
    "lr": (TorchEstimator._parameter_constraints["lr"], "float", "Learning rate of the optimizer."),
    "max_epochs": (TorchEstimator._parameter_constraints["max_epochs"], "int",
                   "Passes over the training data in ``fit`` (for a stack, per layer)."),
    "batch_size": (TorchEstimator._parameter_constraints["batch_size"], "int", "Rows per minibatch."),
    "optimizer": (TorchEstimator._parameter_constraints["optimizer"], "torch.optim.Optimizer subclass or str",
                  "The optimizer class (or ``\"sgd\"``, ``\"adam\"``...). Its other arguments go through "
                  "``optimizer__<name>=value``. Each update hands it the gradient in the parameters' ``.grad``. "
                  "An optimizer with a fused update (Adam, AdamW, SGD) runs it, unless ``optimizer__fused`` or "
                  "``optimizer__foreach`` is given."),
    "lr_scheduler": (TorchEstimator._parameter_constraints["lr_scheduler"],
                     "torch.optim.lr_scheduler.LRScheduler subclass",
                     "A learning-rate schedule, stepped once per epoch, with its arguments as "
                     "``lr_scheduler__<name>=value``: e.g. ``lr_scheduler=torch.optim.lr_scheduler.LinearLR, "
                     "lr_scheduler__end_factor=0.0, lr_scheduler__total_iters=max_epochs`` decays the learning rate "
                     "linearly to zero."),
    "ais_chains": ([Integer(1)], "int", "Annealing runs of the AIS estimate of the partition function (used by "
                   "``score_samples`` when no layer is small enough to enumerate)."),
    "ais_betas": ([Integer(3)], "int", "Inverse temperatures of each AIS run, spaced as in Salakhutdinov & Murray "
                  "(2008)."),
    "precision": (PRECISION_CONSTRAINTS["precision"], "{\"float32\", \"bfloat16\"}", "Arithmetic of the "
                  "training products: ``\"bfloat16\"`` computes each minibatch's gradient (its Gibbs steps and "
                  "products) under :func:`torch.autocast` in bfloat16, while the weights, their gradients and "
                  "updates, sampling, AIS and scores stay float32. Faster where the device has bfloat16 units (see "
                  "the user guide's speed page); elsewhere ``fit`` refuses it with a ``ValueError``."),
    "device": (TorchEstimator._parameter_constraints["device"], "str", "Where to train: ``\"cpu\"``, ``\"cuda\"`` or "
               "``\"cuda:N\"``. Inference runs there too when it is available, on the CPU otherwise."),
    "random_state": (TorchEstimator._parameter_constraints["random_state"], "int, RandomState instance or None",
                     "Seeds weight initialisation, minibatch order, Gibbs sampling and AIS. The same value gives the "
                     "same weights on the CPU."),
    "verbose": (TorchEstimator._parameter_constraints["verbose"], "int",
                "Print the reconstruction error after each epoch when positive."),
}

#: estimator -> (its fitted state when the machine was built, the device, the machine)
_DEVICE_MACHINES = weakref.WeakKeyDictionary()


def _default_text(value):
    """A default as numpydoc writes it: ``"gibbs"``, ``torch.optim.SGD``, ``None``."""
    if isinstance(value, type) and issubclass(value, torch.optim.Optimizer):
        return f"torch.optim.{value.__name__}"
    if isinstance(value, str):
        return f'"{value}"'
    return repr(value)


def training_parameters_doc(cls):
    """The numpydoc entries of the training parameters ``cls.__init__`` takes and its docstring does not
    document itself, in the order of the signature, with its defaults."""
    documented = set(re.findall(r"^    (\w+) :", cls.__doc__, re.MULTILINE))
    entries = []
    for name, parameter in inspect.signature(cls.__init__).parameters.items():
        if name in TRAINING_PARAMETERS and name not in documented:
            _, kind, description = TRAINING_PARAMETERS[name]
            entries.append(f"    {name} : {kind}, default={_default_text(parameter.default)}\n")
            entries.extend(f"        {line}\n" for line in _wrap(description, 84))
    return "".join(entries)


def _wrap(text, width):
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return lines + [line]


class EnergyEstimator(TorchEstimator, metaclass=ABCMeta):
    """Base class of the energy family: training parameters, the training loop, device-resident weights.

    Subclasses fill :meth:`_initialize`, :meth:`make_trainer` and :meth:`store_trainer`,
    decorate their ``fit`` with :func:`skgen._core.validation.fit_context` and train through
    :meth:`_fit_epochs`.
    """

    _parameter_constraints = {
        **TorchEstimator._parameter_constraints,
        **{name: constraints for name, (constraints, _, _) in TRAINING_PARAMETERS.items()},
    }

    #: clip each update's gradient norm to this (a parameter where a subclass takes it); None does not clip
    max_grad_norm = None
    #: arithmetic of the training products (a parameter of every public energy model, from TRAINING_PARAMETERS)
    precision = "float32"

    def _set_init_params(self, arguments):
        """Store the arguments of ``__init__`` (its ``locals()``) as the parameters of the same names, and
        its ``**kwargs`` as routed parameters: the whole body of an energy model's ``__init__``."""
        for name in self._get_param_names():
            setattr(self, name, arguments[name])
        self._set_routed_params(arguments["kwargs"])

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.__doc__ and DOC_MARKER in cls.__doc__:
            cls.__doc__ = cls.__doc__.replace(DOC_MARKER, training_parameters_doc(cls))

    # -- the hooks ------------------------------------------------------------------------------

    @abstractmethod
    def _initialize(self, data, random_state):
        """Set a fresh fitted state for the training rows ``data`` (a tensor on the training device).

        Starts ``history_`` (or the subclass's history) empty. A stack fits its layers here.
        """

    @abstractmethod
    def make_trainer(self, data, generator):
        """A trainer (see :mod:`skgen.energy.trainers`) of a copy of the fitted model, on ``data``'s device.

        It is set up by the estimator's training parameters and continues its training
        state (persistent chains, centering offsets), so that training in several calls
        goes on where it stopped.

        Parameters
        ----------
        data : Tensor of shape (n_samples, n_features)
            The training rows the trainer will see (persistent chains start from them).
        generator : torch.Generator
            On ``data``'s device; the trainer draws from it.

        Returns
        -------
        trainer
            With ``parameters``, ``gradient(batch)``, ``after_step(batch)`` and
            ``reconstruction_error(rows)``.
        """

    @abstractmethod
    def store_trainer(self, trainer):
        """Take the parameters and training state of ``trainer`` (from :meth:`make_trainer`) as the fitted state.

        The fitted state is NumPy arrays, so that the model pickles and loads on a CPU-only machine.

        Parameters
        ----------
        trainer
            A trainer this estimator made, after training.
        """

    # -- the training loop ----------------------------------------------------------------------

    def _fit_epochs(self, data, n_epochs, random_state, history, stage="epoch"):
        """Train the fitted model for ``n_epochs`` passes over ``data`` in minibatches, then store it.

        Each epoch ends with the divergence guard, an entry appended to ``history``
        (``epoch``, ``reconstruction_error`` on up to :data:`MONITOR_ROWS` training rows,
        ``lr``, ``seconds``), with ``verbose`` a line naming the ``stage``, and, once per
        call, the warning of :func:`warn_on_rise`.
        """
        generator = torch_generator(random_state, data.device)
        with fit_threads():  # the chains' first draws on one thread, whatever the machine's cores
            trainer = self.make_trainer(data, generator)
        optimizer = self._make_optimizer(trainer.parameters)
        scheduler = self._make_lr_scheduler(optimizer)
        monitor = data[torch.randperm(len(data), generator=generator, device=data.device)[:MONITOR_ROWS]]
        largest_weights = max((p.numel() for p in trainer.parameters), default=0)  # a layer's inputs x outputs
        precision = precision_context(data.device, self.precision)
        warned = False
        with fit_threads(min(self.batch_size, len(data)) * largest_weights):
            for _ in range(n_epochs):
                refresh_threads()
                start, lr = time.perf_counter(), optimizer.param_groups[0]["lr"]
                for rows in minibatches(len(data), self.batch_size, generator):
                    self._training_step(trainer, optimizer, data[rows], precision)
                if scheduler is not None:
                    scheduler.step()
                check_finite(len(history) + 1, self.lr, weights=trainer.parameters)
                self._record_epoch(history, trainer.reconstruction_error(monitor), lr, time.perf_counter() - start,
                                   stage)
                warned = warned or warn_on_rise(history, type(self).__name__)
        self.store_trainer(trainer)

    def _training_step(self, trainer, optimizer, batch, precision):
        """One update: the minibatch's gradient, clipped to ``max_grad_norm``, a step of the optimizer,
        and the trainer's constraints.

        ``trainer.gradient`` is the one place where the family computes a gradient, and it
        runs in ``precision`` (:func:`skgen._core.precision.precision_context`, made once per fit: it
        reads the CPU's flags): with bfloat16, its products run under :func:`torch.autocast`
        while clipping, the optimizer's step and the constraints stay float32. The trainers
        write their products through :func:`skgen._core.precision.autocast_product`, which autocast
        reaches and which hands back float32.
        """
        with precision:
            trainer.gradient(batch)
        if self.max_grad_norm is not None:
            torch.nn.utils.clip_grad_norm_(trainer.parameters, self.max_grad_norm)
        optimizer.step()
        trainer.after_step(batch)

    def _record_epoch(self, history, error, lr, seconds, stage):
        entry = {"epoch": len(history) + 1, "reconstruction_error": error, "lr": lr, "seconds": seconds}
        history.append(entry)
        if self.verbose:
            print(f"[{type(self).__name__}] {stage} {entry['epoch']}: reconstruction error {error:.5f}, "
                  f"lr {lr:.3g}, {seconds:.2f}s")

    # -- what a stack shares with its layers, and the weights on the device --------------------

    def _training_params_for(self, estimator_class):
        """This estimator's training parameters that ``estimator_class`` takes too, with the routed
        ``optimizer__*`` and ``lr_scheduler__*`` ones: how a stack configures its layers."""
        takes = set(estimator_class._get_param_names()) - {"random_state"}
        params = {name: value for name, value in self.get_params(deep=False).items()
                  if name in TRAINING_PARAMETERS and name in takes}
        params.update({key: getattr(self, key) for key in self._routed_keys()})
        return params

    def _device_machine(self, device, build):
        """``build(device)``, the fitted model as tensors on ``device``, built once per fitted state.

        The machine is kept (outside the estimator, so that pickles and ``__dict__`` stay as
        they are) until an attribute of the estimator is set anew, as ``fit`` and
        ``set_params`` do; arrays edited in place are seen on the CPU, where the machine
        shares their memory, and not on a GPU.
        """
        state = {name: value for name, value in vars(self).items() if not name.startswith("_")}
        kept = _DEVICE_MACHINES.get(self)
        if kept is not None and kept[1] == device and kept[0].keys() == state.keys() and all(
                kept[0][name] is value for name, value in state.items()):
            return kept[2]
        machine = build(device)
        _DEVICE_MACHINES[self] = (state, device, machine)
        return machine


def warn_on_rise(history, name):
    """Warn (:class:`~sklearn.exceptions.ConvergenceWarning`) when the reconstruction error in
    ``history`` fell and then rose to :data:`RISE_WARNING` times its lowest, and say whether it did.

    A finite divergence: a learning rate, with momentum, too hot for the model, makes the
    weights grow and the error jump and stay up (a DBM at lr 0.005 with momentum 0.9 went
    from 0.046 to 0.082 in one epoch), long before any weight overflows. The entries of
    earlier ``partial_fit`` calls or warm starts count, measured on their own batches. An
    error that never fell below the first epoch's is noise on a model that has not learned
    (on nearly constant data, 0.00006 then 0.0002), and stays quiet.
    """
    errors = [entry["reconstruction_error"] for entry in history]
    best = min(range(len(errors) - 1), key=errors.__getitem__, default=0)
    if best == 0 or errors[-1] <= RISE_WARNING * errors[best]:
        return False
    warnings.warn(
        f"{name}'s reconstruction error rose from {errors[best]:.4g} (epoch {history[best]['epoch']}) to "
        f"{errors[-1]:.4g} (epoch {history[-1]['epoch']}): training is probably diverging; a smaller lr, "
        "or less momentum, usually cures it.", ConvergenceWarning, stacklevel=user_stacklevel())
    return True
