"""The ``skgen`` command line (``skgen ...`` or ``python -m skgen ...``).

``skgen demo`` runs the main job offline on scikit-learn's bundled digits;
``skgen study NAME`` runs one of the three studies. Errors a user can act on (missing
data without a network, a bad option, an --out that cannot be written) end with exit
status 2 and one line, no traceback; options are checked before any work starts. Ctrl-C
ends with one line and exit status 130. A run writes into a hidden folder beside ``--out``
and moves its files there only when it succeeds, so a failed or interrupted run leaves no
half-written file and creates no folder.
"""

import argparse
import importlib
import os
import shutil
import signal
import sys
import tempfile
import threading
from pathlib import Path

from skgen import __version__

EXIT_ERROR = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for a program ended by Ctrl-C

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
    demo.add_argument("--random-state", type=int, default=0)

    study = commands.add_parser("study", help="run one of the three studies")
    study.add_argument("name", choices=sorted(STUDIES))
    study.add_argument("--profile", choices=["quick", "full"], default="quick")
    study.add_argument("--out", default=None, help="output folder (default: ./skgen-out/NAME)")
    study.add_argument("--data-home", default=None, help="data home (default: $SKGEN_DATA or ~/skgen_data)")
    study.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    study.add_argument("--n-jobs", type=int, default=None, help="parallel jobs for independent fits")
    study.add_argument("--random-state", type=int, default=0)
    study.add_argument("--models", nargs="+", default=None, metavar="MODEL",
                       help="study generative only: the models to run (default: RBM DBN BetaVAE GAN)")
    return parser


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


def _staging_folder(out):
    """A new empty folder where the run writes, on the file system of ``out``.

    Making it is the check that ``out`` can be written, done before any work. The run's
    files reach ``out`` only when it succeeds (:func:`_publish`), so a failed or
    interrupted run leaves neither a half-written file nor a new folder.
    """
    existing = next(folder for folder in (out, *out.absolute().parents) if folder.exists())
    if not existing.is_dir():
        raise ValueError(f"--out {out}: {existing} is a file, not a folder.")
    try:
        return Path(tempfile.mkdtemp(prefix=".skgen-partial-", dir=existing))
    except OSError as exc:
        raise ValueError(f"--out {out} cannot be written: {exc.strerror or exc}.") from None


def _publish(staging, out):
    """Move the finished run's files from ``staging`` into ``out``, each in one rename."""
    if out.exists():
        for path in staging.iterdir():
            os.replace(path, out / path.name)
        staging.rmdir()
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging, out)


class _Interrupted(BaseException):
    """Ctrl-C during a run.

    Not a KeyboardInterrupt: skorch's fit catches that one and only stops training the
    current model, and the run would go on.
    """


def _raise_interrupted(signum, frame):
    raise _Interrupted


def _catch_ctrl_c():
    """Make Ctrl-C raise :class:`_Interrupted`; return the handler it replaced, if any."""
    if threading.current_thread() is not threading.main_thread():
        return None  # signal handlers can only be set from the main thread
    return signal.signal(signal.SIGINT, _raise_interrupted)


def _run(args, staging):
    if args.command == "demo":
        from skgen.studies.demo import run_demo

        return run_demo(out=staging, random_state=args.random_state)
    module, function = STUDIES[args.name]
    run = getattr(importlib.import_module(module), function)
    models = {} if args.models is None else {"models": args.models}
    return run(
        profile=args.profile,
        out=staging,
        data_home=args.data_home,
        device=args.device,
        n_jobs=args.n_jobs,
        random_state=args.random_state,
        **models,
    )


def _output_folder(args):
    if args.out is not None:
        return Path(args.out)
    return Path("skgen-out" if args.command == "demo" else f"skgen-out/{args.name}")


def _error(message):
    # The contract is one line: messages that list several causes are joined into it.
    print(f"skgen: error: {' '.join(str(message).split())}", file=sys.stderr)
    return EXIT_ERROR


def _checked_run(args):
    from skgen.datasets import DataFileError

    out = _output_folder(args)
    try:
        if args.command == "study":
            _check_study_options(args)
        staging = _staging_folder(out)
    except ValueError as exc:
        return _error(exc)
    previous_handler = _catch_ctrl_c()
    try:
        table = _run(args, staging)
        _publish(staging, out)
    except (DataFileError, ValueError, OSError) as exc:
        return _error(exc)
    finally:
        if previous_handler is not None:
            signal.signal(signal.SIGINT, previous_handler)
        shutil.rmtree(staging, ignore_errors=True)  # nothing left there once published
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
    except (KeyboardInterrupt, _Interrupted):
        print("skgen: interrupted; nothing was written", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
