"""Memory needs measured on the input's first rows: a pipeline run on them, the bytes it holds scaled to the
input's rows. Whether the numpy reference of a run fits in this machine's memory, found before it runs; and what
an in-process engine (numpy, scikit-learn) holds, beside the estimate from the input's metadata alone, which
cannot see a step that outgrows its input (TF-IDF's token lists and count vectors).

The reference runs outside --memory-limit (it is the oracle, not the engine under test). Without this check a
pipeline too big for the machine went to the kernel's OOM killer, which picks a process machine-wide: TF-IDF of
10 million 285-byte reviews held over 23 GiB in the reference (killed three times on a 24 GB machine).
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from src.bench.data.inputs import InputSource, resolve_input
from src.bench.registry import REFERENCE, create_engine
from src.bench.run.facts import EngineOptions
from src.bench.run.memory_limit import format_size
from src.bench.run.reference import (
    CHUNK_ROWS,
    columnwise_groups,
    group_steps,
    last_fit,
    needed_columns,
    streams,
)
from src.bench.run.steps import apply_steps
from src.bench.spec.plan import Step

log = logging.getLogger("prepbench")

SAMPLE_ROWS = 20_000  # the first rows the reference's pipeline runs on to measure what it holds per row
HEADROOM = 3.0  # what building the outputs holds on top of them (HashingTF's CSR: codes, indices, ones, a sort):
#                 TF-IDF of 10M reviews went over 23 GiB where what it holds (text, tokens, counts) is 9.3 GiB
ENGINE_HEADROOM = 1.6  # the numpy engine's measured peak over the bytes it holds at the end, end to end at 1e7
#                        rows: 1.35 on the ctr workload (14.1 GiB RSS), over 1.5 on reviews (killed at 18 GiB)


def reference_refusal(source: InputSource, fit_source: InputSource, steps: list[Step],
                      available: int | None = None) -> str | None:
    """The one line that refuses a run whose reference would not fit in the memory available now; None when it
    fits, or when it cannot be told (not a local Parquet input, or few rows)."""
    rows = _parquet_rows(source)
    if rows is None or rows <= 10 * SAMPLE_ROWS:
        return None
    needed = _needed_bytes(REFERENCE, source, steps, needed_columns(steps), rows, whole=fit_source is not source,
                           headroom=HEADROOM)
    if needed is None:
        return None
    if available is None:
        import psutil

        available = psutil.virtual_memory().available
    log.info("%s reference: needs about %s in memory (its pipeline on %d rows, scaled); %s available", REFERENCE,
             format_size(needed), SAMPLE_ROWS, format_size(available))
    if needed <= available:
        return None
    return (f"{REFERENCE} reference: checking this run needs about {format_size(needed)} in memory (its pipeline "
            f"on the first {SAMPLE_ROWS:,} rows, scaled to {rows:,}); this machine has {format_size(available)} "
            "available: use fewer rows")


def engine_need(engine: str, source: InputSource, steps: list[Step]) -> int | None:
    """What an engine that holds every column in its process needs for the whole pipeline, measured on its own
    run of the first rows (ENGINE_HEADROOM included); None when it cannot be told (not a local Parquet input, or an
    engine whose held bytes cannot be measured)."""
    rows = _parquet_rows(source)
    if rows is None or create_engine(engine, EngineOptions()).held_bytes(None, []) is None:
        return None  # no sample run for an engine that cannot say what it holds (Polars, DuckDB)
    return _needed_bytes(engine, source, steps, needed_columns(steps), rows, whole=True, headroom=ENGINE_HEADROOM)


def _parquet_rows(source: InputSource) -> int | None:
    if not source.is_local or source.format != "parquet":
        return None
    import pyarrow.dataset as pads

    return pads.dataset(source.uri, format="parquet").count_rows()


def _needed_bytes(engine: str, source: InputSource, steps: list[Step], columns: list[str], rows: int,
                  whole: bool, headroom: float) -> int | None:
    """What `engine` needs at its peak: the whole pipeline's columns (`whole`) or, as `reference_outputs` computes,
    lineage by lineage, a lineage's inputs and the outputs its last fit needs, or, where its fits stream, its
    inputs and one chunk of everything; all times `headroom`."""
    import pyarrow.dataset as pads
    import pyarrow.parquet as pq

    head = pads.dataset(source.uri, format="parquet").head(SAMPLE_ROWS, columns=columns)
    with tempfile.TemporaryDirectory(prefix="prepbench-sample-") as tmp:
        path = Path(tmp) / "head.parquet"
        pq.write_table(head, path)
        sampler = create_engine(engine, EngineOptions())
        try:
            data = sampler.load(resolve_input(str(path)), columns)
            frame, _ = apply_steps(sampler, steps, data, data)
        except Exception as exc:  # the run itself will say what is wrong with the data, in full
            log.debug("%s's sample run failed (%s): memory not estimated", engine, exc)
            return None
    per_row = 1 / max(head.num_rows, 1)
    groups = None if whole else columnwise_groups(source, steps, columns)
    if groups is None:
        held = sampler.held_bytes(frame, [*columns, *(c for s in steps for c in s.output_cols)])
        return None if held is None else int(held * per_row * rows * headroom)
    each = []
    for group in groups:
        part = group_steps(steps, group)
        if streams(sampler, part):
            inputs = sampler.held_bytes(frame, [c for c in columns if c in group])
            chunk = sampler.held_bytes(frame, [*group])
            held = None if None in (inputs, chunk) else inputs * rows + chunk * min(rows, CHUNK_ROWS)
        else:
            held = sampler.held_bytes(frame, _held_by(part, group, columns))
            held = None if held is None else held * rows
        each.append(held)
    return None if None in each else int(max(each) * per_row * headroom)


def _held_by(steps: list[Step], group: set[str], columns: list[str]) -> list[str]:
    """A lineage's input columns and the outputs of its steps before its last fit (all rows of them)."""
    before = steps[:max(last_fit(steps), 0)]
    return [c for c in columns if c in group] + [c for s in before for c in s.output_cols]
