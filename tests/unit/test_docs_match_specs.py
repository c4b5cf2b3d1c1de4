"""The operator tables of README.md and docs/operators.md say what the specs and the engines' operator modules
say: operators in spec order with their kind, parameters, columns and tolerance, and each engine's
implementation label (`IMPLEMENTATION`, the label of the default parameters)."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from src.bench.spec.operators import OPERATORS

ROOT = Path(__file__).resolve().parents[2]
LABELS = ("native+adapter", "native", "custom")  # longest first: "native" is a prefix of "native+adapter"


def _engine_names() -> list[str]:
    """The engines of this repository, from the engine registry: the one place this test reads it."""
    from src.bench.registry import engines

    # engines added from outside the repository (e.g. a test plugin) have no column in the docs
    return [name for name in engines() if (ROOT / "src" / "engines" / name / "operators").is_dir()]


ENGINE_NAMES = _engine_names()


def _snake(name: str) -> str:
    """Operator module name: StandardScaler -> standard_scaler, IDF -> idf, HashingTF -> hashing_tf."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


def _section(text: str, heading: str) -> str:
    """The text of a Markdown section, from its heading to the next heading of the same or a higher level."""
    level = heading.split(" ")[0]
    start = text.index(f"\n{heading}\n") + 1
    following = re.compile(rf"^#{{1,{len(level)}}} ", re.M).search(text, start + len(heading))
    return text[start: following.start() if following else len(text)]


def _table(text: str, header_start: str) -> tuple[list[str], list[list[str]]]:
    """The header cells and the rows of the Markdown table whose header line starts with `header_start`."""
    lines = text.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith(header_start))
    raw = []
    for line in lines[first:]:
        if not line.startswith("|"):
            break
        raw.append(line.strip())
    assert re.fullmatch(r"\|(\s*:?-+:?\s*\|)+", raw[1]), raw[1]
    header, *body = [[cell.strip() for cell in line.strip("|").split(" | ")] for line in raw[:1] + raw[2:]]
    assert all(len(row) == len(header) for row in body), f"a row of the table {header_start!r} has a stray '|'"
    return header, body


# README.md -----------------------------------------------------------------------------------------------------

def _readme_operator_table() -> list[list[str]]:
    section = _section((ROOT / "README.md").read_text(), "## Operators and engines")
    header, rows = _table(section, "| operator | kind |")
    assert header == ["operator", "kind", "input → output", "parameters"]
    return rows


def _parameter_names(cell: str) -> list[str]:
    """"strategy (mean, median), fill_value" -> ["strategy", "fill_value"]; "—" -> []."""
    if cell in ("—", "-", ""):
        return []
    return [part.strip() for part in re.sub(r"\([^)]*\)", "", cell).split(",")]


def test_readme_operator_table_lists_the_specs_in_order_with_kind_and_parameters() -> None:
    rows = _readme_operator_table()
    assert [row[0] for row in rows] == list(OPERATORS)
    for name, kind, _columns, params in rows:
        spec = OPERATORS[name]
        assert kind == spec.kind, name
        assert _parameter_names(params) == [p.name for p in spec.params], name
        for p in spec.params:  # the allowed values, where the table lists them, are the spec's
            listed = re.search(rf"\b{p.name} \(([^)]*)\)", params)
            if listed:
                assert p.choices is not None, f"{name}.{p.name}: values listed but the spec has no choices"
                assert tuple(v.strip() for v in listed.group(1).split(",")) == p.choices, name


# docs/operators.md: the operators ------------------------------------------------------------------------------

def _operator_sections() -> dict[str, tuple[str, str]]:
    """operator -> (kind, the text of its section), in document order."""
    text = _section((ROOT / "docs" / "operators.md").read_text(), "## The operators")
    found = {}
    for match in re.finditer(r"^### (\w+) \((\w+)\)\n(.*?)(?=^### |\Z)", text, re.M | re.S):
        found[match.group(1)] = (match.group(2), match.group(3))
    return found


