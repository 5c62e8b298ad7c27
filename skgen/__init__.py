"""skgen: energy-based and deep generative models as scikit-learn estimators on PyTorch.

The estimators are imported lazily, so that ``import skgen`` (and the command line's
``--help``) stays fast and does not load PyTorch until a model is used.
"""

import importlib

__version__ = "0.1.0"

_ESTIMATORS = {
    "RBM": "skgen.rbm",
    "GaussianBernoulliRBM": "skgen.gbrbm",
    "DBN": "skgen.dbn",
    "DBM": "skgen.dbm",
    "DNNClassifier": "skgen.dnn",
    "BetaVAE": "skgen.vae",
    "GAN": "skgen.gan",
}

__all__ = [*_ESTIMATORS, "__version__"]


def __getattr__(name):
    if name in _ESTIMATORS:
        return getattr(importlib.import_module(_ESTIMATORS[name]), name)
    raise AttributeError(f"module 'skgen' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
