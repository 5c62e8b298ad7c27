"""The layering rules of the design, derived from the package layout and the registry.

Every module under skgen/ belongs to a layer by the package it lies in, and the layers are
ordered: datasets -> core (``skgen._core``) -> the two families (``skgen.energy``,
``skgen.nets``) -> metrics -> plotting -> studies -> the CLI (``skgen.__main__``). A module
imports from its own layer and the layers below it only, so the core never imports a family
and no estimator imports metrics, studies or the CLI; ``skgen/__init__.py`` imports no skgen
module (its registry is lazy, so ``import skgen`` stays light). A module anywhere else (a new
module at the top of skgen/, a new package) belongs to no layer, and fails. Beside the order:

- the families never import each other's internals: all that one family may import from the
  other is the other's estimators, by their public names (the registry's entries);
- metrics import no family: they know estimators only through ``sample()`` / ``transform()``;
- studies and the CLI reach the estimators through their public names (``from skgen import RBM``);
- a private name (``_x``) of a family's module is imported only inside that family, or by the
  test file named after the module (tests/test_rbm.py for skgen/energy/rbm.py);
- every import of skgen names a module of the layout, not an old path of 0.1.0 (``skgen.rbm``,
  ``skgen._base``), which stays importable only for joblib files and code outside this checkout.

An estimator imported from the package (``from skgen import RBM``) counts as an import of the
module the registry names. Tests, benchmarks, examples and scripts stand above every layer and
answer to the last two rules.
"""

import ast
import importlib
from pathlib import Path

import pytest

import skgen

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "skgen"
#: source folders whose modules the rules read
FOLDERS = ("skgen", "benchmarks", "examples", "scripts", "tests")
#: the layers, lowest first, and the packages (or modules) each holds
LAYERS = (
    ("datasets", ("skgen.datasets",)),
    ("core", ("skgen._core",)),
    ("families", ("skgen.energy", "skgen.nets")),
    ("metrics", ("skgen.metrics",)),
    ("plotting", ("skgen.plotting",)),
    ("studies", ("skgen.studies",)),
    ("CLI", ("skgen.__main__",)),
)
RANK = {name: rank for rank, (name, _) in enumerate(LAYERS)}
FAMILIES = dict(LAYERS)["families"]


