"""PNG plots of the report, drawn with matplotlib's Agg backend (no display needed).

One figure per operator with four panels: median time, throughput, peak memory and speed-up over numpy. With
several sizes the panels are log-log lines against rows; with one size they are bars. An overview figure
compares all operators at their largest size. An engine has the same colour in every figure.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

from src.bench import registry
from src.bench.report.entries import Entry, engine_order
from src.bench.report.tables import BASELINE

SPARE_COLOURS = ("#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")
LINE_STYLES = ("-", "--", ":", "-.")
MIB = 1024 * 1024


@dataclass(frozen=True)
class Panel:
    title: str
    ylabel: str
    value: Callable[[Entry], float | None]
    log: bool
    reference: float | None = None  # a dashed line at this value: the baseline, drawn instead of its own bars
    spread: Callable[[Entry], tuple[float, float]] | None = None  # error bar (low, high)


PANELS = (
    Panel("Median time", "seconds per repetition", lambda e: e.median, True,
          spread=lambda e: (e.summary.get("q1", e.median), e.summary.get("q3", e.median))),
    Panel("Throughput", "rows per second", lambda e: e.rows_per_second, True),
    Panel("Peak memory (engine process tree)", "peak RSS (MiB)", lambda e: e.peak_rss / MIB if e.peak_rss else None,
          False),
    Panel(f"Speed-up over {BASELINE}", f"x faster than {BASELINE}", lambda e: e.speedup, True, reference=1.0),
)


def engine_colours(engines: list[str]) -> dict[str, str]:
    """Each known engine's own colour; spare colours, in name order, for any other (an old result's engine)."""
    known = {name: f.colour for name, f in registry.engines().items()}
    others = sorted(e for e in engines if e not in known)
    return {**known, **{e: SPARE_COLOURS[i % len(SPARE_COLOURS)] for i, e in enumerate(others)}}


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    _pyplot().close(fig)
    return buf.getvalue()


def operator_figure(operator: str, entries: list[Entry], colours: dict[str, str]) -> bytes:
    """The four panels of one operator (entries with timings only)."""
    plt = _pyplot()
    sizes = {e.rows for e in entries}
    fig, axes = plt.subplots(2, 2, figsize=(11, 7.5), sharex=len(sizes) > 1)
    rows_text = f"{next(iter(sizes)):,} rows" if len(sizes) == 1 else f"{len(sizes)} sizes"
    fig.suptitle(f"{operator} ({rows_text})", fontsize=14)
    for ax, panel in zip(axes.flat, PANELS):
        if len(sizes) > 1:
            _lines(ax, entries, panel, colours)
        else:
            _bars(ax, entries, panel, colours)
    fig.tight_layout()
    return _png(fig)


def _series(entries: list[Entry]) -> dict[tuple[str, int | None], list[Entry]]:
    """Entries by (engine, numeric columns), each sorted by rows."""
    out: dict[tuple[str, int | None], list[Entry]] = {}
    for e in sorted(entries, key=lambda e: e.rows or 0):
        out.setdefault((e.engine, e.cols), []).append(e)
    order = engine_order(entries)
    return dict(sorted(out.items(), key=lambda kv: (order.index(kv[0][0]), kv[0][1] or 0)))


def _label(engine: str, cols: int | None, several_cols: bool) -> str:
    """Sweep cells say their column count; runs and comparisons (no count) are told apart from them."""
    if not several_cols:
        return engine
    return f"{engine}, {cols} cols" if cols is not None else f"{engine}, run/compare"


def _lines(ax, entries: list[Entry], panel: Panel, colours: dict[str, str]) -> None:
    series = _series(_shown(entries, panel))
    col_counts = sorted({cols for _, cols in series if cols is not None})
    several = len({cols for _, cols in series}) > 1
    for (engine, cols), items in series.items():
        items = [e for e in items if panel.value(e)]
        if not items:
            continue
        style = LINE_STYLES[col_counts.index(cols) % len(LINE_STYLES)] if cols in col_counts else "-"
        xs, ys = [e.rows for e in items], [panel.value(e) for e in items]
        ax.errorbar(xs, ys, yerr=_yerr(items, panel), fmt=style, marker="o", capsize=3, color=colours[engine],
                    label=_label(engine, cols, several))
    ax.set_xscale("log")
    if panel.log:
        ax.set_yscale("log")
    _finish_axes(ax, panel, "rows (log scale)", panel.ylabel + (" (log scale)" if panel.log else ""))


def _bars(ax, entries: list[Entry], panel: Panel, colours: dict[str, str]) -> None:
    series = _series(_shown(entries, panel))
    several = len({cols for _, cols in series}) > 1
    labels = [_label(engine, cols, several) for engine, cols in series]
    last = [items[-1] for items in series.values()]
    heights = [panel.value(e) or 0.0 for e in last]
    bars = ax.bar(labels, heights, yerr=_yerr(last, panel), capsize=4,
                  color=[colours[engine] for engine, _ in series], label=labels)
    for bar, h in zip(bars, heights):
        if h:
            ax.annotate(f"{h:.3g}", (bar.get_x() + bar.get_width() / 2, h), ha="center", va="bottom", fontsize=8)
    positive = [h for h in heights if h > 0]
    log = panel.log and bool(positive) and max(positive) / min(positive) > 30
    if log:
        ax.set_yscale("log")
    _finish_axes(ax, panel, "engine", panel.ylabel + (" (log scale)" if log else ""))


def _shown(entries: list[Entry], panel: Panel) -> list[Entry]:
    """The baseline is the reference line of a relative panel, not a series of its own."""
    return [e for e in entries if panel.reference is None or e.engine != BASELINE]


def _yerr(items: list[Entry], panel: Panel) -> list[list[float]] | None:
    if panel.spread is None:
        return None
    values = [panel.value(e) or 0.0 for e in items]
    lows, highs = zip(*(panel.spread(e) for e in items))
    return [[max(v - lo, 0.0) for v, lo in zip(values, lows)], [max(hi - v, 0.0) for v, hi in zip(values, highs)]]


def _finish_axes(ax, panel: Panel, xlabel: str, ylabel: str) -> None:
    if panel.reference is not None:
        ax.axhline(panel.reference, color=registry.facts(BASELINE).colour, linewidth=1.2, linestyle="--",
                   label=f"{BASELINE} = {panel.reference:g}")
    ax.set_title(panel.title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, which="major", alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8)


def variants_figure(pairs: list[tuple[Entry, Entry]]) -> bytes:
    """stock/tuned of every operator and engine at the operator's largest size: grouped bars, 1 = no gain."""
    plt = _pyplot()
    operators = list(dict.fromkeys(t.operators for _, t in pairs))
    largest = {op: max(_size(t) for _, t in pairs if t.operators == op) for op in operators}
    chosen = [(s, t) for s, t in pairs if _size(t) == largest[t.operators]]
    engines = list(dict.fromkeys(t.engine_name for _, t in chosen))
    colours = engine_colours(engines)
    fig, ax = plt.subplots(figsize=(max(6.0, 1.4 * len(operators) + 2), 4.8))
    width = 0.8 / max(len(engines), 1)
    for i, engine in enumerate(engines):
        xs, ys = [], []
        for j, op in enumerate(operators):
            pair = next(((s, t) for s, t in chosen if t.engine_name == engine and t.operators == op), None)
            if pair:
                xs.append(j + (i - (len(engines) - 1) / 2) * width)
                ys.append(pair[0].median / pair[1].median)
        bars = ax.bar(xs, ys, width=width, color=colours[engine], label=engine)
        for bar, y in zip(bars, ys):
            ax.annotate(f"{y:.2f}", (bar.get_x() + bar.get_width() / 2, y), ha="center", va="bottom", fontsize=8)
    ax.axhline(1.0, color="#444", linewidth=1, linestyle="--", label="stock = tuned")
    ax.set_xticks(range(len(operators)), operators, rotation=30, ha="right")
    ax.set_ylabel("stock median / tuned median")
    ax.set_title("Stock vs tuned: how much of the stock time is the operator library (each operator at its largest "
                 "size)", fontsize=10)
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return _png(fig)


