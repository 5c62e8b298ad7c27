"""Generative adversarial network with MLP generator and discriminator, trained with skorch."""

import copy

import numpy as np
import scipy.sparse as sp
import torch
import torch.nn.functional as F
from skorch import NeuralNet
from skorch.callbacks import EpochTimer, LRScheduler, PassthroughScoring, PrintLog
from skorch.dataset import unpack_data
from skorch.utils import to_tensor as skorch_to_tensor
from sklearn.utils.validation import validate_data
from torch import nn

from skgen._core.optim import resolve_optimizer
from skgen._core.params import Boolean, Integer, LayerSizes, Options, Real
from skgen._core.tensors import to_numpy, torch_generator
from skgen._core.validation import fit_context
from skgen.nets.template import ACTIVATIONS, MixedPrecisionNet, SampleMeanMixin, SkorchEstimator, mlp
from skgen.nets.template import activation as _activation

# Radford et al. (2016): beta1 = 0.5 steadies the adversarial game compared with Adam's 0.9.
_ADAM_BETAS = (0.5, 0.999)


class _SpectralNormLinear(nn.Module):
    """A linear layer divided by its largest singular value (Miyato et al. 2018).

    sigma(W) = ||W^T u|| for the top left singular vector u, which one step of power
    iteration per training pass keeps up to date as W changes. Written out rather than
    taken from ``torch.nn.utils.parametrizations.spectral_norm``, whose modules cannot be
    pickled, so that a fitted GAN can be saved.
    """

    def __init__(self, layer):
        super().__init__()
        self.layer = layer
        self.register_buffer("u", F.normalize(torch.randn(layer.out_features), dim=0))

    @property
    def weight(self):
        """The normalised weight W / sigma(W)."""
        return self._normalised(self.u)

    def _normalised(self, u):
        return self.layer.weight / torch.linalg.vector_norm(self.layer.weight.t() @ u)

    def forward(self, X):
        if self.training:
            with torch.no_grad():
                self.u.copy_(F.normalize(self.layer.weight @ (self.layer.weight.t() @ self.u), dim=0))
        # a copy of u, because the next pass (D sees real and fake batches) updates it in place
        return F.linear(X, self._normalised(self.u.clone()), self.layer.bias)


def _spectrally_normalised(module):
    """``module`` with each of its linear layers wrapped in :class:`_SpectralNormLinear`."""
    for name, child in module.named_children():
        if isinstance(child, nn.Linear):
            setattr(module, name, _SpectralNormLinear(child))
        else:
            _spectrally_normalised(child)
    return module


class _MinibatchStdDiscriminator(nn.Module):
    """MLP discriminator whose output layer also sees the minibatch's spread of hidden features.

    The mean over features of the across-batch standard deviation of the last hidden layer
    (Karras et al. 2018) lets D tell a batch of near-identical fakes from a varied real
    batch, which pushes G away from collapsing onto a few modes. With ``n_classes > 0`` it
    scores (x, y) pairs by projection (Miyato & Koyama 2018): the unconditional score plus
    the inner product of a learned class embedding with the hidden features. With
    ``spectral_norm``, every linear layer is divided by its largest singular value
    (Miyato et al. 2018), which keeps D 1-Lipschitz and its gradients useful to G.
    """

    def __init__(self, n_features, hidden_layer_sizes, activation, n_classes=0, spectral_norm=False,
                 latent_categories=0):
        super().__init__()
        self.features = nn.Sequential(mlp((n_features, *hidden_layer_sizes), activation), _activation(activation))
        self.output = nn.Linear(hidden_layer_sizes[-1] + 1, 1)
        self.embedding = nn.Linear(n_classes, hidden_layer_sizes[-1], bias=False) if n_classes else None
        if spectral_norm:
            _spectrally_normalised(self)
        # InfoGAN's Q: the categorical code's logits, read off D's hidden features
        self.code = nn.Linear(hidden_layer_sizes[-1], latent_categories) if latent_categories else None

    def forward(self, X, labels=None, return_code=False):
        """D's score of each row (and, with ``return_code``, the logits of its categorical code)."""
        hidden = self.features(X)
        spread = hidden.std(dim=0, unbiased=False).mean().expand(len(hidden), 1)
        score = self.output(torch.cat([hidden, spread], dim=1))
        if self.embedding is not None:
            score = score + (self.embedding(labels) * hidden).sum(1, keepdim=True)
        return (score, self.code(hidden)) if return_code else score


