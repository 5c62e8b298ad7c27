"""
=====================================================================
RBM features for digit classification, against scikit-learn's RBM
=====================================================================

The classic scikit-learn example `Restricted Boltzmann Machine features for digit
classification <https://scikit-learn.org/stable/auto_examples/neural_networks/plot_rbm_logistic_classification.html>`_,
redone with :class:`skgen.RBM`. A Bernoulli RBM learns 100 binary hidden features of the
8x8 digits without the labels; a logistic regression on those features is then compared
with a logistic regression on the raw pixels, and with the same pipeline built on
scikit-learn's :class:`~sklearn.neural_network.BernoulliRBM`.

Both RBMs are trained the same way: persistent contrastive divergence (PCD-1), plain SGD
with learning rate 0.06, minibatches of 10, 10 epochs.
"""

# %%
# The data
# --------
# As in scikit-learn's example, the training set is enlarged five-fold by shifting each
# image by one pixel up, down, left and right, and the grey levels are scaled to [0, 1],
# which the RBMs read as the probabilities of binary pixels.
import time

import matplotlib.pyplot as plt
import numpy as np
import torch
from scipy.ndimage import shift
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.neural_network import BernoulliRBM
from sklearn.pipeline import Pipeline

from skgen import RBM
from skgen.plotting import image_grid


def nudge_dataset(X, y):
    """Add copies of the 8x8 images shifted by one pixel in each of the four directions."""
    images = X.reshape(-1, 8, 8)
    moves = [(-1, 0), (1, 0), (0, -1), (0, 1)]
    shifted = [shift(images, (0, *move), mode="constant", order=0).reshape(len(X), -1) for move in moves]
    return np.concatenate([X, *shifted]), np.concatenate([y] * 5)


X, y = load_digits(return_X_y=True)
X = (X / 16.0).astype(np.float32)
X, y = nudge_dataset(X, y)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0)
print(f"{len(X_train)} training and {len(X_test)} test images of {X.shape[1]} pixels")

# %%
# Three pipelines
# ---------------
# The two RBMs share every training setting. The logistic regression on top of them is
# only weakly regularised (large ``C``), as in scikit-learn's example.
skgen_rbm = RBM(
    n_components=100,
    cd_steps=1,
    persistent=True,
    lr=0.06,
    max_epochs=10,
    batch_size=10,
    optimizer=torch.optim.SGD,
    random_state=0,
)
sklearn_rbm = BernoulliRBM(n_components=100, learning_rate=0.06, n_iter=10, batch_size=10, random_state=0)
logistic = LogisticRegression(C=6000, max_iter=1000)

models = {
    "raw pixels": LogisticRegression(C=100, max_iter=1000),
    "skgen RBM": Pipeline([("rbm", skgen_rbm), ("logistic", clone(logistic))]),
    "scikit-learn BernoulliRBM": Pipeline([("rbm", sklearn_rbm), ("logistic", clone(logistic))]),
}
accuracy, seconds = {}, {}
for name, model in models.items():
    start = time.perf_counter()
    model.fit(X_train, y_train)
    seconds[name] = time.perf_counter() - start
    accuracy[name] = accuracy_score(y_test, model.predict(X_test))
    print(f"{name:>26}: test accuracy {accuracy[name]:.3f}, fitted in {seconds[name]:.1f} s")

# %%
# Accuracy
# --------
# The features of either RBM raise the accuracy of the linear classifier well above
# what it reaches on the raw pixels; the two implementations of the same algorithm end
# close to each other.
fig, ax = plt.subplots(figsize=(7, 2.8))
names = list(models)
bars = ax.barh(names, [accuracy[n] for n in names], color=["grey", "tab:blue", "tab:orange"])
ax.bar_label(bars, labels=[f"{accuracy[n]:.3f} ({seconds[n]:.1f} s)" for n in names], padding=3)
ax.set_xlim(0.7, 1.0)
ax.set_xlabel("test accuracy (fit time)")
ax.invert_yaxis()
fig.tight_layout()

# %%
# The features
# ------------
# Each hidden unit's weights, drawn as an 8x8 image (red positive, blue negative):
# localised strokes and blobs.
fig, axes = plt.subplots(2, 1, figsize=(8, 4.2))
for ax, (name, model) in zip(axes, list(models.items())[1:]):
    filters = model.named_steps["rbm"].components_[:40]
    limit = np.abs(filters).max()
    ax.imshow(image_grid(filters, (8, 8), n_cols=20), cmap="RdBu_r", vmin=-limit, vmax=limit,
              interpolation="nearest")
    ax.set_title(f"{name}: the first 40 of 100 filters")
    ax.set_axis_off()
fig.tight_layout()
plt.show()
