"""How many CPU threads a fit runs torch's operations on: one, unless its products are large
and cores are free.

Two measurements decide it (``benchmarks/bench_threads.py``: plain training steps on 1 and 2
threads alternating in one process; ``benchmarks/RESULTS.md`` has the tables):

- **Work per step.** A minibatch step is a few matrix products and element-wise
  operations. Each one that torch parallelises opens an OpenMP parallel region that ends at
  a barrier. On 2 idle cores (load average 0.1-0.6) a second thread gained nothing (0.99-1.01x)
  for steps whose largest product is 0.5 M multiply-adds (the small GAN of
  ``benchmarks/bench_load.py``: 32 x 128 by 128 x 128) up to 3.2 M, and 1.23-1.59x from
  12.5 M on: 1.53x for 100 x 784 by 784 x 500 (39 M, an RBM's CD step), 1.59x for a
  784-2000-2000 network at batch 128 (512 M). Below :data:`PARALLEL_WORK` multiply-adds per
  step (batch rows x the largest layer's inputs x outputs) a fit runs on one thread.
- **Free cores.** libgomp's threads wait at a barrier by spinning, so when another program
  holds a core a fit's second thread keeps its own core busy waiting for a partner the
  scheduler has set aside, and each barrier lasts a time slice instead of microseconds.
  Beside other programs (load average 10 to 13 on the 2 cores) the same steps ran 1.3-100x
  slower on two threads than on one, the large ones included. The waiting policy cannot be
  changed once libgomp is loaded (``OMP_WAIT_POLICY`` is read when torch is imported, often
  before skgen), and a passive policy made small fits 3x slower even on idle cores. So a
  fit counts the cores that no other program's runnable task holds as it starts
  (:func:`free_cores`: the fewest runnable tasks in ``/proc/stat`` over a few milliseconds,
  less this process's own threads, which ignores a passing process and a library's workers
  spinning in this one; and the threads of the fits running in this process's other
  threads) and uses at most
  that many threads; its loop counts again between epochs (:func:`refresh_threads`), so
  that load arriving during a long fit costs it one epoch at most.

The count is also capped by the calling thread's ``torch.get_num_threads()``, so the user's
``torch.set_num_threads`` and ``OMP_NUM_THREADS`` are upper bounds; joblib's process
workers (``n_jobs`` in the studies and in scikit-learn's searches) start with
``OMP_NUM_THREADS`` set to their share of the cores (1 each with ``n_jobs`` equal to the
cores), so a fit inside one never oversubscribes, and fits in threads see one another.

The rounding of a parallel reduction depends on how it is split: a fit's numbers are
identical run to run at the same thread count, and differ in the last float32 bits between
one thread and several. Where bit-identical results matter whatever the machine's load, set
``torch.set_num_threads(1)``.
"""

import os
import threading
import time
from contextlib import contextmanager

import torch

#: Multiply-adds per minibatch step (batch rows x the largest layer's inputs x outputs)
#: from which a fit uses more than one thread where cores are free.
PARALLEL_WORK = 8_000_000

_lock = threading.Lock()
_local = threading.local()
_held = {}  # torch threads of the fit running in each OS thread (by thread id), outermost fits only
_count_outside_fits = None


def choose_threads(work_per_step, free_cores, cap):
    """The number of torch threads for a fit: one for small steps, else the free cores up to ``cap``.

    Parameters
    ----------
    work_per_step : int
        Multiply-adds of the largest product in one step: batch rows x the largest layer's
        inputs x outputs.
    free_cores : int
        Cores that no other runnable task holds (see :func:`free_cores`).
    cap : int
        The most threads the caller allows (its ``torch.get_num_threads()``).

    Returns
    -------
    n_threads : int
        At least 1.

    Examples
    --------
    >>> from skgen._core.threads import choose_threads
    >>> choose_threads(32 * 128 * 128, free_cores=16, cap=16)   # a small GAN's step
    1
    >>> choose_threads(100 * 784 * 500, free_cores=16, cap=16)  # an RBM's CD step
    16
    >>> choose_threads(100 * 784 * 500, free_cores=16, cap=4)   # torch.set_num_threads(4)
    4
    >>> choose_threads(100 * 784 * 500, free_cores=1, cap=16)   # beside busy programs
    1
    """
    if work_per_step < PARALLEL_WORK:
        return 1
    return max(1, min(cap, free_cores))


