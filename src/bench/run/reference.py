"""The numpy reference of a run (the oracle every engine is checked against): its outputs on the sampled rows,
computed before the engine under test starts, outside --memory-limit."""

from __future__ import annotations

import dataclasses
import gc
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from src.bench.data.inputs import InputSource
from src.bench.registry import REFERENCE, create_engine
from src.bench.run.consistency import sample_rows
from src.bench.run.engine import Engine
from src.bench.run.facts import EngineOptions
from src.bench.run.memory_estimate import needed_bytes
from src.bench.run.memory_limit import format_size
from src.bench.run.steps import apply_steps
from src.bench.spec.plan import Step, output_columns

log = logging.getLogger("prepbench")


def needed_columns(steps: list[Step]) -> list[str]:
    produced = set(output_columns(steps))
    return list(dict.fromkeys(c for s in steps for c in s.input_cols if c not in produced))


@dataclass
class Reference:
    """The numpy engine's outputs on the sampled rows, and how long computing them took."""

    rows: int
    sample: Any  # sorted row numbers, or None for all rows
    outputs: dict[str, Any]
    seconds: float


def compute_reference(source: InputSource, fit_source: InputSource, steps: list[Step], limit: int) -> Reference:
    """Run the oracle before the engine under test starts: a data problem (nulls where an operator cannot take
    them, an all-null column) is then one clear error, and only the sampled rows stay in memory while the engine
    is measured."""
    t0 = time.perf_counter()
    rows, outputs = reference_outputs(source, fit_source, steps, needed_columns(steps), checked_columns(steps),
                                      limit)
    log.info("%s reference computed in %.2f s", REFERENCE, time.perf_counter() - t0)
    return Reference(rows, sample_rows(rows, limit), outputs, time.perf_counter() - t0)


def checked_columns(steps: list[Step]) -> list[str]:
    return [c for s in steps if not s.implicit for c in s.output_cols]


def reference_outputs(source: InputSource, fit_source: InputSource, steps: list[Step], columns: list[str],
                      wanted: list[str], limit: int) -> tuple[int, dict[str, Any]]:
    """The reference engine's outputs of the same steps on the same inputs (the oracle): row count, sampled rows.
    An input whose pipeline would need more than COLUMNWISE_BYTES in memory is computed one lineage of columns at
    a time (`lineages`; a single lineage too, e.g. a text pipeline), keeping only the sampled rows of each after
    its last fit, when its steps allow it."""
    groups = columnwise_groups(source, steps, columns)
    if groups is None:
        return _reference_outputs(source, fit_source, steps, columns, wanted, limit)
    log.info("%s reference: the pipeline needs about %s in memory (estimate), so it runs on %d group(s) of columns "
             "one after the other, on the sampled rows only after the last fit", REFERENCE,
             format_size(needed_bytes(source, columns, len(steps))), len(groups))
    rows, outputs = None, {}
    for group in groups:
        part = group_steps(steps, group)
        group_rows, found = _reference_outputs(source, fit_source, part, [c for c in columns if c in group],
                                               [c for c in wanted if c in group], limit, sample_early=True)
        if rows is not None and group_rows != rows:
            raise RuntimeError(f"the {REFERENCE} reference counted {group_rows} rows in one group of columns and "
                               f"{rows} in another")
        rows = group_rows
        outputs.update(found)
        gc.collect()
    return rows, {c: outputs[c] for c in wanted}


COLUMNWISE_BYTES = 2 * 2**30  # above this estimate the reference runs one lineage of columns at a time


def columnwise_groups(source: InputSource, steps: list[Step], columns: list[str]) -> list[set[str]] | None:
    """The lineages the reference runs one after the other, or None when it runs the pipeline whole (a step
    combines columns, or the estimate is small)."""
    groups = lineages(steps, columns)
    needed = needed_bytes(source, columns, len(steps)) if groups else None
    return None if groups is None or needed is None or needed <= COLUMNWISE_BYTES else groups


def group_steps(steps: list[Step], group: set[str]) -> list[Step]:
    """The steps that read a column of the group, each restricted to the group's columns."""
    return [_restricted(s, group) for s in steps if set(s.input_cols) & group]


