"""Timing shared by the benchmarks: variants alternate in one process (medians); trainings on a budget."""

import math
import statistics
import time

from skorch.callbacks import Callback


def time_alternating(variants, rounds):
    """Run the variants in turn ``rounds`` times, after one untimed warm-up round (imports, allocator).

    Returns the median wall-clock and process CPU seconds of each.
    """
    for run in variants.values():
        run()
    times = {clock: {name: [] for name in variants} for clock in ("wall", "cpu")}
    for _ in range(rounds):
        for name, run in variants.items():
            wall, cpu = time.perf_counter(), time.process_time()
            run()
            times["wall"][name].append(time.perf_counter() - wall)
            times["cpu"][name].append(time.process_time() - cpu)
    for clock, by_name in times.items():
        for name, t in by_name.items():
            print(f"{name}: median {statistics.median(t):.3f} s/epoch {clock} ({', '.join(f'{s:.2f}' for s in t)})")
    return {clock: {name: statistics.median(t) for name, t in by_name.items()} for clock, by_name in times.items()}


class WallClockBudget(Callback):
    """A skorch callback: stop training once ``minutes`` have passed (checked after each epoch).

    With ``final_lr_fraction``, the learning rate also decays along a cosine of the elapsed
    share of the budget, from its initial value down to that fraction of it.
    """

    def __init__(self, minutes, final_lr_fraction=None):
        self.minutes = minutes
        self.final_lr_fraction = final_lr_fraction

    def on_train_begin(self, net, **kwargs):
        self.start_ = time.perf_counter()
        self.initial_lrs_ = [group["lr"] for group in net.optimizer_.param_groups]

    def on_epoch_end(self, net, **kwargs):
        elapsed = (time.perf_counter() - self.start_) / (60 * self.minutes)
        if elapsed >= 1:
            raise KeyboardInterrupt  # skorch ends fit cleanly on it (and EarlyStopping restores the best weights)
        if self.final_lr_fraction is not None:
            floor = self.final_lr_fraction
            scale = floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * elapsed))
            for group, lr in zip(net.optimizer_.param_groups, self.initial_lrs_):
                group["lr"] = lr * scale
