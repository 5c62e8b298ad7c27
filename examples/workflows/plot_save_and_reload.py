"""
=====================================================================
Saving a model with joblib and reloading it on a CPU-only machine
=====================================================================

Every skgen estimator pickles, so :func:`joblib.dump` saves it with everything it
learned, and :func:`joblib.load` gives it back ready to predict, transform or sample. A
model fitted on a GPU (``device="cuda"``) loads on a machine without one: the RBM and the
DBN keep their fitted state in NumPy arrays, and the skorch-based estimators
(:class:`~skgen.DNNClassifier`, :class:`~skgen.BetaVAE`, :class:`~skgen.GAN`) are mapped
to the CPU by skorch when CUDA is not available.

This example fits on the GPU when there is one (on the CPU otherwise), saves two models,
and reloads them in a separate Python process in which CUDA is hidden, as on a CPU-only
machine.
"""

# %%
# Fit and save
# ------------
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import joblib
import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from skgen import RBM, DNNClassifier
from skgen.plotting import plot_image_grid

device = "cuda" if torch.cuda.is_available() else "cpu"
X, y = load_digits(return_X_y=True)
X = (X > 7).astype(np.float32)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)

classifier = DNNClassifier(hidden_layer_sizes=(100,), optimizer=torch.optim.Adam, lr=3e-3, max_epochs=30,
                           batch_size=32, early_stopping=True, validation_fraction=0.1, n_iter_no_change=5,
                           device=device, random_state=0).fit(X_train, y_train)
rbm = RBM(n_components=64, cd_steps=1, lr=0.05, max_epochs=30, batch_size=10, optimizer=torch.optim.SGD,
          device=device, random_state=0).fit(X_train)

folder = Path(tempfile.mkdtemp())
joblib.dump(classifier, folder / "classifier.joblib")
joblib.dump(rbm, folder / "rbm.joblib")
print(f"fitted on {device}; saved", sorted(path.name for path in folder.iterdir()))

# %%
# Reload on a CPU-only machine
# ----------------------------
# A fresh interpreter with ``CUDA_VISIBLE_DEVICES=""`` sees no GPU. It loads both files,
# predicts the test images and draws samples, and writes what it got next to them.
reload_script = """
import sys
import joblib, numpy as np, torch
folder = sys.argv[1]
assert not torch.cuda.is_available()
classifier = joblib.load(f"{folder}/classifier.joblib")
rbm = joblib.load(f"{folder}/rbm.joblib")
X_test = np.load(f"{folder}/X_test.npy")
np.save(f"{folder}/predicted.npy", classifier.predict(X_test))
np.save(f"{folder}/samples.npy", rbm.sample(16, random_state=0))
print("reloaded on", next(classifier.net_.module_.parameters()).device)
"""
np.save(folder / "X_test.npy", X_test)
result = subprocess.run([sys.executable, "-c", reload_script, str(folder)], capture_output=True, text=True,
                        env={**os.environ, "CUDA_VISIBLE_DEVICES": ""}, check=True)
print(result.stdout.strip())

# %%
# The reloaded models give the same answers
# -----------------------------------------
# Predictions of the reloaded classifier equal the original's, and the reloaded RBM draws
# the same samples for the same ``random_state`` (exactly so when both ran on the CPU).
predicted = np.load(folder / "predicted.npy")
samples = np.load(folder / "samples.npy")
print(f"same predictions: {np.array_equal(predicted, classifier.predict(X_test))}; "
      f"test accuracy {np.mean(predicted == y_test):.3f}")
if device == "cpu":
    print(f"same samples: {np.array_equal(samples, rbm.sample(16, random_state=0))}")

fig, axes = plt.subplots(1, 2, figsize=(8, 4.2))
plot_image_grid(samples, (8, 8), ax=axes[0], title="reloaded RBM: samples")
shown = X_test[:16]
plot_image_grid(shown, (8, 8), ax=axes[1], title="reloaded classifier: predictions")
for i, label in enumerate(predicted[:16]):
    row, col = divmod(i, 4)
    axes[1].text(col * 9 + 7.5, row * 9 + 1, str(label), color="tab:red", fontsize=12, ha="right", va="top")
fig.tight_layout()
plt.show()

for path in folder.iterdir():
    path.unlink()
folder.rmdir()
