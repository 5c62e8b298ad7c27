"""What both model families (:mod:`skgen.energy`, :mod:`skgen.nets`) stand on, one module per concern.

- :mod:`skgen._core.estimator`: :class:`~skgen._core.estimator.TorchEstimator` and what it
  stands on: declared parameters and their constraints, validation, tensors, precision;
- :mod:`skgen._core.threads`: how many CPU threads a fit runs on;
- :mod:`skgen._core.labels`: the class labels of the class-conditional models.

The core imports no family, and this package imports nothing, so that ``import skgen``
does not load PyTorch.
"""
