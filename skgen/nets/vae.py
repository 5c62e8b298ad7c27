"""Beta variational autoencoder with a Bernoulli decoder, trained with skorch."""

import math

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils import check_array
from sklearn.utils.validation import check_is_fitted, check_non_negative, validate_data
from skorch import NeuralNet
from torch import nn

from skgen._core.estimator import DensityMixin
from skgen._core.labels import check_row_labels, one_hot
from skgen._core.params import Boolean, Integer, LayerSizes, Options, Real, check_param
from skgen._core.tensors import to_numpy, to_tensor, torch_generator
from skgen._core.validation import check_unit_interval, fit_context
from skgen.nets.template import (
    ACTIVATIONS,
    EARLY_STOPPING_CONSTRAINTS,
    MixedPrecisionNet,
    SampleMeanMixin,
    SkorchEstimator,
    batched,
    mlp,
)

_LOG_2PI = math.log(2 * math.pi)
# Elements of the largest (rows x importance samples x features) tensor that
# score_samples builds at once: 4M floats, 16 MB.
_IWAE_CHUNK_ELEMENTS = 2**22


class _VAEModule(nn.Module):
    """Gaussian encoder q(z|x) and an MLP decoder p(x|z) (or p(x|z, y)), Bernoulli or diagonal Gaussian.

    ``n_classes > 0`` makes both class-conditional (Sohn et al. 2015): the encoder reads the
    one-hot label beside x and the decoder beside z, so that the code need not carry the
    class, which the decoder is told. ``n_samples`` is the k of the training
    bound (1: the ELBO; more: the importance-weighted bound), and ``binarize`` draws fresh
    binary images from intensities at every forward pass.
    """

    def __init__(self, n_features, hidden_layer_sizes, latent_dim, activation, likelihood, n_classes=0,
                 n_samples=1, binarize=False):
        super().__init__()
        self.likelihood = likelihood
        self.latent_dim = latent_dim
        self.n_samples = n_samples
        self.binarize = binarize
        self.encoder = mlp((n_features + n_classes, *hidden_layer_sizes, 2 * latent_dim), activation)
        self.decoder = mlp((latent_dim + n_classes, *reversed(hidden_layer_sizes), n_features), activation)
        if likelihood == "gaussian":
            self.decoder_log_var = nn.Parameter(torch.zeros(n_features))

    def encode(self, X, labels=None):
        """Posterior mean and log-variance of q(z|x) (q(z|x, y) given one-hot ``labels``)."""
        mean, log_var = self.encoder(_with_labels(X, labels)).chunk(2, dim=-1)
        return mean, log_var

    def decode(self, Z, labels=None):
        """Parameters of p(x|z) (p(x|z, y) given one-hot ``labels``): Bernoulli logits, or Gaussian means."""
        return self.decoder(_with_labels(Z, labels))

    def log_likelihood(self, X, decoded):
        """log p(x|z), summed over features."""
        if self.likelihood == "bernoulli":
            return -F.binary_cross_entropy_with_logits(decoded, X.expand_as(decoded), reduction="none").sum(-1)
        log_var = self.decoder_log_var
        return -0.5 * ((X - decoded).square() / log_var.exp() + log_var + _LOG_2PI).sum(-1)

    def mean(self, decoded):
        """E[x|z]: pixel probabilities, or Gaussian means."""
        return torch.sigmoid(decoded) if self.likelihood == "bernoulli" else decoded

    def draw(self, decoded, generator):
        """One draw from p(x|z)."""
        if self.likelihood == "bernoulli":
            return torch.bernoulli(torch.sigmoid(decoded), generator=generator)
        noise = torch.randn(decoded.shape, generator=generator, device=decoded.device)
        return decoded + torch.exp(0.5 * self.decoder_log_var) * noise

    def log_importance_weights(self, X, eps, labels=None):
        """log p(x, z) - log q(z|x) at z = mu(x) + sigma(x) * eps, for each of the k rows of ``eps``.

        ``eps`` is (k, latent_dim), shared by the rows of ``X``, or (rows, k, latent_dim);
        the result is (rows, k).
        """
        mean, log_var = self.encode(X, labels)
        Z = mean[:, None] + torch.exp(0.5 * log_var)[:, None] * eps
        log_q = -0.5 * (eps.square() + log_var[:, None] + _LOG_2PI).sum(-1)
        log_prior = -0.5 * (Z.square() + _LOG_2PI).sum(-1)
        return self.log_likelihood(X[:, None], self.decode(Z, labels)) + log_prior - log_q

    def forward(self, X, labels=None):
        """The training loss terms of each example.

        With ``n_samples == 1``: -log p(x|z) at one reparameterised z ~ q(z|x), and
        KL(q(z|x) || N(0, I)) in closed form. With more: the (rows, k) log importance
        weights of k reparameterised draws (Burda et al.).
        """
        if self.binarize:
            X = torch.bernoulli(X)
        if self.n_samples > 1:
            eps = torch.randn(len(X), self.n_samples, self.latent_dim, device=X.device)
            return (self.log_importance_weights(X, eps, labels),)
        mean, log_var = self.encode(X, labels)
        # Reparameterisation: z = mu + sigma * eps keeps z differentiable in (mu, sigma).
        Z = mean + torch.exp(0.5 * log_var) * torch.randn_like(mean)
        kl = 0.5 * (mean.square() + log_var.exp() - 1.0 - log_var).sum(-1)
        return -self.log_likelihood(X, self.decode(Z, labels)), kl


