"""The comparison table of `compare` and `report`: one row per run record, in Markdown, HTML or the terminal.

Speed-up is the reference engine's median time divided by the engine's (the reference is the single-machine
baseline of DESIGN.md): 2.0 means twice as fast as the reference, 0.5 half as fast. stock/tuned, on a tuned run's
row, is the same engine's stock median divided by the tuned one: how much of the time is the operator library.
"""

from __future__ import annotations

import html
from typing import Any

from src.bench.registry import REFERENCE as BASELINE
from src.bench.run.consistency import first_example
from src.bench.run.variants import STOCK, TUNED

COLUMNS = ("engine", "variant", "implementation", "rows", "median s", "IQR s", "rows/s", "peak RSS", "mean CPU",
           f"speed-up vs {BASELINE}", "stock/tuned", "consistency", "status")
WIDE_TERMINAL = 200  # table width when the output is a file or a CI log rather than a terminal
EXAMPLE_CHARS = 30  # each value of the example that a table shows of an inconsistent output is cut to this


def median_seconds(record: dict[str, Any]) -> float | None:
    return ((record.get("timing") or {}).get("summary") or {}).get("median")


def implementation_label(record: dict[str, Any]) -> str:
    labels = record.get("implementations") or {}
    if len(labels) == 1:
        return next(iter(labels.values()))
    return ", ".join(f"{op}: {label}" for op, label in labels.items()) or "-"


def status_text(record: dict[str, Any]) -> str:
    error = record.get("error")
    if not error:
        return record["status"]
    return f"{record['status']}: {error.get('type', 'Error')}: {error.get('message', '')}"


def speedup(record: dict[str, Any], baseline_median: float | None) -> float | None:
    median = median_seconds(record)
    if not median or not baseline_median:
        return None
    return baseline_median / median


def variant(record: dict[str, Any]) -> str:
    """The variant a run ran (a record of an older version, without one, ran the stock operators)."""
    return record.get("variant") or STOCK


def stock_over_tuned(records: list[dict[str, Any]], record: dict[str, Any]) -> float | None:
    """On a tuned run: the median of the same engine's stock run among `records` over the tuned one."""
    if variant(record) != TUNED:
        return None
    stock = next((median_seconds(r) for r in records
                  if r["engine"]["name"] == record["engine"]["name"] and variant(r) == STOCK), None)
    tuned = median_seconds(record)
    return stock / tuned if stock and tuned else None


def summary_row(record: dict[str, Any], baseline_median: float | None,
                ratio: float | None = None) -> dict[str, Any]:
    """The figures of one run that the table shows, as plain values (JSON-friendly); `ratio`: stock/tuned."""
    timing = record.get("timing") or {}
    resources = record.get("resources") or {}
    return {
        "engine": record["engine"]["name"],
        "variant": variant(record),
        "implementation": implementation_label(record),
        "rows": (record.get("dataset") or {}).get("rows"),
        "median_seconds": median_seconds(record),
        "iqr_seconds": (timing.get("summary") or {}).get("iqr"),
        "rows_per_second": timing.get("rows_per_second"),
        "peak_rss_bytes": resources.get("peak_rss_bytes"),
        "mean_cpu_percent": resources.get("mean_cpu_percent"),
        "speedup_vs_numpy": speedup(record, baseline_median),
        "stock_over_tuned": ratio,
        "consistency": (record.get("consistency") or {}).get("verdict", "-"),
        "consistency_example": first_example(record.get("consistency") or {}, EXAMPLE_CHARS),
        "status": status_text(record),
    }


def phases_text(end_to_end: dict[str, Any]) -> str:
    """The median seconds of the end-to-end phases, "read 0.12 / fit 0.30 / transform 0.00→write / write 0.80 s": a
    phase the engine fuses into a later one shows where its work is done."""
    fused = end_to_end.get("fused") or {}
    summary = end_to_end.get("phase_summary") or {}
    parts = [f"{p} {s['median']:.3f}" + (f"→{fused[p]}" if p in fused else "") for p, s in summary.items()]
    return " / ".join(parts) + " s" if parts else "-"


