"""`prepbench compare`: the same operators on several engines, each in a process of its own, in one table.

Every engine gets the same input, parameters (or --spec file), repetitions and cluster flags. A child's progress
lines are echoed with the engine's name in front; its run file lands in --output next to
`comparison_<ops or spec name>_<dataset>.json` (every run record plus the summary table) and `.md`. All engines
run even if one fails; the exit code then says the worst that happened: 1 a failure or timeout, 3 an output that
differs from the numpy reference, 2 when every engine refused the input (a user error). Ctrl-C stops the running
engine (it records what it measured, status interrupted), runs no more engines, still writes the table of the
engines done so far, and exits 130.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from src.bench.data.results import SCHEMA_VERSION, ensure_writable_dir, utc_now, write_json_atomic, write_text_atomic
from src.bench.errors import (
    EXIT_ENGINE_FAILURE,
    EXIT_INCONSISTENT,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USER_ERROR,
    UserError,
)
from src.bench.registry import selected_engines
from src.bench.report.tables import (
    BASELINE,
    COLUMNS,
    PHASE_COLUMNS,
    baseline_median,
    cells,
    markdown_table,
    phase_rows,
    print_rich_table,
    stock_over_tuned,
    summary_row,
)
from src.bench.run.child import ChildInterrupted, failure_record, global_flags, run_child
from src.bench.run.engine_args import engine_flags, local_path
from src.bench.run.variants import STOCK

if TYPE_CHECKING:
    from src.bench.spec.pipeline_file import PipelineSpec


def main(args: argparse.Namespace) -> int:
    from src.bench.run.engine_args import warn_unused_engine_flags
    from src.bench.run.runner import pipeline_from_args
    from src.bench.run.variants import chosen_variants

    operators, spec = pipeline_from_args(args)
    engines = selected_engines(args.engines)
    params = _validate(args, engines, operators, spec)
    warn_unused_engine_flags(args, engines)
    out = ensure_writable_dir(args.output)
    started = utc_now().isoformat()
    runs = []
    shown = f"{spec.name} ({' -> '.join(operators)})" if spec else ' -> '.join(operators)
    plan = [(e, v) for e in engines for v in chosen_variants(e, operators, args.variant)]
    for i, (engine, variant) in enumerate(plan, 1):
        _say(f"== {_who(engine, variant)} ({i}/{len(plan)}): {shown} on {args.input}")
        runs.append(_run_engine(args, engine, variant, operators, spec, out))
        if runs[-1]["interrupted"]:  # Ctrl-C: report the runs done so far, run no more
            _say(f"== interrupted: not run: {', '.join(_who(*p) for p in plan[len(runs):]) or 'none'}")
            break
    comparison = _comparison(args, plan, operators, spec, params, runs, started)
    name = f"comparison_{spec.name if spec else '-'.join(operators)}_{dataset_stem(args.input)}"
    json_path = write_json_atomic(out / f"{name}.json", comparison)
    md_path = write_text_atomic(out / f"{name}.md", _markdown(comparison))
    print_rich_table(_title(comparison), COLUMNS, [cells(r) for r in comparison["summary"]])
    phases = phase_rows(comparison["runs"])
    if phases:
        print_rich_table("end to end, by phase", PHASE_COLUMNS, phases)
    print(f"comparison: {json_path}\ntable: {md_path}")
    return comparison["exit_code"]


def _validate(args: argparse.Namespace, engines: list[str], operators: list[str],
              spec: PipelineSpec | None) -> dict[str, dict]:
    """Refuse a bad input, operator, parameter or spec once, here, instead of once per engine."""
    from src.bench.data.inputs import resolve_input
    from src.bench.run.runner import plan_request, request_from_args, validate_request

    if args.timeout <= 0:
        raise UserError(f"--timeout must be positive, got {args.timeout:g}")
    request = request_from_args(args, engines[0], operators, "compare", spec)
    validate_request(request)
    plan_request(request, resolve_input(args.data_path or args.input).schema)
    return request.params_by_operator


def _who(engine: str, variant: str) -> str:
    """An engine and variant as progress lines name them: spark, spark tuned."""
    return engine if variant == STOCK else f"{engine} {variant}"


def dataset_stem(path: str) -> str:
    return Path(urlparse(path).path.rstrip("/")).stem or "data"


def _child_command(engine: str, operators: list[str], spec: PipelineSpec | None) -> list[str]:
    """The child's command: `run` for one operator, `pipeline` for several or for a spec file."""
    if spec:
        return ["pipeline", "--engine", engine, "--spec", str(Path(spec.path).resolve())]
    if len(operators) == 1:
        return ["run", "--engine", engine, "--operator", operators[0]]
    return ["pipeline", "--engine", engine, "--operators", *operators]


