"""`prepbench sweep`: engines x operators x rows x columns, one process per cell, one JSONL line per cell.

With --spec, each spec file is one pipeline benchmarked as a whole in place of an operator: its cells have the
operator key `spec:<name>`, and --resume refuses an --out whose cells of that name ran another definition.

Datasets (numeric=cols, 2 categorical, text, 10% missing, the given seed; or a --profile's with cols num_*
columns, see dataset()) are generated once and cached as Parquet in --data-dir under DatasetSpec.cache_key(), so
a rerun or a resume reads the same bytes; --resume refuses an --out recorded with other data options. A finished
cell is appended as one whole, fsynced line carrying its keys (engine, operator, rows, cols, split, variant) and
its status, so
killing the sweep loses at most the cell that was running. A cell that fails or times out (its whole process
group is killed) is recorded with its error and the sweep goes on. Ctrl-C stops the running cell (its engine is
shut down), records nothing for it and exits 130.

Resume: --resume skips every cell whose status is final: ok, inconsistent, failed or timeout. Failed and
timed-out cells are not retried by default, because a deterministic failure would cost its full timeout again
on every resume; --retry-failed runs them again and appends a new line, and readers (report) keep the last
line of a cell. A cell cut off by a killed sweep has no line and is simply run.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from src.bench.data.results import append_jsonl, can_create_file, read_records
from src.bench.data.split import check_fraction
from src.bench.errors import EXIT_ENGINE_FAILURE, EXIT_INCONSISTENT, EXIT_OK, UserError
from src.bench.report.tables import fmt_seconds
from src.bench.run.child import failure_record, global_flags, run_child
from src.bench.run.engine_args import engine_flags
from src.bench.run.variants import STOCK, chosen_variants

if TYPE_CHECKING:
    from src.bench.data.generate import DatasetSpec
    from src.bench.spec.operators import OperatorSpec
    from src.bench.spec.pipeline_file import PipelineSpec

FINAL = ("ok", "inconsistent", "failed", "timeout")
RETRYABLE = ("failed", "timeout")
SPEC_CELL = "spec:"  # the operator key of a spec file's cells: spec:<name>


@dataclass(frozen=True)
class Cell:
    engine: str
    operator: str  # an operator's name, or spec:<name> for a spec file's pipeline
    rows: int
    cols: int
    split: float | None = None  # fit on this fraction of the rows (cells of older sweeps have none)
    split_seed: int = 0
    end_to_end: bool = False  # --end-to-end: read, fit, transform and write file to file
    variant: str = STOCK  # the operators' variant (src/bench/run/variants.py; cells of older sweeps: stock)

    def label(self) -> str:
        split = "" if self.split is None else f" fit on {self.split:g}"
        end_to_end = " end to end" if self.end_to_end else ""
        variant = "" if self.variant == STOCK else f" {self.variant}"
        return f"{self.engine}{variant} {self.operator} {self.rows:,}x{self.cols}{split}{end_to_end}"


def _require_defaults(spec: OperatorSpec) -> None:
    """A sweep runs each operator with its defaults; one with a required parameter (Bucketizer's splits) is swept
    through a spec file that gives it."""
    required = [p.name for p in spec.params if p.default is None]
    if required:
        raise UserError(f"sweep --operators {spec.name}: {spec.name} needs {', '.join(required)} and sweep has no "
                        "--params; sweep a spec file that gives them instead: --spec FILE (docs/pipelines.md)")


def main(args: argparse.Namespace) -> int:
    from src.bench.registry import selected_engines
    from src.bench.run.engine_args import warn_unused_engine_flags
    from src.bench.spec.operators import get_operator

    engines = selected_engines(args.engines)
    specs = load_specs(args.spec or [])
    operators = [f"{SPEC_CELL}{name}" for name in specs] or list(
        dict.fromkeys(get_operator(o).name for o in args.operators))
    for name in operators if not specs else ():
        _require_defaults(get_operator(name))
    _validate(args)
    warn_unused_engine_flags(args, engines)
    out = Path(args.out)
    grid = [Cell(e, o, r, c, args.split, args.split_seed, args.end_to_end, v) for c in sorted(set(args.cols))
            for r in row_counts(args.rows) for o in operators for e in engines
            for v in chosen_variants(e, _operators_of(o, specs), args.variant)]
    records = _records(out)
    if records and not args.resume:
        raise UserError(f"{out} already holds {len(records)} cells; add --resume to continue that sweep, "
                        "or choose another --out")
    check_dataset_options(records, args, out)
    check_specs(specs, records, args, out)
    done = finished_cells(records, args.retry_failed)
    todo = [c for c in grid if c not in done]
    print(f"sweep: {len(grid)} cells, {len(grid) - len(todo)} already in {out}, {len(todo)} to run")
    if todo:
        try:
            _run_cells(todo, args, out, specs)
        except KeyboardInterrupt:  # the running cell's child was stopped; its record is not appended
            print(f"sweep: interrupted; the running cell was not recorded; {out} holds {len(_records(out))} cells; "
                  "continue with --resume", file=sys.stderr)
            raise
    return _finish(grid, out)


def row_counts(values: list[float]) -> list[int]:
    """--rows 1e4 1e5 -> [10000, 100000]; a fraction or a count below 1 is a user error."""
    counts = []
    for v in values:
        if v < 1 or v != int(v):
            raise UserError(f"--rows takes whole row counts of at least 1, e.g. 1e4 1e5; got {v:g}")
        counts.append(int(v))
    return sorted(set(counts))


def _validate(args: argparse.Namespace) -> None:
    from src.bench.run.runner import check_end_to_end_flags

    check_end_to_end_flags(args.end_to_end, False, getattr(args, "io_mode", None))
    if args.split is not None:
        check_fraction(args.split)
    if min(args.cols) < 1:
        raise UserError(f"--cols takes numeric column counts of at least 1; got {min(args.cols)}")
    if args.repeats < 1 or args.warmup < 0:
        raise UserError("--repeats must be at least 1 and --warmup at least 0")
    if args.timeout_per_cell <= 0:
        raise UserError(f"--timeout-per-cell must be positive, got {args.timeout_per_cell:g}")
    if Path(args.out).is_dir():
        raise UserError(f"--out {args.out} is a directory; give the JSONL file to append to, e.g. sweep.jsonl")
    parent = Path(args.out).resolve().parent
    if not parent.is_dir() or not os.access(parent, os.W_OK) or not can_create_file(parent):
        raise UserError(f"cannot write {args.out}: {parent} is not a writable directory; choose another --out")


def _records(out: Path) -> list[dict[str, Any]]:
    return [r for r in read_records(out) if isinstance(r.get("cell"), dict)] if out.exists() else []


def finished_cells(records: list[dict[str, Any]], retry_failed: bool) -> set[Cell]:
    """Cells that --resume skips (see the module docstring for why failures count as finished)."""
    final = ("ok", "inconsistent") if retry_failed else FINAL
    return {Cell(**r["cell"]) for r in records if r.get("status") in final}


def load_specs(paths: list[str]) -> dict[str, PipelineSpec]:
    """The --spec files by pipeline name; a name is a cell key, so two files may not share one."""
    from src.bench.spec.pipeline_file import load_pipeline

    specs: dict[str, PipelineSpec] = {}
    for path in paths:
        spec = load_pipeline(path)
        if spec.name in specs:
            raise UserError(f"--spec {specs[spec.name].path} and {path} are both named '{spec.name}'; a sweep tells "
                            "pipelines apart by name: rename one")
        specs[spec.name] = spec
    return specs


def check_specs(specs: dict[str, PipelineSpec], records: list[dict[str, Any]], args: argparse.Namespace,
                out: Path) -> None:
    """Plan every spec on the columns of each generated dataset (from a one-row sample), so a wrong column fails
    now and not in every cell; and refuse a --resume whose cells of a spec name ran another definition."""
    from src.bench.data.generate import generate_table
    from src.bench.data.inputs import schema_kinds
    from src.bench.spec.plan import plan_steps

    for cols in sorted(set(args.cols)) if specs else []:
        schema = schema_kinds(generate_table(dataset_spec(1, cols, args)).schema, "the generated data")
        for spec in specs.values():
            try:
                plan_steps(list(spec.steps), schema)
            except UserError as exc:
                data = f"--profile {args.profile}" if args.profile else "no --profile"
                raise UserError(f"{exc} (in the data this sweep generates: {data}, --cols {cols}; see "
                                "docs/data.md)") from None
    for record in records:
        spec = _spec_of(record["cell"]["operator"], specs)
        recorded = record.get("spec") or {}
        if spec is not None and recorded.get("digest") != spec.digest():
            raise UserError(f"{out} holds cells of pipeline '{spec.name}' from another definition ("
                            f"{recorded.get('path', 'no spec recorded')}); resume with that spec file or choose "
                            "another --out")


def _operators_of(operator: str, specs: dict[str, PipelineSpec]) -> list[str]:
    """The operators a cell runs: its operator, or its spec file's."""
    spec = _spec_of(operator, specs)
    return spec.operators if spec else [operator]


def _spec_of(operator: str, specs: dict[str, PipelineSpec]) -> PipelineSpec | None:
    """The spec file of a cell keyed spec:<name>; None for an operator's cell."""
    return specs.get(operator.removeprefix(SPEC_CELL)) if operator.startswith(SPEC_CELL) else None


def _run_cells(todo: list[Cell], args: argparse.Namespace, out: Path, specs: dict[str, PipelineSpec]) -> None:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TextColumn("ETA"), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True)) as progress:
        task = progress.add_task("sweep", total=len(todo))
        for cell in todo:
            progress.update(task, description=f"data {cell.rows:,}x{cell.cols}")
            data = dataset(cell, args)
            progress.update(task, description=cell.label())
            record = run_cell(cell, data, args, _spec_of(cell.operator, specs))
            append_jsonl(out, record)
            progress.console.print(_cell_line(cell, record), markup=False, highlight=False)
            progress.advance(task)
        progress.update(task, description="sweep done")


