"""Deep belief network: a stack of Bernoulli RBMs trained greedily, layer by layer, then fine-tuned by up-down.

:class:`DBN` fills the hooks of the energy family's template
(:class:`skgen.energy.template.EnergyEstimator`): its initialisation is the greedy training of its
RBMs, through their public methods, and its training loop is the up-down fine-tuning
(:class:`skgen.energy.trainers.UpDown`).
"""

import numpy as np
import torch
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from skgen._core.labels import check_row_labels, check_sample_labels, encode_fit_labels, one_hot
from skgen._core.params import Boolean, Integer, LayerSizes, Options, check_param
from skgen._core.tensors import float32_tensor, seed_from, to_numpy, to_tensor, torch_generator
from skgen.energy.gbrbm import GaussianBernoulliRBM
from skgen.energy.machines import SigmoidLayer
from skgen.energy.rbm import RBM
from skgen.energy.template import EnergyEstimator, EnergyTransformerMixin
from skgen.energy.trainers import UpDown
from skgen.energy.units import VISIBLE_UNITS, BernoulliUnits, GaussianUnits

#: the RBM whose visible units are of each type: the bottom layer of a DBN of that ``visible_units``
RBM_OF_UNITS = {BernoulliUnits: RBM, GaussianUnits: GaussianBernoulliRBM}