def cached_text(end_to_end: dict[str, Any]) -> str:
    """The share of the input in the page cache before the first and before the last repetition: "0% / 100%"."""
    shares = end_to_end.get("input_cached_fraction") or []
    if not shares or None in shares:
        return "unknown"
    return f"{shares[0]:.0%} / {shares[-1]:.0%}"


PHASE_COLUMNS = ("engine", "rows", "median s", "read / fit / transform / write (median)",
                 "input in page cache (first / last repetition)", "written files")


def phase_rows(records: list[dict[str, Any]]) -> list[list[str]]:
    """The end-to-end runs' phases, one row each (none when no run was end to end)."""
    rows = []
    for record in records:
        section = record.get("end_to_end")
        if section and section.get("phase_summary"):
            written = section.get("written") or {}
            rows.append([record["engine"]["name"], fmt_count((record.get("dataset") or {}).get("rows")),
                         fmt_seconds(median_seconds(record)), phases_text(section),
                         cached_text(section), f"{written.get('files', 0)} ({fmt_bytes(written.get('bytes'))})"])
    return rows


def baseline_median(records: list[dict[str, Any]]) -> float | None:
    return next((median_seconds(r) for r in records
                 if r["engine"]["name"] == BASELINE and variant(r) == STOCK and median_seconds(r)), None)


def fmt_seconds(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.3g}" if value < 0.001 else f"{value:.4f}"


def fmt_rate(value: float | None) -> str:
    return "-" if not value else f"{value:,.0f}"


def fmt_bytes(value: float | None) -> str:
    if not value:
        return "-"
    for unit in ("B", "KiB", "MiB"):
        if value < 1024:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.2f} GiB"


def fmt_speedup(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.2f}x" if value >= 0.01 else f"{value:.2g}x"


def fmt_count(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def cells(row: dict[str, Any]) -> list[str]:
    """A row as the text of COLUMNS."""
    cpu = row["mean_cpu_percent"]
    return [
        row["engine"], row["variant"], row["implementation"], fmt_count(row["rows"]),
        fmt_seconds(row["median_seconds"]), fmt_seconds(row["iqr_seconds"]), fmt_rate(row["rows_per_second"]),
        fmt_bytes(row["peak_rss_bytes"]),
        "-" if cpu is None else f"{cpu:.0f}%", fmt_speedup(row["speedup_vs_numpy"]),
        fmt_speedup(row["stock_over_tuned"]), consistency_text(row), row["status"],
    ]


def consistency_text(row: dict[str, Any]) -> str:
    """The verdict, and for a mismatch its first example, so the table says what differs (a summary row stored by
    an older version has no example)."""
    example = row.get("consistency_example")
    return f"{row['consistency']} ({example})" if example else row["consistency"]


def markdown_table(header: list[str] | tuple[str, ...], body: list[list[str]]) -> str:
    def line(values: list[str] | tuple[str, ...]) -> str:
        return "| " + " | ".join(str(v).replace("|", "\\|").replace("\n", " ") for v in values) + " |"

    return "\n".join([line(header), "|" + "---|" * len(header), *(line(r) for r in body)]) + "\n"


def html_table(header: list[str] | tuple[str, ...], body: list[list[str]],
               classes: list[list[str]] | None = None) -> str:
    """An HTML table; `classes` gives a CSS class per cell (e.g. the status colour of the consistency matrix)."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    rows = []
    for i, row in enumerate(body):
        tds = []
        for j, value in enumerate(row):
            cls = classes[i][j] if classes else ""
            attr = f' class="{cls}"' if cls else ""
            tds.append(f"<td{attr}>{html.escape(str(value))}</td>")
        rows.append("<tr>" + "".join(tds) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>\n"


def print_rich_table(title: str, header: list[str] | tuple[str, ...], body: list[list[str]]) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console()
    if not console.is_terminal:
        console = Console(width=WIDE_TERMINAL)
    table = Table(title=title, title_justify="left")
    for name in header:
        table.add_column(name, overflow="fold")
    for row in body:
        table.add_row(*(Text(str(v)) for v in row))  # no markup: error messages may hold [brackets]
    console.print(table)
