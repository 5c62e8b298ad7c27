"""
=====================================================================
What FID, KID, precision and recall see
=====================================================================

The metrics of :mod:`skgen.metrics` compare a set of generated images with real ones in
the features of an extractor. To see what each one responds to, this example scores
"generators" whose faults are known against held-out digits: other real digits (the
floor), digits with random pixel flips (noise), only the digits 0 and 1 (mode collapse),
and independent pixels at the data's mean (no structure).

The extractor is a fitted :class:`skgen.RBM`: any fitted scikit-learn transformer works,
which is how to score data that skgen's shipped MNIST network does not read, here the
8x8 digits. Wrapping it in :class:`~sklearn.frozen.FrozenEstimator` would keep a grid
search from refitting it.
"""

# %%
# The reference set, the extractor and the "generators"
# -----------------------------------------------------
import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from skgen import RBM
from skgen.metrics import fid_confidence_interval, kid_score, precision_recall_score
from skgen.plotting import plot_image_grid

X, y = load_digits(return_X_y=True)
X = (X > 7).astype(np.float32)
X_a, X_b, y_a, y_b = train_test_split(X, y, test_size=0.5, stratify=y, random_state=0)
rng = np.random.default_rng(0)

extractor = RBM(n_components=32, cd_steps=1, lr=0.05, max_epochs=30, batch_size=10, optimizer=torch.optim.SGD,
                random_state=0).fit(X_a)


def flip(images, rate):
    return np.abs(images - (rng.random(images.shape) < rate)).astype(np.float32)


candidates = {
    "other real digits": X_a,
    "5% pixels flipped": flip(X_a, 0.05),
    "15% pixels flipped": flip(X_a, 0.15),
    "only 0s and 1s": X_a[np.isin(y_a, [0, 1])],
    "independent pixels": (rng.random(X_a.shape) < X_a.mean(axis=0)).astype(np.float32),
}

# %%
# Scores against the held-out half
# --------------------------------
# FID comes with a 95% bootstrap interval over both sets; KID is unbiased, so about 0
# for two samples of one distribution; precision is the share of generated images that
# fall in the real images' manifold, recall the share of real images covered by the
# generated ones' (k=3 nearest neighbours).
scores = {}
for name, images in candidates.items():
    fid = fid_confidence_interval(X_b, images, extractor=extractor, n_resamples=100, random_state=0)
    kid = kid_score(X_b, images, extractor=extractor, n_subsets=50, subset_size=100, random_state=0)
    precision, recall = precision_recall_score(X_b, images, extractor=extractor, k=3)
    scores[name] = dict(fid=fid, kid=kid, precision=precision, recall=recall)
    print(f"{name:>20}: FID {fid.estimate:6.2f} [{fid.low:.2f}, {fid.high:.2f}]  KID {kid:7.4f}  "
          f"precision {precision:.2f}  recall {recall:.2f}")

# %%
# FID and precision/recall side by side
# -------------------------------------
# FID and KID rank the faults on one scale. Precision and recall separate them: noise
# lowers precision (the images leave the data's manifold), mode collapse lowers recall
# (most real digits are not covered) while precision stays high.
names = list(scores)
fig, (ax_fid, ax_pr) = plt.subplots(1, 2, figsize=(11, 3.8))
estimates = np.array([scores[n]["fid"].estimate for n in names])
errors = np.array([[scores[n]["fid"].estimate - scores[n]["fid"].low, scores[n]["fid"].high - scores[n]["fid"].estimate]
                   for n in names]).T
ax_fid.barh(names, estimates, xerr=errors, capsize=3, color="tab:blue")
ax_fid.set_xscale("log")
ax_fid.set_xlabel("FID in the RBM's features (95% bootstrap interval)")
ax_fid.invert_yaxis()
for name in names:
    ax_pr.scatter(scores[name]["recall"], scores[name]["precision"], s=60, label=name)
ax_pr.set_xlim(-0.05, 1.05)
ax_pr.set_ylim(-0.05, 1.05)
ax_pr.set_xlabel("recall")
ax_pr.set_ylabel("precision")
ax_pr.legend(fontsize=8, loc="lower left")
fig.tight_layout()

# %%
# The images scored
# -----------------
fig, axes = plt.subplots(1, len(candidates), figsize=(12, 2.8))
for ax, (name, images) in zip(axes, candidates.items()):
    plot_image_grid(images[:16], (8, 8), ax=ax, title=name)
fig.tight_layout()
plt.show()
