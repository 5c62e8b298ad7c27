"""
=====================================================================
Class-conditional samples of a deep belief network
=====================================================================

Hinton, Osindero & Teh (2006) join label units to the top RBM of a deep belief network:
the top RBM then models the top features and the classes together, and clamping the
label units while its chain runs draws images of the asked class. With
``DBN(joint_labels=True)``, ``fit(X, y)`` does this, and ``sample(y=...)`` asks for
classes. Here on scikit-learn's binarized 8x8 digits; a logistic regression trained on
the real digits checks what was drawn.
"""

# %%
# Fit a DBN with label units on its top RBM
# -----------------------------------------
import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression

from skgen import DBN
from skgen.plotting import plot_image_grid

X, y = load_digits(return_X_y=True)
X = (X > 7).astype(np.float32)
dbn = DBN(hidden_layer_sizes=(64, 128), joint_labels=True, max_epochs=40, lr=0.02, batch_size=20,
          optimizer=torch.optim.Adam, random_state=0).fit(X, y)
print("top RBM inputs:", dbn.rbms_[-1].n_features_in_, "= 64 features + 10 label units")

# %%
# One row per asked digit
# -----------------------
asked = np.repeat(np.arange(10), 10)
samples = dbn.sample(y=asked, n_steps=300, random_state=0)
judge = LogisticRegression(max_iter=2000).fit(X, y)
recognised = (judge.predict(samples) == asked).reshape(10, 10).mean(1)
for digit, share in enumerate(recognised):
    print(f"asked for {digit}: {100 * share:.0f}% judged as {digit}")

fig, ax = plt.subplots(figsize=(5, 5.5))
plot_image_grid(samples, (8, 8), n_cols=10, ax=ax, title="DBN samples, one row per asked digit")
plt.show()