def _bullet(section: str, title: str) -> str:
    match = re.search(rf"^- \*\*{title}\*\*: (.*?)(?=^- \*\*|\Z)", section, re.M | re.S)
    assert match, f"no '{title}' line"
    return " ".join(match.group(1).split())


def test_operators_doc_sections_follow_the_specs() -> None:
    sections = _operator_sections()
    assert list(sections) == list(OPERATORS)
    for name, (kind, section) in sections.items():
        spec = OPERATORS[name]
        assert kind == spec.kind, name
        params = _bullet(section, "Parameters")
        if spec.params:
            for p in spec.params:
                assert f"`{p.name}`" in params, f"{name}: parameter {p.name} not documented"
        else:
            assert params == "none.", name
        columns = _bullet(section, "Columns")
        for pattern in spec.default_inputs:
            assert f"default `{pattern}`" in columns, name
        named = "default name" if spec.combines else "suffix"  # one vector column, or one column per input
        assert f"{named} `{spec.output_suffix}`" in columns, name
        tolerance = _bullet(section, "Tolerance")
        if spec.rtol == 0:
            assert tolerance.startswith("exact"), name
        else:
            documented = re.fullmatch(r"rtol ([0-9.e-]+)\.", tolerance)
            assert documented and float(documented.group(1)) == spec.rtol, f"{name}: {tolerance} vs {spec.rtol}"


# docs/operators.md: the implementation labels ------------------------------------------------------------------

def _label_table() -> dict[str, dict[str, str]]:
    """engine -> operator -> the label a cell of the table starts with."""
    section = _section((ROOT / "docs" / "operators.md").read_text(), "## How each engine gets these outputs")
    header, rows = _table(section, "| operator |")
    engines = [cell.split(" ")[0] for cell in header[1:]]  # "sklearn (scikit-learn 1.9)" -> "sklearn"
    table: dict[str, dict[str, str]] = {engine: {} for engine in engines}
    for operator, *cells in rows:
        for engine, cell in zip(engines, cells):
            label = next((label for label in LABELS if re.match(rf"{re.escape(label)}(?![\w+])", cell)), None)
            assert label, f"{engine} {operator}: the cell does not start with a label: {cell[:60]!r}"
            table[engine][operator] = label
    return table


def test_label_table_has_every_engine_and_operator() -> None:
    table = _label_table()
    assert sorted(table) == sorted(ENGINE_NAMES)
    for engine, labels in table.items():
        assert list(labels) == list(OPERATORS), engine


# Importing the Ray operator modules imports ray (about 2 s); numpy, scikit-learn and Spark's take about 1 s.
@pytest.mark.parametrize(
    "engine", [pytest.param(e, marks=[pytest.mark.slow] if e == "ray" else []) for e in ENGINE_NAMES]
)
def test_label_table_matches_the_engines_operator_modules(engine: str) -> None:
    documented = _label_table()[engine]
    for operator in OPERATORS:
        module = importlib.import_module(f"src.engines.{engine}.operators.{_snake(operator)}")
        assert documented[operator] == module.IMPLEMENTATION, (
            f"docs/operators.md says {engine} {operator} is {documented[operator]}, "
            f"{module.__name__}.IMPLEMENTATION is {module.IMPLEMENTATION}"
        )


# docs/operators.md: the variants -------------------------------------------------------------------------------

def test_variant_table_names_every_tuned_module() -> None:
    """Each engine's row lists exactly the operators it has a tuned module of (`none`: no tuned module)."""
    from src.bench.registry import engines
    from src.bench.run.variants import has_tuned

    section = _section((ROOT / "docs" / "operators.md").read_text(), "## Variants: stock and tuned")
    _, rows = _table(section, "| engine | tuned operators |")
    documented = {name: set() if tuned == "none" else set(tuned.split(", "))
                  for names, tuned, _ in rows for name in names.split(", ")}
    assert sorted(documented) == sorted(ENGINE_NAMES)
    for name in ENGINE_NAMES:
        assert documented[name] == {op for op in OPERATORS if has_tuned(engines()[name].package, op)}, name