def _child_args(args: argparse.Namespace, engine: str, variant: str, operators: list[str],
                spec: PipelineSpec | None) -> list[str]:
    flags = [*global_flags(args), *_child_command(engine, operators, spec), "--input", local_path(args.input),
             "--repeats", str(args.repeats), "--warmup", str(args.warmup), "--check-rows", str(args.check_rows),
             "--variant", variant]
    if args.params is not None:
        flags += ["--params", args.params]
    if args.data_path:
        flags += ["--data-path", local_path(args.data_path)]
    if args.include_io:
        flags.append("--include-io")
    if args.end_to_end:
        flags.append("--end-to-end")
    if args.fit_input:
        flags += ["--fit-input", local_path(args.fit_input)]
    if args.split is not None:
        flags += ["--split", f"{args.split!r}", "--split-seed", str(args.split_seed)]
    if args.memory_limit:
        flags += ["--memory-limit", str(args.memory_limit)]
    if args.save_output:
        target = Path(local_path(args.save_output))
        named = engine if variant == STOCK else f"{engine}_{variant}"
        flags += ["--save-output", str(target.with_name(f"{target.stem}_{named}{target.suffix}"))]
    return flags + engine_flags(args, engine)


def _run_engine(args: argparse.Namespace, engine: str, variant: str, operators: list[str],
                spec: PipelineSpec | None, out: Path) -> dict[str, Any]:
    """One engine in one variant in its own process; its run file is moved into --output."""
    result_dir = Path(tempfile.mkdtemp(prefix=f".compare-{engine}-{variant}-", dir=out))
    try:
        try:
            result = run_child(_child_args(args, engine, variant, operators, spec), result_dir, args.timeout,
                               on_line=lambda line: _say(f"{_who(engine, variant):>8} | {line}"),
                               memory_limit=args.memory_limit)
        except ChildInterrupted as stop:
            result = stop.result
        run_file = None
        if result.record is None:
            command = _child_command(engine, operators, spec)[0]
            record = {**failure_record(engine, operators, command, args.input, result, args.timeout),
                      "variant": variant}
            if spec:
                record["spec"] = spec.describe()
        else:
            record = result.record
            run_file = out / result.run_file.name
            shutil.move(result.run_file, run_file)
    finally:
        shutil.rmtree(result_dir, ignore_errors=True)
    _say(f"== {_who(engine, variant)}: {record['status']} in {result.seconds:.1f} s")
    return {"record": record, "exit_code": result.exit_code, "wall_seconds": result.seconds,
            "run_file": str(run_file) if run_file else None, "interrupted": result.interrupted}


