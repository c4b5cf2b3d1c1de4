"""`prepbench report`: Markdown and one self-contained HTML page from run, comparison and sweep results.

The report is built once as a list of sections (text, PNG plots, tables) and rendered twice: report.md with its
PNGs in plots/ beside it, and report.html with the same PNGs embedded as base64, so the page can be mailed or
archived as one file. The page has no scripts and loads nothing from outside.
"""

from __future__ import annotations

import argparse
import base64
import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from src.bench.data.results import ensure_writable_dir, utc_now, write_text_atomic
from src.bench.errors import UserError
from src.bench.report.tables import (
    COLUMNS,
    EXAMPLE_CHARS,
    PHASE_COLUMNS,
    cells,
    fmt_bytes,
    fmt_count,
    fmt_seconds,
    fmt_speedup,
    html_table,
    markdown_table,
    phase_rows,
    print_rich_table,
    summary_row,
)
from src.bench.run.consistency import first_example

STATUS_RANK = {"ok": 0, "inconsistent": 1, "interrupted": 2, "timeout": 3, "failed": 4}
ENV_FIELDS = (("hostname", "host"), ("cpu_model", "CPU"), ("cpu_cores_physical", "physical cores"),
              ("cpu_cores_logical", "logical cores"), ("memory_bytes", "RAM"), ("os", "OS"), ("python", "Python"),
              ("java", "Java"), ("tool_version", "prepbench"), ("git_commit", "git commit"))
ENGINE_FIELDS_SHOWN = {"name", "version", "mode", "nodes", "python"}
ENGINE_VOLATILE = {"app_id", "app_name", "resources", "warnings"}
ENGINE_LOCAL_VOLATILE = {"address", "node_ips", "driver_host"}
METHOD = ("Time is the median of the timed repetitions of the operator (fit + transform + the action that computes "
          "every output column), without engine start and data load; error bars and IQR span the middle half of "
          "the repetitions. Speed-up = numpy median / engine median on the same operator, data and size (above 1 "
          "is faster than numpy). Peak memory is the RSS of the engine's whole process tree (driver, executors, "
          "workers, daemons). Each engine ran in its own process.")


@dataclass
class Table:
    header: list[str]
    body: list[list[str]]
    classes: list[list[str]] | None = None


@dataclass
class Section:
    title: str
    text: str = ""
    images: list[tuple[str, bytes, str]] = field(default_factory=list)  # (file name, PNG, alt text)
    tables: list[Table] = field(default_factory=list)


def main(args: argparse.Namespace) -> int:
    from src.bench.report.entries import load_entries

    entries = load_entries(args.results)
    if not entries:
        raise UserError(f"no prepbench results found in {', '.join(args.results)}; "
                        "give run JSON, comparison JSON or sweep JSONL files")
    out = ensure_writable_dir(args.out)
    overview = summary_table(entries)
    sections = build_sections(entries, overview)
    title = f"prepbench report: {len(entries)} results"
    if args.format in ("md", "both"):
        path = write_markdown(out, title, sections)
        print(f"report (Markdown): {path}")
    if args.format in ("html", "both"):
        path = write_html(out, title, sections)
        print(f"report (HTML): {path}")
    print_rich_table("Median time (speed-up vs numpy), consistency", overview.header, overview.body)
    variants = variants_table(entries)
    if variants.body:
        print_rich_table("Stock vs tuned variants", variants.header, variants.body)
    return 0


