"""--end-to-end: the batch job as users run it, file to file, timed as a whole and by phase.

One repetition = read (the engine's own reader, nothing cached) -> fit -> transform -> write (the engine's own
Parquet writer, a fresh directory each time); warm-ups are discarded as in the normal protocol. Each phase is the
wall time of its calls; on a lazy engine a phase may only plan work that a later phase runs (the engine declares
it in `fused_phases`, and the record says so), so the phases always sum to the repetition's total and a split the
engine does not make is never invented. Before each repetition the share of the input's pages in the page cache
is recorded (a read from the cache is not a disk read).

The written dataset carries each row's input position (ROW_COLUMN). After the repetitions the last one's dataset
is read back with pyarrow, its row numbers must be exactly 0..n-1, and the reference's sample of rows is compared
with the consistency check of every run. The dataset is written into a temporary directory beside its target and
renamed to `--save-output DIR` only when the run has finished (without --save-output: beside the result file, and
removed after the check), so no half-written dataset is ever left at DIR. Under --memory-limit the run's process
leaves the limit before that read-back (memory_limit.leave_limit): the check is prepbench's work, like the
reference, and reading back a dataset bigger than the limit must not be counted against the engine.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from src.bench.data.inputs import InputSource
from src.bench.data.results import ensure_writable_dir
from src.bench.errors import UserError
from src.bench.registry import REFERENCE
from src.bench.run.consistency import compare_outputs, first_example
from src.bench.run.engine import PHASES, ROW_COLUMN, Engine
from src.bench.run.measure import ResourceSampler, summarize
from src.bench.run.memory_limit import leave_limit
from src.bench.run.pagecache import resident_fraction
from src.bench.run.steps import apply_steps
from src.bench.spec.operators import TOKENS, VECTOR
from src.bench.spec.plan import Step

if TYPE_CHECKING:
    import pyarrow as pa

    from src.bench.run.reference import Reference

log = logging.getLogger("prepbench")

MARKER = "_prepbench.json"  # written into every dataset prepbench writes; only such a directory is replaced


def check_target(save_output: str | None) -> None:
    """Refuse, before anything runs, a --save-output DIR that cannot be written or that would replace files
    prepbench did not write."""
    if save_output is None:
        return
    target = Path(save_output)
    if target.is_file():
        raise UserError(f"--save-output {save_output} is a file; --end-to-end writes a Parquet dataset directory: "
                        "give a directory path")
    if target.is_dir() and any(target.iterdir()) and not (target / MARKER).is_file():
        raise UserError(f"--save-output {save_output} is a directory prepbench did not write; give a new or empty "
                        "directory")
    ensure_writable_dir(target.resolve().parent, "--save-output")


def measure(engine: Engine, source: InputSource, fit_source: InputSource, steps: list[Step], columns: list[str],
            save_output: str | None, results_dir: Path, warmup: int, repeats: int, record: dict[str, Any],
            reference: Reference) -> None:
    """Time the repetitions of reading `columns` to writing every step's outputs, check the last one's written
    dataset and move it to `save_output` (or remove it)."""
    kinds = {c: s.spec.output_kind for s in steps for c in s.output_cols}
    parent = Path(save_output).resolve().parent if save_output else results_dir
    staging = Path(tempfile.mkdtemp(prefix=f".{Path(save_output).name if save_output else 'end-to-end'}.tmp-",
                                    dir=parent))
    phases: dict[str, list[float]] = {p: [] for p in PHASES}
    totals: list[float] = []
    warmups: list[float] = []
    cached: list[float | None] = []
    section = {"output": None, "row_column": ROW_COLUMN, "phase_seconds": phases, "fused": dict(engine.fused_phases),
               "note": engine.phase_note, "input_cached_fraction": cached}
    record["end_to_end"] = section
    record["timing"]["warmup_seconds"], record["timing"]["repetition_seconds"] = warmups, totals
    written = staging / "rep-0"
    try:
        with ResourceSampler([os.getpid(), *engine.resource_pids()]) as sampler:
            for i in range(warmup + repeats):
                shutil.rmtree(written, ignore_errors=True)  # only the last repetition's dataset is kept
                written = staging / f"rep-{i}"
                cached.append(resident_fraction(source.uri) if source.is_local else None)
                seconds = _repetition(engine, source, fit_source, steps, columns, kinds, written)
                is_warmup = i < warmup
                (warmups if is_warmup else totals).append(sum(seconds.values()))
                if not is_warmup:
                    for phase in PHASES:
                        phases[phase].append(seconds[phase])
                label = f"warm-up {i + 1}/{warmup}" if is_warmup else f"repetition {i - warmup + 1}/{repeats}"
                log.info("%s: %s: %.4f s (%s)", engine.name, label, sum(seconds.values()),
                         ", ".join(f"{p} {seconds[p]:.3f}" for p in PHASES))
        section.update(fused=dict(engine.fused_phases), note=engine.phase_note)  # as the engine read this input
        rows = reference.rows
        summary = summarize(totals)
        record["dataset"]["rows"] = rows
        record["timing"].update(
            fit_seconds=phases["fit"], transform_seconds=phases["transform"], summary=summary,
            fit_summary=summarize(phases["fit"]), transform_summary=summarize(phases["transform"]),
            rows_per_second=rows / summary["median"] if summary["median"] > 0 else None)
        section["phase_summary"] = {p: summarize(phases[p]) for p in PHASES}
        record["resources"] = sampler.result()
        section["checked_outside_limit"] = leave_limit()  # the read-back below is prepbench's, not the engine's
        section["written"] = _files(written)
        record["consistency"] = check_written(written, steps, kinds, reference, engine.name)
        record["status"] = "ok" if record["consistency"]["verdict"] == "ok" else "inconsistent"
        if save_output:
            _publish(written, Path(save_output), engine.name, kinds, staging)
            section["output"] = save_output
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _repetition(engine: Engine, source: InputSource, fit_source: InputSource, steps: list[Step], columns: list[str],
                kinds: dict[str, str], path: Path) -> dict[str, float]:
    t0 = time.perf_counter()
    data = engine.read(source, columns)
    fit_data = data if fit_source is source else engine.read(fit_source, columns)
    t1 = time.perf_counter()
    transformed, fit_seconds = apply_steps(engine, steps, fit_data, data)
    t2 = time.perf_counter()
    engine.write(transformed, kinds, str(path))
    t3 = time.perf_counter()
    return {"read": t1 - t0, "fit": fit_seconds, "transform": t2 - t1 - fit_seconds, "write": t3 - t2}


def _files(path: Path) -> dict[str, int]:
    files = [f for f in path.rglob("*.parquet") if f.is_file()]
    return {"files": len(files), "bytes": sum(f.stat().st_size for f in files)}


def check_written(path: Path, steps: list[Step], kinds: dict[str, str], reference: Reference,
                  engine: str) -> dict[str, Any]:
    """Read the dataset back, line its rows up by ROW_COLUMN and compare the reference's rows with it."""
    import pyarrow.dataset as ds

    t0 = time.perf_counter()
    dataset = ds.dataset(str(path), format="parquet")
    names = dataset.schema.names
    found = dataset.to_table(columns=[ROW_COLUMN]).column(ROW_COLUMN).to_numpy() if ROW_COLUMN in names else None
    problem = _row_problem(found, reference.rows)
    if problem:
        log.warning("%s: the written dataset %s", engine, problem)
        return {"verdict": "inconsistent", "reference": REFERENCE, "detail": f"the written dataset {problem}"}
    order = np.argsort(found, kind="stable")  # row numbers are exactly 0..n-1: order[i] holds input row i
    checked = [c for c in reference.outputs if c in names]  # only the sampled rows of these are read
    picked = dataset.take(order if reference.sample is None else order[reference.sample], columns=checked)
    got = {c: _canonical(picked.column(c), kinds[c]) for c in checked}
    rtol = {c: s.spec.rtol for s in steps for c in s.output_cols}
    verdict = compare_outputs(got, reference.outputs, kinds, rtol, reference.sample)
    verdict.update(reference=REFERENCE, rows_checked=reference.rows if reference.sample is None else
                   len(reference.sample), reference_seconds=reference.seconds, collect_seconds=time.perf_counter() - t0,
                   checked="the written Parquet dataset, read back")
    if verdict["verdict"] != "ok":
        log.warning("%s: the written dataset differs from the numpy reference; first: %s", engine,
                    first_example(verdict))
    return verdict


