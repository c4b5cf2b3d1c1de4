"""Variants: which engines have tuned modules, what --variant runs on each, and how the report pairs them."""

from __future__ import annotations

import pytest

from src.bench.registry import engines
from src.bench.report.entries import _entry, engine_order, variant_pairs
from src.bench.report.render import variants_table
from src.bench.report.summary import listing
from src.bench.run.variants import chosen_variants, engine_variants, has_tuned
from src.bench.spec.operators import OPERATORS

TUNED = {  # the operators with a tuned module, by engine (docs/operators.md says why the others have none)
    "spark": {"StandardScaler", "MinMaxScaler", "Imputer", "StringIndexer", "OneHotEncoder", "Tokenizer", "HashingTF",
              "IDF"},
    "ray": {"StandardScaler", "MinMaxScaler", "Imputer", "StringIndexer", "OneHotEncoder", "Tokenizer", "IDF"},
}


def test_tuned_modules_are_where_the_engines_keep_them() -> None:
    found = {name: {op for op in OPERATORS if has_tuned(f.package, op)} for name, f in engines().items()}
    assert found == {name: TUNED.get(name, set()) for name in engines()}
    assert {e["name"]: set(e["tuned_operators"]) for e in listing()["engines"]} == found


@pytest.mark.parametrize(("engine", "operators", "choice", "expected"), [
    ("spark", ["StandardScaler"], "all", ["stock", "tuned"]),
    ("spark", ["StandardScaler"], "tuned", ["tuned"]),
    ("spark", ["StandardScaler"], "stock", ["stock"]),
    ("spark", ["HashingTF"], "all", ["stock", "tuned"]),
    ("spark", ["CountVectorizer"], "all", ["stock"]),  # no tuned module: stock is the floor
    ("spark", ["CountVectorizer"], "tuned", ["stock"]),
    ("ray", ["Tokenizer", "HashingTF", "IDF"], "all", ["stock", "tuned"]),  # a pipeline with some tuned steps
    ("numpy", ["StandardScaler"], "all", ["stock"]),
    ("ray", ["HashingTF"], "tuned", ["stock"]),
])
def test_what_each_choice_runs(engine: str, operators: list[str], choice: str, expected: list[str]) -> None:
    assert chosen_variants(engine, operators, choice) == expected
    assert engine_variants(engine, operators) == chosen_variants(engine, operators, "all")


def _record(engine: str, variant: str | None, median: float, rows: int = 1000) -> dict:
    record = {"engine": {"name": engine}, "status": "ok", "operators": ["StandardScaler"],
              "dataset": {"input": "d.parquet", "rows": rows}, "started_at": f"2026-01-01T00:00:0{len(engine)}",
              "timing": {"summary": {"median": median}}}
    return record if variant is None else {**record, "variant": variant}


def test_the_report_pairs_each_tuned_run_with_its_stock_run() -> None:
    entries = [_entry(r) for r in (_record("numpy", None, 0.1), _record("spark", "stock", 0.9),
                                   _record("spark", "tuned", 0.3), _record("ray", "tuned", 0.5))]
    assert engine_order(entries) == ["numpy", "spark", "spark tuned", "ray tuned"]
    assert [(s.engine, t.engine) for s, t in variant_pairs(entries)] == [("spark", "spark tuned")]
    table = variants_table(entries)
    assert table.body == [["StandardScaler", "1,000", "spark", "0.9000", "0.3000", "3.00x", "ok / ok"]]
