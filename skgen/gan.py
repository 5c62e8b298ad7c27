"""Generative adversarial network with MLP generator and discriminator, trained with skorch."""

import numpy as np
import scipy.sparse as sp
import torch
from skorch import NeuralNet
from skorch.callbacks import EpochTimer, LRScheduler, PassthroughScoring, PrintLog
from skorch.dataset import unpack_data
from skorch.utils import to_tensor as skorch_to_tensor
from sklearn.utils.validation import validate_data
from torch import nn

from skgen._base import Integer, LayerSizes, Options, resolve_optimizer, to_numpy, torch_generator
from skgen._nets import ACTIVATIONS, SampleMeanMixin, SkorchEstimator, mlp
from skgen._nets import activation as _activation

# Radford et al. (2016): beta1 = 0.5 steadies the adversarial game compared with Adam's 0.9.
_ADAM_BETAS = (0.5, 0.999)


class _MinibatchStdDiscriminator(nn.Module):
    """MLP discriminator whose output layer also sees the minibatch's spread of hidden features.

    The mean over features of the across-batch standard deviation of the last hidden layer
    (Karras et al. 2018) lets D tell a batch of near-identical fakes from a varied real
    batch, which pushes G away from collapsing onto a few modes.
    """

    def __init__(self, n_features, hidden_layer_sizes, activation):
        super().__init__()
        self.features = nn.Sequential(mlp((n_features, *hidden_layer_sizes), activation), _activation(activation))
        self.output = nn.Linear(hidden_layer_sizes[-1] + 1, 1)

    def forward(self, X):
        hidden = self.features(X)
        spread = hidden.std(dim=0, unbiased=False).mean().expand(len(hidden), 1)
        return self.output(torch.cat([hidden, spread], dim=1))


class _GANModule(nn.Module):
    """Generator G: z -> x in (0, 1)^d (sigmoid output) and discriminator D: x -> logit of "real"."""

    def __init__(
        self, n_features, latent_dim, generator_hidden_layer_sizes, discriminator_hidden_layer_sizes, activation
    ):
        super().__init__()
        self.latent_dim = latent_dim
        # Batch normalisation in the generator (Radford et al.) keeps it from collapsing onto a
        # few modes: without it, samples on binarized MNIST collapse to one or two digits.
        self.generator = nn.Sequential(
            mlp((latent_dim, *generator_hidden_layer_sizes, n_features), activation, batch_norm=True), nn.Sigmoid()
        )
        self.discriminator = _MinibatchStdDiscriminator(n_features, discriminator_hidden_layer_sizes, activation)

    def generate(self, n_samples, generator=None):
        """G(z) for ``n_samples`` codes z ~ N(0, I)."""
        device = next(self.parameters()).device
        return self(torch.randn(n_samples, self.latent_dim, generator=generator, device=device))

    def forward(self, Z):
        return self.generator(Z)


