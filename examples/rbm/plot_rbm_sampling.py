"""
=====================================================================
Sampling an RBM: persistent chains, starts, and parallel tempering
=====================================================================

How well an RBM generates depends on how it was trained and how its chains are run.
CD-1 starts each negative chain at the data, so the model is only shaped near the
data, and Gibbs chains started from noise can wander into spurious modes. PCD keeps
``n_chains`` fantasy chains running across updates, independent of the batch, and a
learning rate decaying to zero (``lr_scheduler``) lets them settle into the model's
equilibrium. :meth:`skgen.RBM.sample` then says where its chains start (``"noise"``,
``"chains"`` or data rows) and which sampler runs them (``"gibbs"`` or
``"tempering"``). Here, on the binarized 8x8 digits, a judge trained on real digits
tells which digits each sampler draws.
"""

# %%
# Two RBMs: CD-1, and PCD with 500 chains and a decaying learning rate
# ---------------------------------------------------------------------
import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression

from skgen import RBM
from skgen.plotting import plot_image_grid

X, y = load_digits(return_X_y=True)
X = (X > 7).astype(np.float32)
judge = LogisticRegression(max_iter=2000).fit(X, y)

common = {"n_components": 64, "lr": 0.05, "max_epochs": 40, "batch_size": 20, "optimizer__momentum": 0.5,
          "random_state": 0}
cd = RBM(**common).fit(X)
pcd = RBM(persistent=True, n_chains=500, lr_scheduler=torch.optim.lr_scheduler.LinearLR,
          lr_scheduler__start_factor=1.0, lr_scheduler__end_factor=0.0, lr_scheduler__total_iters=40,
          **common).fit(X)
print(f"PCD's learning rate went {pcd.history_[0]['lr']:.3f} -> {pcd.history_[-1]['lr']:.4f}")

# %%
# Which digits do the samplers draw?
# ----------------------------------
# Each row: 200 samples, and the share of each digit as the judge reads them. A model
# whose chains cover the data draws every digit near 10%.
runs = {
    "CD-1, Gibbs from noise": cd.sample(200, n_steps=500, random_state=0),
    "PCD, Gibbs from noise": pcd.sample(200, n_steps=500, random_state=0),
    "PCD, its persistent chains": pcd.sample(200, start="chains", n_steps=10, random_state=0),
    "PCD, tempering from noise": pcd.sample(200, sampler="tempering", n_temperatures=8, n_steps=100,
                                            random_state=0),
}
fig, axes = plt.subplots(2, len(runs), figsize=(3.2 * len(runs), 6), gridspec_kw={"height_ratios": [3, 2]})
for (name, samples), top, bottom in zip(runs.items(), axes[0], axes[1]):
    shares = np.bincount(judge.predict(samples), minlength=10) / len(samples)
    plot_image_grid(samples[:36], (8, 8), n_cols=6, ax=top, title=name)
    bottom.bar(range(10), 100 * shares)
    bottom.set_xticks(range(10))
    bottom.set_ylim(0, 40)
    bottom.set_xlabel("digit (judge)")
    print(f"{name:>28}: rarest digit {100 * shares.min():4.1f}%, commonest {100 * shares.max():4.1f}%")
axes[1, 0].set_ylabel("% of samples")
fig.tight_layout()

# %%
# Starting from data, and clamping pixels
# ---------------------------------------
# Chains started at data rows stay near them for a few steps: the right start for a
# model trained by CD. ``clamp`` holds chosen pixels fixed while the others are sampled:
# here the top half of each digit is given and the bottom half filled in.
top_half = np.arange(32)
filled = pcd.sample(start=X[:8], n_steps=50, clamp=(top_half, X[:8, :32]), return_probabilities=True,
                    random_state=0)
fig, axes = plt.subplots(1, 2, figsize=(7, 2.2))
plot_image_grid(X[:8], (8, 8), n_cols=8, ax=axes[0], title="data")
plot_image_grid(filled, (8, 8), n_cols=8, ax=axes[1], title="top half clamped, bottom sampled")
plt.show()
