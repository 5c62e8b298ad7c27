"""The energy family: RBM, GaussianBernoulliRBM, DBN and DBM, on one template.

- :mod:`skgen.energy.template`: :class:`~skgen.energy.template.EnergyEstimator`, which owns
  ``fit``, ``partial_fit``, the one training loop, and inference (``sample``,
  ``log_partition``, ``free_energy``, ``score_samples``) over a small machine protocol, and
  declares the hooks each model fills;
- :mod:`skgen.energy.units`: the visible unit types as objects, binary and Gaussian: their
  values, statistics and starting parameters, and the visible side of a machine's energy;
- :mod:`skgen.energy.machines`: restricted Boltzmann machines as energy functions on
  tensors, holding their visible units, and the directed sigmoid layers of a DBN;
  :mod:`skgen.energy.dbm_machine`: the deep Boltzmann machine's;
- :mod:`skgen.energy.samplers`: parallel tempering and Gibbs-Langevin, beside the machines'
  own Gibbs sweeps;
- :mod:`skgen.energy.trainers`: CD-k, PCD-k and tempering, the DBN's up-down, the DBM's
  stochastic approximation;
- :mod:`skgen.energy.partition`: ``log Z`` by exact enumeration, and one AIS, forward and
  reverse, for every machine;
- one module per estimator, :mod:`~skgen.energy.rbm`, :mod:`~skgen.energy.gbrbm`,
  :mod:`~skgen.energy.dbn`, :mod:`~skgen.energy.dbm`: their hooks.

The estimators' public names are ``skgen.RBM`` and so on; this package exports nothing.
"""
