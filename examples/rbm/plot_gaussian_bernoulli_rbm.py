"""
=====================================================================
A Gaussian-Bernoulli RBM: the density of real-valued data
=====================================================================

:class:`skgen.GaussianBernoulliRBM` has Gaussian visible units with learned variances
and binary hidden units: each hidden configuration ``h`` places a Gaussian bump at
``b + W^T h``, so with ``n`` hidden units the density is a mixture of up to ``2**n``
Gaussians sharing one diagonal covariance. With few hidden units its partition function
is exact, so ``score_samples`` is an exact log-density: here it integrates to 1 over the
plane, and its Gibbs samples follow the data's two clusters.
"""

# %%
# Fit two clusters in the plane
# -----------------------------
import matplotlib.pyplot as plt
import numpy as np

from skgen import GaussianBernoulliRBM

rng = np.random.RandomState(0)
X = np.vstack([rng.normal([-2, 1], 0.4, (300, 2)), rng.normal([2, -1], 0.4, (300, 2))])
rbm = GaussianBernoulliRBM(n_components=6, persistent=True, n_chains=100, lr=0.02, max_epochs=40, batch_size=20,
                           optimizer__momentum=0.5, random_state=0).fit(X)
print("learned variances:", rbm.variances_.round(3), "data variances:", X.var(0).round(3))

# %%
# The exact density, and samples
# ------------------------------
step = 0.05
axis = np.arange(-5, 5, step)
grid = np.stack(np.meshgrid(axis, axis), -1).reshape(-1, 2)
density = np.exp(rbm.score_samples(grid))
print(f"the density integrates to {density.sum() * step**2:.3f} over the square")
samples = rbm.sample(500, n_steps=200, random_state=0)

fig, axes = plt.subplots(1, 2, figsize=(9, 4.2))
axes[0].imshow(density.reshape(len(axis), len(axis)), origin="lower", extent=(-5, 5, -5, 5), cmap="viridis")
axes[0].set_title("exact density (6 hidden units)")
axes[1].scatter(*X.T, s=3, alpha=0.4, label="data")
axes[1].scatter(*samples.T, s=3, alpha=0.6, label="samples")
axes[1].set_xlim(-5, 5)
axes[1].set_ylim(-5, 5)
axes[1].set_aspect("equal")
axes[1].legend(loc="upper right")
axes[1].set_title("Gibbs samples")
plt.show()
