"""
=====================================================================
RBM samples, filters and log-likelihood: exact and AIS
=====================================================================

A Bernoulli :class:`skgen.RBM` with 16 hidden units is fitted to the binarized 8x8
digits. With so few hidden units its partition function ``Z`` is a sum over
``2**16`` hidden states, which :meth:`skgen.RBM.log_partition` computes exactly
(``method="exact"``); for larger models it is estimated by annealed importance sampling
(``method="ais"``, Salakhutdinov & Murray 2008). The example checks AIS against the exact
value, then reads the model's samples, filters and per-image log-likelihoods
(:meth:`~skgen.RBM.score_samples`).
"""

# %%
# Fit the RBM on binarized digits
# -------------------------------
import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from skgen import RBM
from skgen.plotting import image_grid, plot_image_grid

X, y = load_digits(return_X_y=True)
X = (X > 7).astype(np.float32)  # grey levels 0-16, binarized at half intensity
X_train, X_test = train_test_split(X, test_size=0.25, random_state=0)

rbm = RBM(
    n_components=16,
    cd_steps=5,
    lr=0.05,
    max_epochs=60,
    batch_size=20,
    optimizer=torch.optim.SGD,
    optimizer__momentum=0.5,
    random_state=0,
).fit(X_train)
print(f"reconstruction error after {len(rbm.history_)} epochs: {rbm.history_[-1]['reconstruction_error']:.4f}")

# %%
# The partition function, exactly and by AIS
# -------------------------------------------
# ``log_partition`` returns the estimate and its standard error (0 for the exact value).
# AIS anneals from the base-rate model (independent pixels at their mean) to the RBM
# through a ladder of inverse temperatures; more temperatures give a smaller bias and
# variance.
log_z_exact, _ = rbm.log_partition(method="exact")
print(f"exact log Z = {log_z_exact:.3f}")

n_betas = [10, 100, 1000, 5000]
ais = [rbm.log_partition(method="ais", ais_chains=100, ais_betas=n, random_state=0) for n in n_betas]
for n, (log_z, error) in zip(n_betas, ais):
    print(f"AIS with {n:>5} temperatures: log Z = {log_z:.3f} +- {error:.3f}")

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.errorbar(n_betas, [v for v, _ in ais], yerr=[2 * e for _, e in ais], fmt="o-", capsize=3,
            label="AIS, 100 chains (+- 2 s.e.)")
ax.axhline(log_z_exact, color="k", linestyle="--", label="exact enumeration")
ax.set_xscale("log")
ax.set_xlabel("inverse temperatures of AIS")
ax.set_ylabel("log Z (nats)")
ax.legend()
fig.tight_layout()

# %%
# Log-likelihood of training and test images
# ------------------------------------------
# ``score_samples`` gives ``log p(v) = -F(v) - log Z`` per image, in nats; ``score`` is
# their mean, which is what :class:`~sklearn.model_selection.GridSearchCV` maximises when
# given no scorer. A small gap between training and test images means little overfitting.
train_ll, test_ll = rbm.score_samples(X_train), rbm.score_samples(X_test)
print(f"mean log-likelihood: train {train_ll.mean():.2f}, test {test_ll.mean():.2f} nats "
      f"(a uniform distribution: {64 * np.log(0.5):.2f})")

fig, ax = plt.subplots(figsize=(6, 3.5))
bins = np.linspace(min(train_ll.min(), test_ll.min()), 0, 40)
ax.hist(train_ll, bins=bins, alpha=0.6, density=True, label=f"train (mean {train_ll.mean():.1f})")
ax.hist(test_ll, bins=bins, alpha=0.6, density=True, label=f"test (mean {test_ll.mean():.1f})")
ax.set_xlabel("log p(v) (nats)")
ax.set_ylabel("density")
ax.legend()
fig.tight_layout()

# %%
# The least and most likely test digits
# -------------------------------------
order = np.argsort(test_ll)
fig, axes = plt.subplots(1, 2, figsize=(8, 2.4))
plot_image_grid(X_test[order[:10]], (8, 8), n_cols=10, ax=axes[0], title="least likely")
plot_image_grid(X_test[order[-10:]], (8, 8), n_cols=10, ax=axes[1], title="most likely")
fig.tight_layout()

# %%
# Samples and filters
# -------------------
# ``sample`` runs block Gibbs chains from random visibles; after 1,000 steps they have
# forgotten their start. The filters are the 16 hidden units' weights.
samples = rbm.sample(32, n_steps=1000, random_state=0)
fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
plot_image_grid(samples, (8, 8), n_cols=8, ax=axes[0], title="32 Gibbs samples")
limit = np.abs(rbm.components_).max()
axes[1].imshow(image_grid(rbm.components_, (8, 8), n_cols=4), cmap="RdBu_r", vmin=-limit, vmax=limit,
               interpolation="nearest")
axes[1].set_title("the 16 filters")
axes[1].set_axis_off()
fig.tight_layout()
plt.show()