def build_sections(entries: list, overview: Table) -> list[Section]:
    from src.bench.report.entries import engine_order, operator_order, variant_pairs
    from src.bench.report.plots import engine_colours, operator_figure, overview_figure, variants_figure

    colours = engine_colours(engine_order(entries))
    operators = operator_order(entries)
    timed = [e for e in entries if e.median]
    intro = Section("Summary", f"Generated {utc_now():%Y-%m-%d %H:%M} UTC. {METHOD}", tables=[overview])
    if len({e.operators for e in timed}) > 1:
        timed_ops = [op for op in operators if any(e.operators == op for e in timed)]
        intro.images.append(("overview.png", overview_figure(timed, timed_ops, colours),
                             "median time and speed-up per operator and engine"))
    sections = [intro, Section("Consistency with the numpy reference", _CONSISTENCY_TEXT,
                               tables=[consistency_matrix(entries)])]
    pairs = variant_pairs(entries)
    if pairs:
        timed_pairs = [(s, t) for s, t in pairs if s.median and t.median]
        images = [("variants.png", variants_figure(timed_pairs), "stock/tuned ratio per operator and engine")] if (
            timed_pairs) else []
        sections.append(Section("Stock vs tuned", _VARIANTS_TEXT, images, [variants_table(entries)]))
    sections.append(Section("Fixed costs", _FIXED_COSTS_TEXT, tables=[fixed_costs_table(entries)]))
    for i, op in enumerate(operators, 1):
        mine = [e for e in entries if e.operators == op]
        section = Section(op, tables=[results_table(mine)])
        phases = phase_rows([e.record for e in _sorted(mine)])
        if phases:
            section.text = _PHASES_TEXT
            section.tables.append(Table(list(PHASE_COLUMNS), phases))
        with_timing = [e for e in mine if e.median]
        if with_timing:
            name = f"{i:02d}_{re.sub(r'[^A-Za-z0-9_.-]+', '-', op.replace(' -> ', '-'))}.png"
            section.images.append((name, operator_figure(op, with_timing, colours), f"{op}: time, throughput, "
                                   "memory and speed-up per engine"))
        sections.append(section)
    sections.append(Section("Environment", "The machines and engines the results were measured on.",
                            tables=[environment_table(entries), engines_table(entries)]))
    return sections


_CONSISTENCY_TEXT = ("Every run compares its output with the numpy engine's (integers and tokens exactly, floats "
                     "within the operator's tolerance). A cell sums up every size run for that operator and engine; "
                     "where outputs differ it names the first differing row of the smallest such run: the column, "
                     "the row number in the input, and the reference's value vs the engine's.")


_VARIANTS_TEXT = ("Each engine's stock operator library beside its tuned variant, the fastest implementation from the "
                  "engine's core primitives (docs/operators.md): stock/tuned = stock median / tuned median, how much "
                  "of the stock time is the operator library rather than the engine. Both are checked against the "
                  "numpy reference on every run.")


def variants_table(entries: list) -> Table:
    """Operator x size x engine with both variants: the two medians, their ratio, both verdicts."""
    from src.bench.report.entries import variant_pairs

    with_cols = any(e.cols is not None for e in entries)
    body = []
    for stock, tuned in variant_pairs(entries):
        ratio = stock.median / tuned.median if stock.median and tuned.median else None
        body.append([stock.operators, fmt_count(stock.rows), *([fmt_count(stock.cols)] if with_cols else []),
                     stock.engine_name, fmt_seconds(stock.median), fmt_seconds(tuned.median), fmt_speedup(ratio),
                     f"{stock.status} / {tuned.status}"])
    header = ["operator", "rows", *(["cols"] if with_cols else []), "engine", "stock median s", "tuned median s",
              "stock/tuned", "status (stock / tuned)"]
    return Table(header, body)


_FIXED_COSTS_TEXT = ("Paid once per process, outside the timed repetitions: starting the engine (Spark session with "
                     "its JVM, Ray init and runtime_env set-up) and loading the input into the engine's memory (cached "
                     "and counted). Medians over the runs of each engine and size; the wall column is a whole "
                     "sweep cell or run (start, load, warm-up, repetitions and the consistency check).")


_PHASES_TEXT = ("End to end (--end-to-end): the whole batch job per repetition, the engine's own reader, fit, "
                "transform and its own Parquet writer; by phase below, a phase marked →write only plans work that "
                "the write runs. The written dataset was read back and checked against the reference.")


