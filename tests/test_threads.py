"""skgen._threads: fits run torch on one thread and give the count back when the last one ends."""

import threading

import pytest
import torch

from skgen._threads import fit_threads


@pytest.fixture
def two_threads():
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)


def test_fit_runs_on_one_thread_and_restores_the_count(two_threads):
    with fit_threads():
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == 2


def test_count_is_restored_after_a_failed_fit(two_threads):
    with pytest.raises(ValueError), fit_threads():
        raise ValueError("diverged")
    assert torch.get_num_threads() == 2


def test_nested_fits_restore_only_when_the_outer_one_ends(two_threads):
    with fit_threads():
        with fit_threads():
            pass
        assert torch.get_num_threads() == 1  # a DBN still fitting after one of its RBMs
    assert torch.get_num_threads() == 2


def test_overlapping_fits_in_threads_restore_once_both_end(two_threads):
    first_in, second_done = threading.Event(), threading.Event()
    seen = {}

    def first():
        with fit_threads():
            first_in.set()
            second_done.wait(10)
            seen["first, after the second ended"] = torch.get_num_threads()

    def second():
        first_in.wait(10)
        with fit_threads():
            pass
        second_done.set()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == {"first, after the second ended": 1}
    assert torch.get_num_threads() == 2