class _GANNet(NeuralNet):
    """skorch net for the adversarial game: ``module_`` holds G and D, each with its optimizer.

    ``optimizer_`` updates the generator and ``optimizer_discriminator_`` the discriminator,
    both built from the ``optimizer``, ``lr`` and ``optimizer__*`` settings, then the
    player's own arguments in ``player_optimizer_params``. Each minibatch of real
    data makes one discriminator step; every ``discriminator_steps``-th minibatch is followed
    by one generator step with the non-saturating loss -log D(G(z)) (Goodfellow et al. 2014).
    """

    def __init__(self, *args, discriminator_steps=1, player_optimizer_params=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.discriminator_steps = discriminator_steps
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
        X_real = skorch_to_tensor(unpack_data(batch)[0], device=self.device)
        discriminator_loss = self._discriminator_step(X_real)
        self.history.record_batch("discriminator_loss", discriminator_loss.item())
        if len(self.history[-1, "batches"]) % self.discriminator_steps == 0:
            self.history.record_batch("generator_loss", self._generator_step().item())
        return {"loss": discriminator_loss, "y_pred": None}

    def _discriminator_step(self, X_real):
        """One step on -log D(x) - log(1 - D(G(z))), the generator held fixed."""
        discriminator = self.module_.discriminator
        with torch.no_grad():
            X_fake = self.module_.generate(self.batch_size)
        real_logits, fake_logits = discriminator(X_real), discriminator(X_fake)
        loss = self.criterion_(real_logits, torch.ones_like(real_logits)) + self.criterion_(
            fake_logits, torch.zeros_like(fake_logits)
        )
        self.optimizer_discriminator_.zero_grad()
        loss.backward()
        self.optimizer_discriminator_.step()
        return loss.detach()

    def _generator_step(self):
        """One step on the non-saturating loss -log D(G(z)), which keeps gradients alive early on."""
        fake_logits = self.module_.discriminator(self.module_.generate(self.batch_size))
        loss = self.criterion_(fake_logits, torch.ones_like(fake_logits))
        self.optimizer_.zero_grad()
        loss.backward()
        self.optimizer_.step()
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
    generator step on the non-saturating loss ``-log D(G(z))``. Both players use
    ``optimizer`` (Adam with beta1 = 0.5 by default, after Radford et al. 2016). For binary
    data, :meth:`sample` returns Bernoulli draws from the generator's pixel probabilities.

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
    optimizer : torch.optim.Optimizer subclass or str, default=torch.optim.Adam
        Optimizer class of both players. Its arguments are routed at two levels:
        ``optimizer__name=value`` for both players, then ``generator_optimizer__name=value``
        or ``discriminator_optimizer__name=value`` for one player, which wins (e.g.
        ``discriminator_optimizer__lr=4e-4`` gives the discriminator the two time-scale
        rule's larger step). For Adam and AdamW, ``betas`` defaults to (0.5, 0.999).
    lr : float, default=2e-4
        Learning rate of both players, unless routed per player.
    lr_scheduler : torch.optim.lr_scheduler.LRScheduler subclass or None, default=None
        Learning-rate schedule of both players' optimizers (one scheduler each), stepped
        once per epoch by skorch's ``LRScheduler`` callback; its arguments as
        ``lr_scheduler__name=value``.
    max_epochs : int, default=100
        Passes over the training data.
    batch_size : int, default=64
        Real examples per discriminator step, and generated examples per step (at least 2,
        for the generator's batch normalisation).
    callbacks : list of skorch callbacks, default=None
        Extra skorch callbacks, or ``(name, callback)`` pairs; skorch initialises them at
        each fit, so what they record can be read afterwards.
    device : str, default="cpu"
        Torch device, e.g. ``"cuda"``.
    random_state : int, RandomState or None, default=None
        Seeds initialisation, minibatch order and the noise of training; same value, same
        numbers on CPU.
    verbose : int, default=0
        Print skorch's table of losses per epoch if positive.
    **kwargs
        ``optimizer__*``, ``generator_optimizer__*``, ``discriminator_optimizer__*`` and
        ``lr_scheduler__*`` arguments, e.g. ``optimizer__betas=(0.9, 0.999)``.

    Attributes
    ----------
    net_ : skorch.NeuralNet
        The trained net: ``net_.module_.generator``, ``net_.module_.discriminator``, and
        ``net_.history`` with ``discriminator_loss`` and ``generator_loss`` per epoch.
    binary_ : bool
        Whether the training data was binary (only 0 and 1), so that :meth:`sample` draws
        binary examples.
    data_min_ : ndarray of shape (n_features_in_,)
        Per-feature minimum of the training data (0 for binary data).
    data_range_ : ndarray of shape (n_features_in_,)
        Per-feature range of the training data (1 for binary data and constant features).
    n_iter_ : int
        Epochs run. Training raises ``ValueError`` naming the epoch if a player's loss or a
        weight stops being finite (try a smaller ``lr``).
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
        optimizer=torch.optim.Adam,
        lr=2e-4,
        lr_scheduler=None,
        max_epochs=100,
        batch_size=64,
        callbacks=None,
        device="cpu",
        random_state=None,
        verbose=0,
        **kwargs,
    ):
        self.latent_dim = latent_dim
        self.generator_hidden_layer_sizes = generator_hidden_layer_sizes
        self.discriminator_hidden_layer_sizes = discriminator_hidden_layer_sizes
        self.activation = activation
        self.discriminator_steps = discriminator_steps
        self.optimizer = optimizer
        self.lr = lr
        self.lr_scheduler = lr_scheduler
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.callbacks = callbacks
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self._set_routed_params(kwargs)

    def fit(self, X, y=None):
        """Train the generator and discriminator on ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : None
            Ignored.

        Returns
        -------
        self : GAN
        """
        self._validate_params()
        X = validate_data(self, X, accept_sparse="csr", dtype=np.float32)
        X = X.toarray() if sp.issparse(X) else X
        self.binary_ = bool(np.isin(X, (0, 1)).all())
        if self.binary_:
            self.data_min_, self.data_range_ = np.zeros(X.shape[1], np.float32), np.ones(X.shape[1], np.float32)
        else:
            self.data_min_ = X.min(axis=0)
            self.data_range_ = np.where(np.ptp(X, axis=0) > 0, np.ptp(X, axis=0), 1).astype(np.float32)
        return self._fit_net((X - self.data_min_) / self.data_range_)

    def _net_params(self):
        return dict(
            module=_GANModule,
            module__n_features=self.n_features_in_,
            module__latent_dim=self.latent_dim,
            module__generator_hidden_layer_sizes=tuple(self.generator_hidden_layer_sizes),
            module__discriminator_hidden_layer_sizes=tuple(self.discriminator_hidden_layer_sizes),
            module__activation=self.activation,
            criterion=nn.BCEWithLogitsLoss,
            discriminator_steps=self.discriminator_steps,
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

    def _sample(self, n_samples, random_state, mean):
        """G(z) for z ~ N(0, I) in the range of the training data; binary draws from it for binary data."""
        module, device = self.net_.module_.eval(), self.net_.device
        generator = torch_generator(random_state, device)
        with torch.no_grad():
            X = module.generate(n_samples, generator)
            if self.binary_ and not mean:
                X = torch.bernoulli(X, generator=generator)
        return to_numpy(X) * self.data_range_ + self.data_min_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