def _comparison(args: argparse.Namespace, plan: list[tuple[str, str]], operators: list[str],
                spec: PipelineSpec | None, params: dict, runs: list[dict[str, Any]], started: str) -> dict[str, Any]:
    records = [r["record"] for r in runs]
    base = baseline_median(records)
    summary = [
        {**summary_row(r["record"], base, stock_over_tuned(records, r["record"])), "exit_code": r["exit_code"],
         "wall_seconds": r["wall_seconds"],
         "run_file": r["run_file"]}
        for r in runs
    ]
    rows = next((r["dataset"]["rows"] for r in records if (r.get("dataset") or {}).get("rows")), None)
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": "comparison",
        "operators": operators,
        "spec": spec.describe() if spec else None,
        "dataset": {"input": args.input, "data_path": args.data_path, "rows": rows},
        "engines": list(dict.fromkeys(e for e, _ in plan)),
        "variants": {e: [v for each, v in plan if each == e] for e, _ in plan},
        "not_run": [_who(*p) for p in plan[len(runs):]],  # left out by Ctrl-C
        "baseline": BASELINE,
        "parameters": {
            "repeats": args.repeats, "warmup": args.warmup, "variant": args.variant, "params": params,
            "include_io": args.include_io, "end_to_end": args.end_to_end, "fit_input": args.fit_input,
            "split": args.split, "split_seed": args.split_seed,
            "check_rows": args.check_rows, "timeout_seconds": args.timeout, "engine_flags": engine_flags(args),
            "memory_limit_bytes": args.memory_limit,
        },
        "started_at": started,
        "finished_at": utc_now().isoformat(),
        "exit_code": _exit_code(runs, args.allow_inconsistent),
        "summary": summary,
        "runs": records,
    }


def _exit_code(runs: list[dict[str, Any]], allow_inconsistent: bool) -> int:
    if any(r["interrupted"] for r in runs):
        return EXIT_INTERRUPTED
    if all(r["exit_code"] == EXIT_USER_ERROR for r in runs):
        return EXIT_USER_ERROR
    statuses = {r["record"]["status"] for r in runs}
    if statuses - {"ok", "inconsistent"}:
        return EXIT_ENGINE_FAILURE
    if "inconsistent" in statuses and not allow_inconsistent:
        return EXIT_INCONSISTENT
    return EXIT_OK


def _title(comparison: dict[str, Any]) -> str:
    rows = comparison["dataset"]["rows"]
    size = f" ({rows:,} rows)" if rows else ""
    chain = " -> ".join(comparison["operators"])
    shown = f"{comparison['spec']['name']} ({chain})" if comparison.get("spec") else chain
    return f"{shown} on {comparison['dataset']['input']}{size}"


def _markdown(comparison: dict[str, Any]) -> str:
    p = comparison["parameters"]
    base_ok = any(r["engine"] == BASELINE and r["variant"] == STOCK and r["median_seconds"]
                  for r in comparison["summary"])
    lines = [
        f"# Comparison: {_title(comparison)}",
        "",
        f"Started {comparison['started_at']}; {p['repeats']} timed repetitions after {p['warmup']} warm-up; "
        f"parameters {_parameters_text(comparison)}; each engine in its own process "
        f"(timeout {p['timeout_seconds']:g} s).",
        "",
        markdown_table(COLUMNS, [cells(r) for r in comparison["summary"]]),
        ("Median and IQR are of the whole batch job (the engine's reader, fit, transform, the engine's Parquet "
         "writer), without engine start." if p["end_to_end"] else
         "Median and IQR are of the operator time (fit + transform + the action that computes every output), "
         "without engine start and data load.")
        + " Speed-up = numpy median / engine median"
        + ("" if base_ok else " (not available: the numpy engine did not run or failed)")
        + "; stock/tuned = the engine's stock median / its tuned median (variants: docs/operators.md).",
        "",
        f"Exit code: {comparison['exit_code']}.",
    ]
    phases = phase_rows(comparison["runs"])
    if phases:
        lines += ["", "End to end, by phase (a phase marked →write only plans work that the write runs):", "",
                  markdown_table(PHASE_COLUMNS, phases)]
    if comparison["not_run"] or comparison["exit_code"] == EXIT_INTERRUPTED:
        lines += ["", f"Interrupted (Ctrl-C); not run: {', '.join(comparison['not_run']) or 'none'}."]
    files = [r["run_file"] for r in comparison["summary"] if r["run_file"]]
    if files:
        lines += ["", "Run files:", "", *(f"- `{Path(f).name}`" for f in files)]
    return "\n".join(lines) + "\n"


def _parameters_text(comparison: dict[str, Any]) -> str:
    spec = comparison.get("spec")
    if spec:
        return f"from the spec file `{spec['path']}`"
    return str(comparison["parameters"]["params"] or "default")


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
