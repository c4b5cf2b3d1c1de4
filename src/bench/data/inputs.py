"""Input resolution (where the data is, its format and column kinds) and the one way CSV and Parquet inputs are
read into Arrow by the single-machine engines (and by the others' pandas path)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from src.bench.errors import UserError
from src.bench.spec.operators import INTEGER, NUMERIC, STRING

FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}
REMOTE_SCHEMES = ("s3", "s3a", "hdfs", "gs", "abfs")


@dataclass(frozen=True)
class InputSource:
    """A dataset location with what every engine needs to read it the same way."""

    path: str  # as the user gave it
    uri: str  # scheme-qualified, or an absolute local path
    scheme: str  # "local" or a remote scheme
    format: str  # "csv" | "parquet"
    size_bytes: int | None
    schema: dict[str, str]  # column -> NUMERIC | INTEGER | STRING

    @property
    def is_local(self) -> bool:
        return self.scheme == "local"


def resolve_input(path: str) -> InputSource:
    """Check that the input exists and is readable, and infer its column kinds from its head."""
    parsed = urlparse(path)
    scheme = parsed.scheme.lower() if len(parsed.scheme) > 1 else "local"
    if scheme == "file":
        path_local, scheme = parsed.path, "local"
    else:
        path_local = path
    fmt = _format_of(path)
    if scheme != "local":
        if scheme not in REMOTE_SCHEMES:
            raise UserError(f"unsupported input scheme '{scheme}://' in {path}; use a local path, s3:// or hdfs://")
        from src.bench.data.remote import remote_schema  # only needed for remote inputs

        return InputSource(path, path, scheme, fmt, None, remote_schema(path, fmt))
    p = Path(path_local)
    if not p.exists():
        raise UserError(f"input file not found: {path}; check the path or create data with: prepbench data generate")
    if p.is_dir() and fmt != "parquet":
        raise UserError(f"input {path} is a directory; give a .csv or .parquet file, or a directory of .parquet files")
    size = _size(p)
    if size == 0:
        needs = "a header row and data rows" if fmt == "csv" else "Parquet data files"
        raise UserError(f"input file is empty: {path}; it needs {needs}")
    if p.is_file() and not os.access(p, os.R_OK):
        raise UserError(f"input file is not readable: {path}; check its permissions")
    schema = _infer_schema(str(p.resolve()), fmt, path)
    return InputSource(path, str(p.resolve()), "local", fmt, size, schema)


def _format_of(path: str) -> str:
    """By the name's suffix; a local directory of another name by its files (Spark and Hive write `out/` holding
    `part-*.parquet`)."""
    suffix = Path(urlparse(path).path.rstrip("/")).suffix.lower()
    if suffix in FORMATS:
        return FORMATS[suffix]
    if Path(path).is_dir() and any(parquet_files(Path(path))):
        return "parquet"
    raise UserError(f"cannot tell the format of {path}: use a .csv or .parquet file, or a directory of .parquet files")


def parquet_files(directory: Path):
    """The Parquet data files under a directory, without the hidden and `_`-prefixed files writers leave."""
    return (f for f in directory.rglob("*.parquet") if f.is_file() and not f.name.startswith(("_", ".")))


def parquet_paths(source: InputSource) -> list[str]:
    """A Parquet input's files in name order (the order every reader numbers rows in); a remote input as given.
    Readers handed a whole directory would also take the files writers leave beside the data (`.crc`, `_SUCCESS`)."""
    root = Path(source.uri)
    return [source.uri] if not source.is_local or root.is_file() else sorted(str(f) for f in parquet_files(root))


def _size(p: Path) -> int:
    if p.is_file():
        return p.stat().st_size
    return sum(f.stat().st_size for f in p.rglob("*") if f.is_file())


def kind_of_arrow_type(dtype) -> str | None:
    """NUMERIC, INTEGER or STRING for the column types prepbench reads; None for anything else.

    Integer and boolean columns are INTEGER: numbers for the numeric operators and categories, ordered
    numerically, for StringIndexer and OneHotEncoder. A dictionary-encoded column (a pandas category written to
    Parquet) has the kind of its values.
    """
    import pyarrow as pa

    if pa.types.is_dictionary(dtype):
        return kind_of_arrow_type(dtype.value_type)
    if pa.types.is_integer(dtype) or pa.types.is_boolean(dtype):
        return INTEGER
    if pa.types.is_floating(dtype) or pa.types.is_null(dtype) or pa.types.is_decimal(dtype):
        return NUMERIC
    if pa.types.is_string(dtype) or pa.types.is_large_string(dtype) or _is_string_view(dtype):
        return STRING
    return None


def _is_string_view(arrow_type) -> bool:
    import pyarrow as pa

    return bool(getattr(pa.types, "is_string_view", lambda _: False)(arrow_type))


def _infer_schema(uri: str, fmt: str, shown: str) -> dict[str, str]:
    import pyarrow as pa

    try:
        if fmt == "parquet":
            import pyarrow.parquet as pq

            arrow_schema = pq.read_schema(uri) if Path(uri).is_file() else pq.ParquetDataset(uri).schema
        else:
            arrow_schema = _csv_head_schema(uri)
    except (pa.ArrowInvalid, OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read {shown} as {fmt.upper()}: {_first_line(exc)}") from None
    return schema_kinds(arrow_schema, shown)


def schema_kinds(arrow_schema, shown: str) -> dict[str, str]:
    """Map an Arrow schema to column kinds. A column of a type no operator reads gets a kind that names the type,
    so it blocks only a run whose steps read it; a name used twice is refused (which one would be read?)."""
    kinds: dict[str, str] = {}
    for field in arrow_schema:
        if field.name in kinds:
            raise UserError(f"{shown} has two columns named '{field.name}'; rename one of them so each column has "
                            "its own name")
        kind = kind_of_arrow_type(field.type)
        kinds[field.name] = kind if kind is not None else f"of unsupported type {field.type} (use numbers or text)"
    if not kinds:
        raise UserError(f"{shown} has no columns")
    return kinds


CSV_BLOCK_BYTES = 1 << 24  # also the longest CSV field prepbench reads


def csv_options(schema: dict[str, str] | None = None, columns: list[str] | None = None,
                block_size: int = CSV_BLOCK_BYTES) -> dict[str, Any]:
    """pyarrow.csv keyword arguments every reader of a CSV input uses, so every engine parses it the same way:
    explicit column types (an empty field in a number is null), an unquoted empty field of a string column is
    null and a quoted one ("") the empty string (what pyarrow, Spark and most writers emit), and quoted line
    breaks stay inside their field."""
    import pyarrow.csv as pcsv

    options: dict[str, Any] = {"read_options": pcsv.ReadOptions(block_size=block_size),
                               "parse_options": pcsv.ParseOptions(newlines_in_values=True)}
    if schema is not None:
        types = {c: arrow_type(k) for c, k in schema.items()}
        options["convert_options"] = pcsv.ConvertOptions(column_types=types, include_columns=columns,
                                                         strings_can_be_null=True, quoted_strings_can_be_null=False)
    return options


def _csv_head_schema(uri: str):
    import pyarrow as pa
    import pyarrow.csv as pcsv

    with open(uri, "rb") as f:
        head = f.read(1 << 20)
    if b"\x00" in head:
        raise UserError(f"{uri} looks like a binary file, not CSV text")
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the end of the head
            raise UserError(f"{uri} is not UTF-8 text (byte {exc.start}); convert it to UTF-8") from None
    with pcsv.open_csv(uri, **csv_options()) as reader:  # closed: no read-ahead left running
        schema = reader.schema
        try:
            batch = reader.read_next_batch()
        except StopIteration:
            batch = None
    binary = [f.name for f in schema if pa.types.is_binary(f.type)]  # how Arrow types a CSV column of non-UTF-8
    if binary:
        raise UserError(f"column '{binary[0]}' of {uri} is not UTF-8 text; convert the file to UTF-8")
    if batch is None or batch.num_rows == 0:
        raise UserError(f"input file has a header but no data rows: {uri}")
    if len(schema) == 1 and any(sep in schema[0].name for sep in (";", "\t", "|")):
        raise UserError(
            f"{uri} has one column named '{schema[0].name[:40]}'; prepbench reads comma-separated files — "
            "convert the delimiter to ','"
        )
    return schema


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    if text and "straddl" in text[0]:
        return (f"a CSV row is longer than the {CSV_BLOCK_BYTES >> 20} MiB read block (rows up to that size are "
                "always read); shorten the long field or convert the file to Parquet")
    if text and "invalid UTF8" in text[0]:
        return f"{text[0]}; convert the file to UTF-8"
    if text and text[0].startswith("Integer value") and "not in range" in text[0]:
        return (f"{text[0]}: integer columns are read as float64, exact up to 2^53; store a column of larger "
                "integers (ids, hashes) as strings")
    return text[0] if text else type(exc).__name__


def read_arrow_table(source: InputSource, columns: list[str]):
    """Read the columns into an Arrow table with the types of `source.schema` (single-machine engines)."""
    import pyarrow as pa

    filesystem, path = (None, source.uri)
    if not source.is_local:
        from src.bench.data.remote import arrow_filesystem

        filesystem, path = arrow_filesystem(source.uri)
    try:
        if source.format == "parquet":
            import pyarrow.parquet as pq

            table = pq.read_table(path, columns=columns, filesystem=filesystem)
            return table.cast(pa.schema([(c, arrow_type(source.schema[c])) for c in columns]))
        import pyarrow.csv as pcsv

        stream = filesystem.open_input_stream(path) if filesystem else path
        return pcsv.read_csv(stream, **csv_options(source.schema, columns))
    except pa.ArrowInvalid as exc:
        raise UserError(f"cannot read {source.path}: {_first_line(exc)}") from None


def arrow_type(kind: str):
    """The Arrow type every engine holds a column of this kind in: float64 for numbers (integers and booleans
    too: 0 and 1; a cast that would round an integer beyond +-2^53 is refused), else string."""
    import pyarrow as pa

    return pa.float64() if kind in (NUMERIC, INTEGER) else pa.string()