def _with_labels(inputs, labels):
    """``inputs`` with the one-hot ``labels`` of their rows joined as extra columns (None: unchanged).

    ``inputs`` may have a sample axis more than ``labels`` (rows, k, features).
    """
    if labels is None:
        return inputs
    while labels.dim() < inputs.dim():
        labels = labels.unsqueeze(-2)
    return torch.cat([inputs, labels.expand(*inputs.shape[:-1], labels.shape[-1])], -1)


class _NegativeELBO(nn.Module):
    """beta-VAE loss averaged over the batch: reconstruction + beta * KL (the negative ELBO at beta=1)."""

    def __init__(self, beta=1.0):
        super().__init__()
        self.beta = beta

    def forward(self, reconstruction, kl):
        return (reconstruction + self.beta * kl).mean()


class _NegativeIWAEBound(nn.Module):
    """Minus the k-sample importance-weighted bound, log (1/k) sum_i w_i, averaged over the batch."""

    def forward(self, log_weights):
        return -(torch.logsumexp(log_weights, dim=1) - math.log(log_weights.shape[1])).mean()


class _VAENet(MixedPrecisionNet, NeuralNet):
    """skorch net for a model that is its own target: the module returns the loss terms."""

    def get_loss(self, y_pred, y_true, X=None, training=False):
        return self.criterion_(*y_pred)


