"""How many cores a single-machine engine's process may use: `--cores N` caps the BLAS/OpenMP pools
(threadpoolctl) and Arrow's CPU pool, the threads numpy, scikit-learn and pyarrow's compute kernels run on, so a
core-count comparison needs no per-engine flag."""

from __future__ import annotations

import os
from typing import Any


def limit_threads(cores: int | None) -> dict[str, Any]:
    """Apply the limit for the rest of this process (one run is one engine in one process); the facts a result
    records about it."""
    import pyarrow as pa
    from threadpoolctl import threadpool_limits

    if cores is not None:
        threadpool_limits(limits=cores)
        pa.set_cpu_count(cores)
    return {"cores": cores or os.cpu_count(), "arrow_threads": pa.cpu_count()}
