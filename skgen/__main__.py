"""The ``skgen`` command line (``skgen ...`` or ``python -m skgen ...``).

``skgen demo`` runs the main job offline on scikit-learn's bundled digits;
``skgen study NAME`` runs one of the three studies; both run their independent fits on a
dask cluster with ``--scheduler``.
Errors a user can act on (missing data without a network, a bad option, an --out that
cannot be written or that another run is writing) end with exit status 2 and one line,
no traceback; options, ``--scheduler``'s form and ``--out`` are checked before any work
starts. Ctrl-C (SIGINT) and SIGTERM end a run with one line and exit status 130 or 143.

A run locks ``--out`` (creating it, as ``mkdir -p`` does, under the umask). The demo writes
into a hidden staging folder inside it, whose files are moved into ``--out`` only when it
succeeds, so a failed or interrupted demo leaves no half-written file and removes the
folders it created; if that move fails, the finished files stay in the staging folder,
which the error names. A study keeps each finished unit of work (a fitted model's rows, a
point of a curve) in ``--out``/partial-NAME/ as soon as it finishes, and writes its
figures, tables and report (each file whole) only when every unit has finished, then
removes that folder. A failed, interrupted or killed study leaves its finished units
there, and the line it ends with gives the command that continues it: the same command
with ``--resume``, which trains only what is missing. ``--resume`` with nothing to resume
or with other settings, and a run without it into an ``--out`` that holds finished units,
are refused before any work.
"""

import argparse
import fcntl
import importlib
import json
import os
import shlex
import shutil
import signal
import sys
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from skgen import __version__

EXIT_ERROR = 2
#: the signals that end a run cleanly, and the word for each; the exit status is 128 + the
#: signal's number, what shells report for a program it ended (130 for Ctrl-C, 143 for SIGTERM)
STOPPING_SIGNALS = {signal.SIGINT: "interrupted", signal.SIGTERM: "terminated"}
#: the lock file inside --out that a run holds while it writes there
LOCK_NAME = ".skgen-lock"
#: numpy's seeds, which every --random-state reaches
MAX_RANDOM_STATE = 2**32 - 1
#: how long --scheduler may take to answer before the run is refused
SCHEDULER_TIMEOUT_S = 10
#: the protocols of dask's communications, which a --scheduler address names first
SCHEDULER_PROTOCOLS = ("tcp", "tls", "ws", "wss", "ucx", "inproc")

STUDIES = {
    "alphadigits": ("skgen.studies.alphadigits", "run_alphadigits_study"),
    "pretraining": ("skgen.studies.pretraining", "run_pretraining_study"),
    "generative": ("skgen.studies.generative", "run_generative_study"),
}


def build_parser():
    parser = argparse.ArgumentParser(
        prog="skgen",
        description="Generative models (RBM, DBN, beta-VAE, GAN) as scikit-learn estimators.",
    )
    parser.add_argument("--version", action="version", version=f"skgen {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = commands.add_parser("demo", help="fit every model on scikit-learn's digits (offline, ~2 minutes)")
    demo.add_argument("--out", default="skgen-out", help="output folder (default: ./skgen-out)")
    demo.add_argument("--random-state", type=int, default=0, help=f"seed, in [0, {MAX_RANDOM_STATE}] (default: 0)")
    _add_scheduler(demo)

    study = commands.add_parser("study", help="run one of the three studies")
    study.add_argument("name", choices=sorted(STUDIES))
    study.add_argument("--profile", choices=["quick", "full"], default="quick")
    study.add_argument("--out", default=None, help="output folder (default: ./skgen-out/NAME)")
    study.add_argument("--data-home", default=None, help="data home (default: $SKGEN_DATA or ~/skgen_data)")
    study.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    study.add_argument("--n-jobs", type=int, default=None, help="parallel jobs for independent fits")
    _add_scheduler(study)
    study.add_argument("--random-state", type=int, default=0, help=f"seed, in [0, {MAX_RANDOM_STATE}] (default: 0)")
    study.add_argument("--models", nargs="+", default=None, metavar="MODEL",
                       help="study generative only: the models to run, each once (default: RBM DBN BetaVAE GAN); "
                            "the other models' rows are kept from an earlier run of the same profile in --out")
    study.add_argument("--resume", action="store_true",
                       help="continue the interrupted run in --out, with the same options: its finished units "
                            "(kept in --out/partial-NAME/) are not trained again")
    return parser


def _add_scheduler(command):
    command.add_argument("--scheduler", default=None, metavar="ADDRESS",
                         help="run the independent fits on this dask cluster, through joblib's dask backend: "
                              "its scheduler's address (tcp://host:8786, tls://host:8786) or the scheduler file "
                              "it wrote (dask scheduler --scheduler-file PATH); its workers must see --out")


def _check_device(device):
    """Refuse a device torch cannot parse or this machine does not have, before any work."""
    import torch

    try:
        parsed = torch.device(device)
    except (RuntimeError, ValueError):
        raise ValueError(f"--device must be cpu, cuda or cuda:N; got {device!r}.") from None
    if parsed.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"--device {device}: CUDA is not available to torch {torch.__version__} here; use cpu.")
        if parsed.index is not None and parsed.index >= torch.cuda.device_count():
            raise ValueError(f"--device {device}: this machine has {torch.cuda.device_count()} CUDA device(s).")
    elif parsed.type != "cpu":
        raise ValueError(f"--device must be cpu, cuda or cuda:N; got {device!r}.")


