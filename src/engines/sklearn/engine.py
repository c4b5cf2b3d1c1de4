"""The scikit-learn engine: the numpy engine's in-memory Frame and loading, with scikit-learn's transformers.

Only the operators differ (src/engines/sklearn/operators/). Token columns are object arrays of Python lists,
the form scikit-learn's text tools work with; `collect` turns them into plain lists.
"""

from __future__ import annotations

import platform
from typing import Any

import numpy as np
import sklearn

from src.engines.numpy.engine import NumpyEngine
from src.engines.numpy.frame import Frame


class SklearnEngine(NumpyEngine):
    name = "sklearn"
    operators_package = "src.engines.sklearn.operators"

    def start(self) -> dict[str, Any]:
        return {
            "version": sklearn.__version__,
            "numpy": np.__version__,
            "mode": "local",
            "python": platform.python_version(),
            "nodes": 1,
        }

    def collect(self, data: Frame, columns: list[str], rows: np.ndarray | None) -> dict[str, Any]:
        out = super().collect(data, columns, rows)
        return {c: v.tolist() if isinstance(v, np.ndarray) and v.dtype == object else v for c, v in out.items()}
