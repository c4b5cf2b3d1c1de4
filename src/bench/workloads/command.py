"""`prepbench workload list|run`: the shipped workloads, and running one on its generated data.

`run` is `compare --spec <the workload's file> --input <its data>`: the data is generated once per size and seed
and cached in --data-dir under the same key as sweep's, then every engine runs in its own process and every
step's output is checked against the numpy reference, with compare's table, files and exit codes.
"""

from __future__ import annotations

import argparse
import sys
import time

from src.bench.workloads.catalog import WORKLOADS, get_workload


def main(args: argparse.Namespace) -> int:
    if args.workload_command == "list":
        print_workloads()
        return 0
    return run(args)


def print_workloads() -> None:
    from rich.console import Console
    from rich.table import Table

    from src.bench.report.summary import _listing_console

    table = Table(title="Workloads", title_justify="left")
    for column in ("workload", "description", "steps", "data (prepbench data generate)"):
        table.add_column(column, overflow="fold")
    for workload in WORKLOADS.values():
        spec = workload.spec()
        table.add_row(workload.name, spec.description, " → ".join(spec.operators), workload.data_text())
    console = _listing_console(Console)
    console.print(table)
    console.print("Run one: prepbench workload run NAME [--engines E ...] [--rows N]; the spec files are in "
                  "src/bench/workloads/ (format: docs/pipelines.md).")


def run(args: argparse.Namespace) -> int:
    from src.bench.orchestrate import compare
    from src.bench.orchestrate.sweep import cached_dataset

    workload = get_workload(args.name)
    t0 = time.perf_counter()
    data = cached_dataset(workload.data(args.rows, args.seed), args.data_dir)
    print(f"workload {workload.name}: data {data} ({args.rows:,} rows, {workload.data_text()}, seed {args.seed}) "
          f"ready in {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
    as_compare = {"spec": str(workload.path), "input": str(data), "engines": [args.engine] if args.engine else
                  args.engines, "operator": None, "operators": None, "params": None, "data_path": None,
                  "fit_input": None}
    return compare.main(argparse.Namespace(**{**vars(args), **as_compare}))