def _check_study_options(args):
    if args.models is not None:
        if args.name != "generative":
            raise ValueError(f"--models applies to the generative study only, not to {args.name}.")
        from skgen.studies.generative import check_models

        check_models(args.models)
    if args.n_jobs == 0:
        raise ValueError("--n-jobs must be a positive number of jobs, or negative to count back from all cores; got 0.")
    _check_device(args.device)


def _check_partial_run(args, out):
    """Refuse ``--resume`` with nothing to resume or with other settings, and a fresh run over
    finished units; where ``--models`` keeps an earlier run's rows, that run must be whole."""
    from skgen.studies._partial import check_fresh, check_resume

    module = importlib.import_module(STUDIES[args.name][0])
    options = {} if args.models is None else {"models": args.models}
    settings = module.resume_settings(args.profile, device=args.device, random_state=args.random_state, **options)
    if args.resume:
        check_resume(out, args.name, settings, option="--resume")
    else:
        check_fresh(out, args.name, option="--resume")
    if args.models is not None and (out / "generative_run.json").exists():
        module.read_run(out, {"profile": args.profile, "random_state": args.random_state}, name=f"--out {out}")


def _check_random_state(random_state):
    if not 0 <= random_state <= MAX_RANDOM_STATE:
        raise ValueError(f"--random-state must be an integer in [0, {MAX_RANDOM_STATE}]; got {random_state}.")


def _check_out(out):
    """Refuse an ``out`` that cannot become a writable folder, before any work.

    A dangling symbolic link (a folder not mounted yet) on the way, a file where a folder
    must be, or a folder this user cannot write would otherwise be found only when the
    finished run is published.
    """
    out = out.absolute()
    for path in (out, *out.parents):
        if path.is_symlink() and not path.exists():
            raise ValueError(f"--out {out}: {path} is a symbolic link to {os.readlink(path)}, which does not exist.")
    existing = next(path for path in (out, *out.parents) if path.exists())
    if not existing.is_dir():
        raise ValueError(f"--out {out}: {existing} is a file, not a folder.")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ValueError(f"--out {out} cannot be written: no write permission on {existing}.")


def _make_folders(out):
    """``mkdir -p out`` under the umask; return the folders it created, deepest first."""
    missing = [folder for folder in (out, *out.parents) if not folder.exists()]
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValueError(f"--out {out} cannot be written: {exc.strerror or exc}.") from None
    return missing


def _remove_if_empty(folders):
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            return  # not empty (or not ours any more): neither it nor its parents go


def _lock(out):
    """Hold ``out``'s lock file for this run; ValueError naming the process that holds it already.

    The kernel releases the lock of a process that dies, so a killed run does not block the
    next; :func:`_unlock` removes the file, and a run that opened it just before is sent
    round again to the new one.
    """
    path = out / LOCK_NAME
    while True:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(descriptor, 32).decode(errors="replace").strip() or "unknown"
            os.close(descriptor)
            raise ValueError(f"--out {out} is being written by another skgen run (process {holder}); "
                             "wait for it to end or choose another --out.") from None
        if _same_file(descriptor, path):
            break
        os.close(descriptor)
    os.ftruncate(descriptor, 0)
    os.write(descriptor, f"{os.getpid()}\n".encode())
    return descriptor


def _same_file(descriptor, path):
    try:
        return os.path.samestat(os.fstat(descriptor), os.stat(path))
    except FileNotFoundError:
        return False


def _unlock(out, descriptor):
    os.unlink(out / LOCK_NAME)  # before closing, so that no run takes a lock on a removed file
    os.close(descriptor)


class _PublishError(OSError):
    """The finished run's files could not all be moved into ``--out``; they wait in the staging folder."""


