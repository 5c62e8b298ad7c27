"""What a second thread buys a training step, by the size of its products: the threshold of skgen's policy.

Plain PyTorch steps (forward, backward, Adam) of a sigmoid network ``n_in``-``width``-
``width``-10 at several batch sizes, 20 steps per timing, on ``1`` and on ``--threads``
torch threads alternating in one process; medians of ``--rounds``. The work of a step is
batch rows x the largest layer's inputs x outputs (multiply-adds), the quantity
:data:`skgen._core.threads.PARALLEL_WORK` is compared with. With ``--busy N`` the same runs go
beside N pure-Python busy loops. The load average is printed before and after.

    python benchmarks/bench_threads.py --rounds 5
    python benchmarks/bench_threads.py --rounds 5 --busy 2
"""

import argparse
import os
import statistics
import subprocess
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn

from _output import report

#: (inputs, width, batch): from the small GAN of bench_load (0.5 M) to a 784-2000-2000 network (512 M)
SHAPES = [(64, 128, 32), (64, 200, 32), (784, 128, 32), (784, 256, 64), (784, 500, 32), (784, 500, 100),
          (784, 1000, 100), (784, 2000, 128)]
STEPS = 20


def steps(n_in, width, batch):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(n_in, width), nn.Sigmoid(), nn.Linear(width, width), nn.Sigmoid(),
                          nn.Linear(width, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    X, y = torch.rand(batch * STEPS, n_in), torch.randint(0, 10, (batch * STEPS,))

    def run():
        for rows in torch.arange(len(X)).split(batch):
            optimizer.zero_grad()
            F.cross_entropy(model(X[rows]), y[rows]).backward()
            optimizer.step()
    return run


def time_shape(run, thread_counts, rounds):
    seconds = {n: [] for n in thread_counts}
    for n in thread_counts:  # warm-up
        torch.set_num_threads(n)
        run()
    for _ in range(rounds):
        for n in thread_counts:
            torch.set_num_threads(n)
            start = time.perf_counter()
            run()
            seconds[n].append(time.perf_counter() - start)
    return {n: statistics.median(s) / STEPS for n, s in seconds.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--busy", type=int, default=0, help="busy processes beside the steps")
    parser.add_argument("--out")
    args = parser.parse_args()
    loops = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(args.busy)]
    try:
        time.sleep(1 if loops else 0)
        load_before = os.getloadavg()[0]
        rows = []
        for n_in, width, batch in SHAPES:
            step = time_shape(steps(n_in, width, batch), (1, args.threads), args.rounds)
            row = {"shape": f"{n_in}-{width}-{width}-10, batch {batch}",
                   "work_per_step": batch * max(n_in * width, width * width),
                   "ms_per_step_1_thread": round(1e3 * step[1], 2),
                   f"ms_per_step_{args.threads}_threads": round(1e3 * step[args.threads], 2),
                   "speedup": round(step[1] / step[args.threads], 2)}
            print(row, flush=True)
            rows.append(row)
    finally:
        for loop in loops:
            loop.kill()
            loop.wait()
    report({"busy_processes": args.busy, "threads": args.threads, "rounds": args.rounds,
            "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)], "steps": rows}, args.out)


if __name__ == "__main__":
    main()
