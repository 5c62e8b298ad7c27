"""The energy family: RBM, GaussianBernoulliRBM, DBN and DBM, on one template.

- :mod:`skgen.energy.template`: :class:`~skgen.energy.template.EnergyEstimator`, the one
  training loop and the hooks each model fills;
- :mod:`skgen.energy.machines`: restricted Boltzmann machines as energy functions on
  tensors (binary and Gaussian visibles) and the directed sigmoid layers of a DBN;
  :mod:`skgen.energy.dbm_machine`: the deep Boltzmann machine's;
- :mod:`skgen.energy.samplers`: Gibbs sweeps and parallel tempering;
- :mod:`skgen.energy.trainers`: CD-k, PCD-k and tempering, the DBN's up-down, the DBM's
  stochastic approximation;
- :mod:`skgen.energy.partition`: ``log Z`` by exact enumeration, AIS and reverse AIS;
- one module per estimator, :mod:`~skgen.energy.rbm`, :mod:`~skgen.energy.gbrbm`,
  :mod:`~skgen.energy.dbn`, :mod:`~skgen.energy.dbm`.

The estimators' public names are ``skgen.RBM`` and so on; this package exports nothing.
"""
