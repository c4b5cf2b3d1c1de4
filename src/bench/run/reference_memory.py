"""Whether the numpy reference of a run fits in this machine's memory, found before it runs: the reference's own
pipeline on the input's first rows, the bytes it holds scaled to the input's rows.

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


def reference_refusal(source: InputSource, fit_source: InputSource, steps: list[Step],
                      available: int | None = None) -> str | None:
    """The one line that refuses a run whose reference would not fit in the memory available now; None when it
    fits, or when it cannot be told (not a local Parquet input, or few rows)."""
    rows = _parquet_rows(source)
    if rows is None or rows <= 10 * SAMPLE_ROWS:
        return None
    needed = _needed_bytes(source, steps, needed_columns(steps), rows, whole=fit_source is not source)
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


def _parquet_rows(source: InputSource) -> int | None:
    if not source.is_local or source.format != "parquet":
        return None
    import pyarrow.dataset as pads

    return pads.dataset(source.uri, format="parquet").count_rows()


def _needed_bytes(source: InputSource, steps: list[Step], columns: list[str], rows: int, whole: bool) -> int | None:
    """What the reference needs at its peak, as `reference_outputs` computes: the whole pipeline's columns or,
    lineage by lineage, a lineage's inputs and the outputs its last fit needs, or, where its fits stream, its
    inputs and one chunk of everything; all times HEADROOM."""
    import pyarrow.dataset as pads
    import pyarrow.parquet as pq

    head = pads.dataset(source.uri, format="parquet").head(SAMPLE_ROWS, columns=columns)
    with tempfile.TemporaryDirectory(prefix="prepbench-sample-") as tmp:
        path = Path(tmp) / "head.parquet"
        pq.write_table(head, path)
        ref = create_engine(REFERENCE, EngineOptions())
        try:
            data = ref.load(resolve_input(str(path)), columns)
            frame, _ = apply_steps(ref, steps, data, data)
        except Exception as exc:  # the reference itself will say what is wrong with the data, in full
            log.debug("the reference's sample run failed (%s): memory not estimated", exc)
            return None
    per_row = 1 / max(head.num_rows, 1)
    groups = None if whole else columnwise_groups(source, steps, columns)
    if groups is None:
        held = ref.held_bytes(frame, [*columns, *(c for s in steps for c in s.output_cols)])
        return None if held is None else int(held * per_row * rows * HEADROOM)
    each = []
    for group in groups:
        part = group_steps(steps, group)
        if streams(ref, part):
            inputs = ref.held_bytes(frame, [c for c in columns if c in group])
            chunk = ref.held_bytes(frame, [*group])
            held = None if None in (inputs, chunk) else inputs * rows + chunk * min(rows, CHUNK_ROWS)
        else:
            held = ref.held_bytes(frame, _held_by(part, group, columns))
            held = None if held is None else held * rows
        each.append(held)
    return None if None in each else int(max(each) * per_row * HEADROOM)


def _held_by(steps: list[Step], group: set[str], columns: list[str]) -> list[str]:
    """A lineage's input columns and the outputs of its steps before its last fit (all rows of them)."""
    before = steps[:max(last_fit(steps), 0)]
    return [c for c in columns if c in group] + [c for s in before for c in s.output_cols]
