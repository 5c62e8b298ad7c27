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


def plot_sampling_convergence(table, *, axes=None, title=None):
    """Draw the FID and the rarest class's share against the sweeps of each sampler.

    Parameters
    ----------
    table : pandas.DataFrame
        The result of :func:`skgen.metrics.sampling_convergence` (columns ``sampler``,
        ``n_steps``, ``fid`` and ``min_class_pct``).
    axes : pair of matplotlib.axes.Axes, default=None
        Where to draw the FID and the share; a new figure of two panels if None.
    title : str, default=None
        The figure's title.

    Returns
    -------
    axes : ndarray of two matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> from skgen.plotting import plot_sampling_convergence
    >>> table = pd.DataFrame({"sampler": ["gibbs", "gibbs"], "n_steps": [10, 100], "fid": [80.0, 60.0],
    ...                       "min_class_pct": [2.0, 6.0]})
    >>> plot_sampling_convergence(table).shape
    (2,)
    """
    plt = _pyplot()
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    for sampler, rows in table.groupby("sampler", sort=False):
        rows = rows.sort_values("n_steps")
        axes[0].plot(rows["n_steps"], rows["fid"], marker="o", label=sampler)
        axes[1].plot(rows["n_steps"], rows["min_class_pct"], marker="o", label=sampler)
    for ax, label in zip(axes, ("FID (lower is better)", "rarest class (% of samples)")):
        ax.set_xscale("log")
        ax.set_xlabel("sweeps from the start")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    axes[1].legend(title="sampler")
    if title:
        axes[0].figure.suptitle(title)
    return np.asarray(axes)