def lineages(steps: list[Step], columns: list[str]) -> list[set[str]] | None:
    """The input columns and every column computed from them, in groups that no step mixes (each output of a step
    comes from its input at the same position), in the order of `columns`; None when a step combines columns."""
    parent: dict[str, str] = {c: c for c in columns}

    def root(c: str) -> str:
        while parent.setdefault(c, c) != c:
            c = parent[c]
        return c

    for step in steps:
        if step.spec.combines or len(step.input_cols) != len(step.output_cols):
            return None
        for i, o in zip(step.input_cols, step.output_cols):
            parent[root(o)] = root(i)
    groups: dict[str, set[str]] = {}
    for c in [*columns, *output_columns(steps)]:
        groups.setdefault(root(c), set()).add(c)
    return list(groups.values())


def _restricted(step: Step, group: set[str]) -> Step:
    """The step on the columns of one group only."""
    keep = [i for i, c in enumerate(step.input_cols) if c in group]
    return dataclasses.replace(step, input_cols=tuple(step.input_cols[i] for i in keep),
                               output_cols=tuple(step.output_cols[i] for i in keep),
                               input_kinds=tuple(step.input_kinds[i] for i in keep))


def _reference_outputs(source: InputSource, fit_source: InputSource, steps: list[Step], columns: list[str],
                       wanted: list[str], limit: int, sample_early: bool = False) -> tuple[int, dict[str, Any]]:
    """The reference's row count and sampled outputs. `sample_early`: every transform is row by row, so after the
    last fit (from the start, without one) only the sampled rows go on; the fits still see every row, chunk by
    chunk when every fit of the steps can (`streams`)."""
    ref = create_engine(REFERENCE, EngineOptions())
    data = ref.load(source, columns)
    last = last_fit(steps)
    if not sample_early or fit_source is not source:
        fit_data = data if fit_source is source else ref.load(fit_source, columns)
        current, _ = apply_steps(ref, steps, fit_data, data)
        rows = ref.count(current)
        return rows, ref.collect(current, wanted, sample_rows(rows, limit))
    if streams(ref, steps):
        states = fitted_in_chunks(ref, steps, data)
        rows = ref.count(data)
        sample = sample_rows(rows, limit)
        current = data if sample is None else data.take(sample)
        for step, state in zip(steps, states):
            current = ref.transform(step, state, current)
        return rows, ref.collect(current, wanted, None)
    current, _ = apply_steps(ref, steps[:max(last, 0)], data, data)
    state = ref.fit(steps[last], current) if last >= 0 else None
    rows = ref.count(current)
    sample = sample_rows(rows, limit)
    if sample is not None:
        current = current.take(sample)
    if last >= 0:
        current = ref.transform(steps[last], state, current)
    current, _ = apply_steps(ref, steps[last + 1:], current, current)  # stateless
    return rows, ref.collect(current, wanted, None)


CHUNK_ROWS = 500_000  # the rows a streamed fit takes at a time


def streams(ref: Engine, steps: list[Step]) -> bool:
    """Whether the lineage's fits run chunk by chunk, holding only the inputs and one chunk's intermediate
    columns (TF-IDF of 10M reviews: the text, not its tokens and term counts): every fit of it can."""
    fits = [s for s in steps if s.spec.stateful]
    return bool(fits) and all(ref.fits_in_chunks(s) for s in fits)


def fitted_in_chunks(ref: Engine, steps: list[Step], data: Any) -> list[Any]:
    """Each step's state (None for a stateless one), its fit fed the rows chunk by chunk as the steps before it
    leave them: one pass over the input per fit."""
    states: list[Any] = []
    for i, step in enumerate(steps):
        states.append(ref.fit_chunks(step, _chunks(ref, steps[:i], states, data)) if step.spec.stateful else None)
    return states


def _chunks(ref: Engine, steps: list[Step], states: list[Any], data: Any) -> Iterator[Any]:
    rows = ref.count(data)
    for start in range(0, rows, CHUNK_ROWS):
        chunk = data.take(np.arange(start, min(start + CHUNK_ROWS, rows)))
        for step, state in zip(steps, states):
            chunk = ref.transform(step, state, chunk)
        yield chunk


def last_fit(steps: list[Step]) -> int:
    """The index of the last step that fits, -1 when none does."""
    return max((i for i, s in enumerate(steps) if s.spec.stateful), default=-1)
