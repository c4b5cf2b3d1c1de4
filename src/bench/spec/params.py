"""--params: operator parameters as JSON, keyed by operator name (a flat object for a single operator)."""

from __future__ import annotations

import json

from src.bench.errors import UserError
from src.bench.spec.operators import OPERATORS


def parse_params(text: str | None, operators: list[str]) -> dict[str, dict]:
    """--params JSON -> parameters keyed by operator; a flat object applies to a single operator; None: none."""
    if text is None:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(
            f"malformed --params JSON at line {exc.lineno} column {exc.colno}: {exc.msg}; "
            "example: --params '{\"with_mean\": false}'"
        ) from None
    if not isinstance(value, dict):
        raise UserError(f"--params must be a JSON object, got {type(value).__name__}; example: '{{\"min\": -1}}'")
    # keyed by operator names, even ones not in this pipeline: the planner then names the stray key
    keyed = bool(value) and all(isinstance(v, dict) for v in value.values()) and (
        all(k in operators for k in value) or any(k in OPERATORS for k in value)
    )
    if keyed:
        return value
    if len(set(operators)) > 1 and value:
        raise UserError(
            f"--params for several operators must be keyed by operator name, e.g. '{{\"{operators[0]}\": {{...}}}}'"
        )
    return {operators[0]: value} if value else {}
