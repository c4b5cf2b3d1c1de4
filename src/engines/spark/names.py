"""Column names as Spark sees them. Spark parses a dot in a name as a struct field, resolves names without
regard to case, and its ML transformers take names unquoted, so a real table's `user.age`, `Price ($)` or both
`A` and `a` would fail or collide. Every name that is not a lower-case identifier gets an internal name (its
characters made safe, plus a hash of the whole name), used from loading to collecting and mapped back there."""

from __future__ import annotations

import dataclasses
import re
import zlib

from src.bench.spec.plan import Step

_PLAIN = re.compile(r"[a-z_][a-z0-9_]*\Z")


def spark_name(name: str) -> str:
    if _PLAIN.match(name):
        return name
    return f"{re.sub(r'[^a-z0-9_]', '_', name.lower())}__{zlib.crc32(name.encode('utf-8')):08x}"


def quoted(name: str) -> str:
    """A file's own column name, for Spark's reader: backticks keep dots literal."""
    return "`" + name.replace("`", "``") + "`"


def spark_step(step: Step) -> Step:
    return dataclasses.replace(step, input_cols=tuple(map(spark_name, step.input_cols)),
                               output_cols=tuple(map(spark_name, step.output_cols)))
