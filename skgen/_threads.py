"""How many CPU threads a fit runs torch's operations on: one.

skgen's estimators train multilayer perceptrons on minibatches, so every step is many small
operations (a 32 x 128 by 128 x 128 product, an Adam update of a 16,384-value weight). With
torch's default of one thread per core, each of them that torch or MKL parallelises opens an
OpenMP parallel region and ends at a barrier. libgomp's threads wait at that barrier by
spinning (its default ``OMP_WAIT_POLICY``), which costs little on an idle machine, but when
another program holds a core the spinning thread keeps its core busy waiting for a partner
that the scheduler has set aside: each barrier then lasts a scheduler time slice instead of
microseconds. On 2 cores beside two busy processes (``benchmarks/bench_load.py``, machine
load average 5-9), a 6-epoch GAN and BetaVAE on scikit-learn's digits took 133 s and 101 s
with torch's two threads, 7.1 s and 5.6 s with one. On an idle machine the two take about
the same time: a small minibatch's operations gain little from a second core.

The waiting policy cannot be changed once libgomp is loaded (it reads ``OMP_WAIT_POLICY``
and ``GOMP_SPINCOUNT`` when torch is imported, often before skgen), so skgen removes the
barriers instead: a fit runs its operations on one thread, and parallelism comes from
running independent fits side by side (``n_jobs`` of the studies and of scikit-learn's
searches), which scales without barriers. One thread also makes a fit's numbers independent
of the machine's core count, since the rounding of a multithreaded reduction depends on how
it is split.
"""

import threading
from contextlib import contextmanager

import torch

#: Intra-op threads torch uses while an estimator fits.
FIT_THREADS = 1

_lock = threading.Lock()
_active_fits = 0
_threads_before = None


@contextmanager
def fit_threads():
    """Run the enclosed fit with torch limited to :data:`FIT_THREADS` intra-op threads.

    The limit is process-wide (torch has one thread pool), so it is counted: the first fit
    to enter sets it, the last to leave restores the count found on entry, and fits run
    concurrently in Python threads (joblib's threading backend) never restore it under
    one another. Nested fits (a DBN fitting its RBMs) simply count twice.

    Examples
    --------
    >>> import torch
    >>> from skgen._threads import fit_threads
    >>> before = torch.get_num_threads()
    >>> with fit_threads():
    ...     torch.get_num_threads()
    1
    >>> torch.get_num_threads() == before
    True
    """
    global _active_fits, _threads_before
    with _lock:
        if _active_fits == 0:
            _threads_before = torch.get_num_threads()
            torch.set_num_threads(FIT_THREADS)
        _active_fits += 1
    try:
        yield
    finally:
        with _lock:
            _active_fits -= 1
            if _active_fits == 0:
                torch.set_num_threads(_threads_before)
