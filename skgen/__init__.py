"""skgen: energy-based and deep generative models as scikit-learn estimators on PyTorch.

The estimators are imported lazily, so that ``import skgen`` (and the command line's
``--help``) stays fast and does not load PyTorch until a model is used.

The package draws its design: ``skgen._core`` is what both families stand on (parameters,
validation, tensors and precision, threads, labels); ``skgen.energy`` is the energy family
(RBM, GaussianBernoulliRBM, DBN, DBM: its template, machines, samplers, trainers, log Z);
``skgen.nets`` is the skorch family (DNNClassifier, BetaVAE, GAN: its template and models);
``skgen.metrics``, ``skgen.datasets`` and ``skgen.studies`` stand beside or above them.
"""

import importlib
import importlib.util
import sys

__version__ = "0.2.0"

_ESTIMATORS = {
    "RBM": "skgen.energy.rbm",
    "GaussianBernoulliRBM": "skgen.energy.gbrbm",
    "DBN": "skgen.energy.dbn",
    "DBM": "skgen.energy.dbm",
    "DNNClassifier": "skgen.nets.dnn",
    "BetaVAE": "skgen.nets.vae",
    "GAN": "skgen.nets.gan",
}

#: The module paths of skgen 0.1.0 that joblib files and old imports name, and where their code
#: lives now; a path whose module was split names every module it became.
_MOVED = {
    "skgen.rbm": ("skgen.energy.rbm",),
    "skgen.gbrbm": ("skgen.energy.gbrbm",),
    "skgen.dbn": ("skgen.energy.dbn",),
    "skgen.dbm": ("skgen.energy.dbm",),
    "skgen._energy": ("skgen.energy.template",),
    "skgen._machines": ("skgen.energy.machines", "skgen.energy.samplers"),
    "skgen._dbm_machine": ("skgen.energy.dbm_machine",),
    "skgen._trainers": ("skgen.energy.trainers",),
    "skgen._partition": ("skgen.energy.partition",),
    "skgen.dnn": ("skgen.nets.dnn",),
    "skgen.vae": ("skgen.nets.vae",),
    "skgen.gan": ("skgen.nets.gan",),
    "skgen._nets": ("skgen.nets.template",),
    "skgen._base": ("skgen._core.params", "skgen._core.validation", "skgen._core.tensors", "skgen._core.precision",
                    "skgen._core.optim", "skgen._core.estimator"),
    "skgen._threads": ("skgen._core.threads",),
    "skgen._labels": ("skgen._core.labels",),
}

__all__ = [*_ESTIMATORS, "__version__"]


def __getattr__(name):
    if name in _ESTIMATORS:
        return getattr(importlib.import_module(_ESTIMATORS[name]), name)
    raise AttributeError(f"module 'skgen' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))


class _MovedModules:
    """Resolves the old module paths of :data:`_MOVED`, so that ``import skgen.rbm`` and joblib
    files of 0.1.0 (which name ``skgen.rbm.RBM``, ``skgen._nets.TensorBatches``...) keep working.

    An old path that one module became is that module (``skgen.rbm is skgen.energy.rbm``); one
    that was split is a module holding the names of all its parts. It defines nothing itself.
    It is consulted after the ordinary finders, so a module file of that name, where one
    exists (another checkout of skgen loaded beside this one), still wins.
    """

    @staticmethod
    def find_spec(name, path=None, target=None):
        if name not in _MOVED:
            return None
        return importlib.util.spec_from_loader(name, _MovedModules)

    @staticmethod
    def create_module(spec):
        targets = _MOVED[spec.name]
        if len(targets) > 1:
            return None  # a fresh module, which exec_module fills with the parts' names
        module = importlib.import_module(targets[0])
        spec.loader_state = module.__spec__
        return module

    @staticmethod
    def exec_module(module):
        if module.__spec__.loader_state is not None:
            # the import system set the old path's spec on the module: give it back its own
            module.__spec__ = module.__spec__.loader_state
            return
        for target in _MOVED[module.__name__]:
            part = importlib.import_module(target)
            module.__dict__.update({key: value for key, value in vars(part).items() if not key.startswith("__")})


# one resolver, that of the skgen imported last (a test or a benchmark may load skgen anew)
sys.meta_path[:] = [finder for finder in sys.meta_path
                    if getattr(finder, "__qualname__", None) != "_MovedModules" or finder.__module__ != __name__]
sys.meta_path.append(_MovedModules)
