"""How many cores would Spark or Ray need to beat one numpy thread? A COST-style table (McSherry et al.,
"Scalability! But at what COST?") EXTRAPOLATED from sweeps run at 1 and at 2 cores on this machine.

    python benchmarks/cost.py --sweeps two_cores.jsonl one_core.jsonl [--markdown]

The sweep files hold prepbench records: numpy cells (the single-thread baseline), and Spark/Ray cells whose core
count is read from the records (Spark `local[N]`; Ray's CPU resource). Each variant (stock, tuned) of an engine is
its own row: a tuned variant's 1-core cell pairs with its own 2-core cell. Two estimates per cell, both labelled
as extrapolations, since no more than 2 cores were measured:

- Amdahl fit: T(c) = a + b/c through T(1) and T(2); the cores c with T(c) < numpy's time. If the serial part a
  alone is above numpy's time, no core count is enough; if the second core did not help, nothing can be fitted.
- CPU-work bound: the engine's process-tree CPU-seconds per repetition at 1 core over numpy's time; with
  perfect scaling and no coordination at all, fewer cores than this cannot be enough.

It has no target to meet (it is a reading aid for docs/results.md), so it exits 0 whenever it prints the
table; 2 when its input is unusable (a missing file, or files without a cell it can use).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

ENGINES = ("spark", "ray")


def read_records(paths: list[str]) -> list[dict[str, Any]]:
    records = []
    for path in paths:
        for line in Path(path).read_text().splitlines():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                continue  # a torn last line of an interrupted sweep
    return [r for r in records if r.get("status") == "ok" and r.get("timing", {}).get("summary")]


def cores(record: dict[str, Any]) -> int | None:
    """Cores the engine ran on: 1 for numpy; Spark's local[N] (local[*] = the machine's cores); Ray's CPUs."""
    engine = record["engine"]
    if engine["name"] == "numpy":
        return 1
    if engine["name"] == "spark":
        master = engine.get("master", "")
        if master.startswith("local[") and master[6:-1].isdigit():
            return int(master[6:-1])
        return engine.get("default_parallelism") if master == "local[*]" else None
    if engine["name"] == "ray":
        cpu = engine.get("resources", {}).get("CPU")
        return int(cpu) if cpu else None
    return None


def cpu_seconds_per_repetition(record: dict[str, Any]) -> float:
    """The sampler covers warm-ups and repetitions; its mean CPU times that window, per repetition."""
    timing = record["timing"]
    runs = timing["warmup_seconds"] + timing["repetition_seconds"]
    return record["resources"]["mean_cpu_percent"] / 100.0 * sum(runs) / len(runs)


def latest_cells(records: list[dict[str, Any]]) -> dict[tuple, dict[str, Any]]:
    """(engine, variant, operator, rows, cores) -> the latest record of that cell."""
    cells: dict[tuple, dict[str, Any]] = {}
    for r in sorted(records, key=lambda r: r["started_at"]):
        key = (r["engine"]["name"], r.get("variant", "stock"), r["operators"][0], r["dataset"]["rows"], cores(r))
        cells[key] = r
    return cells


def amdahl_cores(t1: float, t2: float, baseline: float) -> str:
    parallel = 2.0 * (t1 - t2)  # b in T(c) = a + b/c
    serial = t1 - parallel  # a
    if parallel <= 0:
        return "no speed-up from a 2nd core: cannot fit"
    if serial <= 0:  # faster than linear (noise, caches): assume perfect scaling
        return f"{math.ceil(t1 / baseline)} (perfect scaling assumed: 2nd core gave {t1 / t2:.1f}x)"
    if serial >= baseline:
        return f"never (serial part {serial:.3g} s >= numpy)"
    return str(math.ceil(parallel / (baseline - serial)))


def cost_rows(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    cells = latest_cells(records)
    order = list(dict.fromkeys(r["operators"][0] for r in records))  # as the sweeps ran them
    rows = []
    for (engine, variant, operator, n, c), one in sorted(
            cells.items(), key=lambda kv: (order.index(kv[0][2]), kv[0][3], kv[0][0], kv[0][1])):
        if engine not in ENGINES or c != 1:
            continue
        two, numpy = cells.get((engine, variant, operator, n, 2)), cells.get(("numpy", "stock", operator, n, 1))
        if two is None or numpy is None:
            continue
        t1, t2 = one["timing"]["summary"]["median"], two["timing"]["summary"]["median"]
        baseline = numpy["timing"]["summary"]["median"]
        work = cpu_seconds_per_repetition(one)
        rows.append({
            "operator": operator, "rows": n, "engine": engine, "variant": variant, "t1": t1, "t2": t2,
            "numpy": baseline,
            "speedup": t1 / t2, "cpu_s": work, "amdahl": amdahl_cores(t1, t2, baseline),
            "work_bound": math.ceil(work / baseline),
        })
    return rows


def print_table(rows: list[dict[str, Any]], markdown: bool) -> None:
    header = ["operator", "rows", "engine", "variant", "T 1 core s", "T 2 cores s", "1->2 speed-up",
              "CPU-s/rep at 1 core", "numpy s", "cores to beat numpy: Amdahl fit (EXTRAPOLATED)",
              "cores to beat numpy: CPU-work bound (EXTRAPOLATED lower bound)"]
    lines = [[r["operator"], f"{r['rows']:.0e}", r["engine"], r["variant"], f"{r['t1']:.3g}", f"{r['t2']:.3g}",
              f"{r['speedup']:.2f}", f"{r['cpu_s']:.3g}", f"{r['numpy']:.3g}", r["amdahl"], str(r["work_bound"])]
             for r in rows]
    if markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for line in lines:
            print("| " + " | ".join(line) + " |")
        return
    widths = [max(len(h), *(len(line[i]) for line in lines)) if lines else len(h) for i, h in enumerate(header)]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths)))
    for line in lines:
        print("  ".join(v.ljust(w) for v, w in zip(line, widths)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sweeps", nargs="+", required=True, help="sweep JSONL files (1-core and 2-core cells)")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args()
    missing = [p for p in args.sweeps if not Path(p).is_file()]
    if missing:
        print(f"cost.py: no such file: {missing[0]}", file=sys.stderr)
        return 2
    rows = cost_rows(read_records(args.sweeps))
    if not rows:
        print("cost.py: no cell has numpy, 1-core and 2-core records of the same operator and size", file=sys.stderr)
        return 2
    print_table(rows, args.markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