def dataset(cell: Cell, args: argparse.Namespace) -> Path:
    """The cell's generated dataset, from the cache or generated once (streamed in chunks, written atomically).

    Without --profile, --cardinality or --skew: today's dataset (cell.cols num_*, 2 miss_* at 10% nulls, 2 cat_*,
    text), byte for byte. With --profile: that profile's dataset with cell.cols num_* columns; --cardinality and
    --skew override the profile's (or today's) values."""
    return cached_dataset(dataset_spec(cell.rows, cell.cols, args), args.data_dir)


def dataset_spec(rows: int, cols: int, args: argparse.Namespace) -> DatasetSpec:
    from src.bench.data.generate import build_spec

    options = dataset_options(args)
    base = {} if options["profile"] else {"categorical": 2, "text": True, "missing_rate": 0.1}
    spec = build_spec(options["profile"], rows=rows, numeric=cols, seed=args.seed,
                      cardinality=options["cardinality"], skew=options["skew"], **base)
    spec.validate()
    return spec


def cached_dataset(spec: DatasetSpec, data_dir: str) -> Path:
    """The generated dataset of this spec in data_dir, written once (streamed in chunks, atomically)."""
    from src.bench.data.generate import write_dataset

    path = Path(data_dir).resolve() / f"{spec.cache_key()}.parquet"
    if not path.exists():
        write_dataset(spec, str(path))
    return path


