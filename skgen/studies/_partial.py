"""The finished units of a study's run, kept as they finish so that an interrupted run resumes.

A run of a study keeps each finished unit of work (a fitted model's rows and samples, or a
point of a curve) in the folder ``<out>/partial-<study>/`` as soon as the unit finishes::

    <out>/partial-<study>/
        settings.json        what the run computes: study, profile, seed, device, models...
        <unit>.joblib        one file per finished unit, written whole (to a temporary
                             file, then renamed) by the process that computed it

The folder survives an interrupt (Ctrl-C, SIGTERM), a crash or a kill. ``resume=True``
(``skgen study NAME ... --resume``) reads the finished units back and trains only the
others; since every unit is seeded from the run's seed alone, never from what ran before
it, the resumed run's table is the one an uninterrupted run makes. The run removes the
folder once its report is written. A run without ``resume`` refuses an ``out`` whose
partial folder holds finished units, rather than train them again over them.
"""

import json
import shutil
import signal
import threading
from contextlib import contextmanager
from pathlib import Path

import joblib

from skgen.studies._parallel import parallel_map
from skgen.studies._report import write_whole

SETTINGS = "settings.json"
UNIT_SUFFIX = ".joblib"


def partial_folder(out, study):
    """The folder inside ``out`` where a run of ``study`` keeps its finished units."""
    return Path(out) / f"partial-{study}"


