"""Image grids and study figures (matplotlib, headless-safe)."""

import math

import numpy as np


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def image_grid(images, image_shape, n_cols=None, pad=1):
    """Tile flattened images into one 2-D array, row by row.

    Parameters
    ----------
    images : array-like of shape (n_images, n_pixels) or (n_images, *image_shape)
        The images, values in [0, 1].
    image_shape : tuple of int
        (height, width) of one image, e.g. ``(28, 28)`` or ``(20, 16)``.
    n_cols : int, default=None
        Images per row; by default the smallest square that holds them all.
    pad : int, default=1
        Pixels of background between images.

    Returns
    -------
    grid : ndarray of shape (rows * (height + pad) - pad, n_cols * (width + pad) - pad)

    Examples
    --------
    >>> import numpy as np
    >>> from skgen.plotting import image_grid
    >>> image_grid(np.ones((6, 4)), (2, 2), n_cols=3).shape
    (5, 8)
    """
    images = np.asarray(images, dtype=float).reshape(-1, *image_shape)
    n_cols = n_cols or math.ceil(math.sqrt(len(images)))
    n_rows = math.ceil(len(images) / n_cols)
    height, width = image_shape
    grid = np.zeros((n_rows * (height + pad) - pad, n_cols * (width + pad) - pad))
    for i, image in enumerate(images):
        r, c = divmod(i, n_cols)
        grid[r * (height + pad): r * (height + pad) + height, c * (width + pad): c * (width + pad) + width] = image
    return grid


def plot_image_grid(images, image_shape, n_cols=None, *, ax=None, title=None):
    """Show :func:`image_grid` of ``images`` in grey levels on ``ax`` (a new figure if None).

    Returns
    -------
    ax : matplotlib.axes.Axes
    """
    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 6))
    ax.imshow(image_grid(images, image_shape, n_cols), cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax


def save_image_grid(images, image_shape, path, n_cols=None, *, title=None):
    """Write :func:`plot_image_grid` of ``images`` to ``path`` (PNG) and return the path."""
    plt = _pyplot()
    ax = plot_image_grid(images, image_shape, n_cols, title=title)
    ax.figure.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(ax.figure)
    return path
