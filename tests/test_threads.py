"""skgen._core.threads: one thread for small steps, free cores for large ones, every thread's count restored."""

import hashlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import torch
from sklearn.datasets import load_digits

from skgen import DNNClassifier
from skgen._core import threads as _threads
from skgen._core.threads import PARALLEL_WORK, choose_threads, fit_threads, free_cores
from skgen.nets import template as nets_template

LARGE = 100 * 784 * 500  # an RBM's CD step on MNIST
SMALL = 32 * 128 * 128  # the small GAN's step


@pytest.fixture
def two_threads():
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def cores_free(monkeypatch):
    """Pretend ``n`` cores are free, whatever the machine's load; records the other fits' threads each call saw."""
    seen = []

    def pretend(n):
        def free(other_fit_threads=0, **kwargs):
            seen.append(other_fit_threads)
            return max(0, n - other_fit_threads)
        monkeypatch.setattr(_threads, "free_cores", free)
        return seen

    return pretend


@pytest.mark.parametrize(("work", "free", "cap", "expected"), [
    (SMALL, 16, 16, 1),
    (PARALLEL_WORK - 1, 16, 16, 1),
    (PARALLEL_WORK, 16, 16, 16),
    (LARGE, 16, 4, 4),
    (LARGE, 3, 16, 3),
    (LARGE, 1, 16, 1),
    (LARGE, 0, 16, 1),
])
def test_small_steps_get_one_thread_large_ones_the_free_cores_up_to_the_cap(work, free, cap, expected):
    assert choose_threads(work, free, cap) == expected


def test_free_cores_counts_busy_tasks_and_other_fits(monkeypatch):
    monkeypatch.setattr(_threads.os, "sched_getaffinity", lambda pid: set(range(8)))
    monkeypatch.setattr(_threads, "_own_runnable_threads", lambda: 1)  # the test's thread alone
    runnable = iter([5, 3, 4])  # a passing task in two samples: 2 other tasks hold cores throughout
    monkeypatch.setattr(_threads, "_runnable_tasks", lambda: next(runnable))
    assert free_cores(samples=3, interval=0) == 6
    monkeypatch.setattr(_threads, "_runnable_tasks", lambda: 1)
    assert free_cores(other_fit_threads=3, samples=2, interval=0) == 5
    monkeypatch.setattr(_threads, "_runnable_tasks", lambda: 20)
    assert free_cores(samples=1) == 0


def test_this_processs_own_runnable_threads_are_not_counted_as_busy_cores(monkeypatch):
    monkeypatch.setattr(_threads.os, "sched_getaffinity", lambda pid: set(range(8)))
    monkeypatch.setattr(_threads, "_runnable_tasks", lambda: 5)  # this process's 3 threads and 2 other tasks
    monkeypatch.setattr(_threads, "_own_runnable_threads", lambda: 3)
    assert free_cores(samples=2, interval=0) == 6


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="needs Linux's /proc")
def test_a_busy_thread_of_this_process_is_seen_as_its_own():
    stop = threading.Event()

    def hash_until_stopped():  # hashlib releases the GIL on large inputs: the thread stays runnable
        while not stop.is_set():
            hashlib.sha256(bytes(10_000_000)).digest()

    worker = threading.Thread(target=hash_until_stopped)
    worker.start()
    try:
        seen = max(_threads._own_runnable_threads() for _ in range(50))
    finally:
        stop.set()
        worker.join()
    assert seen >= 2


def test_a_small_fit_runs_on_one_thread_and_restores_the_count(two_threads):
    with fit_threads(SMALL):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == 2


def test_a_fit_that_does_not_say_its_work_runs_on_one_thread(two_threads, cores_free):
    cores_free(2)
    with fit_threads():
        assert torch.get_num_threads() == 1


def test_a_large_fit_uses_the_free_cores_within_the_users_cap(two_threads, cores_free):
    cores_free(8)
    with fit_threads(LARGE):
        assert torch.get_num_threads() == 2  # torch.set_num_threads(2) is the cap
    torch.set_num_threads(1)
    with fit_threads(LARGE):
        assert torch.get_num_threads() == 1
    cores_free(1)
    torch.set_num_threads(2)
    with fit_threads(LARGE):
        assert torch.get_num_threads() == 1  # the other core is busy


def test_count_is_restored_after_a_failed_fit(two_threads):
    with pytest.raises(ValueError), fit_threads(SMALL):
        raise ValueError("diverged")
    assert torch.get_num_threads() == 2


def test_a_nested_fit_is_capped_by_the_fit_around_it(two_threads, cores_free):
    cores_free(8)
    with fit_threads(SMALL):
        with fit_threads(LARGE):
            assert torch.get_num_threads() == 1  # an RBM inside a DBN's one-thread step
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == 2


