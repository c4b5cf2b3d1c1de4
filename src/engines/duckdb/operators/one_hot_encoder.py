"""OneHotEncoder in SQL (custom: DuckDB has no ML preprocessing library).

The K categories and each row's position among them are StringIndexer's (code point order for strings, numeric
order for integer, boolean and index columns; null is never a category and does not count in K). Each row becomes
a K-wide sparse vector with a 1 at its position; a null or unseen value gives an all-zero row.
"""

from src.bench.spec.plan import Step

from ..query import Query, sparse
from .string_indexer import fit_categories, with_positions

IMPLEMENTATION = "custom"


def fit(data: Query, step: Step) -> list[tuple[str, int]]:
    return fit_categories(data, step)


def _one_hot(position: str) -> str:
    return sparse(f"CASE WHEN {position} IS NULL THEN [] ELSE [{position}] END",
                  f"CASE WHEN {position} IS NULL THEN [] ELSE [1.0] END")


def transform(data: Query, state: list[tuple[str, int]], step: Step) -> Query:
    widths = {name: count for name, (_, count) in zip(step.output_cols, state)}
    return with_positions(data, step, state, _one_hot, widths)
