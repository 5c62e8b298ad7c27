"""The MNIST feature network shipped with skgen, and loading its weights.

A small convolutional classifier trained by ``scripts/train_mnist_extractor.py`` on the
MNIST training set, its inputs drawn at random as grey levels, thresholded or
stochastically binarized images, so that its features mean the same thing for all three.
Features are the 128 activations of the penultimate layer, taken in eval mode.
"""

import functools
import hashlib
from importlib import resources

import torch
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval

WEIGHTS_FILE = "mnist_features.pt"
WEIGHTS_SHA256 = "1b7addcd6f39ae434e1714840048199f4a016e935702303c543fc2f70a72273d"
N_FEATURES = 128


class MNISTFeatureNet(nn.Module):
    """Two convolution blocks and a 128-unit hidden layer over 28x28 digits.

    ``forward`` returns the 10 class logits, :meth:`features` the 128 penultimate
    activations (after ReLU) that Frechet distances are computed on. Inputs are rows of
    784 pixels or images of 28x28 (with or without a channel axis), values in [0, 1].
    """

    def __init__(self):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1, bias=False),
            nn.BatchNorm2d(32),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1, bias=False),
            nn.BatchNorm2d(64),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.hidden = nn.Sequential(nn.Flatten(), nn.Dropout(0.3), nn.Linear(64 * 7 * 7, N_FEATURES), nn.ReLU())
        self.head = nn.Sequential(nn.Dropout(0.3), nn.Linear(N_FEATURES, 10))

    def features(self, x):
        """The penultimate-layer activations, shape (n, 128)."""
        return self.hidden(self.conv(x.reshape(-1, 1, 28, 28)))

    def forward(self, x):
        return self.head(self.features(x))


class _InferenceFeatures(nn.Module):
    """:meth:`MNISTFeatureNet.features` rearranged for speed, with the same output.

    Batch norms are folded into the convolutions, max pooling comes before the ReLU
    (they commute, and the ReLU then touches a quarter of the values), and activations
    are kept channels-last, the layout oneDNN convolutions run fastest in on CPUs.
    """

    def __init__(self, net):
        super().__init__()
        conv1, bn1, _, _, conv2, bn2, _, _ = net.conv
        self.layers = nn.Sequential(
            fuse_conv_bn_eval(conv1, bn1),
            nn.MaxPool2d(2),
            nn.ReLU(),
            fuse_conv_bn_eval(conv2, bn2),
            nn.MaxPool2d(2),
            nn.ReLU(),
            nn.Flatten(),
            net.hidden[2],
            nn.ReLU(),
        ).to(memory_format=torch.channels_last)

    def forward(self, x):
        return self.layers(x.reshape(-1, 1, 28, 28).contiguous(memory_format=torch.channels_last))


def weights_path():
    """The path of the shipped weights file inside the installed package."""
    return resources.files("skgen.metrics").joinpath(WEIGHTS_FILE)


def file_sha256(path):
    """The hex sha256 digest of the file at ``path``."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


@functools.lru_cache(maxsize=1)
def load_mnist_extractor():
    """The shipped MNIST feature network, in eval mode on the CPU.

    The weights are read from the package (no network) and checked against their sha256.

    Raises
    ------
    RuntimeError
        If the weights file is missing or its checksum differs from the one recorded
        when it was trained.

    Examples
    --------
    >>> import torch
    >>> from skgen.metrics import load_mnist_extractor
    >>> net = load_mnist_extractor()
    >>> net(torch.zeros(2, 784)).shape, net.features(torch.zeros(2, 784)).shape
    (torch.Size([2, 10]), torch.Size([2, 128]))
    """
    path = weights_path()
    if not path.is_file():
        raise RuntimeError(f"The MNIST feature weights {WEIGHTS_FILE} are missing from {path.parent}; reinstall skgen.")
    digest = file_sha256(path)
    if digest != WEIGHTS_SHA256:
        raise RuntimeError(
            f"{path} has sha256 {digest}, expected {WEIGHTS_SHA256}: the file is corrupt or was "
            "retrained without updating WEIGHTS_SHA256 in skgen/metrics/_extractor.py."
        )
    net = MNISTFeatureNet()
    with path.open("rb") as f:
        net.load_state_dict(torch.load(f, map_location="cpu", weights_only=True))
    net.requires_grad_(False)
    return net.eval()


@functools.lru_cache(maxsize=1)
def load_mnist_feature_layers():
    """The shipped network's penultimate-layer features as a fast eval-mode module."""
    return _InferenceFeatures(load_mnist_extractor()).requires_grad_(False).eval()