def test_the_threads_of_fits_in_other_threads_count_as_busy_cores(two_threads, cores_free):
    seen = cores_free(8)
    first_in, second_done = threading.Event(), threading.Event()

    def first():
        with fit_threads(LARGE):
            first_in.set()
            second_done.wait(10)

    thread = threading.Thread(target=first)
    thread.start()
    first_in.wait(10)
    with fit_threads(LARGE):
        pass
    second_done.set()
    thread.join()
    assert seen == [0, 2]  # the first fit took 2 threads: its own, so not among the runnable tasks counted


def test_main_thread_gets_its_count_back_when_a_worker_fit_overlaps_and_ends_last(two_threads):
    """issue 23: the main thread was left at 1 thread for good."""
    main_in, main_out = threading.Event(), threading.Event()
    worker_in = threading.Event()
    after = {}

    def worker():
        main_in.wait(10)
        with fit_threads(SMALL):
            worker_in.set()
            main_out.wait(10)
        after["worker"] = torch.get_num_threads()

    thread = threading.Thread(target=worker)
    thread.start()
    with fit_threads(SMALL):
        main_in.set()
        worker_in.wait(10)
    main_out.set()
    thread.join()
    assert after == {"worker": 2}
    assert torch.get_num_threads() == 2


def test_every_pool_thread_gets_its_count_back_after_overlapping_fits(two_threads):
    """issue 23: four fits in a ThreadPoolExecutor(2) left the workers at 2 and 1."""
    overlap = threading.Barrier(2, timeout=10)

    def fit(_):
        with fit_threads(SMALL):
            overlap.wait()
        overlap.wait()  # both pool threads have left their fit before either reports
        return threading.get_ident(), torch.get_num_threads()

    with ThreadPoolExecutor(2) as pool:
        counts = dict(pool.map(fit, range(4)))
    assert sorted(counts.values()) == [2, 2]
    assert torch.get_num_threads() == 2


def test_refreshing_follows_the_load_within_a_fit(two_threads, cores_free):
    cores_free(8)
    with fit_threads(LARGE):
        assert torch.get_num_threads() == 2
        cores_free(1)  # another program arrived
        _threads.refresh_threads()
        assert torch.get_num_threads() == 1
        cores_free(8)
        _threads.refresh_threads()
        assert torch.get_num_threads() == 2
    assert torch.get_num_threads() == 2


def test_refreshing_outside_a_fit_changes_nothing(two_threads, cores_free):
    cores_free(1)
    _threads.refresh_threads()
    assert torch.get_num_threads() == 2


def test_skorch_fits_refresh_their_threads_before_each_epoch(monkeypatch):
    calls = []
    monkeypatch.setattr(nets_template, "refresh_threads", lambda: calls.append(torch.get_num_threads()))
    X, y = load_digits(return_X_y=True)
    DNNClassifier(hidden_layer_sizes=(8,), max_epochs=3, early_stopping=False, random_state=0).fit(X[:100] / 16, y[:100])
    assert len(calls) == 3


def test_a_large_dbm_pretrains_infers_anneals_and_samples_on_the_free_cores(two_threads, cores_free, monkeypatch):
    from skgen import DBM
    from skgen.energy import dbm_machine, template

    cores_free(8)
    seen = {}

    def recording(name, function):
        def record(*args, **kwargs):
            seen.setdefault(name, set()).add(torch.get_num_threads())
            return function(*args, **kwargs)
        return record

    monkeypatch.setattr(template, "refresh_threads", recording("epoch", lambda: None))
    machine = dbm_machine.DeepBoltzmannMachine
    monkeypatch.setattr(machine, "mean_field", recording("mean field", machine.mean_field))
    monkeypatch.setattr(machine, "gibbs_sweep", recording("gibbs", machine.gibbs_sweep))
    monkeypatch.setattr(template, "ais_log_partition", recording("ais", template.ais_log_partition))
    X = (load_digits().data[:200] > 7).astype("float32")
    # 100 rows x 700 x 200 multiply-adds per product, and 100 x 128 x 700 in the bottom RBM (two copies of the pixels)
    dbm = DBM(hidden_layer_sizes=(700, 200), pretrain_epochs=1, max_epochs=1, n_chains=100, random_state=0).fit(X)
    dbm.transform(X[:100])
    dbm.log_partition("ais", ais_betas=3, ais_chains=100)
    dbm.sample(100, n_steps=1, random_state=0)
    assert seen == {"epoch": {2}, "mean field": {2}, "gibbs": {2}, "ais": {2}}
