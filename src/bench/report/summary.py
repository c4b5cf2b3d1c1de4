"""Terminal output: the operator/engine listing and the summary of one run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from src.bench import registry
from src.bench.run.variants import has_tuned
from src.bench.spec.operators import OPERATORS


def listing() -> dict[str, Any]:
    operators = [
        {
            "name": spec.name,
            "kind": spec.kind,
            "description": spec.description,
            "input": f"{' or '.join(spec.input_kinds)} ({', '.join(spec.default_inputs)})",
            "output": f"{spec.output_kind} ({'' if spec.combines else '<input>_'}{spec.output_suffix})",
            "params": {p.name: {"type": p.type.__name__, "default": p.default, "help": p.help} for p in spec.params},
        }
        for spec in OPERATORS.values()
    ]
    engines = [
        {"name": e.name, "description": e.description, "installed": registry.engine_installed(e.name),
         "version": registry.engine_version(e.name),
         "tuned_operators": [op for op in OPERATORS if has_tuned(e.package, op)]}
        for e in registry.engines().values()
    ]
    return {"operators": operators, "engines": engines}


def print_listing(as_json: bool = False) -> None:
    data = listing()
    if as_json:
        print(json.dumps(data, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    # overflow="fold": a cell narrower than its longest word wraps inside the word, never cuts it with "…"; the
    # names people look for (the first column) are never broken
    ops = Table(title="Operators", title_justify="left")
    for col in ("operator", "kind", "input (default columns)", "output", "parameters (default)"):
        ops.add_column(col, overflow="fold", no_wrap=col == "operator")
    for op in data["operators"]:
        params = ", ".join(f"{k}={json.dumps(v['default'])}" if v["default"] is not None else f"{k} (required)"
                           for k, v in op["params"].items()) or "-"
        ops.add_row(op["name"], op["kind"], op["input"], op["output"], params)
    eng = Table(title="Engines", title_justify="left")
    for col in ("engine", "what", "status", "version", "variants (--variant)"):
        eng.add_column(col, overflow="fold", no_wrap=col == "engine")
    for e in data["engines"]:
        status = "installed" if e["installed"] else "[yellow]not installed[/]"
        eng.add_row(e["name"], e["description"], status, e["version"] or "-", _variants_text(e["tuned_operators"]))
    console = _listing_console(Console)
    console.print(ops)
    console.print(eng)
    console.print("All operators take input_cols and output_cols too; see docs/operators.md for the semantics.")
    console.print("Variants: stock = the engine's operator library; tuned = the fastest implementation from the "
                  "engine's core primitives (docs/operators.md); an engine without tuned modules is its own floor.")


def _variants_text(tuned: list[str]) -> str:
    if not tuned:
        return "stock"
    return f"stock, tuned ({'every operator' if len(tuned) == len(OPERATORS) else ', '.join(tuned)})"


def _listing_console(console_cls):
    """A terminal gets tables fitted to its width; a pipe or file (`prepbench list | cat`, `> list.txt`) gets
    every cell on one line in full, since rich would otherwise fit them to a guessed 80 columns."""
    console = console_cls()
    if not console.is_terminal:
        console = console_cls(width=10_000)
    return console


def _fmt_bytes(n: float | None) -> str:
    if not n:
        return "-"
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"


def print_run(record: dict[str, Any], path: Path | None) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from src.bench.report.tables import cached_text, phases_text
    from src.bench.run.consistency import first_example

    console = Console()
    status = record["status"]
    variant = record.get("variant", "stock")
    title = f"{record['engine']['name']} ({variant}) · {' → '.join(record['operators'])} · {status}"
    table = Table(title=title, title_justify="left")
    table.add_column("metric")
    table.add_column("value", justify="right")
    timing = record.get("timing")
    if timing and "summary" in timing:  # a failed or interrupted run may hold only some repetitions
        s = timing["summary"]
        table.add_row("rows", f"{record['dataset']['rows']:,}")
        fit = record["dataset"].get("fit_input")
        if fit and fit.get("rows") is not None:
            table.add_row("fitted on", f"{fit['rows']:,} rows of {fit['input']}")
        table.add_row("median time", f"{s['median']:.4f} s")
        table.add_row("IQR / min / max", f"{s['iqr']:.4f} / {s['min']:.4f} / {s['max']:.4f} s")
        end_to_end = record.get("end_to_end")
        if end_to_end:
            table.add_row("read / fit / transform / write (median)", phases_text(end_to_end))
            table.add_row("input in page cache (first / last repetition)", cached_text(end_to_end))
        else:
            table.add_row("fit / transform (median)",
                          f"{timing['fit_summary']['median']:.4f} / {timing['transform_summary']['median']:.4f} s")
        table.add_row("rows/s", f"{timing['rows_per_second']:,.0f}" if timing["rows_per_second"] else "-")
        load = "end to end" if end_to_end else f"{timing['load_seconds']:.2f} s"
        table.add_row("engine start / load", f"{timing['startup_seconds']:.2f} s / {load}")
        res = record.get("resources", {})
        table.add_row("peak RSS / mean CPU", f"{_fmt_bytes(res.get('peak_rss_bytes'))} / "
                                             f"{res.get('mean_cpu_percent', 0):.0f}%")
        c = record.get("consistency", {})
        table.add_row("consistency", f"{c.get('verdict')} ({c.get('rows_checked', 0):,} rows vs "
                                     f"{c.get('reference', 'numpy')})")
        example = first_example(c)
        if example:
            table.add_row("first difference", Text(example))  # values may hold [brackets]
    impl = ", ".join(f"{k}: {v}" for k, v in record.get("implementations", {}).items())
    table.add_row("implementation", impl)
    if record.get("error"):
        table.add_row("error", f"{record['error']['type']}: {record['error']['message']}")
    console.print(table)
    if path:
        console.print(f"result: {path}")
