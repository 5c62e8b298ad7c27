"""
=====================================================================
DBN features in a Pipeline against DBN fine-tuning
=====================================================================

A fitted :class:`skgen.DBN` can serve a classifier in two ways:

- as a fixed feature extractor,
  ``Pipeline([("dbn", DBN()), ("clf", DNNClassifier())])``: the DBN's up pass maps each
  image to its top-layer hidden probabilities, and the classifier learns new layers on
  top of them. The DBN's weights never see a label;
- as the initialisation of the network, ``DNNClassifier(dbn=DBN())``: the DBN's layers
  become the network's hidden layers, and backpropagation fine-tunes all of them
  (Hinton, Osindero & Teh 2006).

Both are fitted here with the same DBN settings and seed on the 8x8 digits, beside a
network of the same shape from random weights.
"""

# %%
# Three classifiers
# -----------------
import time

import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline

from skgen import DBN, DNNClassifier

X, y = load_digits(return_X_y=True)
X = (X / 16.0).astype(np.float32)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)

dbn_settings = dict(hidden_layer_sizes=(100, 100), cd_steps=1, lr=0.05, max_epochs=20, batch_size=10,
                    optimizer=torch.optim.SGD, random_state=0)
training = dict(optimizer=torch.optim.Adam, lr=3e-3, max_epochs=60, batch_size=32, early_stopping=True,
                validation_fraction=0.1, n_iter_no_change=10, random_state=0)

models = {
    "DBN features + new layer": Pipeline([
        ("dbn", DBN(**dbn_settings)),
        ("clf", DNNClassifier(hidden_layer_sizes=(100,), **training)),
    ]),
    "DBN fine-tuned": DNNClassifier(dbn=DBN(**dbn_settings), **training),
    "random weights": DNNClassifier(hidden_layer_sizes=(100, 100), **training),
}
accuracy = {}
for name, model in models.items():
    start = time.perf_counter()
    model.fit(X_train, y_train)
    accuracy[name] = model.score(X_test, y_test)
    print(f"{name:>25}: test accuracy {accuracy[name]:.3f} ({time.perf_counter() - start:.1f} s)")

# %%
# Learning curves
# ---------------
# Every :class:`~skgen.DNNClassifier` keeps skorch's history in ``net_.history``: here the
# loss on the 10% of the training images that early stopping holds out. The fine-tuned
# network starts from weights that already describe the images, and its loss falls
# fastest at first. The head on fixed features can only recombine what the DBN's top
# layer kept of the images, learned without labels; here its loss levels off well above
# the others'.
fig, (ax_curve, ax_bar) = plt.subplots(1, 2, figsize=(10, 3.8), gridspec_kw={"width_ratios": [3, 2]})
colors = dict(zip(models, ["tab:orange", "tab:blue", "tab:grey"]))
for name, model in models.items():
    net = (model[-1] if isinstance(model, Pipeline) else model).net_
    ax_curve.plot(net.history[:, "epoch"], net.history[:, "valid_loss"], color=colors[name], label=name)
ax_curve.set_xlabel("epoch")
ax_curve.set_ylabel("validation loss (cross-entropy)")
ax_curve.set_yscale("log")
ax_curve.legend()

bars = ax_bar.barh(list(accuracy), list(accuracy.values()), color=list(colors.values()))
ax_bar.bar_label(bars, fmt="%.3f", padding=3)
ax_bar.set_xlim(0.5, 1.0)
ax_bar.set_xlabel("test accuracy")
ax_bar.invert_yaxis()
fig.tight_layout()
plt.show()

# %%
# Which to use
# ------------
# The Pipeline keeps the DBN as it is: it can be reused, inspected or sampled from, and a
# grid search can tune the head alone. Fine-tuning adapts the pretrained layers to the
# labels, which on MNIST lowered the test error at every depth, width and training-set
# size tried by the pretraining study (:ref:`user guide <pretraining-study>`).