def finished_units(folder):
    """The names of the finished units kept in ``folder`` (none if it does not exist)."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted(path.name[: -len(UNIT_SUFFIX)] for path in folder.glob(f"*{UNIT_SUFFIX}")
                  if not path.name.startswith("."))


def _normal(settings):
    """``settings`` as they read back from JSON (tuples become lists; what JSON cannot hold, its repr)."""
    return json.loads(json.dumps(settings, default=repr))


def _saved_settings(folder, option):
    try:
        settings = json.loads((folder / SETTINGS).read_text())
    except (FileNotFoundError, NotADirectoryError):
        return None
    except (OSError, ValueError) as exc:
        raise ValueError(f"{option}: cannot read the settings of the interrupted run, {folder / SETTINGS} ({exc}); "
                         f"remove {folder} to start afresh.") from None
    if not isinstance(settings, dict):
        raise ValueError(f"{option}: {folder / SETTINGS} holds no settings of a run; remove {folder} to start afresh.")
    return settings


def check_resume(out, study, settings, *, option="resume"):
    """Raise a ValueError unless ``out`` holds an interrupted run of ``study`` with ``settings``.

    Only the settings that change the results count; where the data come from, how many
    jobs run and on which cluster do not. The message starts with ``option``, the
    parameter or command-line option that asked to resume.
    """
    folder = partial_folder(out, study)
    saved = _saved_settings(folder, option)
    if saved is None:
        raise ValueError(f"{option}: {Path(out)} holds no interrupted run of the {study} study to resume "
                         f"(no {folder / SETTINGS}); run it without {option}.")
    settings = _normal(settings)
    differ = sorted(key for key in set(saved) | set(settings) if saved.get(key) != settings.get(key))
    if differ:
        earlier = ", ".join(f"{key}={saved.get(key)!r}" for key in differ)
        now = ", ".join(f"{key}={settings.get(key)!r}" for key in differ)
        raise ValueError(f"{option}: the interrupted run in {folder} used {earlier}, this one {now}; resume it with "
                         f"the same settings, or remove {folder} to start afresh.")


def check_fresh(out, study, *, option="resume=True"):
    """Raise a ValueError if ``out`` holds finished units of an interrupted run of ``study``.

    A fresh run would train them again and overwrite them; resuming (``option``) keeps them.
    """
    folder = partial_folder(out, study)
    units = finished_units(folder)
    if units:
        raise ValueError(f"{Path(out)} holds {len(units)} finished unit(s) of an interrupted run of the {study} "
                         f"study in {folder}; continue it with {option}, or remove that folder to "
                         "start afresh.")


def check_resume_flag(resume):
    if not isinstance(resume, bool):
        raise TypeError(f"resume must be True or False; got {resume!r}.")


def save_unit(folder, name, result):
    """Keep ``result``, the finished unit ``name``, in ``folder``."""
    write_whole(Path(folder) / f"{name}{UNIT_SUFFIX}", lambda path: joblib.dump(result, path))


def load_unit(folder, name):
    path = Path(folder) / f"{name}{UNIT_SUFFIX}"
    try:
        return joblib.load(path)
    except Exception as exc:  # noqa: BLE001 - any unreadable file gets the same advice
        raise ValueError(f"resume: cannot read the finished unit {path} ({type(exc).__name__}: {exc}); remove "
                         "it to train that unit again.") from None


def _finish_unit(folder, name, function, arguments):
    """Compute one unit of work and keep it as soon as it is done; runs where joblib sends it.

    A worker process gets the terminal's Ctrl-C too: there as well it must end the unit,
    not only the current fit, lest a half-trained model be kept as finished.
    """
    with _interrupts_end_the_run():
        result = function(*arguments)
    save_unit(folder, name, result)
    return result


class _Interrupted(BaseException):
    """Ctrl-C during a study's units: not a KeyboardInterrupt, which skorch's fit would take as
    "stop training this model" before the study kept the half-trained model as finished."""


def _raise_interrupted(signum, frame):
    raise _Interrupted


@contextmanager
def _interrupts_end_the_run():
    """Make Ctrl-C end the run (a KeyboardInterrupt out of this block), not only the current fit.

    Only where Python's own handler is in place: a program that set its own (skgen's
    command line does) keeps it.
    """
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler):
        yield
        return
    signal.signal(signal.SIGINT, _raise_interrupted)
    try:
        yield
    except _Interrupted:
        raise KeyboardInterrupt from None
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)


class PartialRun:
    """The finished units of one run of a study, in ``<out>/partial-<study>/``.

    Created before any work: it checks that a run with ``resume`` has an interrupted run of
    the same ``settings`` to continue, and that a run without it would overwrite no finished
    unit.

    Parameters
    ----------
    out : path-like
        The study's output folder.
    study : str
        The study's name.
    settings : dict
        What the run computes, as JSON; a resumed run must have the same.
    resume : bool
        Continue the interrupted run in ``out``.
    """

    def __init__(self, out, study, settings, resume):
        check_resume_flag(resume)
        self.folder = partial_folder(out, study)
        self.settings = _normal(settings)
        self.resume = resume
        if resume:
            check_resume(out, study, settings)
        else:
            check_fresh(out, study)

    def map(self, function, units, *, n_jobs, desc, unit):
        """``{name: function(*arguments)}`` for ``units``, a dict ``{name: arguments}``.

        Finished units are read back; the others are computed by :func:`parallel_map`, each
        kept as soon as it finishes. Results keep the order of ``units``.
        """
        self._open()
        done = set(finished_units(self.folder)) if self.resume else set()
        results = {name: load_unit(self.folder, name) for name in units if name in done}
        missing = [name for name in units if name not in done]
        try:
            with _interrupts_end_the_run():
                computed = parallel_map(_finish_unit, [(self.folder, name, function, units[name]) for name in missing],
                                        n_jobs=n_jobs, desc=desc, unit=unit, initial=len(results))
        except BaseException:
            self._discard_if_empty()
            raise
        results.update(zip(missing, computed))
        return {name: results[name] for name in units}

    def _open(self):
        self.folder.mkdir(parents=True, exist_ok=True)
        if not (self.folder / SETTINGS).exists() or not self.resume:
            write_whole(self.folder / SETTINGS, lambda path: path.write_text(json.dumps(self.settings, indent=1)))

    def _discard_if_empty(self):
        """A run stopped before its first unit finished leaves nothing to resume: no folder either."""
        if not finished_units(self.folder):
            shutil.rmtree(self.folder, ignore_errors=True)

    def remove(self):
        """The run is published: its finished units have served."""
        shutil.rmtree(self.folder, ignore_errors=True)
