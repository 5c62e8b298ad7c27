"""The layering rules of the design, read from every module's imports.

Data flows one way: datasets -> estimators -> metrics -> studies -> CLI. Estimators (the
model modules) never import studies, metrics or the CLI; metrics know estimators only
through ``sample()`` / ``transform()``, so they never import a model module; the base
layer, on which every estimator stands, imports no model module and nothing above it; no
module imports a private name of a model module other than its own (a test file's own
module is the one it is named after).
"""

import ast
from pathlib import Path

import pytest

import skgen

ROOT = Path(__file__).resolve().parents[1]
MODELS = {"rbm", "gbrbm", "dbn", "dnn", "vae", "gan", "dbm"}
BASE = {"_core", "_base", "_machines", "_dbm_machine", "_partition", "_threads", "_nets", "_energy", "_trainers", "_labels"}
#: packages of the model families: their model modules are models, the others base
FAMILIES = {"energy", "nets"}
ABOVE_ESTIMATORS = ("skgen.studies", "skgen.metrics", "skgen.__main__")
#: source folders whose modules the rules read
FOLDERS = ("skgen", "benchmarks", "examples", "scripts", "tests")


def module_name(path):
    """``skgen.rbm`` for skgen/rbm.py, ``skgen.metrics`` for skgen/metrics/__init__.py, ``tests.test_rbm`` ..."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def model_of(name):
    """The model module a dotted name lies in (``skgen.rbm._x`` -> ``skgen.rbm``), or None."""
    parts = name.split(".")
    if len(parts) >= 3 and parts[0] == "skgen" and parts[1] in FAMILIES and parts[2] in MODELS:
        return ".".join(parts[:3])
    return ".".join(parts[:2]) if len(parts) >= 2 and parts[0] == "skgen" and parts[1] in MODELS else None


def imports(path, name):
    """``(imported module, name or None, line)`` for every import of the file, a public estimator imported
    from the package counting as its model module (``from skgen import RBM`` -> ``skgen.rbm``), and every
    attribute read from a model module bound to a name (``rbm._store``)."""
    tree = ast.parse(path.read_text(), str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found, aliases = [], {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.append((alias.name, None, node.lineno))
                if alias.asname and model_of(alias.name) == alias.name:
                    aliases[alias.asname] = alias.name
        elif isinstance(node, ast.ImportFrom):
            source = node.module or ""
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                if source == "skgen" and alias.name in skgen._ESTIMATORS:
                    found.append((skgen._ESTIMATORS[alias.name], alias.name, node.lineno))
                elif model_of(submodule) == submodule:
                    found.append((submodule, None, node.lineno))
                    aliases[alias.asname or alias.name] = submodule
                else:
                    found.append((source, alias.name, node.lineno))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            dotted = _dotted(node)
            if dotted:
                head, _, rest = dotted.partition(".")
                full = f"{aliases[head]}.{rest}" if head in aliases and rest else dotted
                owner = model_of(full)
                if owner and full != owner:
                    found.append((owner, full[len(owner) + 1:].split(".")[0], node.lineno))
    return found


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


def layer(name):
    """Which rules a module answers to: model, base, metrics, datasets or other."""
    parts = name.split(".")
    if parts[0] != "skgen" or len(parts) < 2:
        return "other"
    if parts[1] in MODELS or model_of(name):
        return "model"
    if parts[1] in BASE or parts[1] in FAMILIES:
        return "base"
    return parts[1] if parts[1] in ("metrics", "datasets") else "other"


def below_estimators(name, imported):
    """The rule a module of the base layer, the datasets or the estimators breaks by importing ``imported``."""
    if imported.startswith(ABOVE_ESTIMATORS):
        return "imports studies, metrics or the CLI"
    if layer(name) in ("base", "datasets") and model_of(imported):
        return "imports a model module"
    return None


def violations(files):
    """One line per broken rule of the ``(path, module name)`` pairs: where, what it imports, which rule."""
    found = []
    for path, name in files:
        own = model_of(name) or model_of(f"skgen.{name.rpartition('.test_')[2]}" if name.startswith("tests.") else "")
        for imported, attribute, line in imports(path, name):
            where = f"{name}:{line} ({imported}{'.' + attribute if attribute else ''})"
            rule = None
            if layer(name) in ("model", "base", "datasets"):
                rule = below_estimators(name, imported)
            elif layer(name) == "metrics" and model_of(imported):
                rule = "metrics import a model module"
            if rule is None and attribute and attribute.startswith("_") and model_of(imported) \
                    and model_of(imported) != own:
                rule = "imports a private name of another model module"
            if rule:
                found.append(f"{where}: {rule}")
    return found


def test_every_module_keeps_the_layering_rules():
    found = violations(sources())
    assert not found, "\n".join(found)


@pytest.mark.parametrize("name, source, rule", [
    ("skgen.dbm", "from skgen.studies import generative\n", "imports studies, metrics or the CLI"),
    ("skgen.dbm", "import skgen.metrics\n", "imports studies, metrics or the CLI"),
    ("skgen.dbm", "from skgen.rbm import _log_odds\n", "private name"),
    ("skgen.dbm", "import skgen.rbm as rbm_module\nrbm_module._EPS\n", "private name"),
    ("skgen.dbm", "from skgen import rbm\nrbm._EPS\n", "private name"),
    ("skgen.dbm", "import skgen.rbm\nskgen.rbm._EPS\n", "private name"),
    ("benchmarks.bench_dbm", "from skgen.dbn import _UpDown\n", "private name"),
    ("skgen._energy", "from skgen.rbm import RBM\n", "imports a model module"),
    ("skgen.metrics._planted", "from skgen import DBN\n", "metrics import a model module"),
    ("skgen.metrics._planted", "from ..dbn import DBN\n", "metrics import a model module"),
])
def test_the_rules_catch_what_they_forbid(name, source, rule, tmp_path):
    planted = tmp_path / "planted.py"
    planted.write_text(source)
    found = violations([(planted, name)])
    assert len(found) == 1 and rule in found[0], found


def test_a_module_may_use_its_own_private_names_and_public_ones(tmp_path):
    planted = tmp_path / "planted.py"
    planted.write_text("from skgen.rbm import RBM, _log_odds\nfrom skgen._base import to_numpy\n")
    assert violations([(planted, "skgen.rbm")]) == []
    assert violations([(planted, "tests.test_rbm")]) == []