class _GANModule(nn.Module):
    """Generator G: z (and y) -> x in (0, 1)^d (sigmoid output) and discriminator D: x (and y) -> realness.

    With ``ema_decay``, ``generator_ema`` holds an exponential moving average of G's
    weights (and batch-norm statistics), updated after every generator step and used to sample.
    With ``latent_categories`` K, G also reads a one-hot code c ~ Uniform{0..K-1} and D has
    a head that recovers c from G's images (InfoGAN's Q).
    """

    def __init__(self, n_features, latent_dim, generator_hidden_layer_sizes, discriminator_hidden_layer_sizes,
                 activation, n_classes=0, spectral_norm=False, ema_decay=None, latent_categories=0):
        super().__init__()
        self.latent_dim = latent_dim
        self.latent_categories = latent_categories
        self.ema_decay = ema_decay
        # Batch normalisation in the generator (Radford et al.) keeps it from collapsing onto a
        # few modes: without it, samples on binarized MNIST collapse to one or two digits.
        self.generator = nn.Sequential(
            mlp((latent_dim + latent_categories + n_classes, *generator_hidden_layer_sizes, n_features), activation,
                batch_norm=True),
            nn.Sigmoid(),
        )
        self.discriminator = _MinibatchStdDiscriminator(n_features, discriminator_hidden_layer_sizes, activation,
                                                        n_classes, spectral_norm, latent_categories)
        self.generator_ema = None
        if ema_decay is not None:
            self.generator_ema = copy.deepcopy(self.generator).requires_grad_(False)

    def generate(self, n_samples, generator=None, labels=None, ema=False, return_code=False):
        """G(z) (G(z, y) given one-hot ``labels``) for ``n_samples`` codes z ~ N(0, I); the EMA's with ``ema``.

        With ``latent_categories``, each row also draws its categorical code, returned
        beside the images with ``return_code``.
        """
        device = next(self.parameters()).device
        Z = torch.randn(n_samples, self.latent_dim, generator=generator, device=device)
        code = None
        if self.latent_categories:
            code = torch.randint(self.latent_categories, (n_samples,), generator=generator, device=device)
            Z = torch.cat([Z, F.one_hot(code, self.latent_categories).to(Z.dtype)], 1)
        if labels is not None:
            Z = torch.cat([Z, labels.to(device)], 1)
        X = (self.generator_ema if ema and self.generator_ema is not None else self.generator)(Z)
        return (X, code) if return_code else X

    @torch.no_grad()
    def update_ema(self):
        """Move the average generator's weights and statistics towards the generator's."""
        for average, current in zip(self.generator_ema.state_dict().values(), self.generator.state_dict().values()):
            if average.is_floating_point():
                average.lerp_(current, 1 - self.ema_decay)
            else:
                average.copy_(current)

    def forward(self, Z):
        return self.generator(Z)


