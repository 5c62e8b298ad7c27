"""
=====================================================================
Asking a beta-VAE and a GAN for a digit
=====================================================================

``BetaVAE(conditional=True)`` and ``GAN(conditional=True)`` fit ``(X, y)``: the VAE's
decoder and the GAN's generator read the one-hot label beside their noise, and the GAN's
discriminator scores (image, label) pairs by projection (Miyato & Koyama 2018). Then
``sample(n, y=labels)`` draws images of the asked classes, with the same signature and
the same checks as ``DBN(joint_labels=True)``. Here on scikit-learn's binarized 8x8
digits; a logistic regression trained on the real digits checks what was drawn.
"""

# %%
# Fit both models with the labels
# -------------------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression

from skgen import GAN, BetaVAE
from skgen.plotting import plot_image_grid

X, y = load_digits(return_X_y=True)
X = (X > 8).astype(np.float32)
vae = BetaVAE(latent_dim=8, hidden_layer_sizes=(64,), max_epochs=40, conditional=True, random_state=0).fit(X, y)
gan = GAN(latent_dim=8, generator_hidden_layer_sizes=(64,), discriminator_hidden_layer_sizes=(64,), lr=1e-3,
          max_epochs=30, conditional=True, loss="hinge", spectral_norm=True, ema_decay=0.9, random_state=0).fit(X, y)

# %%
# One row per asked digit
# -----------------------
# The VAE's images are its decoder's pixel probabilities thresholded at 1/2; the GAN's are
# its generator's images rounded.
asked = np.repeat(np.arange(10), 10)
judge = LogisticRegression(max_iter=2000).fit(X, y)
samples = {"BetaVAE": vae.sample(y=asked, mean=True, random_state=0) > 0.5,
           "GAN": gan.sample(y=asked, random_state=0)}
fig, axes = plt.subplots(1, 2, figsize=(9, 5))
for ax, (name, images) in zip(axes, samples.items()):
    share = (judge.predict(images) == asked).mean()
    print(f"{name}: {100 * share:.0f}% of the samples judged as the asked digit")
    plot_image_grid(images.astype(np.float32), (8, 8), n_cols=10, ax=ax, title=f"{name}, one row per digit")
plt.show()