class DBN(EnergyTransformerMixin, EnergyEstimator):
    """Deep belief network of Bernoulli RBMs, trained greedily layer by layer.

    The first RBM is fitted to the data, each next one to the hidden probabilities of the
    one below (Hinton, Osindero & Teh 2006); the layers pass tensors to each other on the
    training device. As a transformer, the network maps data to the hidden probabilities
    of its top layer (the up pass); as a generative model, the top RBM is an associative
    memory whose Markov chain is followed by a stochastic down pass through the directed
    lower layers.

    With ``joint_labels=True``, ``fit(X, y)`` joins one-hot label units to the visible
    layer of the top RBM, which then models images and their classes together; clamping
    those units in :meth:`sample` draws images of the asked classes (Hinton et al. 2006).

    With ``fine_tune_epochs > 0``, the greedy training is followed by generative
    fine-tuning with the up-down algorithm (Hinton et al. 2006, appendix B). The weights
    of each lower layer are untied into recognition weights, which the up pass uses, and
    generative weights, which the down pass uses; both start at the greedily trained RBM's.
    For each minibatch, the wake phase drives the data up through the recognition weights
    with stochastic binary states; the top RBM, whose weights stay tied, takes a step of
    its own training (CD-k from the wake states, or PCD or tempering as configured); the
    sleep phase drives the top RBM's negative states down through the generative weights,
    again with stochastic states. The generative weights then learn by the delta rule to
    reconstruct each layer's wake states from the wake states above, and the recognition
    weights to infer each layer's sleep states from the sleep states below. Every update
    is a step of ``optimizer`` at ``lr``.

    The training parameters (``cd_steps`` to ``lr_scheduler``, ``device``, ``verbose``) are
    every layer's and the fine-tuning's. The DBN validates them and the data once; the
    RBMs it fits inside its own ``fit`` skip their validation.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(200, 200)
        Hidden units of each RBM, bottom first.
    visible_units : {"bernoulli", "gaussian"}, default="bernoulli"
        The data's unit type: binary (or probabilities in [0, 1]), or real-valued, which
        makes the first layer a :class:`skgen.GaussianBernoulliRBM` (which is not centred).
    %(training_parameters)s
    joint_labels : bool, default=False
        Train the top RBM on the top features joined with one-hot labels, so that
        :meth:`sample` can be asked for classes. ``fit`` then needs ``y``; without it,
        ``fit`` ignores ``y`` as every transformer does.
    fine_tune_epochs : int, default=0
        Epochs of up-down fine-tuning after the greedy training (0: none). Each is a pass
        over the training data in minibatches of ``batch_size``; the optimizer (with its
        ``optimizer__*`` arguments) and ``lr_scheduler`` are built anew, as for a layer.
        Needs ``visible_units="bernoulli"``. With ``joint_labels``, the top RBM's negative
        phase draws the label units as independent Bernoulli units, as in greedy training.
    random_state : int, RandomState instance or None, default=None
        Seeds every layer (each gets its own seed drawn from it), then the fine-tuning. The
        same value gives the same weights on the CPU.
    **kwargs
        ``optimizer__<name>=value`` and ``lr_scheduler__<name>=value`` arguments for every layer.

    Attributes
    ----------
    rbms_ : list of RBM
        The fitted RBMs, bottom first. ``rbms_[i].components_`` has shape
        ``(hidden_layer_sizes[i], n_inputs_i)``; with ``joint_labels`` the top one has
        ``n_classes`` more inputs, the label units, last.
        After fine-tuning, the lower RBMs hold the recognition weights
        (``components_`` and ``intercept_hidden_``), which :meth:`transform` uses, and
        keep their greedily trained ``intercept_visible_``, which the DBN no longer uses.
    generative_weights_ : list of ndarray
        The down pass's weights, one per lower layer, bottom first:
        ``generative_weights_[i]`` has the shape of ``rbms_[i].components_``.
        :meth:`sample` and :meth:`inverse_transform` use them. Copies of
        ``rbms_[i].components_`` without fine-tuning; empty for a one-layer DBN.
    generative_intercepts_ : list of ndarray
        The down pass's visible biases, one per lower layer, bottom first: copies of
        ``rbms_[i].intercept_visible_`` without fine-tuning.
    fine_tune_history_ : list of dict
        One entry per fine-tuning epoch: ``epoch``, ``reconstruction_error`` (mean squared
        error of ``inverse_transform(transform(X))`` on up to 1,000 training rows), ``lr``
        and ``seconds``. Empty without fine-tuning.
    classes_ : ndarray of shape (n_classes,)
        The labels (``joint_labels=True`` only).
    class_prior_ : ndarray of shape (n_classes,)
        The share of each class among the training rows (``joint_labels=True`` only).
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
    belief nets. Neural Computation 18(7), appendix B for the up-down algorithm.

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
    >>> y = np.array([0, 1, 1, 0] * 5)
    >>> labelled = DBN(hidden_layer_sizes=(3, 4), joint_labels=True, max_epochs=20, random_state=0).fit(X, y)
    >>> labelled.sample(y=[1, 1, 0], random_state=0).shape
    (3, 4)
    >>> tuned = DBN(hidden_layer_sizes=(3, 2), max_epochs=20, fine_tune_epochs=5, random_state=0).fit(X)
    >>> [weights.shape for weights in tuned.generative_weights_]
    [(3, 4)]
    >>> len(tuned.fine_tune_history_)
    5
    """

    _parameter_constraints = {
        **EnergyEstimator._parameter_constraints,
        "hidden_layer_sizes": [LayerSizes()],
        "visible_units": [Options("bernoulli", "gaussian")],
        "joint_labels": [Boolean()],
        "fine_tune_epochs": [Integer(0)],
    }

    def __init__(
        self,
        hidden_layer_sizes=(200, 200),
        *,
        visible_units="bernoulli",
        cd_steps=1,
        persistent=False,
        n_chains=None,
        sampler="gibbs",
        n_temperatures=10,
        centered=False,
        lr=0.1,
        max_epochs=10,
        batch_size=10,
        optimizer=torch.optim.SGD,
        lr_scheduler=None,
        joint_labels=False,
        fine_tune_epochs=0,
        precision="float32",
        device="cpu",
        random_state=None,
        verbose=0,
        **kwargs,
    ):
        self._set_init_params(locals())

    # -- the hooks of the template ------------------------------------------------------------

    def _visible_units(self):
        """The data's unit type, named by ``visible_units`` (:data:`skgen.energy.units.VISIBLE_UNITS`)."""
        return VISIBLE_UNITS.get(self.visible_units, BernoulliUnits)()

    def _loop(self):
        """The up-down fine-tuning: ``fine_tune_epochs`` epochs into ``fine_tune_history_``."""
        return self.fine_tune_epochs, "fine_tune_history_", "fine-tuning epoch"

    def _check_up_down(self, training):
        """Raise ``ValueError`` unless the up-down fine-tuning that ``training`` asks for suits the data's units."""
        if not self._visible_units().up_down:
            raise ValueError(f"{training} needs visible_units='bernoulli': the up-down fine-tuning of a "
                             f"{self.visible_units} first layer is not supported.")

    def _training_data(self, X, y, reset):
        """The training rows as a tensor, followed by their one-hot labels with ``joint_labels``."""
        if self.fine_tune_epochs:
            self._check_up_down("fine_tune_epochs > 0")  # before the greedy training
        data = super()._training_data(X, y, reset)
        if not self.joint_labels:
            return data
        if reset:
            indices = encode_fit_labels(self, y, len(data), "joint_labels")
        else:
            indices = check_row_labels(self, y, len(data), "joint_labels")
        return torch.cat([data, one_hot(indices, len(self.classes_), data.device)], 1)

    def _resume(self, data):
        """Check that ``hidden_layer_sizes`` is the fitted network's."""
        self._check_unchanged("hidden_layer_sizes", tuple(rbm.components_.shape[0] for rbm in self.rbms_))

    def _split_labels(self, data):
        """The visible rows and the one-hot label columns (or None) of training rows."""
        if not self.joint_labels:
            return data, None
        n_features = self.n_features_in_
        return data[:, :n_features].contiguous(), data[:, n_features:].contiguous()

    def _initialize(self, data, random_state):
        """The greedy training: each RBM fitted to the hidden probabilities of the one below."""
        visibles, labels = self._split_labels(data)
        self.rbms_ = []
        for depth, size in enumerate(self.hidden_layer_sizes):
            top = depth == len(self.hidden_layer_sizes) - 1
            if top and labels is not None:
                visibles = torch.cat([visibles, labels], 1)
            rbm = self._layer(depth, size, seed_from(random_state)).fit(visibles)
            self.rbms_.append(rbm)
            if not top:
                visibles = rbm.mean_hiddens(visibles)
        self.generative_weights_ = [rbm.components_.copy() for rbm in self.rbms_[:-1]]
        self.generative_intercepts_ = [rbm.intercept_visible_.copy() for rbm in self.rbms_[:-1]]
        self.fine_tune_history_ = []

    def _layer(self, depth, size, seed):
        """The unfitted RBM of layer ``depth``: at the bottom, the RBM of the data's unit type
        (:data:`RBM_OF_UNITS`: Gaussian-Bernoulli for real-valued data)."""
        layer = RBM_OF_UNITS[type(self._visible_units())] if depth == 0 else RBM
        return layer(n_components=size, random_state=seed, **self._training_params_for(layer))

    def make_trainer(self, data, generator):
        """The up-down trainer of copies of the network's weights, on ``data``'s device.

        The lower layers are untied into recognition layers (starting at the RBMs'
        ``components_`` and ``intercept_hidden_``) and generative layers (starting at
        ``generative_weights_`` and ``generative_intercepts_``); the top RBM trains by its
        own :meth:`skgen.RBM.make_trainer`, its persistent chains starting from the up pass
        of ``data``.

        Parameters
        ----------
        data : Tensor of shape (n_samples, n_features + n_classes)
            Training rows, followed by their one-hot labels with ``joint_labels``.
        generator : torch.Generator
            On ``data``'s device.

        Returns
        -------
        trainer : skgen.energy.trainers.UpDown
        """
        check_is_fitted(self)
        self._check_up_down("partial_fit (an epoch of up-down fine-tuning)")
        visibles, labels = self._split_labels(data)
        for rbm in self.rbms_[:-1]:
            visibles = rbm.mean_hiddens(visibles)
        top_data = visibles if labels is None else torch.cat([visibles, labels], 1)
        def layer(weights, bias, upward):
            return SigmoidLayer(float32_tensor(weights, data.device, copy=True),
                                float32_tensor(bias, data.device, copy=True), upward)

        recognition = [layer(rbm.components_, rbm.intercept_hidden_, upward=True) for rbm in self.rbms_[:-1]]
        generative = [layer(weights, intercept, upward=False)
                      for weights, intercept in zip(self.generative_weights_, self.generative_intercepts_)]
        return UpDown(self.rbms_[-1].make_trainer(top_data, generator), recognition, generative, generator,
                      n_labels=0 if labels is None else labels.shape[1])

    def store_trainer(self, trainer):
        """Take the weights of an up-down ``trainer`` as the fitted state.

        The recognition weights go to the lower RBMs (``components_``,
        ``intercept_hidden_``), the generative ones to ``generative_weights_`` and
        ``generative_intercepts_``, the top RBM's to the top RBM (:meth:`skgen.RBM.store_trainer`).

        Parameters
        ----------
        trainer : skgen.energy.trainers.UpDown
            A trainer from :meth:`make_trainer`, after training.
        """
        for rbm, layer in zip(self.rbms_[:-1], trainer.recognition):
            rbm.components_, rbm.intercept_hidden_ = to_numpy(layer.weights), to_numpy(layer.bias)
        self.generative_weights_ = [to_numpy(layer.weights) for layer in trainer.generative]
        self.generative_intercepts_ = [to_numpy(layer.bias) for layer in trainer.generative]
        self.rbms_[-1].store_trainer(trainer.top)

    def transform(self, X):
        """Up pass: hidden probabilities of the top layer, layer by layer.

        With ``joint_labels``, the label units hold ``1 / n_classes`` each (no class known).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Values in [0, 1].

        Returns
        -------
        H : ndarray of shape (n_samples, hidden_layer_sizes[-1])
        """
        return to_numpy(self._up_pass(self._inference_rows(X)))

    def _up_pass(self, data):
        """Top hidden probabilities of visible rows (a tensor), through the recognition weights."""
        for depth, rbm in enumerate(self.rbms_):
            if depth == len(self.rbms_) - 1 and self.joint_labels:
                data = torch.cat([data, torch.full((len(data), len(self.classes_)), 1 / len(self.classes_),
                                                   device=data.device)], 1)
            data = rbm.mean_hiddens(data)
        return data

    def inverse_transform(self, H):
        """Down pass: visible probabilities reached from top-layer hidden states ``H``.

        The top RBM maps ``H`` to its visible probabilities, then each lower layer maps the
        probabilities above it to ``P(v=1 | h)`` of the layer below, through its generative
        weights.

        Parameters
        ----------
        H : array-like of shape (n_samples, hidden_layer_sizes[-1])
            Top-layer states or probabilities, in [0, 1].

        Returns
        -------
        X : ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self)
        top_visibles = self._without_labels(self.rbms_[-1].inverse_transform(H))
        return to_numpy(self._down_pass(to_tensor(top_visibles, self._inference_device())))

    def _without_labels(self, top_visibles):
        """The top RBM's visible rows (an array or a tensor) without their label units."""
        return top_visibles[:, :-len(self.classes_)] if self.joint_labels else top_visibles

    def _down_pass(self, states):
        """Mean visibles of the bottom layer (``P(v=1 | h)``, or a Gaussian's means), for states or
        probabilities of the top RBM's visibles."""
        for layer in self._generative_layers(states.device):
            states = layer.mean_visibles(states)
        return states

    def _generative_layers(self, device):
        """The down pass of each lower layer, top first: its RBM's machine through the generative weights and
        visible biases (:meth:`skgen.RBM.generative_machine`), kept on ``device`` while the fitted state stays."""
        return self._device_machine(device, self._make_generative_layers)

    def _make_generative_layers(self, device):
        layers = zip(self.rbms_, self.generative_weights_, self.generative_intercepts_)
        return [rbm.generative_machine(weights, intercept, device) for rbm, weights, intercept in layers][::-1]

    def recognition_layers(self, augmented=False):
        """The up pass (:meth:`transform`) as feed-forward layers: ``[(weight, bias), ...]``, bottom first.

        Layer ``l`` computes ``sigmoid(weight @ x + bias)`` from the layer below: each RBM's
        :meth:`skgen.RBM.recognition_layers` (after fine-tuning, the recognition weights), a
        Gaussian first layer's weights divided by its visible variances. The label units of a
        ``joint_labels`` top RBM hold ``1 / n_classes`` each in the up pass, so their weights
        join the top layer's bias and are dropped. :class:`skgen.DNNClassifier` copies these
        layers when given a fitted DBN as ``dbn``, as it copies a DBM's.

        Parameters
        ----------
        augmented : bool, default=False
            As for :meth:`skgen.DBM.recognition_layers`, whose layers for the augmented input
            ``[v, q(h_2 | v)]`` only a DBM has: True raises ``ValueError``.

        Returns
        -------
        layers : list of (ndarray, ndarray)
            ``(weight, bias)`` float32 copies of shapes ``(n_{l+1}, n_l)`` and ``(n_{l+1},)``,
            bottom first, ``n_0`` being ``n_features_in_``.
        """
        check_is_fitted(self)
        check_param("augmented", augmented, Boolean(), owner=type(self).__name__)
        if augmented:
            raise ValueError("augmented=True needs a DBM with at least two hidden layers: a DBN's up pass has no "
                             "augmented input.")
        layers = [layer for rbm in self.rbms_ for layer in rbm.recognition_layers()]
        if self.joint_labels:
            weight, bias = (np.asarray(a, dtype=np.float64) for a in layers[-1])
            n_classes = len(self.classes_)
            layers[-1] = (weight[:, :-n_classes].astype(np.float32),
                          (bias + weight[:, -n_classes:].sum(axis=1) / n_classes).astype(np.float32))
        return layers

    def sample(self, n_samples=1, *, y=None, start="noise", sampler="gibbs", n_steps=1000, n_temperatures=None,
               return_probabilities=False, random_state=None):
        """Draw visibles: a Markov chain in the top RBM, then a stochastic down pass.

        The top RBM samples as :meth:`skgen.RBM.sample` does (same ``start``, ``sampler``
        and ``n_steps``, and the same advice on which give the best samples); each lower
        layer then draws its visibles given the states above, through its generative weights.

        Parameters
        ----------
        n_samples : int, default=1
            Number of samples (independent chains); ignored when ``y`` or an array
            ``start`` says how many.
        y : array-like of shape (n_samples,) or a single label, default=None
            Classes to draw (``joint_labels=True`` only): the top RBM's label units are
            clamped to them. A single label is repeated ``n_samples`` times. The label
            units pull a chain only weakly: from ``"noise"``, give it thousands of
            ``n_steps`` (on MNIST, 1,000 steps left 18% of the asked 1s as other digits,
            3,000 fewer than 3%).
        start : {"noise", "chains"} or array-like of shape (n_chains, n_features), default="noise"
            Where the top chains start: random states, the top RBM's persistent chains, or
            the up pass of these data rows.
        sampler : {"gibbs", "tempering"}, default="gibbs"
            The top RBM's sampler.
        n_steps : int, default=1000
            Steps in the top RBM.
        n_temperatures : int, default=None
            Temperatures of tempering; ``None`` takes the estimator's ``n_temperatures``.
        return_probabilities : bool, default=False
            Return the bottom layer's ``P(v=1 | h)`` instead of binary draws.
        random_state : int, RandomState instance or None, default=None
            Seeds the chains and the down pass; ``None`` draws fresh randomness.

        Returns
        -------
        samples : ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self)
        self._check_sampling(sampler, n_steps, n_temperatures, return_probabilities)
        rng = check_random_state(random_state)
        top = self.rbms_[-1]
        if np.ndim(y) == 0 and isinstance(start, str):
            check_param("n_samples", n_samples, Integer(1), owner=type(self).__name__)
        if y is not None and np.ndim(y) == 0 and not isinstance(start, str):
            n_samples = np.shape(start)[0]  # a single label for every start row
        labels = self._labels_to_clamp(y, n_samples)
        if labels is not None:
            n_samples = len(labels)
        start = self._top_start(start, labels)
        clamp = None if labels is None else (np.arange(top.n_features_in_ - len(self.classes_), top.n_features_in_),
                                             labels)
        states = top.sample(n_samples, start=start, sampler=sampler, n_steps=n_steps, n_temperatures=n_temperatures,
                            return_probabilities=return_probabilities and len(self.rbms_) == 1, clamp=clamp,
                            random_state=seed_from(rng))
        states = torch.as_tensor(self._without_labels(states), device=self._inference_device())
        generator = torch_generator(rng, states.device)
        layers = self._generative_layers(states.device)
        for height, layer in enumerate(layers, 1):
            mean = layer.mean_visibles(states)
            last = height == len(layers)
            states = mean if last and return_probabilities else layer.sample_visibles(mean, states, generator)
        return to_numpy(states)

    def _labels_to_clamp(self, y, n_samples):
        """One-hot rows for the classes ``y`` asks for, or None."""
        indices = check_sample_labels(self, y, n_samples, "joint_labels")
        return None if indices is None else np.eye(len(self.classes_), dtype=np.float32)[indices]

    def _top_start(self, start, labels):
        """``start`` for the top RBM: strings pass through, data rows go up the lower layers."""
        if isinstance(start, str):
            return start
        data = self._inference_rows(start)
        if labels is not None and len(labels) != len(data):
            raise ValueError(f"y has {len(labels)} labels but start has {len(data)} rows: give one label per "
                             "start row, or a single label for all of them.")
        for rbm in self.rbms_[:-1]:
            data = rbm.mean_hiddens(data)
        if self.joint_labels:
            fill = labels if labels is not None else np.full((len(data), len(self.classes_)), 1 / len(self.classes_))
            data = torch.cat([data, torch.as_tensor(fill, dtype=torch.float32, device=data.device)], 1)
        return to_numpy(data)

    @property
    def _n_features_out(self):
        """Number of transformed output features, for ``get_feature_names_out``."""
        return self.rbms_[-1].components_.shape[0]
