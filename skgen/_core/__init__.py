"""What both model families (:mod:`skgen.energy`, :mod:`skgen.nets`) stand on, one module per concern.

- :mod:`skgen._core.params`: the constraints of declared parameters, and routed parameters
  (``optimizer__momentum=0.9``);
- :mod:`skgen._core.validation`: validation once per outermost fit, the divergence guard,
  checks of ``X``, and warnings that name the user's line;
- :mod:`skgen._core.tensors`: devices, ``random_state`` -> :class:`torch.Generator`, arrays
  <-> tensors, minibatches, Bernoulli draws;
- :mod:`skgen._core.precision`: float32 or bfloat16 products (autocast);
- :mod:`skgen._core.optim`: optimizers by name, fused updates;
- :mod:`skgen._core.estimator`: :class:`~skgen._core.estimator.TorchEstimator`, the base
  class of both families' templates, and the ``sample`` / ``score`` contracts;
- :mod:`skgen._core.threads`: how many CPU threads a fit runs on;
- :mod:`skgen._core.labels`: the class labels of the class-conditional models.

The core imports no family, and this package imports nothing, so that ``import skgen``
does not load PyTorch.
"""