class BetaVAE(ClassNamePrefixFeaturesOutMixin, TransformerMixin, DensityMixin, SampleMeanMixin, SkorchEstimator):
    """Beta variational autoencoder with MLP encoder and decoder, trained with skorch.

    The encoder maps x to a diagonal Gaussian posterior q(z|x); the decoder maps z to
    p(x|z): independent Bernoulli pixels (logits) for binary data or probabilities in
    [0, 1], or a diagonal Gaussian with a learned variance per feature for real-valued
    data. Training minimises ``-log p(x|z) + beta * KL(q(z|x) || N(0, I))`` per example,
    with the reparameterisation ``z = mu + sigma * eps`` (Kingma & Welling 2014; beta from
    Higgins et al. 2017); at ``beta=1`` this is the negative evidence lower bound.
    ``score_samples`` estimates log p(x) by importance weighting (Burda et al. 2016).

    Parameters
    ----------
    latent_dim : int, default=50
        Dimension of the latent code z.
    hidden_layer_sizes : tuple of int, default=(200, 200)
        Hidden layers of the encoder; the decoder mirrors them. With the defaults and
        ``activation="tanh"`` this is the one-stochastic-layer model of Burda et al.
    activation : {"tanh", "relu", "softplus", "leaky_relu"}, default="tanh"
        Nonlinearity of the hidden layers.
    likelihood : {"bernoulli", "gaussian"}, default="bernoulli"
        The decoder's distribution. ``"bernoulli"`` needs data in [0, 1].
    beta : float, default=1.0
        Weight of the KL term; above 1 it trades reconstruction for a more factorised code.
    n_train_samples : int, default=1
        k of the training bound: 1 trains on the ELBO; k > 1 on the k-sample
        importance-weighted bound ``log (1/k) sum_i p(x, z_i) / q(z_i|x)`` (IWAE, Burda et
        al. 2016), tighter as k grows and about k decoder passes per step. It has no KL
        term to weight, so ``beta`` must then be 1.
    dynamic_binarization : bool, default=False
        ``X`` holds pixel intensities in [0, 1], and every pass trains on fresh binary
        images drawn from them (Bernoulli(x) per pixel), so that the model cannot memorise
        one binarization. Needs ``likelihood="bernoulli"``.
    conditional : bool, default=False
        Fit ``(X, y)``, encode ``q(z|x, y)`` and decode ``p(x|z, y)`` (Sohn et al. 2015): both
        networks read the one-hot label, so the code need not carry the class, which the
        decoder is told, and ``sample(n, y=labels)`` draws the asked classes. ``transform``,
        ``inverse_transform`` and ``score_samples`` then take the rows' classes as ``y``.
    n_importance_samples : int, default=100
        Importance samples per example in :meth:`score_samples` (k of Burda et al.).
    %(training_parameters)s
    **kwargs
        ``optimizer__*`` and ``lr_scheduler__*`` arguments, e.g.
        ``optimizer__weight_decay=1e-5``.

    Attributes
    ----------
    net_ : skorch.NeuralNet
        The trained net; ``net_.module_`` holds ``encoder`` and ``decoder``, and
        ``net_.history`` the loss per epoch (``train_loss``, and ``valid_loss`` with
        early stopping).
    n_iter_ : int
        Epochs run. Training raises ``ValueError`` naming the epoch if the loss or a
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
    Kingma, D. P. & Welling, M. (2014). Auto-encoding variational Bayes. ICLR.
    Higgins, I. et al. (2017). beta-VAE: learning basic visual concepts with a
    constrained variational framework. ICLR.
    Burda, Y., Grosse, R. & Salakhutdinov, R. (2016). Importance weighted autoencoders. ICLR.
    Sohn, K., Lee, H. & Yan, X. (2015). Learning structured output representation using deep
    conditional generative models. NeurIPS.

    Examples
    --------
    >>> import numpy as np
    >>> from skgen import BetaVAE
    >>> X = (np.random.RandomState(0).rand(60, 16) > 0.5).astype(np.float32)
    >>> vae = BetaVAE(latent_dim=2, hidden_layer_sizes=(8,), max_epochs=5, random_state=0).fit(X)
    >>> Z = vae.transform(X)  # the posterior means E[z|x]
    >>> Z.shape
    (60, 2)
    >>> vae.inverse_transform(Z).shape  # the decoder's pixel probabilities
    (60, 16)
    >>> vae.sample(3, mean=True, random_state=0).shape
    (3, 16)
    >>> bool(vae.score(X) < 0)
    True
    """

    _parameter_constraints = {
        **SkorchEstimator._parameter_constraints,
        **EARLY_STOPPING_CONSTRAINTS,
        "latent_dim": [Integer(1)],
        "hidden_layer_sizes": [LayerSizes(allow_empty=True)],
        "activation": [Options(*ACTIVATIONS)],
        "likelihood": [Options("bernoulli", "gaussian")],
        "beta": [Real(0)],
        "n_train_samples": [Integer(1)],
        "dynamic_binarization": [Boolean()],
        "conditional": [Boolean()],
        "n_importance_samples": [Integer(1)],
    }
    _parameter_notes = {
        "precision": "It covers training only: :meth:`transform`, :meth:`inverse_transform`, :meth:`score_samples` "
                     "and :meth:`sample` run in float32.",
        "random_state": "It also seeds the validation split of early stopping, the reparameterisation noise and "
                        "the importance samples of :meth:`score_samples`.",
    }
    _net_class = _VAENet

    def __init__(
        self,
        latent_dim=50,
        hidden_layer_sizes=(200, 200),
        activation="tanh",
        likelihood="bernoulli",
        beta=1.0,
        n_train_samples=1,
        dynamic_binarization=False,
        conditional=False,
        optimizer=torch.optim.Adam,
        lr=1e-3,
        lr_scheduler=None,
        max_epochs=100,
        batch_size=100,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        n_importance_samples=100,
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
        """Train the encoder and decoder on ``X`` (and the labels ``y`` when ``conditional``).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; values in [0, 1] (binary or probabilities) for
            ``likelihood="bernoulli"``; pixel intensities in [0, 1] with
            ``dynamic_binarization``.
        y : array-like of shape (n_samples,), default=None
            Class labels, read by the decoder when ``conditional=True``; ignored otherwise.

        Returns
        -------
        self : BetaVAE
        """
        self._check_training_options()
        X = self._validate_X(X, reset=True)
        return self._fit_net(X, labels=self._fit_labels(y, X.shape[0]))

    def _check_training_options(self):
        if self.n_train_samples > 1 and self.beta != 1:
            raise ValueError(f"n_train_samples={self.n_train_samples} trains on the importance-weighted bound, "
                             f"which has no KL term to weight: beta must be 1, got {self.beta!r}.")
        if self.dynamic_binarization and self.likelihood != "bernoulli":
            raise ValueError("dynamic_binarization=True draws binary images for a Bernoulli decoder: it needs "
                             f"likelihood='bernoulli', got {self.likelihood!r}.")

    def _validate_X(self, X, reset=False):
        X = validate_data(self, X, accept_sparse="csr", dtype=np.float32, order="C", reset=reset)
        if self.likelihood == "bernoulli":
            check_non_negative(X, "BetaVAE with likelihood='bernoulli'")
            check_unit_interval(X)
        return X

    def _net_params(self):
        criterion = {"criterion": _NegativeIWAEBound} if self.n_train_samples > 1 else {
            "criterion": _NegativeELBO, "criterion__beta": float(self.beta)}
        return dict(
            module=_VAEModule,
            module__n_features=self.n_features_in_,
            module__hidden_layer_sizes=tuple(self.hidden_layer_sizes),
            module__latent_dim=self.latent_dim,
            module__activation=self.activation,
            module__likelihood=self.likelihood,
            module__n_classes=len(self.classes_) if self.conditional else 0,
            module__n_samples=self.n_train_samples,
            module__binarize=self.dynamic_binarization,
            **criterion,
        )

    @property
    def _n_features_out(self):
        return self.latent_dim

    def _fitted_module(self):
        check_is_fitted(self)
        return self.net_.module_.eval(), self.net_.device

    def transform(self, X, y=None):
        """Posterior means E[z|x] of q(z|x) (E[z|x, y] of a conditional model).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,), default=None
            The rows' classes, needed by a conditional model.

        Returns
        -------
        Z : ndarray of shape (n_samples, latent_dim)
        """
        module, device, X, labels = self._fitted_inputs(X, y)
        return to_numpy(batched(lambda Xb, yb: module.encode(Xb, yb)[0], X, self.batch_size, labels))

    def fit_transform(self, X, y=None):
        """Fit, then return the posterior means of ``X`` (given ``y`` for a conditional model).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,), default=None
            Class labels (``conditional=True``); ignored otherwise.

        Returns
        -------
        Z : ndarray of shape (n_samples, latent_dim)
        """
        return self.fit(X, y).transform(X, y if self.conditional else None)

    def inverse_transform(self, X, y=None):
        """Decoder means E[x|z] (pixel probabilities for Bernoulli) of codes ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, latent_dim)
            Latent codes, e.g. from :meth:`transform`.
        y : array-like of shape (n_samples,) or a single label, default=None
            The class each code is decoded as (``conditional=True`` only, where it is needed).

        Returns
        -------
        X_original : ndarray of shape (n_samples, n_features_in_)
        """
        module, device = self._fitted_module()
        Z = check_array(X, dtype=np.float32, order="C")
        if Z.shape[1] != self.latent_dim:
            raise ValueError(f"X has {Z.shape[1]} features, but BetaVAE has latent_dim={self.latent_dim}.")
        Z = to_tensor(Z, device)
        labels = self._labels(y, len(Z), device)
        return to_numpy(module.mean(batched(module.decode, Z, self.batch_size, labels)))

    def _fitted_inputs(self, X, y):
        """The fitted module and its device, the validated rows ``X`` there, and their one-hot classes ``y``
        (None for an unconditional model): what the encoder reads."""
        module, device = self._fitted_module()
        X = to_tensor(self._validate_X(X), device)
        return module, device, X, self._labels(y, len(X), device)

    def _labels(self, y, n_rows, device):
        """One-hot rows for the classes ``y`` names (one per row, or one for all), None for an unconditional model."""
        indices = check_row_labels(self, y, n_rows, "conditional")
        return None if indices is None else one_hot(indices, len(self.classes_), device)

    def _sample(self, n_samples, random_state, mean, labels):
        """z from the prior N(0, I), then x from p(x|z) (p(x|z, y)), or its mean E[x|z] with ``mean``."""
        module, device = self._fitted_module()
        generator = torch_generator(random_state, device)
        with torch.no_grad():
            Z = torch.randn(n_samples, self.latent_dim, generator=generator, device=device)
            decoded = module.decode(Z, None if labels is None else labels.to(device))
            return to_numpy(module.mean(decoded) if mean else module.draw(decoded, generator))

    def score_samples(self, X, y=None):
        """Importance-weighted estimate of log p(x) (log p(x|y) when ``conditional``) per example, in nats.

        ``log (1/k) sum_i p(x, z_i) / q(z_i|x)`` with ``z_i ~ q(z|x)`` and
        ``k = n_importance_samples`` (Burda et al.): a lower bound on log p(x) that tightens
        as k grows. The k standard normal draws behind the z_i are drawn once from
        ``random_state`` and shared by all rows, so a row's estimate does not depend on the
        other rows; they are used in chunks, so memory stays bounded for any k.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,), default=None
            The rows' classes, needed by a conditional model, which scores ``log p(x|y)``.

        Returns
        -------
        log_likelihood : ndarray of shape (n_samples,)
        """
        module, device, X, labels = self._fitted_inputs(X, y)
        k = check_param("n_importance_samples", self.n_importance_samples, Integer(1), owner="BetaVAE")
        eps = torch.randn(k, self.latent_dim, generator=torch_generator(self.random_state, device), device=device)
        rows = max(1, min(self.batch_size, _IWAE_CHUNK_ELEMENTS // X.shape[1]))
        chunk = max(1, _IWAE_CHUNK_ELEMENTS // (rows * X.shape[1]))
        log_likelihoods = []
        with torch.no_grad():
            for start in range(0, len(X), rows):
                Xb = X[start:start + rows]
                yb = None if labels is None else labels[start:start + rows]
                log_weights = torch.cat([module.log_importance_weights(Xb, e, yb) for e in torch.split(eps, chunk)], 1)
                log_likelihoods.append(torch.logsumexp(log_weights, dim=1) - math.log(k))
        return to_numpy(torch.cat(log_likelihoods)).astype(np.float64)

    def score(self, X, y=None):
        """Mean of :meth:`score_samples` (log p(x), or log p(x|y) for a conditional model), in nats.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,), default=None
            The rows' classes, needed by a conditional model; ignored otherwise.

        Returns
        -------
        score : float
        """
        return float(np.mean(self.score_samples(X, y if self.conditional else None)))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = self.likelihood == "bernoulli"
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags

