"""Every registered engine follows the engine protocol, checked by reading its source (no engine library is
imported, so this stays fast even for pyspark and ray): facts.py with a valid FACTS whose name is its registry
key, the engine class in engine.py, and one module per operator in OPERATORS with IMPLEMENTATION, `transform`,
and `fit` exactly when the operator is stateful. The deliberately wrong test engine must follow it too."""

from __future__ import annotations

import ast
import importlib.util
from functools import cache
from pathlib import Path

import pytest

from src.bench.registry import _engines, engines
from src.bench.run.facts import EngineFacts
from src.bench.spec.operators import OPERATORS, module_name

LABELS = ("native", "native+adapter", "custom")
FIXTURE_ENGINES = ("tests.fixtures.broken_engine",)
REGISTERED = {**engines(), **_engines(",".join(FIXTURE_ENGINES))}


def package_dir(package: str) -> Path:
    """Where a package lives, found without importing it (its parents are imported, which are light)."""
    spec = importlib.util.find_spec(package)
    assert spec is not None and spec.submodule_search_locations, f"{package} is not a package"
    return Path(next(iter(spec.submodule_search_locations)))


def module_path(module: str) -> Path:
    package, _, name = module.rpartition(".")
    return package_dir(package) / f"{name}.py"


@cache
def parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def top_level(tree: ast.Module) -> dict[str, ast.AST]:
    """Names defined at the top of a module: functions, classes and assignments."""
    found: dict[str, ast.AST] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            found[node.name] = node
        elif isinstance(node, ast.Assign):
            found.update({t.id: node.value for t in node.targets if isinstance(t, ast.Name)})
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            found[node.target.id] = node.value
    return found


def class_attribute(module: str, class_name: str, attribute: str) -> str | None:
    """A string class attribute, looked up through base classes imported from other modules (by source)."""
    tree = parse(module_path(module))
    cls = top_level(tree).get(class_name)
    assert isinstance(cls, ast.ClassDef), f"no class {class_name} in {module}"
    value = top_level(ast.Module(body=cls.body, type_ignores=[])).get(attribute)
    if value is not None:
        assert isinstance(value, ast.Constant) and isinstance(value.value, str), f"{class_name}.{attribute}"
        return value.value
    imported = {alias.asname or alias.name: node.module for node in tree.body if isinstance(node, ast.ImportFrom)
                for alias in node.names}
    for base in cls.bases:
        if isinstance(base, ast.Name) and base.id in imported and imported[base.id].startswith("src."):
            found = class_attribute(imported[base.id], base.id, attribute)
            if found is not None:
                return found
    return None


def parameters(node: ast.AST) -> list[str]:
    assert isinstance(node, ast.FunctionDef)
    return [a.arg for a in node.args.args]


@pytest.mark.parametrize("key", list(REGISTERED))
def test_facts_are_valid(key: str) -> None:
    f = REGISTERED[key]
    assert isinstance(f, EngineFacts) and f.name == key
    assert f.package and module_path(f"{f.package}.facts").is_file()
    assert f.description and f.distribution and f.import_name and f.engine_class.isidentifier()
    assert len({o.flag for o in f.options}) == len(f.options) and all(o.flag.startswith("--") for o in f.options)
    if f.cluster_check:
        module, _, function = f.cluster_check.partition(":")
        assert isinstance(top_level(parse(module_path(module))).get(function), ast.FunctionDef), f.cluster_check


@pytest.mark.parametrize("key", list(REGISTERED))
def test_engine_class_exists_with_its_name(key: str) -> None:
    f = REGISTERED[key]
    module = f"{f.package}.engine"
    assert class_attribute(module, f.engine_class, "name") == key
    assert class_attribute(module, f.engine_class, "operators_package")


@pytest.mark.parametrize("operator", list(OPERATORS))
@pytest.mark.parametrize("key", list(REGISTERED))
def test_operator_module_follows_the_protocol(key: str, operator: str) -> None:
    f = REGISTERED[key]
    spec = OPERATORS[operator]
    package = class_attribute(f"{f.package}.engine", f.engine_class, "operators_package")
    path = package_dir(package) / f"{module_name(operator)}.py"
    assert path.is_file(), f"{key} has no {operator}: {path} is missing"
    names = top_level(parse(path))
    label = names.get("IMPLEMENTATION")
    assert isinstance(label, ast.Constant) and label.value in LABELS, f"{path}: IMPLEMENTATION must be one of {LABELS}"
    assert len(parameters(names.get("transform"))) == 3, f"{path}: transform(data, state, step)"
    if spec.stateful:
        assert len(parameters(names.get("fit"))) == 2, f"{path}: fit(data, step), {operator} is stateful"
    else:
        assert "fit" not in names, f"{path}: {operator} is stateless, so it has no fit"
    if "label" in names:
        assert len(parameters(names["label"])) == 1, f"{path}: label(step)"
