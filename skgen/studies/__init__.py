"""The three studies skgen was built for, as functions that return tables and write figures.

- :func:`run_alphadigits_study`: RBM and DBN generating Binary AlphaDigits;
- :func:`run_pretraining_study`: DBN pretraining and SGD vs Adam for a DNN on MNIST;
- :func:`run_generative_study`: RBM, DBN, beta-VAE and GAN on binarized MNIST, by FID
  (:func:`merge_generative_runs` combines runs of some of its models).

Each takes ``profile="quick"|"full"``, ``out``, ``data_home``, ``device``, ``n_jobs``,
``random_state`` and ``resume``; the command line runs them as ``skgen study NAME``. Each
keeps every finished unit of work in ``out/partial-NAME/`` as soon as it finishes, and
``resume=True`` (``--resume``) continues an interrupted run there, training only what is
missing (see the user guide's "Interrupted runs resume").
"""

import importlib

_STUDIES = {
    "run_alphadigits_study": "skgen.studies.alphadigits",
    "run_pretraining_study": "skgen.studies.pretraining",
    "run_generative_study": "skgen.studies.generative",
    "merge_generative_runs": "skgen.studies.generative",
}

__all__ = list(_STUDIES)


def __getattr__(name):
    if name in _STUDIES:
        return getattr(importlib.import_module(_STUDIES[name]), name)
    raise AttributeError(f"module 'skgen.studies' has no attribute {name!r}")
