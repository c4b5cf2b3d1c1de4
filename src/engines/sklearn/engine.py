"""The scikit-learn engine: the numpy engine's in-memory Frame and loading, with scikit-learn's transformers.

Only the operators differ (src/engines/sklearn/operators/). Strings are object arrays of str and token columns
Python lists of lists, the forms scikit-learn's encoders and text tools work with.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sklearn

from src.bench.data.inputs import InputSource
from src.bench.run.memory_estimate import STRING_OVERHEAD
from src.engines.numpy.engine import NumpyEngine
from src.engines.numpy.frame import Frame

from .operators._columns import user_layout


class SklearnEngine(NumpyEngine):
    name = "sklearn"
    operators_package = "src.engines.sklearn.operators"
    string_overhead_bytes = STRING_OVERHEAD  # `user_layout` holds strings as Python objects

    def start(self) -> dict[str, Any]:
        return {**super().start(), "version": sklearn.__version__, "numpy": np.__version__}

    def load(self, source: InputSource, columns: list[str]) -> Frame:
        """Loaded into the layout a scikit-learn user holds (see `user_layout`), so fit and transform start
        from it as they would in a hand-written script, without converting the input on every call."""
        return user_layout(super().load(source, columns))
