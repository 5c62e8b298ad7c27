"""
=====================================================================
A grid search on a dask cluster
=====================================================================

scikit-learn's searches run their fits through joblib, and joblib's ``"dask"`` backend
sends them to a dask cluster instead of local processes. Nothing in the search changes:
only the ``with parallel_backend("dask")`` block around ``fit``.

Here the cluster is a :class:`dask.distributed.LocalCluster` of two worker threads in
this process (``processes=False``), which is enough to show the mechanics on a laptop;
to use a real cluster, connect the :class:`~dask.distributed.Client` to its scheduler
instead, e.g. ``Client("tcp://scheduler:8786")``. The search tunes an
:class:`skgen.RBM` by held-out log-likelihood: without a scorer, ``GridSearchCV`` uses
the estimator's ``score``, the mean ``log p(x)`` in nats, exact here because the
models have at most 16 hidden units.
"""

# %%
# Start a cluster and search
# --------------------------
import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from dask.distributed import Client, LocalCluster
from joblib import parallel_backend
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV

from skgen import RBM

X, _ = load_digits(return_X_y=True)
X = (X > 7).astype(np.float32)

rbm = RBM(n_components=8, cd_steps=1, lr=0.05, max_epochs=10, batch_size=20, optimizer=torch.optim.SGD,
          random_state=0)
search = GridSearchCV(rbm, {"n_components": [4, 8, 16], "cd_steps": [1, 5]}, cv=3, n_jobs=-1)

with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster, \
        Client(cluster) as client:
    print(client)
    start = time.perf_counter()
    with parallel_backend("dask"):
        search.fit(X)
    print(f"{len(search.cv_results_['params']) * 3} fits on the cluster in {time.perf_counter() - start:.1f} s")

results = pd.DataFrame(search.cv_results_)
print(results[["param_n_components", "param_cd_steps", "mean_test_score", "std_test_score"]])
print("best:", search.best_params_)

# %%
# Held-out log-likelihood of each candidate
# -----------------------------------------
# More hidden units fit the digits better; at this training length, longer negative
# chains (CD-5) add little.
fig, ax = plt.subplots(figsize=(6, 3.6))
for cd_steps, rows in results.groupby("param_cd_steps"):
    ax.errorbar(rows["param_n_components"].astype(int), rows["mean_test_score"], yerr=rows["std_test_score"],
                fmt="o-", capsize=3, label=f"CD-{cd_steps}")
ax.set_xscale("log", base=2)
ax.set_xlabel("hidden units")
ax.set_ylabel("held-out log-likelihood (nats)")
ax.legend()
fig.tight_layout()
plt.show()
