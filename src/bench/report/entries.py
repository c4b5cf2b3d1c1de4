"""Result records as the report sees them: read from any mix of files, deduplicated, one entry per cell.

A cell is (operators, dataset, rows, numeric columns, engine and variant): a tuned run is a series of its own,
named "<engine> tuned". The same run can arrive twice (its run file and
the comparison that embeds it) and a cell can have been run again (a rerun of compare, a sweep with
--retry-failed): the latest record of a cell wins. Speed-up is the numpy engine's median over the engine's,
taken from the numpy record of the same operators, dataset and size.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from src.bench.data.results import read_records
from src.bench.errors import UserError
from src.bench.report.tables import BASELINE, median_seconds, speedup, variant
from src.bench.run.variants import STOCK

log = logging.getLogger("prepbench")
RESULT_SUFFIXES = (".json", ".jsonl")


@dataclass
class Entry:
    record: dict[str, Any]
    engine: str  # the series: the engine's name, "<engine> tuned" for its tuned variant
    operators: str  # "Tokenizer -> HashingTF" for a pipeline, "spec:ctr" for a spec file
    dataset: str
    rows: int | None
    cols: int | None  # the numeric column count of a sweep cell; None for compare and run results
    speedup: float | None = None

    @property
    def status(self) -> str:
        return self.record.get("status", "unknown")

    @property
    def median(self) -> float | None:
        return median_seconds(self.record)

    @property
    def summary(self) -> dict[str, float]:
        return (self.record.get("timing") or {}).get("summary") or {}

    @property
    def rows_per_second(self) -> float | None:
        return (self.record.get("timing") or {}).get("rows_per_second")

    @property
    def peak_rss(self) -> float | None:
        return (self.record.get("resources") or {}).get("peak_rss_bytes")

    @property
    def engine_name(self) -> str:
        return self.record["engine"].get("name", "?")

    @property
    def variant(self) -> str:
        return variant(self.record)

    def cell(self) -> tuple:
        return self.operators, self.dataset, self.rows, self.cols, self.engine


def result_files(paths: list[str]) -> list[Path]:
    """The named files, and the .json/.jsonl files under named directories (hidden ones skipped)."""
    files: list[Path] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            files += sorted(
                f for f in path.rglob("*")
                if f.suffix in RESULT_SUFFIXES and f.is_file()
                and not any(part.startswith(".") for part in f.relative_to(path).parts)
            )
        elif path.is_file():
            files.append(path)
        else:
            raise UserError(f"result file not found: {name}; give run JSON, comparison JSON or sweep JSONL files")
    return files


def load_entries(paths: list[str]) -> list[Entry]:
    records = []
    for f in result_files(paths):
        try:
            records += read_records(f)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            log.warning("skipping %s: not a prepbench result (%s)", f, exc)
    unique = {_run_key(r): r for r in records if _is_run(r)}
    entries = [_entry(r) for r in unique.values()]
    _fill_rows(entries)
    latest: dict[tuple, Entry] = {}
    for e in sorted(entries, key=lambda e: e.record.get("started_at") or ""):
        latest[e.cell()] = e
    entries = list(latest.values())
    _set_speedups(entries)
    return entries


def _is_run(record: Any) -> bool:
    return isinstance(record, dict) and isinstance(record.get("engine"), dict) and "status" in record


def _run_key(record: dict[str, Any]) -> tuple:
    return record["engine"].get("name"), variant(record), tuple(record.get("operators") or ()), record.get("started_at")


def _entry(record: dict[str, Any]) -> Entry:
    dataset = record.get("dataset") or {}
    cell = record.get("cell") or {}
    name = record["engine"].get("name", "?")
    return Entry(
        record=record,
        engine=name if variant(record) == STOCK else f"{name} {variant(record)}",
        operators=_label(record),
        dataset=dataset.get("uri") or dataset.get("input") or "?",
        rows=dataset.get("rows") or cell.get("rows"),
        cols=cell.get("cols"),
    )


END_TO_END = " (end to end)"  # the label's suffix for --end-to-end runs, timed otherwise than the operator alone


def _label(record: dict[str, Any]) -> str:
    """What a cell ran: a spec file's name (two specs may chain the same operators differently), else the chain
    of operators; end to end apart from the operator time."""
    spec = record.get("spec")
    ran = f"spec:{spec['name']}" if spec and spec.get("name") else " -> ".join(record.get("operators") or ["?"])
    return ran + (END_TO_END if (record.get("parameters") or {}).get("end_to_end") else "")


def _fill_rows(entries: list[Entry]) -> None:
    """A run that failed before loading has no row count: take it from another run on the same dataset."""
    known = {e.dataset: e.rows for e in entries if e.rows}
    for e in entries:
        if e.rows is None:
            e.rows = known.get(e.dataset)


def _set_speedups(entries: list[Entry]) -> None:
    base = {(e.operators, e.dataset, e.rows, e.cols): e.median for e in entries if e.engine == BASELINE}
    for e in entries:
        e.speedup = speedup(e.record, base.get((e.operators, e.dataset, e.rows, e.cols)))


def engine_order(entries: list[Entry]) -> list[str]:
    """Known engines in the registry's order (the reference first), each engine's tuned series after its stock
    one, then any other engine by name."""
    from src.bench.registry import engines

    known = list(engines())
    series = {e.engine: (e.engine_name, e.variant) for e in entries}

    def rank(name: str) -> tuple:
        engine, kind = series[name]
        return known.index(engine) if engine in known else len(known), engine, kind != STOCK

    return sorted(series, key=rank)


def variant_pairs(entries: list[Entry]) -> list[tuple[Entry, Entry]]:
    """(stock, tuned) entries of the same engine, operators, dataset and size, in report order."""
    stock = {(e.operators, e.dataset, e.rows, e.cols, e.engine_name): e for e in entries if e.variant == STOCK}
    order = engine_order(entries)
    pairs = [(stock[key], e) for e in entries if e.variant != STOCK
             and (key := (e.operators, e.dataset, e.rows, e.cols, e.engine_name)) in stock]
    return sorted(pairs, key=lambda p: (p[1].operators, p[1].rows or 0, p[1].cols or 0, order.index(p[1].engine)))


def operator_order(entries: list[Entry]) -> list[str]:
    from src.bench.spec.operators import OPERATORS

    rank = {name: i for i, name in enumerate(OPERATORS)}
    return sorted({e.operators for e in entries},
                  key=lambda op: (rank.get(op.removesuffix(END_TO_END).split(" -> ")[0], len(rank)), op))