def fixed_costs_table(entries: list) -> Table:
    """Engine x size: median engine start, load and whole-cell seconds."""
    from src.bench.report.entries import engine_order

    def median(values: list[float]) -> str:
        values = sorted(v for v in values if v is not None)
        return fmt_seconds(values[len(values) // 2]) if values else "-"

    order = engine_order(entries)
    groups: dict[tuple, list] = {}
    for e in entries:
        groups.setdefault((order.index(e.engine), e.rows or 0), []).append(e)
    body = []
    for (_, rows), group in sorted(groups.items()):
        timing = [e.record.get("timing") or {} for e in group]
        body.append([group[0].engine, fmt_count(rows), median([t.get("startup_seconds") for t in timing]),
                     median([t.get("load_seconds") for t in timing]),
                     median([e.record.get("cell_seconds") for e in group]), str(len(group))])
    return Table(["engine", "rows", "engine start s", "load s", "wall per run s", "runs"], body)


def _sorted(entries: list) -> list:
    from src.bench.report.entries import engine_order

    order = engine_order(entries)
    return sorted(entries, key=lambda e: (e.rows or 0, e.cols or 0, order.index(e.engine)))


def results_table(entries: list) -> Table:
    """The comparison table of one operator, one row per engine and size."""
    with_cols = any(e.cols is not None for e in entries)
    header = list(COLUMNS)
    if with_cols:
        header.insert(3, "cols")
    body = []
    for e in _sorted(entries):
        row = summary_row(e.record, None)
        row.update(rows=e.rows, speedup_vs_numpy=e.speedup)
        text = cells(row)
        if with_cols:
            text.insert(3, fmt_count(e.cols))
        body.append(text)
    return Table(header, body)


def summary_table(entries: list) -> Table:
    """Operator x engine at a glance: median time, speed-up and status of every size."""
    from src.bench.report.entries import engine_order, operator_order

    engines = engine_order(entries)
    with_cols = any(e.cols is not None for e in entries)
    header = ["operator", "rows", *(["cols"] if with_cols else []), *engines]
    body = []
    for op in operator_order(entries):
        mine = [e for e in entries if e.operators == op]
        for rows, cols in sorted({(e.rows, e.cols) for e in mine}, key=lambda s: (s[0] or 0, s[1] or 0)):
            at = {e.engine: e for e in mine if (e.rows, e.cols) == (rows, cols)}
            body.append([op, fmt_count(rows), *([fmt_count(cols)] if with_cols else []),
                         *(_glance(at.get(engine)) for engine in engines)])
    return Table(header, body)


def _glance(e: Any) -> str:
    if e is None:
        return "-"
    if not e.median:
        return e.status
    return f"{fmt_seconds(e.median)} s ({fmt_speedup(e.speedup)}) {e.status}"


def consistency_matrix(entries: list) -> Table:
    """Operator x engine: ok when every run agreed with the reference, else what went wrong and where."""
    from src.bench.report.entries import engine_order, operator_order

    engines = engine_order(entries)
    body, classes = [], []
    for op in operator_order(entries):
        row, row_classes = [op], [""]
        for engine in engines:
            runs = [e for e in entries if e.operators == op and e.engine == engine]
            text, status = _verdict(runs)
            row.append(text)
            row_classes.append(f"st-{status}")
        body.append(row)
        classes.append(row_classes)
    return Table(["operator", *engines], body, classes)


def _verdict(runs: list) -> tuple[str, str]:
    if not runs:
        return "not run", "missing"
    worst = max((e.status for e in runs), key=lambda s: STATUS_RANK.get(s, len(STATUS_RANK)))
    ok = sum(e.status == "ok" for e in runs)
    if worst == "ok":
        return ("ok" if len(runs) == 1 else f"ok ({len(runs)} runs)"), "ok"
    not_ok = [e for e in sorted(runs, key=lambda e: e.rows or 0) if e.status != "ok"]
    text = f"{ok}/{len(runs)} ok; " + "; ".join(f"{e.status} at {fmt_count(e.rows)} rows" for e in not_ok)
    example = _first_difference(not_ok)
    if example:
        text += f"; first difference: {example}"
    return text, worst if worst in STATUS_RANK else "failed"


def _first_difference(runs: list) -> str | None:
    """The example of the first run that recorded one (failed runs and older results have none)."""
    examples = (first_example(e.record.get("consistency") or {}, EXAMPLE_CHARS) for e in runs)
    return next((x for x in examples if x), None)


def environment_table(entries: list) -> Table:
    """One column per distinct machine the results came from."""
    machines: dict[str, dict[str, Any]] = {}  # a machine's fields; ones a record lacks (Java) come from another
    for e in entries:
        env = e.record.get("environment") or {}
        if env:
            key = repr([env.get(k) for k, _ in ENV_FIELDS if k not in ("java", "git_commit", "tool_version")])
            merged = machines.setdefault(key, dict(env))
            merged.update({k: v for k, v in env.items() if merged.get(k) is None})
    envs = list(machines.values())
    header = ["", *(f"machine {i}" for i in range(1, len(envs) + 1))] if len(envs) > 1 else ["", "value"]
    body = [[label, *(_env_value(key, env.get(key)) for env in envs)] for key, label in ENV_FIELDS]
    return Table(header, body)


def _env_value(key: str, value: Any) -> str:
    if value is None:
        return "-"
    return fmt_bytes(value) if key == "memory_bytes" else str(value)


def engines_table(entries: list) -> Table:
    """One row per engine set-up; a failed run that never started its engine shows only when nothing else does."""
    from src.bench.report.entries import engine_order

    order = engine_order(entries)
    rows: dict[tuple, list[str]] = {}
    for e in entries:
        info = e.record["engine"]
        row = [e.engine, str(info.get("version") or "-"), str(info.get("mode") or "-"), str(info.get("nodes") or "-"),
               _engine_details(info)]
        rows.setdefault(tuple(row), row)
    started = {r[0] for r in rows.values() if r[2] != "-"}
    kept = [r for r in rows.values() if r[2] != "-" or r[0] not in started]
    return Table(["engine", "version", "mode", "nodes", "details"], sorted(kept, key=lambda r: order.index(r[0])))


def _engine_details(info: dict[str, Any]) -> str:
    """The engine's set-up without what changes from run to run (ids, timings, a local cluster's random port)."""
    volatile = ENGINE_VOLATILE | (ENGINE_LOCAL_VOLATILE if info.get("mode") == "local" else set())
    shown = {k: v for k, v in info.items() if k not in ENGINE_FIELDS_SHOWN | volatile and not k.endswith("_seconds")
             and v not in (None, "", [], {})}
    return ", ".join(f"{k}={v}" for k, v in shown.items()) or "-"


def write_markdown(out: Path, title: str, sections: list[Section]) -> Path:
    plots = out / "plots"
    parts = [f"# {title}\n"]
    for s in sections:
        parts.append(f"## {s.title}\n")
        if s.text:
            parts.append(s.text + "\n")
        for name, png, alt in s.images:
            plots.mkdir(exist_ok=True)
            (plots / name).write_bytes(png)
            parts.append(f"![{alt}](plots/{name})\n")
        parts += [markdown_table(t.header, t.body) for t in s.tables]
    return write_text_atomic(out / "report.md", "\n".join(parts))


def write_html(out: Path, title: str, sections: list[Section]) -> Path:
    body = [f"<h1>{html.escape(title)}</h1>"]
    for s in sections:
        body.append(f"<h2>{html.escape(s.title)}</h2>")
        if s.text:
            body.append(f"<p>{html.escape(s.text)}</p>")
        for _, png, alt in s.images:
            data = base64.b64encode(png).decode("ascii")
            body.append(f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt)}">')
        body += [html_table(t.header, t.body, t.classes) for t in s.tables]
    page = _PAGE.format(title=html.escape(title), style=_STYLE, body="\n".join(body))
    return write_text_atomic(out / "report.html", page)


_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1250px; color: #222; padding: 0 1em; }
h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #ddd; padding-bottom: .2em; margin-top: 2em; }
img { max-width: 100%; display: block; margin: 1em 0; }
table { border-collapse: collapse; margin: 1em 0; font-size: .85em; }
th, td { border: 1px solid #ccc; padding: .3em .6em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
.st-ok { background: #dff5e1; } .st-inconsistent { background: #fde2e1; } .st-failed { background: #e8e8e8; }
.st-timeout { background: #fff1d6; } .st-interrupted { background: #fff1d6; } .st-missing { color: #888; }
"""

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>{title}</title>
<style>{style}</style>
</head>
<body>
{body}
</body>
</html>
"""
