"""OneHotEncoder in SQL (custom: DuckDB has no ML preprocessing library).

The K categories and each row's position among them are StringIndexer's (code point order for strings, numeric
order for integer, boolean and index columns; null is never a category and does not count in K). Each row becomes
a K-wide sparse vector with a 1 at its position; a null or unseen value gives an all-zero row.
"""

from src.bench.spec.plan import Step

from ..query import Query, sparse
from .string_indexer import fit_categories, joined_positions

IMPLEMENTATION = "custom"


def fit(data: Query, step: Step) -> list[tuple[str, int]]:
    return fit_categories(data, step)


def _one_hot(position: str, width: int) -> str:
    return sparse(width, f"CASE WHEN {position} IS NULL THEN [] ELSE [{position}] END",
                  f"CASE WHEN {position} IS NULL THEN [] ELSE [1.0] END")


def transform(data: Query, state: list[tuple[str, int]], step: Step) -> Query:
    joins, positions = joined_positions(data, step, state)
    widths = {name: count for name, (_, count) in zip(step.output_cols, state)}
    return data.with_columns({name: _one_hot(p, widths[name]) for name, p in zip(step.output_cols, positions)}, widths,
                             joins=joins)
