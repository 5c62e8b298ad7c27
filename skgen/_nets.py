"""What the skorch-based estimators (BetaVAE, GAN) share: MLP stacks and a minibatch loader."""

import numbers

import torch
from torch import nn
from torch.utils.data import BatchSampler, DataLoader, Dataset, RandomSampler, SequentialSampler

_ACTIVATIONS = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "softplus": nn.Softplus,
    "leaky_relu": lambda: nn.LeakyReLU(0.2),
}


def activation(name):
    """A new instance of the hidden-layer nonlinearity ``name``."""
    return _ACTIVATIONS[name]()


def check_activation(activation):
    """Raise ``ValueError`` unless ``activation`` names a hidden-layer nonlinearity."""
    if activation not in _ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(_ACTIVATIONS)}, got {activation!r}.")


def check_positive_int(value, name):
    """Raise ``ValueError`` naming the parameter unless ``value`` is a positive int."""
    if not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}.")


def check_layer_sizes(sizes, name):
    """``sizes`` as a tuple of positive ints, or ``ValueError`` naming the parameter."""
    sizes = (sizes,) if isinstance(sizes, int) else tuple(sizes)
    if not all(isinstance(size, int) and size > 0 for size in sizes):
        raise ValueError(f"{name} must be a tuple of positive ints, got {sizes!r}.")
    return sizes


def mlp(sizes, activation, batch_norm=False):
    """Linear layers through ``sizes`` (input first, output last), the activation between them.

    With ``batch_norm``, each hidden layer is batch-normalised before its activation. The
    output layer has no activation: callers add the link (sigmoid, logits) they need.
    """
    layers = []
    for n_in, n_out in zip(sizes[:-2], sizes[1:-1]):
        layers += [nn.Linear(n_in, n_out), *([nn.BatchNorm1d(n_out)] if batch_norm else []), _ACTIVATIONS[activation]()]
    return nn.Sequential(*layers, nn.Linear(sizes[-2], sizes[-1]))


class RowDataset(Dataset):
    """The rows of a tensor, for a skorch net whose data is its own target.

    Indexed with a whole minibatch of indices at once (see :func:`minibatch_loader`), it
    returns ``(rows, None)`` by plain tensor indexing, with none of the per-row checks of
    skorch's general-purpose dataset.
    """

    def __init__(self, X, y=None):
        self.X = X

    def __len__(self):
        return len(self.X)

    def __getitem__(self, index):
        return self.X[index], None


def minibatch_loader(dataset, batch_size, shuffle=False):
    """A DataLoader that indexes ``dataset`` once per minibatch rather than once per row.

    skorch's default DataLoader fetches rows one by one and collates them; one fancy-index
    per minibatch gives the same batches at a fraction of the cost. Shuffling draws from
    torch's global RNG, as skorch does.
    """
    sampler = RandomSampler(dataset) if shuffle else SequentialSampler(dataset)
    batches = BatchSampler(sampler, batch_size, drop_last=False)
    return DataLoader(dataset, batch_size=None, sampler=batches)


def batched(function, X, batch_size):
    """Apply ``function`` (tensor -> tensor) to ``X`` in row batches without autograd; concatenate."""
    with torch.no_grad():
        return torch.cat([function(Xb) for Xb in torch.split(X, batch_size)])
