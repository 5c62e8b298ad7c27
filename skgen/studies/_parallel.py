"""Running a study's independent fits in parallel, with a progress bar of finished work."""

from joblib import Parallel, delayed
from tqdm.auto import tqdm


def parallel_map(function, tasks, *, n_jobs, desc, unit, initial=0):
    """``[function(*task) for task in tasks]``, computed by joblib with ``n_jobs`` workers.

    The progress bar counts finished tasks (not tasks handed to a worker), so its rate and
    time left are those of the work itself; ``initial`` tasks finished earlier (by the run
    that a resumed run continues) start it. Results keep the order of ``tasks``.
    """
    tasks = list(tasks)
    results = Parallel(n_jobs=n_jobs, return_as="generator")(delayed(function)(*task) for task in tasks)
    return list(tqdm(results, total=initial + len(tasks), initial=initial, desc=desc, unit=unit))