def _row_problem(found: np.ndarray | None, rows: int) -> str | None:
    """Why the written row numbers are not exactly 0..rows-1, or None."""
    if found is None:
        return f"has no {ROW_COLUMN} column"
    if len(found) != rows:
        return f"holds {len(found):,} rows, the input {rows:,}"
    counts = np.bincount(found[(found >= 0) & (found < rows)].astype(np.int64), minlength=rows)
    if (counts != 1).any():
        missing, repeated = int((counts == 0).sum()), int((counts > 1).sum())
        return f"misses {missing:,} input rows and repeats {repeated:,} ({ROW_COLUMN})"
    return None


def _canonical(column: pa.ChunkedArray, kind: str) -> Any:
    """The canonical form of a written column (see src/bench/run/engine.py) for the consistency check."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from src.bench.data.vectors import to_csr

    if kind == VECTOR:
        return to_csr(column)
    if kind == TOKENS:
        return column.to_pylist()
    return pc.fill_null(column.cast(pa.float64()), float("nan")).to_numpy()


def _publish(written: Path, target: Path, engine: str, kinds: dict[str, str], staging: Path) -> None:
    """Mark the dataset as prepbench's and move it to `target`, replacing an earlier prepbench dataset there."""
    (written / MARKER).write_text(json.dumps({"engine": engine, "row_column": ROW_COLUMN, "columns": kinds}) + "\n")
    if target.exists():
        os.replace(target, staging / "replaced")
    os.replace(written, target)
