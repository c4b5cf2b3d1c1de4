"""Fit and transform a pipeline's steps on an engine: the same code for the measured engine and the reference.

Fit data and transform data may differ (`--fit-input`, `--split`): each stateful step then fits on the fit
data as the previous steps left it, so the fit data is transformed too as long as a later step still fits on
it — what a user's pipeline does when it is fitted on a training split and applied to another.
"""

from __future__ import annotations

import time
from typing import Any

from src.bench.run.engine import Engine
from src.bench.spec.plan import Step


def apply_steps(engine: Engine, steps: list[Step], fit_data: Any, data: Any) -> tuple[Any, float]:
    """The transformed data (lazy where the engine is lazy) and the seconds spent in `fit` calls."""
    same = fit_data is data
    fit_seconds = 0.0
    for i, step in enumerate(steps):
        state = None
        if step.spec.stateful:
            t = time.perf_counter()
            state = engine.fit(step, fit_data)
            fit_seconds += time.perf_counter() - t
        if not same and any(later.spec.stateful for later in steps[i + 1:]):
            fit_data = engine.transform(step, state, fit_data)
        data = engine.transform(step, state, data)
        if same:
            fit_data = data
    return data, fit_seconds