def dataset_options(args: argparse.Namespace) -> dict[str, Any]:
    """The options that choose the generated data, as recorded in each cell's `sweep` section (None: default)."""
    return {"profile": getattr(args, "profile", None), "cardinality": getattr(args, "cardinality", None),
            "skew": getattr(args, "skew", None)}


def check_dataset_options(records: list[dict[str, Any]], args: argparse.Namespace, out: Path) -> None:
    """Refuse bad data options before any cell runs, and a --resume that would mix datasets: the cell key
    (engine, operator, rows, cols) does not name the data, so a sweep whose --seed, --profile, --cardinality or
    --skew differ from the recorded cells' is refused."""
    from src.bench.data.generate import build_spec

    options = dataset_options(args)
    build_spec(options["profile"], rows=1, numeric=1, cardinality=options["cardinality"],
               skew=options["skew"]).validate()
    wanted = {"seed": args.seed, **dataset_options(args)}
    for record in records:
        section = record.get("sweep") or {}
        recorded = {k: section.get(k, 42 if k == "seed" else None) for k in wanted}
        if recorded != wanted:
            differ = ", ".join(f"--{k} {recorded[k]} (now {wanted[k]})" for k in wanted if recorded[k] != wanted[k])
            raise UserError(f"{out} holds cells generated with other data: {differ}; resume with the same data "
                            "options or choose another --out")


