"""Training in epochs that survives an interrupt: the model is kept after each epoch and resumed from there."""

import time
from pathlib import Path

import joblib


def train_in_epochs(make_model, X, epochs, lr, checkpoint=None, resume=False, decay_epochs=None, end_factor=0.0):
    """``make_model()`` trained on ``X`` for ``epochs`` epochs of ``partial_fit``, the learning rate decaying
    linearly from ``lr`` to ``end_factor * lr`` over ``decay_epochs`` (all by default) and staying there:
    the schedule of ``LinearLR(start_factor=1, end_factor=end_factor, total_iters=decay_epochs)`` stepped
    once per epoch.

    After each epoch the model goes to ``checkpoint`` (joblib), so that a run stopped at any
    point continues, with ``resume``, from its last finished epoch.
    """
    if resume and checkpoint and Path(checkpoint).exists():
        model = joblib.load(checkpoint)
        print(f"resumed after epoch {len(model.history_)}", flush=True)
    else:
        model = make_model()
    while len(getattr(model, "history_", [])) < epochs:
        done = len(getattr(model, "history_", []))
        progress = min(done, decay_epochs or epochs) / (decay_epochs or epochs)
        model.set_params(lr=lr * (1 + (end_factor - 1) * progress))
        began = time.perf_counter()
        model.partial_fit(X)
        print(f"epoch {done + 1}: {time.perf_counter() - began:.0f} s, "
              f"reconstruction error {model.history_[-1]['reconstruction_error']:.4f}", flush=True)
        if checkpoint:
            joblib.dump(model, checkpoint)
    return model