@contextmanager
def _locked(out):
    """Hold ``out``, created if needed, for this run; on the way out the lock goes, and so do
    the folders made for the run if nothing is left in them."""
    created = _make_folders(out)
    try:
        descriptor = _lock(out)
        try:
            yield out
        finally:
            _unlock(out, descriptor)
    finally:
        _remove_if_empty(created)


@contextmanager
def _run_folder(out):
    """Yield a staging folder inside ``out``, created if needed and locked for this run.

    On the way out the lock goes; after a failure or an interrupt before publishing, so do
    the staging folder and the folders made for the run. After a :class:`_PublishError`, the
    staging folder stays with the finished files in it.
    """
    with _locked(out):
        staging = Path(tempfile.mkdtemp(prefix=".skgen-partial-", dir=out))
        try:
            yield staging
        except _PublishError:
            raise
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise


def _publish(staging, out):
    """Move the finished run's files from ``staging`` into ``out``, each in one rename.

    What is in the way (a folder where a file goes) is found before the first move, so that
    nothing moves; any failure leaves the files not yet moved in ``staging`` and says so.
    """
    names = sorted(path.name for path in staging.iterdir())
    in_the_way = [name for name in names if (out / name).is_dir() and not (out / name).is_symlink()]
    if in_the_way:
        raise _PublishError(f"--out {out} holds folders named like the run's outputs ({', '.join(in_the_way)}); "
                           f"the finished run's files are kept in {staging}.")
    try:
        for name in names:
            os.replace(staging / name, out / name)
    except OSError as exc:
        raise _PublishError(f"moving the finished run's files into --out {out} failed ({exc.strerror or exc}); "
                           f"the files not yet moved are kept in {staging}.") from None
    staging.rmdir()


class _Stopped(BaseException):
    """A stopping signal (Ctrl-C, SIGTERM) during a run.

    Not a KeyboardInterrupt: skorch's fit catches that one and only stops training the
    current model, and the run would go on.
    """

    def __init__(self, signum):
        super().__init__(signum)
        self.signum = signum


def _raise_stopped(signum, frame):
    raise _Stopped(signum)


@contextmanager
def _stop_on_signals():
    """Make the stopping signals raise :class:`_Stopped`, restoring the handlers they replaced."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread
        return
    previous = {signum: signal.signal(signum, _raise_stopped) for signum in STOPPING_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _scheduler(value):
    """How to reach the dask scheduler ``--scheduler`` names: ``{"address": ...}`` or ``{"scheduler_file": ...}``.

    Its form is checked without connecting: dask takes a malformed address for a local
    cluster's or fails only after a minute, and then again while exiting.
    """
    expected = "a dask scheduler's address (tcp://host:8786, tls://host:8786) or the scheduler file it wrote"
    if not value.strip():
        raise ValueError(f"--scheduler must be {expected}; got an empty string.")
    protocol, separator, _ = value.partition("://")
    if separator:
        if protocol.lower() in ("http", "https"):
            raise ValueError(f"--scheduler {value}: an http address is a dask dashboard's, not its scheduler's; give "
                             "the scheduler's, tcp://host:8786 (port 8786 unless it chose another).")
        if protocol not in SCHEDULER_PROTOCOLS:
            raise ValueError(f"--scheduler {value}: {protocol!r} is not a protocol of dask's "
                             f"({', '.join(SCHEDULER_PROTOCOLS)}); give {expected}.")
        if protocol not in ("inproc", "ucx"):
            parts = urlsplit(value)
            try:
                parts.port
            except ValueError:
                raise ValueError(f"--scheduler {value}: the port must be a number in [1, 65535].") from None
            if not parts.hostname:
                raise ValueError(f"--scheduler {value}: no host; give {expected}.")
        return {"address": value}
    path = Path(value)
    if not path.is_file():
        raise ValueError(f"--scheduler {value}: neither an address with its protocol (tcp://{value}, say) nor an "
                         f"existing scheduler file; give {expected}.")
    try:
        address = json.loads(path.read_text()).get("address")
    except (OSError, ValueError, AttributeError):
        address = None
    if not isinstance(address, str):
        raise ValueError(f"--scheduler {value}: not a dask scheduler file (JSON naming the scheduler's address).")
    return {"scheduler_file": str(path)}


def _connect(scheduler):
    """A dask client of ``scheduler`` (see :func:`_scheduler`), connected before any work, or a ValueError."""
    try:
        from distributed import Client
    except ImportError:
        raise ValueError('--scheduler needs dask.distributed: pip install "skgen[dask]".') from None
    where = scheduler.get("address") or scheduler["scheduler_file"]
    try:
        return Client(**scheduler, timeout=SCHEDULER_TIMEOUT_S, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ValueError(f"--scheduler {where}: cannot reach the dask scheduler ({exc}).") from None


@contextmanager
def _on_cluster(client):
    """Run the joblib calls inside on ``client``'s cluster (all its workers' threads), if one is given."""
    if client is None:
        yield
        return
    import joblib

    with client, joblib.parallel_config(backend="dask", n_jobs=-1, client=client):
        yield


def _run_demo(args, out):
    from skgen.studies.demo import run_demo

    with _run_folder(out) as staging:
        table = run_demo(out=staging, random_state=args.random_state)
        _publish(staging, out)
    return table


def _run_study(args, out):
    """Run the study into ``out``: it keeps its finished units there, and writes its outputs when they are all done."""
    module, function = STUDIES[args.name]
    run = getattr(importlib.import_module(module), function)
    models = {} if args.models is None else {"models": args.models, "previous": _earlier_run(args)}
    with _locked(out):
        return run(
            profile=args.profile,
            out=out,
            data_home=args.data_home,
            device=args.device,
            n_jobs=args.n_jobs,
            random_state=args.random_state,
            resume=args.resume,
            **models,
        )


def _earlier_run(args):
    """``--out`` where it holds an earlier run of study 3 whose other models' rows a partial rerun keeps."""
    out = _output_folder(args)
    return out if (out / "generative_run.json").exists() else None