def run_cell(cell: Cell, data: Path, args: argparse.Namespace, spec: PipelineSpec | None = None) -> dict[str, Any]:
    """One `prepbench run` (or `pipeline --spec`) in its own process; its record with the cell keys in front."""
    command = (["pipeline", "--engine", cell.engine, "--spec", str(Path(spec.path).resolve())] if spec else
               ["run", "--engine", cell.engine, "--operator", cell.operator])
    cli_args = [*global_flags(args), *command, "--input", str(data), "--repeats", str(args.repeats),
                "--warmup", str(args.warmup), "--variant", cell.variant, *cell_flags(cell),
                *engine_flags(args, cell.engine)]
    if args.memory_limit:
        cli_args += ["--memory-limit", str(args.memory_limit)]
    with tempfile.TemporaryDirectory(prefix="prepbench-sweep-") as tmp:
        result = run_child(cli_args, Path(tmp), args.timeout_per_cell, memory_limit=args.memory_limit)
    record = result.record or {**failure_record(cell.engine, spec.operators if spec else [cell.operator],
                                                command[0], str(data), result, args.timeout_per_cell),
                               "variant": cell.variant}
    if spec:
        record["spec"] = spec.describe()
    return {"cell": asdict(cell), **record, "exit_code": result.exit_code, "cell_seconds": result.seconds,
            "sweep": {"seed": args.seed, "dataset": str(data), **dataset_options(args)}}


def cell_flags(cell: Cell) -> list[str]:
    """The child's flags for the cell's split and end-to-end keys."""
    split = [] if cell.split is None else ["--split", f"{cell.split!r}", "--split-seed", str(cell.split_seed)]
    return split + (["--end-to-end"] if cell.end_to_end else [])


def _cell_line(cell: Cell, record: dict[str, Any]) -> str:
    median = ((record.get("timing") or {}).get("summary") or {}).get("median")
    detail = f"median {fmt_seconds(median)} s" if median is not None else (record.get("error") or {}).get(
        "message", "")
    return f"{record['status']:>12}  {cell.label()}  {detail}"


def _finish(grid: list[Cell], out: Path) -> int:
    """Count the grid's cells by the status of their last line; the exit code is the worst of them."""
    last = {Cell(**r["cell"]): r.get("status") for r in _records(out)}
    statuses = [last.get(c, "missing") for c in grid]
    counts = {s: statuses.count(s) for s in dict.fromkeys(statuses)}
    print(f"sweep: {', '.join(f'{n} {s}' for s, n in counts.items())}; results in {out}")
    if set(statuses) - {"ok", "inconsistent"}:
        return EXIT_ENGINE_FAILURE
    return EXIT_INCONSISTENT if "inconsistent" in statuses else EXIT_OK