class _GANNet(MixedPrecisionNet, NeuralNet):
    """skorch net for the adversarial game: ``module_`` holds G and D, each with its optimizer.

    ``optimizer_`` updates the generator and ``optimizer_discriminator_`` the discriminator,
    both built from the ``optimizer``, ``lr`` and ``optimizer__*`` settings, then the
    player's own arguments in ``player_optimizer_params``. Each minibatch of real
    data makes one discriminator step; every ``discriminator_steps``-th minibatch is followed
    by one generator step. ``loss`` is ``"non_saturating"`` (D minimises the cross-entropy
    of real against fake, G minimises -log D(G(z)); Goodfellow et al. 2014) or ``"hinge"``
    (D minimises relu(1 - D(x)) + relu(1 + D(G(z))), G minimises -D(G(z)); Lim & Ye 2017,
    Miyato et al. 2018). With a categorical code, both players also minimise the cross-entropy
    of D's code head on the fakes' codes (InfoGAN's mutual-information bound, weight 1).
    With ``gradient_penalty`` gamma, D's loss also gains the R1 penalty
    ``gamma / 2 E ||grad_x D(x)||^2`` on the real batch (Mescheder et al. 2018). Each step
    draws ``batch_size`` fakes; a conditional game draws them with the real batch's labels
    (:meth:`_fake_labels`).
    """

    def __init__(self, *args, discriminator_steps=1, loss="non_saturating", gradient_penalty=None,
                 player_optimizer_params=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.discriminator_steps = discriminator_steps
        self.loss = loss
        self.gradient_penalty = gradient_penalty
        self.player_optimizer_params = player_optimizer_params

    def get_default_callbacks(self):
        return [
            ("epoch_timer", EpochTimer()),
            ("discriminator_loss", PassthroughScoring(name="discriminator_loss", on_train=True)),
            ("generator_loss", PassthroughScoring(name="generator_loss", on_train=True)),
            ("print_log", PrintLog()),
        ]

    def initialize_optimizer(self, *args, **kwargs):
        self.optimizer_ = self._player_optimizer("generator")
        self.optimizer_discriminator_ = self._player_optimizer("discriminator")
        return self

    def _player_optimizer(self, player):
        pgroups, options = self.get_params_for_optimizer("optimizer", getattr(self.module_, player).named_parameters())
        return self.optimizer(*pgroups, **{**options, **(self.player_optimizer_params or {}).get(player, {})})

    def train_step(self, batch, **fit_params):
        self._set_training(True)
        X = unpack_data(batch)[0]
        X_real, labels = (X["X"], X["labels"]) if isinstance(X, dict) else (X, None)
        X_real = skorch_to_tensor(X_real, device=self.device)
        fake_labels = self._fake_labels(labels)
        discriminator_loss = self._discriminator_step(X_real, labels, fake_labels)
        self.history.record_batch("discriminator_loss", discriminator_loss.item())
        if len(self.history[-1, "batches"]) % self.discriminator_steps == 0:
            self.history.record_batch("generator_loss", self._generator_step(fake_labels).item())
        return {"loss": discriminator_loss, "y_pred": None}

    def _fake_labels(self, labels):
        """The labels of a step's ``batch_size`` fakes: the real batch's, repeated to fill the batch (None: None).

        Every step draws ``batch_size`` fakes, whatever the size of the real batch, as the
        unconditional game does: the generator's batch normalisation needs more than one row,
        and the last real batch of an epoch may hold one. Repeating the real batch's labels
        keeps the classes on both sides of the step the same.
        """
        if labels is None or len(labels) == self.batch_size:
            return labels
        return labels[torch.arange(self.batch_size, device=labels.device) % len(labels)]

    def _fakes(self, labels):
        """A batch of ``batch_size`` G's samples and their categorical codes (None without), with ``labels``
        (see :meth:`_fake_labels`)."""
        return self.module_.generate(self.batch_size, labels=labels, return_code=True)

    def _scores(self, X, labels, code):
        """D's scores of ``X`` as float32, plus the code's cross-entropy (0 without a code)."""
        if code is None:
            return self.module_.discriminator(X, labels).float(), 0.0
        score, logits = self.module_.discriminator(X, labels, return_code=True)
        return score.float(), F.cross_entropy(logits.float(), code)

    def _discriminator_step(self, X_real, labels, fake_labels):
        """One step of D on the real batch against a batch of fakes, the generator held fixed."""
        discriminator = self.module_.discriminator
        if self.gradient_penalty:
            X_real = X_real.detach().requires_grad_(True)
        with self.autocast():
            with torch.no_grad():
                X_fake, code = self._fakes(fake_labels)
            # the scores as float32: the hinge loss's means would otherwise run in bfloat16
            real = discriminator(X_real, labels).float()
            fake, code_loss = self._scores(X_fake, fake_labels, code)
            if self.loss == "hinge":
                loss = F.relu(1 - real).mean() + F.relu(1 + fake).mean()
            else:
                loss = self.criterion_(real, torch.ones_like(real)) + self.criterion_(fake, torch.zeros_like(fake))
            loss = loss + code_loss
        if self.gradient_penalty:
            (gradient,) = torch.autograd.grad(real.sum(), X_real, create_graph=True)
            loss = loss + self.gradient_penalty / 2 * gradient.float().pow(2).sum(1).mean()
        self.optimizer_discriminator_.zero_grad()
        loss.backward()
        self.optimizer_discriminator_.step()
        return loss.detach()

    def _generator_step(self, labels):
        """One step of G on -D(G(z)) (hinge) or the non-saturating -log D(G(z)), which keeps gradients alive."""
        with self.autocast():
            X_fake, code = self._fakes(labels)
            fake, code_loss = self._scores(X_fake, labels, code)
            loss = -fake.mean() if self.loss == "hinge" else self.criterion_(fake, torch.ones_like(fake))
            loss = loss + code_loss
        self.optimizer_.zero_grad()
        loss.backward()
        self.optimizer_.step()
        if self.module_.generator_ema is not None:
            self.module_.update_ema()
        return loss.detach()


class _DiscriminatorLRScheduler(LRScheduler):
    """skorch's LRScheduler callback on the discriminator's optimizer."""

    def _get_scheduler(self, net, policy, **scheduler_kwargs):
        return policy(net.optimizer_discriminator_, **scheduler_kwargs)


class GAN(SampleMeanMixin, SkorchEstimator):
    """Generative adversarial network (Goodfellow et al. 2014) with MLP generator and discriminator.

    The generator maps z ~ N(0, I) through an MLP with batch-normalised hidden layers
    (Radford et al. 2016) ending in a sigmoid, so its outputs lie in
    the range of the training data (scaled per feature to [0, 1] for training); the
    discriminator is an MLP giving the logit that x is real, whose output layer also sees the
    minibatch standard deviation of its last hidden layer (Karras et al. 2018), against mode
    collapse. Each minibatch of real data makes
    one discriminator step; every ``discriminator_steps``-th minibatch is followed by one
    generator step on ``loss`` (the non-saturating ``-log D(G(z))`` by default, or the hinge
    loss of SN-GANs with ``spectral_norm``). Both players use
    ``optimizer`` (Adam with beta1 = 0.5 by default, after Radford et al. 2016). For binary
    data, :meth:`sample` returns the generator's images rounded at 1/2: the discriminator
    only ever sees G(z) itself, never draws from it, so the rounded image is the one the
    generator means, where Bernoulli draws would add salt-and-pepper noise.

    Training runs on skorch (``net_``): one module holds both players, with a second
    optimizer for the discriminator and a custom ``train_step``. The discriminator and
    generator losses are recorded per batch and per epoch in ``net_.history``: a discriminator
    loss falling towards 0 while the generator loss climbs shows a game that has broken down.
    A generator that collapses onto a few modes can leave both losses flat, so look at
    samples too.

    Parameters
    ----------
    latent_dim : int, default=64
        Dimension of the generator's input noise z.
    generator_hidden_layer_sizes : tuple of int, default=(256, 512)
        Hidden layers of the generator.
    discriminator_hidden_layer_sizes : tuple of int, default=(512, 256)
        Hidden layers of the discriminator.
    activation : {"leaky_relu", "relu", "tanh", "softplus"}, default="leaky_relu"
        Nonlinearity of the hidden layers (LeakyReLU slope 0.2).
    discriminator_steps : int, default=1
        Discriminator steps (one minibatch each) per generator step.
    loss : {"non_saturating", "hinge"}, default="non_saturating"
        ``"non_saturating"``: D minimises the cross-entropy of real against fake and G
        minimises ``-log D(G(z))`` (Goodfellow et al. 2014); ``"hinge"``: D minimises
        ``relu(1 - D(x)) + relu(1 + D(G(z)))`` and G minimises ``-D(G(z))`` (Lim & Ye
        2017; Miyato et al. 2018), best with ``spectral_norm=True``.
    spectral_norm : bool, default=False
        Divide every linear layer of the discriminator by its largest singular value
        (estimated by one power-iteration step per pass; Miyato et al. 2018), which keeps D
        1-Lipschitz and its gradients useful to G.
    gradient_penalty : float or None, default=None
        Weight gamma of the R1 penalty ``gamma / 2 E ||grad_x D(x)||^2`` on real data in
        the discriminator's loss (Mescheder, Geiger & Nowozin 2018), which keeps D from
        growing steep around the data, the alternative to ``spectral_norm`` of StyleGAN's
        recipe; it costs a second backward pass per discriminator step. None or 0: no penalty.
    latent_categories : int, default=0
        Size K of a categorical latent code (InfoGAN, Chen et al. 2016): the generator
        reads a one-hot code c ~ Uniform{0, ..., K-1} beside z, and a head on the
        discriminator's last hidden layer learns to recover c from the generated images,
        both players minimising its cross-entropy (a lower bound on the mutual information
        of c and G(z, c)). A generator fed only Gaussian noise must map one connected
        space onto data with separate modes (the ten digits) and draws blends between
        them; the code gives it a discrete choice, which it learns to spend on the modes,
        without labels. 0: no code.
    ema_decay : float in (0, 1) or None, default=None
        Keep an exponential moving average of the generator's weights and batch-norm
        statistics, updated after each generator step with this decay, and sample from it
        (Yazici et al. 2019): it smooths the game's oscillations and lowers FID at no
        training cost; 0.999 is usual.
    conditional : bool, default=False
        Fit ``(X, y)``: the generator reads the one-hot label beside z and the
        discriminator scores (x, y) pairs by projection (Miyato & Koyama 2018); fakes are
        drawn with the real batch's labels. ``sample(n, y=labels)`` draws the asked classes.
    %(training_parameters)s
    **kwargs
        ``optimizer__*``, ``generator_optimizer__*``, ``discriminator_optimizer__*`` and
        ``lr_scheduler__*`` arguments, e.g. ``optimizer__betas=(0.9, 0.999)``.

    Attributes
    ----------
    net_ : skorch.NeuralNet
        The trained net: ``net_.module_.generator``, ``net_.module_.discriminator``, and
        ``net_.history`` with ``discriminator_loss`` and ``generator_loss`` per epoch.
    binary_ : bool
        Whether the training data was binary (only 0 and 1), so that :meth:`sample` rounds
        the generator's images to binary ones.
    data_min_ : ndarray of shape (n_features_in_,)
        Per-feature minimum of the training data (0 for binary data).
    data_range_ : ndarray of shape (n_features_in_,)
        Per-feature range of the training data (1 for binary data and constant features).
    n_iter_ : int
        Epochs run. Training raises ``ValueError`` naming the epoch if a player's loss or a
        weight stops being finite (try a smaller ``lr``).
    classes_ : ndarray of shape (n_classes,)
        The labels (``conditional=True`` only).
    class_prior_ : ndarray of shape (n_classes,)
        The share of each class among the training rows, from which ``sample`` draws
        classes when none are asked for (``conditional=True`` only).
    n_features_in_ : int
        Number of features seen in :meth:`fit`.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features seen in :meth:`fit`, when they are all strings.

    References
    ----------
    Goodfellow, I. et al. (2014). Generative adversarial nets. NeurIPS.
    Radford, A., Metz, L. & Chintala, S. (2016). Unsupervised representation learning with
    deep convolutional generative adversarial networks. ICLR.
    Karras, T., Aila, T., Laine, S. & Lehtinen, J. (2018). Progressive growing of GANs for
    improved quality, stability, and variation. ICLR.

    Examples
    --------
    >>> import numpy as np
    >>> from skgen import GAN
    >>> X = (np.random.RandomState(0).rand(64, 16) > 0.5).astype(np.float32)
    >>> gan = GAN(latent_dim=4, generator_hidden_layer_sizes=(16,),
    ...           discriminator_hidden_layer_sizes=(16,), max_epochs=3, random_state=0).fit(X)
    >>> gan.sample(5, random_state=0).shape
    (5, 16)
    >>> np.unique(gan.sample(5, random_state=0)).tolist()
    [0.0, 1.0]
    >>> len(gan.net_.history[:, "generator_loss"])
    3
    """

    _parameter_constraints = {
        **SkorchEstimator._parameter_constraints,
        "batch_size": [Integer(2)],
        "latent_dim": [Integer(1)],
        "generator_hidden_layer_sizes": [LayerSizes(allow_empty=True)],
        "discriminator_hidden_layer_sizes": [LayerSizes()],
        "activation": [Options(*ACTIVATIONS)],
        "discriminator_steps": [Integer(1)],
        "loss": [Options("hinge", "non_saturating")],
        "spectral_norm": [Boolean()],
        "gradient_penalty": [None, Real(0)],
        "latent_categories": [Integer(0)],
        "ema_decay": [None, Real(0, 1, closed="neither")],
        "conditional": [Boolean()],
    }
    _parameter_notes = {
        "optimizer": "Both players use it, and its arguments are routed at two levels: ``optimizer__<name>=value`` "
                     "for both players, then ``generator_optimizer__<name>=value`` or "
                     "``discriminator_optimizer__<name>=value`` for one player, which wins (e.g. "
                     "``discriminator_optimizer__lr=4e-4`` gives the discriminator the two time-scale rule's larger "
                     "step). For Adam and AdamW, ``betas`` defaults to (0.5, 0.999).",
        "lr": "Both players', unless routed per player.",
        "lr_scheduler": "Each player's optimizer gets one.",
        "batch_size": "Each step also generates this many fakes: at least 2, for the generator's batch "
                      "normalisation.",
        "precision": "It covers both players' steps; :meth:`sample` runs in float32.",
        "random_state": "It also seeds the noise of training.",
    }
    _routed_prefixes = ("optimizer__", "generator_optimizer__", "discriminator_optimizer__", "lr_scheduler__")
    _net_class = _GANNet
    _monitored_losses = ("discriminator_loss", "generator_loss")

    def __init__(
        self,
        latent_dim=64,
        generator_hidden_layer_sizes=(256, 512),
        discriminator_hidden_layer_sizes=(512, 256),
        activation="leaky_relu",
        discriminator_steps=1,
        loss="non_saturating",
        spectral_norm=False,
        gradient_penalty=None,
        latent_categories=0,
        ema_decay=None,
        conditional=False,
        optimizer=torch.optim.Adam,
        lr=2e-4,
        lr_scheduler=None,
        max_epochs=100,
        batch_size=64,
        callbacks=None,
        precision="float32",
        device="cpu",
        random_state=None,
        verbose=0,
        **kwargs,
    ):
        self._set_init_params(locals())

    @fit_context
    def fit(self, X, y=None):
        """Train the generator and discriminator on ``X`` (and the labels ``y`` when ``conditional``).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,), default=None
            Class labels, read by both players when ``conditional=True``; ignored otherwise.

        Returns
        -------
        self : GAN
        """
        X = validate_data(self, X, accept_sparse="csr", dtype=np.float32)
        X = X.toarray() if sp.issparse(X) else X
        self.binary_ = bool(np.isin(X, (0, 1)).all())
        if self.binary_:
            self.data_min_, self.data_range_ = np.zeros(X.shape[1], np.float32), np.ones(X.shape[1], np.float32)
        else:
            self.data_min_ = X.min(axis=0)
            self.data_range_ = np.where(np.ptp(X, axis=0) > 0, np.ptp(X, axis=0), 1).astype(np.float32)
        return self._fit_net((X - self.data_min_) / self.data_range_, labels=self._fit_labels(y, X.shape[0]))

    def _net_params(self):
        return dict(
            module=_GANModule,
            module__n_features=self.n_features_in_,
            module__latent_dim=self.latent_dim,
            module__generator_hidden_layer_sizes=tuple(self.generator_hidden_layer_sizes),
            module__discriminator_hidden_layer_sizes=tuple(self.discriminator_hidden_layer_sizes),
            module__activation=self.activation,
            module__n_classes=len(self.classes_) if self.conditional else 0,
            module__spectral_norm=self.spectral_norm,
            module__ema_decay=self.ema_decay,
            module__latent_categories=self.latent_categories,
            criterion=nn.BCEWithLogitsLoss,
            discriminator_steps=self.discriminator_steps,
            loss=self.loss,
            gradient_penalty=self.gradient_penalty,
            player_optimizer_params={
                player: self._routed(f"{player}_optimizer__") for player in ("generator", "discriminator")
            },
        )

    def _optimizer_defaults(self):
        adam = issubclass(resolve_optimizer(self.optimizer), (torch.optim.Adam, torch.optim.AdamW))
        return {"betas": _ADAM_BETAS} if adam else {}

    def _lr_scheduler_callbacks(self):
        if self.lr_scheduler is None:
            return []
        discriminator = _DiscriminatorLRScheduler(self.lr_scheduler, **self._routed("lr_scheduler__"))
        return [*super()._lr_scheduler_callbacks(), ("discriminator_lr_scheduler", discriminator)]

    def _sample(self, n_samples, random_state, mean, labels):
        """G(z) (G(z, y)) for z ~ N(0, I) in the range of the training data, by the EMA generator if there is one.

        For binary data, pixels above 1/2 become 1 and the others 0, unless ``mean``.
        """
        module, device = self.net_.module_.eval(), self.net_.device
        generator = torch_generator(random_state, device)
        with torch.no_grad():
            X = module.generate(n_samples, generator, labels=labels, ema=True)
        if self.binary_ and not mean:
            X = (X > 0.5).float()
        return to_numpy(X) * self.data_range_ + self.data_min_
