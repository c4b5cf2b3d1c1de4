"""What the Dask operators share: the row-number column, a fitted dask-ml transformer applied per partition, the
Arrow-backed columns of tokens and sparse vectors, and the scalers' check for missing values.

Token lists and sparse vectors are pandas columns backed by Arrow (`pd.ArrowDtype`): tokens `list<string>` (null
for a null document), vectors prepbench's one sparse layout, `{size, indices, values}` per row
(src/bench/data/vectors.py). Each partition's column is one Arrow array, which the kernels of prepbench (the
tokenizer, MurmurHash3) and numpy work on directly, which Dask ships between processes as Arrow buffers, and
which stays sparse: a 2^18-wide HashingTF row costs only its non-zero entries. (An object column of scipy CSR
pieces would need one Python object per row, or a partition-shaped object that Dask's row-wise collection,
`isin` and sort cannot take apart.)
"""

from __future__ import annotations

import dask.dataframe as dd
import numpy as np
import pandas as pd
import pyarrow as pa

from src.bench.data.vectors import VECTOR_TYPE, from_dense
from src.bench.errors import missing_values

ROW = "__row"  # each row's 0-based position in the input file: collect returns rows in input order by it
TOKENS = pd.ArrowDtype(pa.list_(pa.string()))
VECTORS = pd.ArrowDtype(VECTOR_TYPE)


def per_partition(model, data: dd.DataFrame, step) -> dd.DataFrame:
    """A fitted dask-ml scaler's or imputer's `transform` on each partition of the step's input columns, its result
    columns named as the step's output columns.

    On a Dask DataFrame those transforms are frame-with-vector arithmetic (`X - mean_`, `X.mul(scale_)`,
    `X.fillna(statistics_)`), which Dask's optimizer breaks on when only some of the output columns are used: its
    column projection fails (TypeError, KeyError 'right') or drops the fill. The same transform on each pandas
    partition is the same arithmetic, blockwise; pandas' copy-on-write keeps the persisted input unchanged. The
    function gets the whole partition and picks the columns itself, and names its result after the step's outputs:
    as `frame[columns].map_partitions(transform)`, two steps reading the same columns were mixed up by the optimizer
    in one assign chain (a MinMaxScaler's output was the StandardScaler's scaled values put through the MinMaxScaler,
    in a pipeline of both over num_*), and with output names only, their two projections were merged into one.
    """
    columns, names = list(step.input_cols), list(step.output_cols)
    meta = data[columns]._meta.set_axis(names, axis=1)
    return data.map_partitions(_transformed, model, columns, names, meta=meta)


def _transformed(part: pd.DataFrame, model, columns: list[str], names: list[str]) -> pd.DataFrame:
    out = model.transform(part[columns])
    out.columns = names
    return out


def arrow(part: pd.Series) -> pa.Array:
    """One partition's column as a single Arrow array."""
    values = pa.array(part.array if isinstance(part.dtype, pd.ArrowDtype) else part, from_pandas=True)
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def series(values: pa.Array, like: pd.Series) -> pd.Series:
    """An Arrow array as a pandas column with the partition's index."""
    return pd.Series(pd.arrays.ArrowExtensionArray(values), index=like.index, name=like.name)


def meta(name: str, dtype: pd.ArrowDtype) -> pd.Series:
    """The empty column Dask is told a `map_partitions` returns."""
    return pd.Series([], dtype=dtype, name=name)


def dense_rows(data: dd.DataFrame, step, kernel, *args) -> dd.DataFrame:
    """The step's one vector output: `kernel(rows, *args)`, a numpy function of each partition's input columns as a
    float64 matrix (NaN for null) giving one dense row per input row (Normalizer, PolynomialExpansion)."""
    output = step.output_cols[0]

    def vectors(part: pd.DataFrame) -> pd.Series:
        rows = kernel(part.to_numpy(dtype=np.float64, na_value=np.nan), *args)
        return series(from_dense(rows), part.iloc[:, 0]).rename(output)

    return data.assign(**{output: data[list(step.input_cols)].map_partitions(vectors, meta=meta(output, VECTORS))})


def require_values(data: dd.DataFrame, columns: list[str], operator: str) -> dict[str, tuple[float, float]]:
    """Each column's (min, max), computed in one pass with the check the scalers need: a column with a missing
    value (null or NaN, the same to prepbench) is a UserError naming its first missing row. One task per
    partition reduces all the columns at once (as separate Dask reductions, three per column, they took 0.4 s more
    on 200,000 rows); this process combines the partitions' results."""
    found = data[[ROW, *columns]].map_partitions(_partition_stats, columns, meta=_partition_stats(data._meta, columns))
    stats = found.compute()
    missing, low, high = stats.loc[["missing"]].min(), stats.loc[["min"]].min(), stats.loc[["max"]].max()
    for c in columns:
        if not np.isnan(missing[c]):
            raise missing_values(operator, c, int(missing[c]))
    return {c: (float(low[c]), float(high[c])) for c in columns}


def _partition_stats(part: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """One partition's first missing row, min and max of each column (NaN where there is none)."""
    rows = part[ROW].to_numpy()
    out = {}
    for c in columns:
        x = part[c].to_numpy(dtype=np.float64, na_value=np.nan)
        missing = np.isnan(x)
        observed = x[~missing]
        out[c] = [rows[missing].min() if missing.any() else np.nan,
                  observed.min() if observed.size else np.nan, observed.max() if observed.size else np.nan]
    return pd.DataFrame(out, index=["missing", "min", "max"], columns=columns, dtype=np.float64)
