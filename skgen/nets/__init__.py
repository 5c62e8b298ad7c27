"""The skorch family: DNNClassifier, BetaVAE and GAN, networks trained by skorch on one template.

- :mod:`skgen.nets.template`: :class:`~skgen.nets.template.SkorchEstimator`, which builds a
  skorch net from small hooks and trains it, and what its estimators share (the batch
  iterator, mixed precision, the divergence guard, ``sample(..., mean=...)``);
- one module per estimator, :mod:`~skgen.nets.dnn`, :mod:`~skgen.nets.vae`,
  :mod:`~skgen.nets.gan`.

The estimators' public names are ``skgen.DNNClassifier`` and so on; this package exports nothing.
"""
