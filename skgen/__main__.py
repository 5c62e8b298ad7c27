"""The ``skgen`` command line (``skgen ...`` or ``python -m skgen ...``).

``skgen demo`` runs the main job offline on scikit-learn's bundled digits;
``skgen study NAME`` runs one of the three studies. Errors a user can act on (missing
data without a network, a bad option) end with exit status 2 and one line, no traceback.
"""

import argparse
import importlib
import sys

from skgen import __version__

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
    return parser


def _run_demo(args):
    from skgen.studies.demo import run_demo

    return run_demo(out=args.out, random_state=args.random_state)


def _run_study(args):
    module, function = STUDIES[args.name]
    run = getattr(importlib.import_module(module), function)
    return run(
        profile=args.profile,
        out=args.out or f"skgen-out/{args.name}",
        data_home=args.data_home,
        device=args.device,
        n_jobs=args.n_jobs,
        random_state=args.random_state,
    )


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    from skgen.datasets import DataFileError

    try:
        table = _run_demo(args) if args.command == "demo" else _run_study(args)
    except (DataFileError, ValueError) as exc:
        print(f"skgen: error: {exc}", file=sys.stderr)
        return 2
    print(table.to_string(index=False))
    print(f"\nwrote the report {table.attrs['report']} and its figures and table beside it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
