"""The ``skgen`` command line (``skgen ...`` or ``python -m skgen ...``)."""

import argparse
import sys

from skgen import __version__


def build_parser():
    parser = argparse.ArgumentParser(
        prog="skgen",
        description="Generative models (RBM, DBN, beta-VAE, GAN) as scikit-learn estimators.",
    )
    parser.add_argument("--version", action="version", version=f"skgen {__version__}")
    return parser


def main(argv=None):
    parser = build_parser()
    parser.parse_args(argv)
    parser.print_help()
    return 0


if __name__ == "__main__":
    sys.exit(main())
