"""How much memory an engine that holds everything in one process needs for a pipeline on an input, estimated
from the input's metadata before the engine starts (`--memory-limit` refuses such a run up front when the
estimate is over the limit, instead of letting it grow until it is killed).

The model: the loaded input columns, plus one output column of the same width per input column and step (every
step of a pipeline keeps its outputs next to its inputs), so `input × (1 + steps)`. The input's width comes from
the Parquet footer (row count, column types) and, for strings, their mean length in the first row group plus the
engine's own cost per string (a Python object, or an Arrow offset); a CSV input counts as `CSV_FACTOR` times its
file size. Calibration (docs/results.md,
"Bigger than memory"): the numpy engine's measured peak on generated tabular data was 1.0-1.4 times this
estimate, so a refused run would not have fit.
"""

from __future__ import annotations

from src.bench.data.inputs import InputSource
from src.bench.run.memory_limit import format_size

NUMBER_BYTES = 8  # float64 (integers load as float64 too)
STRING_OVERHEAD = 57  # a Python str object (49 bytes empty) and the 8-byte pointer to it in an object array
ARROW_STRING_OVERHEAD = 4  # an Arrow string array's 32-bit offset per value
CSV_FACTOR = 2.0  # in-memory bytes of a parsed CSV per byte of file: numbers ~8 bytes for ~9 characters, strings
#                   grow by their object overhead
SAMPLE_ROWS = 10_000


def input_bytes(source: InputSource, columns: list[str], string_overhead: int = STRING_OVERHEAD) -> int | None:
    """The in-memory size of these columns of the input, each string costing its bytes and `string_overhead`;
    None when it cannot be told without reading it (a remote input)."""
    if not source.is_local or source.size_bytes is None:
        return None
    if source.format == "csv":
        wanted = len(columns) / max(len(source.schema), 1)
        return int(source.size_bytes * CSV_FACTOR * wanted)
    import pyarrow.dataset as ds

    dataset = ds.dataset(source.uri, format="parquet")
    rows = dataset.count_rows()
    strings = [c for c in columns if not _is_number(dataset.schema.field(c).type)]
    total = rows * NUMBER_BYTES * (len(columns) - len(strings))
    if strings and rows:
        head = next(dataset.to_batches(columns=strings, batch_size=SAMPLE_ROWS), None)
        for column in strings:
            values = head.column(column) if head is not None else None
            mean = _mean_length(values)
            total += int(rows * (mean + string_overhead))
    return total


def _is_number(kind) -> bool:
    import pyarrow.types as t

    return t.is_integer(kind) or t.is_floating(kind) or t.is_boolean(kind) or t.is_decimal(kind)


def _mean_length(values) -> float:
    import pyarrow.compute as pc

    if values is None or len(values) == 0:
        return 0.0
    lengths = pc.binary_length(values.cast("binary"))
    return float(pc.mean(lengths).as_py() or 0.0)


def needed_bytes(source: InputSource, columns: list[str], steps: int,
                 string_overhead: int = STRING_OVERHEAD) -> int | None:
    """The estimate of the whole pipeline: the input and one same-sized output per step."""
    loaded = input_bytes(source, columns, string_overhead)
    return None if loaded is None else loaded * (1 + steps)


def refusal(engine: str, needed: int | None, limit: int) -> str | None:
    """The one line that refuses a run whose estimate is over the limit; None when it may fit."""
    if needed is None or needed <= limit:
        return None
    return f"{engine} engine: this input needs about {format_size(needed)} in memory; the limit is {format_size(limit)}"
