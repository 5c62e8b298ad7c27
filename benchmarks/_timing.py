"""Timing shared by the speed benchmarks: variants alternate in one process, medians."""

import statistics
import time


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
