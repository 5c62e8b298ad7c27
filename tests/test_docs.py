"""The gallery and the documentation: every example runs, and the site builds with -W.

One Sphinx build, in a fresh subprocess, runs every ``examples/**/plot_*.py`` through
sphinx-gallery (so CI runs each example once, not once alone and again for the docs),
with the command of README.md plus a fresh environment and output folder. The tests
then read what the gallery wrote: each example's page, its figures and its running
time, which must stay under a minute.
"""

import importlib.util
import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
GALLERY = DOCS / "auto_examples"
EXAMPLES = sorted((ROOT / "examples").glob("**/plot_*.py"))
#: the bar for one example, on 2 CPU cores
EXAMPLE_SECONDS = 60
#: the whole build, gallery included; a hang fails instead of blocking CI
BUILD_TIMEOUT = 900
DOCS_PACKAGES = ("sphinx", "numpydoc", "sphinx_gallery", "pydata_sphinx_theme")
#: public modules whose every public class and function the API reference must show
PUBLIC_MODULES = ("skgen", "skgen.metrics", "skgen.datasets", "skgen.plotting", "skgen.studies")


def _public_names(module_name):
    module = importlib.import_module(module_name)
    if hasattr(module, "__all__"):
        return [name for name in module.__all__ if not name.startswith("_")]
    return [name for name, value in vars(module).items()
            if not name.startswith("_") and (inspect.isfunction(value) or inspect.isclass(value))
            and value.__module__ == module_name]


def _api_entries():
    """``module.name`` for every autosummary entry of docs/api.rst, under its currentmodule."""
    entries, module = set(), None
    for line in (DOCS / "api.rst").read_text().splitlines():
        if line.startswith(".. currentmodule::"):
            module = line.split("::")[1].strip()
        elif module and re.fullmatch(r"   [A-Za-z_]\w*", line):
            entries.add(f"{module}.{line.strip()}")
    return entries


def test_api_reference_lists_every_public_name():
    entries = _api_entries()
    missing = [f"{module}.{name}" for module in PUBLIC_MODULES for name in _public_names(module)
               if name != "__version__" and f"{module}.{name}" not in entries]
    assert not missing, f"docs/api.rst lacks {missing}: add them to its autosummary lists."


def test_every_example_has_a_gallery_section():
    assert len(EXAMPLES) >= 8
    for example in EXAMPLES:
        assert (example.parent / "README.txt").exists(), f"{example.parent} needs a README.txt for the gallery."
        text = example.read_text()
        assert text.startswith('"""'), f"{example.name} must open with a docstring: its title and text."


@pytest.fixture(scope="module")
def docs_build(tmp_path_factory):
    """Build the docs once, executing the gallery; returns (html folder, sphinx output)."""
    missing = [name for name in DOCS_PACKAGES if importlib.util.find_spec(name) is None]
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"CI must install the docs extra (pip install -e '.[docs]'); missing {missing}.")
        pytest.skip(f"the docs extra is not installed (missing {missing}): pip install -e '.[docs]'")
    out = tmp_path_factory.mktemp("docs")
    env = {**os.environ, "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    command = [
        sys.executable, "-m", "sphinx", "-W", "-b", "html", "-E", "-d", str(out / "doctrees"),
        # rerun examples whose source has not changed since a previous local build
        "-D", "sphinx_gallery_conf.run_stale_examples=True",
        str(DOCS), str(out / "html"),
    ]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=BUILD_TIMEOUT)
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"the docs build failed (-W):\n{output[-6000:]}"
    return out / "html", output


def test_docs_build_shows_every_public_name(docs_build):
    html, _ = docs_build
    missing = [f"{module}.{name}" for module in PUBLIC_MODULES for name in _public_names(module)
               if name != "__version__" and not (html / "generated" / f"{module}.{name}.html").exists()]
    assert not missing, f"no API page for {missing}"


def _running_seconds(page):
    match = re.search(r"\*\*Total running time of the script:\*\* \((\d+) minutes ([\d.]+) seconds\)", page)
    assert match, "sphinx-gallery wrote no running time"
    return 60 * int(match.group(1)) + float(match.group(2))


@pytest.mark.parametrize("example", EXAMPLES, ids=[example.stem for example in EXAMPLES])
def test_example_ran_and_made_a_figure(docs_build, example):
    section = example.parent.relative_to(ROOT / "examples")
    page = GALLERY / section / f"{example.stem}.rst"
    assert page.exists(), f"the gallery has no page for {example}"
    figures = sorted((GALLERY / section / "images").glob(f"sphx_glr_{example.stem}_[0-9][0-9][0-9].png"))
    assert figures, f"{example} made no figure"
    seconds = _running_seconds(page.read_text())
    assert seconds < EXAMPLE_SECONDS, f"{example} took {seconds:.0f} s; examples must run in under {EXAMPLE_SECONDS} s"
