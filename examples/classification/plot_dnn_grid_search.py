"""
=====================================================================
Grid search over optimizer and DBN pretraining for DNNClassifier
=====================================================================

Does a deep belief network's pretraining help a sigmoid network classify digits, and
does the answer depend on the optimizer? :class:`~sklearn.model_selection.GridSearchCV`
crosses two optimizers (plain SGD and Adam, each with its own learning rate) with two
initialisations of :class:`skgen.DNNClassifier`'s hidden layers: random (``dbn=None``)
and the weights of a :class:`skgen.DBN` fitted once beforehand.

Wrapping the fitted DBN in :class:`sklearn.frozen.FrozenEstimator` is what lets every
candidate and fold share one pretraining: ``GridSearchCV`` clones its parameters, and a
``FrozenEstimator`` survives cloning fitted, where a bare DBN would come back unfitted.
The network copies the DBN's weights and fine-tunes the copy; the DBN is never changed.
This is the question of the pretraining study (:ref:`user guide <pretraining-study>`), on
the small 8x8 digits.
"""

# %%
# Data and pretraining
# --------------------
# The DBN reads pixel intensities in [0, 1]. It is fitted on the training images only,
# without their labels.
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from sklearn.datasets import load_digits
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import GridSearchCV, train_test_split

from skgen import DBN, DNNClassifier

X, y = load_digits(return_X_y=True)
X = (X / 16.0).astype(np.float32)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)

dbn = DBN(hidden_layer_sizes=(100, 100), cd_steps=1, lr=0.05, max_epochs=20, batch_size=10,
          optimizer=torch.optim.SGD, random_state=0).fit(X_train)

# %%
# The grid
# --------
# Each optimizer keeps the learning rate that suits it, so the grid is a list of two
# sub-grids. Every training setting is given explicitly; early stopping holds out 10% of
# each training fold.
classifier = DNNClassifier(hidden_layer_sizes=(100, 100), max_epochs=30, batch_size=32, early_stopping=True,
                           validation_fraction=0.1, n_iter_no_change=5, random_state=0)
pretraining = [None, FrozenEstimator(dbn)]
param_grid = [
    {"optimizer": [torch.optim.SGD], "lr": [0.5], "dbn": pretraining},
    {"optimizer": [torch.optim.Adam], "lr": [3e-3], "dbn": pretraining},
]
search = GridSearchCV(classifier, param_grid, cv=3, n_jobs=1).fit(X_train, y_train)

results = pd.DataFrame(search.cv_results_)
results["optimizer"] = results["param_optimizer"].map(lambda opt: opt.__name__)
results["pretraining"] = results["param_dbn"].map(lambda d: "random" if d is None else "DBN")
print(results[["optimizer", "pretraining", "mean_test_score", "std_test_score", "mean_fit_time"]])
print(f"best: {search.best_params_['optimizer'].__name__}, "
      f"{'random' if search.best_params_['dbn'] is None else 'DBN'} initialisation; "
      f"held-out test accuracy {search.score(X_test, y_test):.3f}")

# %%
# The results
# -----------
# Cross-validated accuracy of each candidate, with one standard deviation over the folds,
# and the time one fit took (pretraining not included: it was done once, before).
fig, (ax_score, ax_time) = plt.subplots(1, 2, figsize=(9, 3.6))
width = 0.38
for offset, (name, color) in zip((-width / 2, width / 2), (("random", "tab:grey"), ("DBN", "tab:blue"))):
    rows = results[results["pretraining"] == name].set_index("optimizer").loc[["SGD", "Adam"]]
    x = np.arange(2) + offset
    ax_score.bar(x, rows["mean_test_score"], width, yerr=rows["std_test_score"], capsize=4, color=color,
                 label=f"{name} initialisation")
    ax_time.bar(x, rows["mean_fit_time"], width, color=color, label=f"{name} initialisation")
for ax in (ax_score, ax_time):
    ax.set_xticks(range(2), ["SGD (lr 0.5)", "Adam (lr 3e-3)"])
ax_score.set_ylim(0.85, 1.02)
ax_score.set_ylabel("cross-validated accuracy")
ax_time.set_ylabel("seconds per fit")
ax_score.legend(loc="upper left")
fig.tight_layout()
plt.show()

# %%
# Reading the result
# ------------------
# The grid answers the question for this data only: 1,257 small, easy images, on which
# networks of two 100-unit layers train well from random weights, so pretraining has
# little room to help and the optimizer matters more. On MNIST, the pretraining study
# found that DBN pretraining lowers the test error at every depth, width and
# training-set size tried, most for deep networks and small training sets, and that Adam
# matters only without it (:ref:`user guide <pretraining-study>`).
# ``search.best_estimator_`` is the winning setting refitted on all training images.
