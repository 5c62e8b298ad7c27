"""
=====================================================================
Choosing a beta-VAE's beta by Frechet distance
=====================================================================

:class:`skgen.metrics.FIDScorer` turns the Frechet distance between a model's samples
and held-out data into a scikit-learn scorer (minus the distance, so that greater is
better), so :class:`~sklearn.model_selection.GridSearchCV` can select a generative model
by the quality of what it generates rather than by likelihood.

Here it tunes the ``beta`` of a :class:`skgen.BetaVAE`, the weight of the KL term of its
loss, on the binarized 8x8 digits. The scorer's default feature extractor is skgen's
MNIST network, which reads 28x28 images; for 8x8 digits the features are the raw pixels
(``extractor=None``). The distance is then between Gaussians fitted to the 64 pixels of
samples and of held-out images.
"""

# %%
# The search
# ----------
# Each candidate is fitted on two folds and scored on the third: 500 samples of the model
# against that fold's images. ``random_state`` gives every candidate the same random
# numbers, so the scores differ only by the models.
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV

from skgen import BetaVAE
from skgen.metrics import FIDScorer
from skgen.plotting import plot_image_grid

X, _ = load_digits(return_X_y=True)
X = (X > 7).astype(np.float32)

vae = BetaVAE(latent_dim=8, hidden_layer_sizes=(128,), activation="tanh", optimizer=torch.optim.Adam, lr=3e-3,
              max_epochs=30, batch_size=64, random_state=0)
search = GridSearchCV(
    vae,
    {"beta": [0.25, 1.0, 4.0, 16.0]},
    scoring=FIDScorer(extractor=None, n_samples=500, random_state=0),
    cv=3,
).fit(X)

results = pd.DataFrame(search.cv_results_)[["param_beta", "mean_test_score", "std_test_score", "mean_fit_time"]]
results["FID"] = -results["mean_test_score"]
print(results)
print(f"best beta: {search.best_params_['beta']}")

# %%
# FID against beta
# ----------------
# A small beta lets the code carry more about each image, at the price of a posterior
# that strays from the prior the samples are drawn from; a large one pulls the code
# towards the prior until the decoder stops using it. The distance is lowest in between.
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.errorbar(results["param_beta"].astype(float), results["FID"], yerr=results["std_test_score"], fmt="o-",
            capsize=4)
ax.set_xscale("log", base=2)
ax.set_xlabel("beta")
ax.set_ylabel("FID on raw pixels (3-fold mean)")
fig.tight_layout()

# %%
# Samples of the selected model
# -----------------------------
# The search refitted the best beta on all images (``refit=True``). Its samples are
# binary draws from the decoder's pixel probabilities; ``mean=True`` gives the
# probabilities themselves. Beside them, the largest beta, refitted for the comparison:
# its code carries next to nothing, and every sample is close to the same average digit
# (posterior collapse).
best = search.best_estimator_
largest = BetaVAE(**{**search.best_estimator_.get_params(), "beta": 16.0}).fit(X)
fig, axes = plt.subplots(1, 3, figsize=(10, 3.6))
plot_image_grid(best.sample(36, random_state=0), (8, 8), ax=axes[0], title=f"beta={best.beta}: draws")
plot_image_grid(best.sample(36, random_state=0, mean=True), (8, 8), ax=axes[1],
                title=f"beta={best.beta}: pixel probabilities")
plot_image_grid(largest.sample(36, random_state=0, mean=True), (8, 8), ax=axes[2],
                title="beta=16: pixel probabilities")
fig.tight_layout()
plt.show()
