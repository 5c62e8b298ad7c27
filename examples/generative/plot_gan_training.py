"""
=====================================================================
GAN training curves and samples
=====================================================================

A :class:`skgen.GAN` trains with skorch, and its fitted ``net_.history`` records the
discriminator's and the generator's losses per epoch (and per batch). Reading them is
the first check of an adversarial game: a discriminator loss that falls towards 0 while
the generator's climbs means the discriminator has won and the generator learns nothing
more. Flat curves do not prove success, since a generator that collapses onto a few
modes can keep them flat too, so the samples are shown as well.
"""

# %%
# Training on binarized digits
# ----------------------------
import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.datasets import load_digits

from skgen import GAN
from skgen.plotting import plot_image_grid

X, _ = load_digits(return_X_y=True)
X = (X > 7).astype(np.float32)

gan = GAN(latent_dim=16, generator_hidden_layer_sizes=(128, 128), discriminator_hidden_layer_sizes=(128, 64),
          activation="leaky_relu", optimizer=torch.optim.Adam, lr=1e-3, optimizer__betas=(0.5, 0.999),
          max_epochs=60, batch_size=64, random_state=0)
gan.fit(X)
print(f"{gan.n_iter_} epochs in {sum(gan.net_.history[:, 'dur']):.1f} s")

# %%
# The losses per epoch
# --------------------
# ``net_.history[:, key]`` reads one column of skorch's history. With the binary
# cross-entropy, a discriminator that cannot tell real from generated at all would sit at
# ``2 log 2`` (1.39) and the generator at ``log 2`` (0.69): the dotted lines.
history = gan.net_.history
fig, ax = plt.subplots(figsize=(6.5, 3.6))
ax.plot(history[:, "epoch"], history[:, "discriminator_loss"], label="discriminator")
ax.plot(history[:, "epoch"], history[:, "generator_loss"], label="generator")
ax.axhline(2 * np.log(2), color="tab:blue", linestyle=":", linewidth=1)
ax.axhline(np.log(2), color="tab:orange", linestyle=":", linewidth=1)
ax.set_xlabel("epoch")
ax.set_ylabel("mean loss over the epoch's batches")
ax.legend()
fig.tight_layout()

# %%
# The losses per batch
# --------------------
# The per-batch values live in each epoch's ``"batches"`` entry; they show how noisy the
# game is inside an epoch.
batch_losses = np.array([[batch["discriminator_loss"], batch["generator_loss"]]
                         for epoch in history for batch in epoch["batches"] if "generator_loss" in batch])
fig, ax = plt.subplots(figsize=(6.5, 3.2))
ax.plot(batch_losses[:, 0], linewidth=0.5, label="discriminator")
ax.plot(batch_losses[:, 1], linewidth=0.5, label="generator")
ax.set_xlabel("batch")
ax.set_ylabel("loss")
ax.legend()
fig.tight_layout()

# %%
# Samples
# -------
# ``sample`` draws binary images from the generator's pixel probabilities;
# ``mean=True`` returns the probabilities.
fig, axes = plt.subplots(1, 3, figsize=(10, 3.6))
plot_image_grid(X[:36], (8, 8), ax=axes[0], title="training images")
plot_image_grid(gan.sample(36, random_state=0), (8, 8), ax=axes[1], title="GAN: draws")
plot_image_grid(gan.sample(36, random_state=0, mean=True), (8, 8), ax=axes[2], title="GAN: pixel probabilities")
fig.tight_layout()
plt.show()