def free_cores(other_fit_threads=0, samples=3, interval=0.005):
    """Cores of this process's CPU set that no other program's runnable task holds now.

    Reads the number of runnable tasks (``procs_running`` of ``/proc/stat``) less this
    process's own runnable threads ``samples`` times, ``interval`` seconds apart, and keeps
    the fewest: a program that keeps a core busy is runnable in every sample, a passing one
    is not. This process's threads do not count, so that a library's workers spinning
    after their last task (OpenBLAS's after a scikit-learn fit) do not send the fit to one
    thread.
    ``other_fit_threads``, the torch threads of the fits running in this process's other
    threads, count as busy even while they wait for Python's lock: being this process's
    own, they are not among the runnable tasks counted. Where ``/proc/stat`` is missing (macOS), the
    1-minute load average stands in for the runnable tasks.

    Examples
    --------
    >>> import os
    >>> from skgen._core.threads import free_cores
    >>> 0 <= free_cores() <= len(os.sched_getaffinity(0))
    True
    """
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    others = []
    for sample in range(samples):
        if sample:
            time.sleep(interval)
        others.append(max(0, _runnable_tasks() - _own_runnable_threads()))
    busy = max(min(others), other_fit_threads)
    return max(0, cores - busy)


def _own_runnable_threads():
    """Threads of this process running or ready to run now, the caller included (1 where ``/proc`` is missing).

    A library's worker threads in this process wait for their next task by spinning for a
    while (OpenBLAS's after a scikit-learn fit, torch's after a parallel region): they are
    runnable, but they are no other program's, and the fit's own threads will take over
    their cores.
    """
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return 1
    running = 0
    for task in tasks:
        try:
            with open(f"/proc/self/task/{task}/stat") as stat:
                running += stat.read().rpartition(")")[2].split()[0] == "R"
        except (OSError, IndexError):
            continue
    return max(1, running)


def _runnable_tasks():
    """Tasks running or ready to run on the machine now, the caller included."""
    try:
        with open("/proc/stat") as stat:
            for line in stat:
                if line.startswith("procs_running"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 1 + int(os.getloadavg()[0]) if hasattr(os, "getloadavg") else 1


def _fits_here():
    """``[(work_per_step, cap)]`` of the fits running in the calling thread, innermost last."""
    if not hasattr(_local, "fits"):
        _local.fits = []
    return _local.fits


def refresh_threads():
    """Choose again the thread count of the innermost fit running in this thread, for the load now.

    A fit's loop calls it between epochs, so that a long fit started on idle cores gives
    them up when other programs arrive, and takes them back when they leave. Outside a fit
    it does nothing.

    Examples
    --------
    >>> import torch
    >>> from skgen._core.threads import fit_threads, refresh_threads
    >>> with fit_threads(32 * 128 * 128):
    ...     refresh_threads()
    ...     torch.get_num_threads()
    1
    """
    if not _fits_here():
        return
    work_per_step, cap = _fits_here()[-1]
    me = threading.get_ident()
    with _lock:
        held_by_others = sum(n for thread, n in _held.items() if thread != me)
    free = free_cores(held_by_others) if work_per_step >= PARALLEL_WORK and cap > 1 else 1
    n_threads = choose_threads(work_per_step, free, cap)
    torch.set_num_threads(n_threads)
    with _lock:
        _held[me] = n_threads


@contextmanager
def fit_threads(work_per_step=0):
    """Run the enclosed fit on the threads :func:`choose_threads` gives, restoring the count after.

    torch's thread count belongs to each OS thread, so each fit restores the count of the
    thread it ran in, also after an error. One subtlety: torch gives a thread that has not
    yet used a thread count the one last set in any thread, which while fits overlap is a
    fit's, so a thread whose fit starts while fits run in other threads gets back the count
    found by the first of the overlapping fits. A nested fit (a DBN fitting its RBMs) is
    capped by the count of the fit around it. The fit's loop calls :func:`refresh_threads`
    between epochs.

    Parameters
    ----------
    work_per_step : int, default=0
        Multiply-adds of the largest product in one step (batch rows x the largest layer's
        inputs x outputs); the default runs the fit on one thread.

    Examples
    --------
    >>> import torch
    >>> from skgen._core.threads import fit_threads
    >>> before = torch.get_num_threads()
    >>> with fit_threads(32 * 128 * 128):
    ...     torch.get_num_threads()
    1
    >>> torch.get_num_threads() == before
    True
    """
    global _count_outside_fits
    me = threading.get_ident()
    depth = len(_fits_here())
    cap = restore = torch.get_num_threads()
    with _lock:
        if depth == 0:
            if not _held:
                _count_outside_fits = restore
            else:
                restore = _count_outside_fits
            _held[me] = 1
    _fits_here().append((work_per_step, cap))
    try:
        refresh_threads()
        yield
    finally:
        torch.set_num_threads(restore)
        _fits_here().pop()
        with _lock:
            if depth == 0:
                del _held[me]
            else:
                _held[me] = restore