def module_name(path):
    """``skgen.energy.rbm`` for skgen/energy/rbm.py, ``skgen.metrics`` for skgen/metrics/__init__.py ..."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


#: every module of skgen, read from the files under skgen/
MODULES = frozenset(module_name(path) for path in PACKAGE.rglob("*.py"))
#: the estimators' modules, read from the registry: ``{"skgen.energy.rbm": "RBM", ...}``
ESTIMATOR_MODULES = {module: name for name, module in skgen._ESTIMATORS.items()}


def within(name, package):
    return name == package or name.startswith(package + ".")


def layer(name):
    """The layer of the skgen module ``name`` ("package" for skgen itself), None if it lies in none."""
    if name == "skgen":
        return "package"
    return next((layer for layer, packages in LAYERS if any(within(name, p) for p in packages)), None)


def family(name):
    """The family package the module ``name`` lies in, or None."""
    return next((package for package in FAMILIES if within(name, package)), None)


def is_private(attribute):
    return attribute.startswith("_") and not (attribute.startswith("__") and attribute.endswith("__"))


def owner(dotted):
    """``(module, attribute or None)`` for a dotted name that starts with a module of skgen:
    the longest module of the layout it starts with, and the name read from it."""
    parts = dotted.split(".")
    for end in range(len(parts), 0, -1):
        module = ".".join(parts[:end])
        if module in MODULES:
            attribute = parts[end] if end < len(parts) else None
            if module == "skgen" and attribute in skgen._ESTIMATORS:
                return skgen._ESTIMATORS[attribute], attribute
            return module, attribute
    return dotted, None


def imports(path, name):
    """``(imported module, name or None, line, through the package)`` for every import of skgen in the
    file, and for every attribute read from a module of skgen bound to a name (``rbm_module._EPS``,
    ``skgen.energy.rbm._EPS``); an estimator read from the package (``from skgen import RBM``,
    ``skgen.RBM``) is read from its module, through the package."""
    tree = ast.parse(path.read_text(), str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found, aliases = [], {"skgen": "skgen"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if within(alias.name, "skgen"):
                    found.append((alias.name, None, node.lineno, False))
                    if alias.asname:
                        aliases[alias.asname] = alias.name
        elif isinstance(node, ast.ImportFrom):
            source = node.module or ""
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            if not within(source, "skgen"):
                continue
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                if submodule in MODULES:
                    found.append((submodule, None, node.lineno, False))
                    aliases[alias.asname or alias.name] = submodule
                elif source == "skgen" and alias.name in skgen._ESTIMATORS:
                    found.append((skgen._ESTIMATORS[alias.name], alias.name, node.lineno, True))
                else:
                    found.append((source, alias.name, node.lineno, False))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            dotted = _dotted(node)
            head, _, rest = (dotted or "").partition(".")
            if head in aliases and rest:
                module, attribute = owner(f"{aliases[head]}.{rest}")
                if attribute is not None and module != "skgen":
                    through_package = aliases[head] == "skgen" and rest.partition(".")[0] in skgen._ESTIMATORS
                    found.append((module, attribute, node.lineno, through_package))
    return list(dict.fromkeys(found))  # an attribute chain is walked at each of its links


def _dotted(node):
    names = []
    while isinstance(node, ast.Attribute):
        names.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return ".".join([node.id, *reversed(names)])
    return None


def sources():
    """``(path, module name)`` of every module the rules read."""
    for folder in FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            yield path, module_name(path)


def modules_under_test(name):
    """The modules a test file is named after: ``skgen.energy.rbm`` for ``tests.test_rbm``."""
    if not name.startswith("tests.test_"):
        return set()
    stem = name.rpartition(".test_")[2]
    return {module for module in MODULES if module.rpartition(".")[2] == stem}


def rule_broken(name, imported, attribute, through_package=False):
    """The rule that the module ``name`` breaks by importing ``attribute`` of ``imported`` (None: a module),
    ``through_package`` where it reads an estimator from the package (``from skgen import RBM``)."""
    if imported not in MODULES:
        return f"{imported} is no module of skgen/ (an old path of 0.1.0? import the module it moved to)"
    inside = within(name, "skgen")
    here, there = layer(name) if inside else None, layer(imported)
    public_estimator = imported in ESTIMATOR_MODULES and attribute == ESTIMATOR_MODULES[imported]
    if here == "package":
        return "skgen/__init__.py imports a skgen module (the registry is lazy, so that import skgen stays light)"
    if there is None:
        return f"{imported} belongs to no layer"
    if inside and there != "package" and RANK[there] > RANK[here]:
        return f"the {here} layer imports the {there} layer, which stands above it"
    if family(name) and family(imported) and family(name) != family(imported) and not public_estimator:
        return "a family imports more of the other family than its estimators' public names"
    if here == "metrics" and family(imported):
        return "metrics import a family (they know estimators only through sample() / transform())"
    if here in ("studies", "CLI") and family(imported) and not through_package:
        return "studies and the CLI reach the estimators through their public names (from skgen import RBM)"
    if attribute and is_private(attribute) and family(imported) and family(imported) != family(name) \
            and imported not in modules_under_test(name):
        return "imports a private name of a family's module from outside the family"
    return None


def violations(files):
    """One line per broken rule of the ``(path, module name)`` pairs: where, what it imports, which rule."""
    found = []
    for path, name in files:
        if within(name, "skgen") and layer(name) is None:
            packages = ", ".join(package for _, layer_packages in LAYERS for package in layer_packages)
            found.append(f"{name}: belongs to no layer (a module of skgen lies in one of {packages})")
            continue
        for imported, attribute, line, through_package in imports(path, name):
            rule = rule_broken(name, imported, attribute, through_package)
            if rule:
                found.append(f"{name}:{line} ({imported}{'.' + attribute if attribute else ''}): {rule}")
    return found


def test_every_module_keeps_the_layering_rules():
    found = violations(sources())
    assert not found, "\n".join(found)


def test_every_module_of_skgen_lies_in_a_layer():
    assert {name for name in MODULES if layer(name) is None} == set()
    # the top of skgen/ holds the package, the CLI and plotting; every other module lies in a package
    assert {module_name(path) for path in PACKAGE.glob("*.py")} == {"skgen", "skgen.__main__", "skgen.plotting"}


def test_the_registry_names_estimators_defined_in_their_family():
    from skgen.energy.template import EnergyEstimator
    from skgen.nets.template import SkorchEstimator

    templates = {"skgen.energy": EnergyEstimator, "skgen.nets": SkorchEstimator}
    for name, module in skgen._ESTIMATORS.items():
        assert module in MODULES and family(module), (name, module)
        estimator = getattr(importlib.import_module(module), name)
        assert estimator.__module__ == module and issubclass(estimator, templates[family(module)]), name


@pytest.mark.parametrize("name, source, rule", [
    ("skgen.energy.dbm", "from skgen.studies import generative\n", "stands above it"),
    ("skgen.energy.dbm", "import skgen.metrics\n", "stands above it"),
    ("skgen.nets.vae", "from skgen.plotting import plot_image_grid\n", "stands above it"),
    ("skgen._core.params", "from skgen.energy.rbm import RBM\n", "the core layer imports the families"),
    ("skgen._core.params", "from skgen import RBM\n", "the core layer imports the families"),
    ("skgen._core.params", "from ..nets import template\n", "the core layer imports the families"),
    ("skgen.datasets.mnist", "from skgen._core.tensors import to_tensor\n", "stands above it"),
    ("skgen.metrics._planted", "from skgen.studies import demo\n", "stands above it"),
    ("skgen.metrics._planted", "from skgen import DBN\n", "metrics import a family"),
    ("skgen.metrics._planted", "from ..energy.dbn import DBN\n", "metrics import a family"),
    ("skgen.nets.dnn", "from skgen.energy.machines import SigmoidLayer\n", "other family"),
    ("skgen.nets.dnn", "from skgen.energy.rbm import _log_odds\n", "other family"),
    ("skgen.energy.dbn", "from skgen.nets.template import mlp\n", "other family"),
    ("skgen.studies.generative", "from skgen.energy.samplers import gibbs_sweep\n", "public names"),
    ("skgen.studies.generative", "import skgen.energy.rbm\n", "public names"),
    ("skgen.__main__", "from skgen.nets.dnn import DNNClassifier\n", "public names"),
    ("skgen", "from skgen.energy.rbm import RBM\n", "lazy"),
    ("benchmarks.bench_dbm", "from skgen.energy.dbn import _UpDown\n", "private name"),
    ("benchmarks.bench_dbm", "import skgen.energy.rbm as rbm_module\nrbm_module._EPS\n", "private name"),
    ("tests.test_dbm", "from skgen.energy import rbm\nrbm._EPS\n", "private name"),
    ("tests.test_dbm", "import skgen.energy.rbm\nskgen.energy.rbm._EPS\n", "private name"),
    ("tests.test_planted", "from skgen._base import to_numpy\n", "old path"),
    ("skgen.energy.dbm", "from skgen.rbm import RBM\n", "old path"),
    ("skgen.rbm", "import numpy\n", "belongs to no layer"),
    ("skgen.extras.planted", "", "belongs to no layer"),
])
def test_the_rules_catch_what_they_forbid(name, source, rule, tmp_path):
    planted = tmp_path / "planted.py"
    planted.write_text(source)
    found = violations([(planted, name)])
    assert len(found) == 1 and rule in found[0], found


@pytest.mark.parametrize("name", ["skgen.energy.rbm", "skgen.energy.dbm", "tests.test_rbm"])
def test_a_family_and_a_modules_tests_may_use_its_private_names(name, tmp_path):
    planted = tmp_path / "planted.py"
    planted.write_text("from skgen.energy.rbm import RBM, _log_odds\nfrom skgen._core.tensors import to_numpy\n")
    assert violations([(planted, name)]) == []


def test_a_family_may_use_the_other_familys_estimators_by_their_public_names(tmp_path):
    planted = tmp_path / "planted.py"
    planted.write_text("from skgen import DBM\nfrom skgen.energy.dbn import DBN\nimport skgen\nskgen.RBM\n")
    assert violations([(planted, "skgen.nets.dnn")]) == []