def _resume_command(args):
    """The command that continues the study run ``args`` describe."""
    words = ["skgen", "study", args.name, "--profile", args.profile, "--out", str(_output_folder(args))]
    for option, value, default in [("--data-home", args.data_home, None), ("--device", args.device, "cpu"),
                                   ("--n-jobs", args.n_jobs, None), ("--scheduler", args.scheduler, None)]:
        if value != default:
            words += [option, str(value)]
    words += ["--random-state", str(args.random_state)]
    if args.models is not None:
        words += ["--models", *args.models]
    return shlex.join([*words, "--resume"])


def _kept_units(args):
    """Where the study run ``args`` describe keeps its finished units, and how many there are; ``None`` if none."""
    if args.command != "study":
        return None
    from skgen.studies._partial import finished_units, partial_folder

    folder = partial_folder(_output_folder(args), args.name)
    units = finished_units(folder)
    return (folder, len(units)) if units else None


def _resume_advice(args):
    """What a stopped or failed study run left, and the command that continues it ("" if it left nothing)."""
    kept = _kept_units(args)
    if kept is None:
        return ""
    folder, count = kept
    return (f"{count} finished unit{'s' if count > 1 else ''} of the run {'are' if count > 1 else 'is'} kept in "
            f"{folder}; continue it with: {_resume_command(args)}")


def _output_folder(args):
    if args.out is not None:
        return Path(args.out)
    return Path("skgen-out" if args.command == "demo" else f"skgen-out/{args.name}")


def _error(message, advice=""):
    # The contract is one line: messages that list several causes are joined into it.
    message = " ".join(str(message).split())
    if advice:
        message = f"{message.rstrip('.')}; {advice}"
    print(f"skgen: error: {message}", file=sys.stderr)
    return EXIT_ERROR


def _checked_run(args):
    from skgen.datasets import DataFileError

    out = _output_folder(args)
    try:
        if args.command == "study":
            _check_study_options(args)
        _check_random_state(args.random_state)
        _check_out(out)
        if args.command == "study":
            _check_partial_run(args, out)
        scheduler = None if args.scheduler is None else _scheduler(args.scheduler)
        client = None if scheduler is None else _connect(scheduler)
    except ValueError as exc:
        return _error(exc)
    try:
        with _stop_on_signals(), _on_cluster(client):
            table = _run_demo(args, out) if args.command == "demo" else _run_study(args, out)
    except (DataFileError, ValueError, OSError) as exc:
        return _error(exc, _resume_advice(args))
    except Exception:
        advice = _resume_advice(args)  # a crash (a bug: its traceback follows) keeps the finished units too
        if advice:
            print(f"skgen: the run failed; {advice}", file=sys.stderr)
        raise
    print(table.to_string(index=False, na_rep=""))
    report = out / Path(table.attrs["report"]).name
    print(f"\nwrote the report {report} and its figures and table beside it")
    return 0


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return _checked_run(args)
    except KeyboardInterrupt:
        return _stopped(signal.SIGINT, args)
    except _Stopped as stop:
        return _stopped(stop.signum, args)


def _stopped(signum, args):
    advice = _resume_advice(args)
    print(f"skgen: {STOPPING_SIGNALS[signum]}; {advice or 'nothing was written'}", file=sys.stderr)
    return 128 + signum


if __name__ == "__main__":
    sys.exit(main())
