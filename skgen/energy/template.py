"""The template of the energy family: RBM, GaussianBernoulliRBM, DBN and DBM.

In the manner of scikit-learn's ``mixture._base.BaseMixture``, :class:`EnergyEstimator`
owns what every energy model shares, training and inference, and declares the hooks that
each model fills:

- the training parameters, declared once in :data:`TRAINING_PARAMETERS` with their
  constraints and their numpydoc text: a subclass lists the ones it takes in its explicit
  ``__init__`` signature, whose body is ``self._set_init_params(locals())``
  (:class:`skgen._core.estimator.TorchEstimator`'s, as in the skorch family), and writes
  ``%(training_parameters)s`` in its Parameters section, which becomes their documentation
  with the defaults of its signature (:func:`skgen._core.params.document_parameters`);
- ``fit`` and ``partial_fit``, the one way to go on training: a fresh fitted state
  (``_initialize``), then the training loop for the model's epochs (``_loop``); a later
  ``partial_fit`` (or a DBM's warm start) checks that the fitted state still has the shape
  the parameters ask for and folds the rows into the data's statistics (``_resume``);
- the one training loop, :meth:`EnergyEstimator._fit_epochs`: epochs of minibatches, the
  optimizer and ``lr_scheduler`` (stepped once per epoch), the divergence guard and the
  rising-error warning, the per-epoch ``history`` record and ``verbose`` print, the CPU threads of
  :func:`skgen._core.threads.fit_threads` for the loop's largest product, chosen again before
  each epoch (:func:`skgen._core.threads.refresh_threads`); each minibatch goes through
  :meth:`EnergyEstimator._training_step`, the one place where a gradient is computed;
- inference, written once over a small machine protocol: ``sample`` (Gibbs sweeps, parallel
  tempering or Gibbs-Langevin, from noise, the persistent chains or data rows, with clamped
  visibles), ``log_partition`` (exact enumeration, or the one AIS of
  :mod:`skgen.energy.partition`, forward or reverse), ``free_energy`` and
  ``score_samples``, for the models that are one machine (an RBM, a DBM: they fill
  ``_make_machine`` and ``_persistent_chains``); a stack of machines (a DBN) samples by its own
  ``sample`` and has no density;
- the validation of data (``_validate``, ``_training_data``) by scikit-learn and by the
  model's visible unit type (``_visible_units``, an object of :mod:`skgen.energy.units`),
  and the input tags;
- the hooks: ``_initialize`` (a fresh fitted state), ``make_trainer`` (a trainer of
  :mod:`skgen.energy.trainers` over a copy of that state on the training device),
  ``store_trainer`` (the trained state back as NumPy fitted state) and ``_visible_units``
  are abstract; ``_loop``, ``_resume``, ``_training_data`` have defaults, and a model that
  is one machine fills ``_make_machine`` and ``_persistent_chains``. ``make_trainer`` and
  ``store_trainer`` are public, so that a stack (a DBN) trains its top RBM inside its own
  loop through the RBM's public methods;
- :meth:`EnergyEstimator._device_machine`: the fitted model as tensors on a device, built
  once and kept while the fitted state stays the same, so that samplers and stacks do not
  copy the weights from NumPy at every call, while the fitted state itself stays NumPy
  (a model fitted on ``cuda`` pickles and loads on a CPU-only machine);
- validation once per outermost fit (:func:`skgen._core.validation.fit_context`): a DBN validates its
  parameters and data, and the RBMs it fits inside skip both.

A new energy model is one module: a subclass of :class:`EnergyEstimator` (and of
:class:`EnergyTransformerMixin`, :class:`skgen._core.estimator.DensityMixin` as it is a
transformer or a density) that fills the hooks and lists its parameters in ``__init__``.
"""

import time
import warnings
import weakref
from abc import ABCMeta, abstractmethod

import numpy as np
import torch
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.utils import check_random_state
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, validate_data