def _size(e: Entry) -> tuple[int, int]:
    return e.rows or 0, e.cols or 0


def overview_figure(entries: list[Entry], operators: list[str], colours: dict[str, str]) -> bytes:
    """Median time and speed-up of every operator at its largest size, grouped bars per engine."""
    plt = _pyplot()
    largest = {op: max(_size(e) for e in entries if e.operators == op) for op in operators}
    chosen = [e for e in entries if _size(e) == largest[e.operators] and e.median]
    engines = engine_order(chosen)
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.8))
    width = 0.8 / max(len(engines), 1)
    for ax, panel in zip(axes, (PANELS[0], PANELS[3])):
        shown = [e for e in engines if panel.reference is None or e != BASELINE]
        for i, engine in enumerate(shown):
            xs, ys = [], []
            for j, op in enumerate(operators):
                v = next((panel.value(e) for e in chosen if e.engine == engine and e.operators == op), None)
                if v:
                    xs.append(j + (i - (len(shown) - 1) / 2) * width)
                    ys.append(v)
            ax.bar(xs, ys, width=width, color=colours[engine], label=engine)
        ax.set_xticks(range(len(operators)), operators, rotation=30, ha="right")
        ax.set_yscale("log")
        _finish_axes(ax, panel, "operator", f"{panel.ylabel} (log scale)")
        ax.set_title(f"{panel.title}, each operator at its largest size")
    fig.tight_layout()
    return _png(fig)