from skgen._core.estimator import TorchEstimator
from skgen._core.params import Boolean, Integer, Options, Real, check_param, document_parameters
from skgen._core.precision import PRECISION_CONSTRAINTS, precision_context
from skgen._core.tensors import minibatches, resolve_device, seed_from, to_numpy, to_tensor, torch_generator
from skgen._core.threads import fit_threads, refresh_threads
from skgen._core.validation import check_finite, fit_context, inside_validated_fit, user_stacklevel
from skgen.energy.partition import ais_log_partition, ais_schedule, cached_log_partition, checked_estimate
from skgen.energy.samplers import GibbsLangevin, ParallelTempering

#: rows of the training data on which the per-epoch reconstruction error is measured
MONITOR_ROWS = 1000
#: a reconstruction error this many times its lowest, after it fell, warns that training diverges
RISE_WARNING = 1.5
SAMPLERS = ("gibbs", "tempering", "gibbs_langevin")

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


def _is_one_machine(estimator):
    """Whether ``estimator`` fills the hooks of inference (:meth:`EnergyEstimator._make_machine`): a model that
    is one machine, an RBM or a DBM, and not a stack of them."""
    return type(estimator)._make_machine is not EnergyEstimator._make_machine


class EnergyEstimator(TorchEstimator, metaclass=ABCMeta):
    """Base class of the energy family: training parameters, ``fit`` and ``partial_fit`` over one training
    loop, ``sample``, ``log_partition``, ``free_energy`` and ``score_samples`` over a machine, and
    device-resident weights.

    Subclasses fill the abstract hooks :meth:`_initialize`, :meth:`make_trainer`,
    :meth:`store_trainer` and :meth:`_visible_units`; :meth:`_loop`, :meth:`_resume` and
    :meth:`_training_data` where their defaults do not suit; and, for inference,
    :meth:`_make_machine` and :meth:`_persistent_chains`.
    """

    _parameter_constraints = {
        **TorchEstimator._parameter_constraints,
        **{name: constraints for name, (constraints, _, _) in TRAINING_PARAMETERS.items()},
    }

    #: clip each update's gradient norm to this (a parameter where a subclass takes it); None does not clip
    max_grad_norm = None
    #: arithmetic of the training products (a parameter of every public energy model, from TRAINING_PARAMETERS)
    precision = "float32"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        document_parameters(cls, TRAINING_PARAMETERS)

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

    @abstractmethod
    def _visible_units(self):
        """The visible unit type of the data, an object of :mod:`skgen.energy.units`, set up by the parameters.

        It checks the values of training and inference rows (:meth:`_validate`) and gives the
        ``positive_only`` input tag; an RBM keeps the running statistics of its data and its
        visible parameters through it, and its machine holds it.
        """

    def _resume(self, data):
        """Get the fitted model ready to train on more rows ``data``, as :meth:`partial_fit` (and a warm start) do.

        Raises ``ValueError`` where a parameter that shaped the fitted state (a layer's size,
        the number of persistent chains) no longer matches it, and folds ``data`` into the
        running statistics of the training data where the model keeps them. The default
        does neither.
        """

    def _loop(self):
        """What :meth:`fit` trains after :meth:`_initialize`: ``(n_epochs, history, stage)``.

        ``n_epochs`` epochs of the training loop (:meth:`_fit_epochs`), recording into the list
        attribute named ``history``, and naming an epoch ``stage`` in ``verbose`` lines;
        :meth:`partial_fit` trains one such epoch. The default: ``max_epochs`` epochs into
        ``history_``.
        """
        return self.max_epochs, "history_", "epoch"

    # -- the hooks of inference, which a model that is one machine fills (an RBM, a DBM) -------------

    def _make_machine(self, device, training=False):
        """The fitted model as a machine on ``device``; with ``training``, a copy that a trainer updates in place.

        The machine offers the protocol that :meth:`sample`, :meth:`log_partition`,
        :meth:`free_energy` and :meth:`score_samples` read, as
        :class:`skgen.energy.machines.RestrictedBoltzmannMachine` and
        :class:`skgen.energy.dbm_machine.DeepBoltzmannMachine` do: ``samplers``, ``device``,
        ``largest_weights``, a sampler's states (``noise``, ``start_state``, ``visibles``),
        ``gibbs_sweep``, ``free_energy``, ``enumerable``, ``exact_log_partition``, and what AIS
        reads (:mod:`skgen.energy.partition`). A stack of machines (a DBN) leaves it unfilled, and
        those four methods of the template are not available on it.
        """
        raise NotImplementedError

    def _persistent_chains(self):
        """The persistent chains of training, or None without them: a list of arrays of one row per chain,
        the visibles' first, then the hidden layers' that a sampler's state holds (a DBM's).

        ``sample(start="chains")`` continues them; reverse AIS starts from them by default.
        """
        raise NotImplementedError

    # -- training ---------------------------------------------------------------------------------

    @fit_context
    def fit(self, X, y=None):
        """Fit the model to ``X`` from a fresh initialisation, then train it for its epochs.

        The fresh fitted state is an RBM's initial weights, or the greedy training of a
        DBN's or a DBM's layers; the training loop then runs an RBM's ``max_epochs`` epochs,
        a DBM's joint training or a DBN's ``fine_tune_epochs`` of up-down fine-tuning. With
        ``warm_start=True`` (a DBM) and a fitted model, only the training loop runs, continuing
        from the fitted state as :meth:`partial_fit` does.

        Parameters
        ----------
        X : {array-like, sparse matrix, Tensor} of shape (n_samples, n_features)
            Training rows, with values the visible units take (in [0, 1] for binary units).
            A :class:`torch.Tensor` is trained on without leaving the device (a DBN passes its
            layers' tensors).
        y : array-like of shape (n_samples,), default=None
            Class labels, joined to the top RBM of a ``DBN(joint_labels=True)``; ignored otherwise.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        resume = getattr(self, "warm_start", False) and self._is_fitted()
        data = self._training_data(X, y, reset=not resume)
        self._rng = check_random_state(self.random_state)
        if resume:
            self._resume(data)
        else:
            self._initialize(data, self._rng)
        n_epochs, history, stage = self._loop()
        if n_epochs:
            self._fit_epochs(data, n_epochs, self._rng, getattr(self, history), stage=stage)
        return self

    @fit_context
    def partial_fit(self, X, y=None):
        """Train the model for one epoch over ``X``, continuing from its fitted state: the one way to go on training.

        The first call initialises the model as :meth:`fit` does (an RBM's initial weights,
        the greedy training of a DBN's or DBM's layers) before its epoch. Later calls check
        that the parameters that shaped the fitted state (``n_components``,
        ``hidden_layer_sizes``, a DBM's ``n_chains``) are unchanged, fold the rows into the
        running statistics of the data (an RBM's), and continue the persistent chains and
        centering offsets; the optimizer's state (momentum) and the learning-rate schedule
        start anew at each call. An epoch is one of :meth:`fit`'s training loop: an RBM's,
        a DBM's joint training, a DBN's up-down fine-tuning.

        Parameters
        ----------
        X : {array-like, sparse matrix, Tensor} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,), default=None
            Class labels of a ``DBN(joint_labels=True)``; ignored otherwise.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        first = not self._is_fitted()
        data = self._training_data(X, y, reset=first)
        if first or getattr(self, "_rng", None) is None:
            self._rng = check_random_state(self.random_state)
        if first:
            self._initialize(data, self._rng)
        else:
            self._resume(data)
        _, history, stage = self._loop()
        self._fit_epochs(data, 1, self._rng, getattr(self, history), stage=stage)
        return self

    def _is_fitted(self):
        try:
            check_is_fitted(self)
        except NotFittedError:
            return False
        return True

    def _check_unchanged(self, name, fitted, asked=None):
        """Raise ``ValueError`` unless the parameter ``name`` (or what it ``asked``, where its value stands for
        another, as ``n_chains=None`` for ``batch_size``) still gives the fitted state's ``fitted``."""
        value = getattr(self, name)
        if asked is None:
            asked = tuple(value) if isinstance(value, list) else value
        if asked != fitted:
            raise ValueError(f"{type(self).__name__}: {name}={value!r} does not match the fitted model's "
                             f"{fitted!r}; partial_fit and warm_start continue the fitted model. Set it back, or "
                             "fit anew (fit without warm_start, or a clone).")

    def _validate(self, X, reset):
        """``X`` checked (an array or sparse matrix) by scikit-learn, then its values by the visible unit type.

        Inside an enclosing fit, which validated the rows it hands over (a classifier pretraining
        its ``dbn``), scikit-learn checks only their number of features and their names.
        """
        X = validate_data(self, X, accept_sparse="csr", dtype=(np.float32, np.float64), reset=reset,
                          skip_check_array=inside_validated_fit())
        self._visible_units().check_values(X, type(self).__name__)
        return X

    def _training_data(self, X, y, reset):
        """The training rows as a float32 tensor on the training device (a DBN's with their labels).

        A tensor handed over by an enclosing fit (a DBN's layer) was checked there.
        """
        device = resolve_device(self.device)
        if not torch.is_tensor(X):
            return to_tensor(self._validate(X, reset), device)
        if reset:
            self.n_features_in_ = X.shape[1]
            self.__dict__.pop("feature_names_in_", None)
        if inside_validated_fit():
            return X.to(device=device, dtype=torch.float32)
        if X.ndim != 2 or not X.is_floating_point() or not torch.isfinite(X).all():
            raise ValueError(f"X must be a 2-D floating-point tensor of finite values, got shape {tuple(X.shape)}.")
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, but {type(self).__name__} is expecting "
                             f"{self.n_features_in_} features as input.")
        if len(X):
            self._visible_units().check_values(to_numpy(torch.stack([X.amin(0), X.amax(0)])), type(self).__name__)
        return X.to(device=device, dtype=torch.float32)

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


    # -- inference, written once over the machine protocol ---------------------------------------

    def _machine(self, device):
        """The fitted model's machine on ``device``, kept there while the fitted state stays the same."""
        check_is_fitted(self)
        return self._device_machine(device, self._make_machine)

    def _inference_rows(self, X):
        """``X`` validated, as a float32 tensor on the inference device."""
        check_is_fitted(self)
        return to_tensor(self._validate(X, reset=False), self._inference_device())

    @available_if(_is_one_machine)
    def free_energy(self, X):
        """Free energy ``F(v) = -log sum_h exp(-E(v, h))`` of each row, so that ``P(v) = exp(-F(v)) / Z``.

        For an RBM it is exact: with binary visibles, ``F(v) = -b.v - sum_j log(1 + exp(c_j + W_j.v))``.
        A DBM's hidden layers do not sum out in closed form: it gives the variational free
        energy ``E(v, mu) - H(mu)`` at the mean-field posterior ``mu`` (``mean_field_steps``
        sweeps), an upper bound of ``F(v)``, so that ``P(v) >= exp(-free_energy(v)) / Z``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        free_energy : ndarray of shape (n_samples,)
        """
        v = self._inference_rows(X)
        machine = self._machine(v.device)
        with torch.no_grad(), fit_threads(len(v) * machine.largest_weights):
            return to_numpy(machine.free_energy(v))

    @available_if(_is_one_machine)
    def score_samples(self, X):
        """Log-likelihood ``log P(v)`` of each row, in nats: ``-free_energy(v) - log Z``.

        For a DBM, whose :meth:`free_energy` is a bound, it is the variational lower bound of
        ``log P(v)``. ``log Z`` is exact where enumeration is within reach and a forward AIS
        estimate otherwise (see :meth:`log_partition`), computed once per fitted state and
        AIS settings.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to score, with values the visible units take.

        Returns
        -------
        log_likelihood : ndarray of shape (n_samples,)
        """
        return -self.free_energy(X) - cached_log_partition(self)

    @available_if(_is_one_machine)
    def log_partition(self, method="auto", *, start=None, ais_chains=None, ais_betas=None, random_state=None):
        """The log partition function ``log Z`` and the standard error of its estimate.

        Parameters
        ----------
        method : {"auto", "exact", "ais", "reverse_ais"}, default="auto"
            ``"exact"`` sums over every state of the layers that do not sum out in closed
            form: the smaller layer of a binary RBM, the hidden layer of a Gaussian one, the
            even or the odd layers of a DBM, whichever have fewer units (at most 20 units or
            so). ``"ais"`` is annealed importance sampling from the base model of independent
            units (the visibles at the data's statistics; a DBM's hiddens at its persistent
            chains' means), which underestimates ``log Z`` on average; ``"reverse_ais"``
            anneals from ``start`` down to the base model and overestimates it on average when
            ``start`` is a fair sample of the model, so the two bracket ``log Z``; ``"auto"``
            enumerates when it can and runs AIS otherwise.
        start : array-like of shape (n_chains, n_features), default=None
            The visible rows reverse AIS starts from: data rows or model samples (a DBM
            draws their hidden states from its bottom-up pass). ``None`` takes the persistent
            chains :attr:`chains_` (every layer's states, for a DBM).
        ais_chains, ais_betas : int, default=None
            AIS runs and inverse temperatures; ``None`` takes the estimator's parameters.
        random_state : int, RandomState instance or None, default=None
            Seeds AIS; ``None`` takes the estimator's ``random_state``.

        Returns
        -------
        log_z : float
        std_error : float
            0.0 for the exact value.

        Warns
        -----
        RuntimeWarning
            When fewer than a tenth of the AIS runs carry the estimate's weight (judged
            from its standard error): ``log Z`` is then likely far too low.
        """
        check_is_fitted(self)
        check_param("method", method, Options("auto", "exact", "ais", "reverse_ais"), owner=type(self).__name__)
        machine = self._machine(self._inference_device())
        if method == "auto":
            method = "exact" if machine.enumerable() else "ais"
        if method == "exact":
            return machine.exact_log_partition(), 0.0
        n_chains = check_param("ais_chains", self.ais_chains if ais_chains is None else ais_chains, Integer(1))
        n_betas = check_param("ais_betas", self.ais_betas if ais_betas is None else ais_betas, Integer(3))
        generator = torch_generator(seed_from(self.random_state if random_state is None else random_state),
                                    machine.device)
        with torch.no_grad(), fit_threads(n_chains * machine.largest_weights):
            if method == "reverse_ais":
                start = self._reverse_start(start, machine, generator)
            estimate = ais_log_partition(machine, ais_schedule(n_betas), n_chains, generator, start=start)
        return checked_estimate(estimate, n_chains if start is None else len(machine.visibles(start)))

    def _reverse_start(self, start, machine, generator):
        """Reverse AIS's states: the rows ``start`` (their hidden states drawn by the machine), else the chains."""
        if start is not None:
            return machine.start_state(self._inference_rows(start), generator)
        if self._persistent_chains() is None:
            raise ValueError("reverse AIS needs start rows (data or samples): this model has no persistent "
                             "chains (train with persistent=True or sampler='tempering', or pass start=).")
        return self._chains_as_state(machine, generator)

    def _chains_as_state(self, machine, generator, n_chains=None):
        """The persistent chains as a sampler's state, cycled to ``n_chains`` rows (``None``: each chain once)."""
        chains = self._persistent_chains()
        rows = slice(None) if n_chains is None else np.arange(n_chains) % len(chains[0])
        visibles, *hiddens = (torch.as_tensor(layer[rows], device=machine.device) for layer in chains)
        return machine.start_state(visibles, generator, hiddens=hiddens or None)

    @available_if(_is_one_machine)
    def sample(self, n_samples=1, *, start="noise", sampler="gibbs", n_steps=1000, n_temperatures=None,
               step_size=None, return_probabilities=False, clamp=None, random_state=None):
        """Draw visibles from the model by Markov chain Monte Carlo.

        Each chain starts at ``start`` and runs ``n_steps`` steps of ``sampler``; the last
        visible states (or their conditional means) are returned. A DBM's block Gibbs sweep
        samples its odd layers given the even ones, then the even layers given the odd ones.

        **Which start and sampler give the best samples.** A model trained out of
        equilibrium by CD-k samples well only near where its training chains started, the
        data (Decelle, Furtlehner & Seoane 2021): start it from data rows, with a few
        steps. The model itself is what chains from ``"noise"`` reach once they stop
        changing: :func:`skgen.metrics.sampling_convergence` shows after how many steps
        (for study 3's RBM, about 1,000 Gibbs sweeps). ``"chains"``, the persistent chains
        continued a few steps, repeat the training dynamics, which may be better than the
        model when training moved the weights faster than the chains mixed.
        ``sampler="tempering"`` crosses between the modes (digits, characters) where plain
        Gibbs chains stay in the one they fell into, at ``n_temperatures`` times the cost
        per step, when neighbouring temperatures swap (on MNIST, 30 temperatures; 10 swap
        almost never next to the model).

        Parameters
        ----------
        n_samples : int, default=1
            Number of chains; ignored when ``start`` is an array (one chain per row).
        start : {"noise", "chains"} or array-like of shape (n_chains, n_features), default="noise"
            ``"noise"``: uniformly random binary units (for Gaussian visibles, draws from the
            data's Gaussian); ``"chains"``: the persistent chains :attr:`chains_` (a DBM's
            every layer), cycled to ``n_samples``; an array: those visible rows, e.g. data (a
            DBM draws their hidden states from its bottom-up pass).
        sampler : {"gibbs", "tempering", "gibbs_langevin"}, default="gibbs"
            Block Gibbs sampling; for an RBM, parallel tempering (the same as the training
            option); for Gaussian visibles only, Metropolis-adjusted Gibbs-Langevin steps (Liao
            et al. 2022), which leave the model's distribution invariant.
        n_steps : int, default=1000
            Steps per chain (Gibbs sweeps; for tempering, sweeps at every temperature).
        n_temperatures : int, default=None
            Temperatures of tempering; ``None`` takes the estimator's ``n_temperatures`` (a
            model that has none asks for this argument).
        step_size : float in (0, 1], default=None
            Step of ``"gibbs_langevin"``: the fraction of the way to ``E[v | h]`` that a
            step goes; ``None`` takes the estimator's ``step_size``.
        return_probabilities : bool, default=False
            Return the mean-field visibles ``E[v | h]`` of the last step instead of the
            drawn states: smoother images, not samples.
        clamp : tuple (columns, values), default=None
            Hold the visibles ``columns`` at ``values`` (shape ``(n_chains, len(columns))``
            or ``(len(columns),)``) throughout, and sample the others given them: inpainting,
            or the label units of a class-conditional DBN.
        random_state : int, RandomState instance or None, default=None
            Seeds the start and the draws; ``None`` draws fresh randomness.

        Returns
        -------
        samples : ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self)
        owner = type(self).__name__
        self._check_sampling(sampler, n_steps, n_temperatures, return_probabilities)
        machine = self._machine(self._inference_device())
        self._check_sampler(sampler, machine)
        if sampler == "tempering" and n_temperatures is None:
            n_temperatures = getattr(self, "n_temperatures", None)
            if n_temperatures is None:
                raise ValueError(f"{owner}: sampler='tempering' needs n_temperatures=, the number of temperatures; "
                                 f"{owner} has no n_temperatures of its own to take.")
        if sampler == "gibbs_langevin":
            step_size = check_param("step_size", self.step_size if step_size is None else step_size,
                                    Real(0, 1, closed="right"), owner=owner)
            if clamp is not None:
                raise ValueError("clamp is not available with sampler='gibbs_langevin': use 'gibbs' or 'tempering'.")
        generator = torch_generator(random_state, machine.device)
        rows = self._start_rows(start, n_samples)
        n_chains = n_samples if rows is None else len(rows)
        clamp = self._clamp(clamp, n_chains, machine.device)
        with torch.no_grad(), fit_threads(n_chains * machine.largest_weights):
            state = self._start_state(start, rows, n_chains, machine, generator)
            if clamp is not None:
                machine.visibles(state)[:, clamp[0]] = clamp[1]
            if sampler == "gibbs":
                for _ in range(n_steps):
                    state, mean = machine.gibbs_sweep(state, generator, clamp=clamp)
            elif sampler == "gibbs_langevin":
                langevin = GibbsLangevin(machine, state, step_size, generator)
                for _ in range(n_steps):
                    state, mean = langevin.step()
            else:
                tempering = ParallelTempering(machine, state.repeat(n_temperatures, 1), n_temperatures, generator)
                clamp = None if clamp is None else (clamp[0], clamp[1].repeat(n_temperatures, 1))
                for _ in range(n_steps):
                    state, mean = tempering.step(clamp)
        return to_numpy(mean if return_probabilities else machine.visibles(state))

    def _check_sampling(self, sampler, n_steps, n_temperatures, return_probabilities):
        """Raise ``ValueError`` naming the first of ``sample``'s arguments out of its range."""
        owner = type(self).__name__
        check_param("sampler", sampler, Options(*SAMPLERS), owner=owner)
        check_param("n_steps", n_steps, Integer(1), owner=owner)
        check_param("n_temperatures", n_temperatures, None, Integer(2), owner=owner)
        check_param("return_probabilities", return_probabilities, Boolean(), owner=owner)

    def _check_sampler(self, sampler, machine):
        """Raise ``ValueError`` unless ``sampler`` is one of ``machine``'s."""
        if sampler not in machine.samplers:
            raise ValueError(f"{type(self).__name__}: sampler={sampler!r} does not suit this model; it takes "
                             f"{', '.join(map(repr, machine.samplers))} ('tempering' needs an RBM, 'gibbs_langevin' "
                             "an RBM with Gaussian visibles, as GaussianBernoulliRBM).")

    def _start_rows(self, start, n_samples):
        """The rows ``start`` as a tensor (a copy the chains may change), or None for ``"noise"`` and ``"chains"``,
        checked with ``n_samples``."""
        owner = type(self).__name__
        if isinstance(start, str):
            check_param("start", start, Options("noise", "chains"), owner=owner)
            check_param("n_samples", n_samples, Integer(1), owner=owner)
            if start == "chains" and self._persistent_chains() is None:
                raise ValueError("start='chains' needs persistent chains: train with persistent=True or "
                                 "sampler='tempering', or start from 'noise' or data rows.")
            return None
        if start is None:
            raise ValueError("start must be 'noise', 'chains' or an array of visible rows, got None.")
        return self._inference_rows(start).clone()

    def _start_state(self, start, rows, n_chains, machine, generator):
        """A sampler's first state: at ``rows``, at the machine's noise, or at the persistent chains."""
        if rows is not None:
            return machine.start_state(rows.to(machine.device), generator)
        if start == "noise":
            return machine.noise(n_chains, generator)
        return self._chains_as_state(machine, generator, n_chains)

    def _clamp(self, clamp, n_chains, device):
        """``clamp`` as ``(columns, values)`` tensors, ``values`` of shape ``(n_chains, len(columns))``, or None."""
        if clamp is None:
            return None
        try:
            columns, values = clamp
        except (TypeError, ValueError):
            raise ValueError("clamp must be a pair (columns, values).") from None
        columns = torch.as_tensor(np.asarray(columns, dtype=np.int64).ravel(), device=device)
        values = torch.as_tensor(np.asarray(values, dtype=np.float32), device=device)
        if len(columns) and (columns.min() < 0 or columns.max() >= self.n_features_in_):
            raise ValueError(f"clamp columns must lie in [0, {self.n_features_in_}).")
        try:
            values = values.expand(n_chains, len(columns)).clone()
        except RuntimeError:
            raise ValueError(f"clamp values of shape {tuple(values.shape)} do not fit {n_chains} chains and "
                             f"{len(columns)} columns.") from None
        return columns, values

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.input_tags.positive_only = self._visible_units().positive_only
        return tags



class EnergyTransformerMixin(ClassNamePrefixFeaturesOutMixin, TransformerMixin):
    """The transformer face of an energy model (RBM, DBN, DBM): ``fit_transform``, ``set_output``,
    ``get_feature_names_out`` named after the class, and float32 features whatever the input's dtype."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags

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
