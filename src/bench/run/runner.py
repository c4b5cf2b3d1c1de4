"""One benchmark run: start the engine, load, time the repetitions, check the output, write the result.

The boundaries are the measurement protocol of DESIGN.md: engine start and data load are timed apart from the
operator; one repetition is every step's fit and transform plus `materialize`, the action that computes every
output column; warm-ups are discarded; the output of the last repetition is compared with the numpy reference.
"""

from __future__ import annotations

import argparse
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from src.bench.data.inputs import InputSource, resolve_input
from src.bench.data.results import (
    SCHEMA_VERSION,
    check_writable_file,
    ensure_writable_dir,
    environment,
    run_file_name,
    utc_now,
    write_json_atomic,
)
from src.bench.data.split import check_fraction, split_file
from src.bench.errors import (
    EXIT_ENGINE_FAILURE,
    EXIT_INCONSISTENT,
    EXIT_OK,
    UserError,
    interrupt_requested,
    watch_interrupts,
)
from src.bench.registry import REFERENCE, create_engine, engine_version, facts
from src.bench.run.consistency import compare_outputs, first_example
from src.bench.run.engine import Engine
from src.bench.run.facts import EngineOptions
from src.bench.run.measure import ResourceSampler, summarize
from src.bench.run.memory_estimate import needed_bytes, refusal
from src.bench.run.memory_limit import enter_limit, format_size
from src.bench.run.reference import Reference, checked_columns, compute_reference, needed_columns
from src.bench.run.reference_memory import engine_need, reference_refusal
from src.bench.run.steps import apply_steps
from src.bench.run.variants import STOCK, TUNED
from src.bench.spec.operators import INTEGER, NUMERIC
from src.bench.spec.plan import Step, cli_definitions, output_columns, plan_steps

if TYPE_CHECKING:
    from src.bench.spec.pipeline_file import PipelineSpec

log = logging.getLogger("prepbench")


@dataclass
class RunRequest:
    engine: str
    operators: list[str]
    input_path: str
    params_by_operator: dict[str, dict] = field(default_factory=dict)
    data_path: str | None = None
    output_dir: str = "experiments/runs"
    repeats: int = 3
    warmup: int = 1
    include_io: bool = False
    check_rows: int = 200_000
    save_output: str | None = None
    allow_inconsistent: bool = False
    command: str = "run"
    fit_input: str | None = None  # fit on this file, transform input_path
    split: float | None = None  # fit on this fraction of the input's rows (a seeded row mask), transform all
    split_seed: int = 0
    options: EngineOptions = field(default_factory=EngineOptions)
    spec: PipelineSpec | None = None  # a --spec file: its steps replace operators and params_by_operator
    end_to_end: bool = False  # time read -> fit -> transform -> write with the engine's reader and writer
    memory_limit: int | None = None  # --memory-limit in bytes; the parent process enforces it (memory_limit.py)
    variant: str = STOCK  # TUNED: each step's tuned module where the engine has one (src/bench/run/variants.py)

    @property
    def label(self) -> str:
        """The pipeline in file names: the spec's name, or the operators."""
        return self.spec.name if self.spec else "-".join(self.operators)


@dataclass
class RunOutcome:
    record: dict[str, Any]
    path: Path | None
    exit_code: int


def validate_request(req: RunRequest) -> None:
    if req.repeats < 1:
        raise UserError(f"--repeats must be at least 1, got {req.repeats}")
    if req.warmup < 0:
        raise UserError(f"--warmup must be 0 or more, got {req.warmup}")
    if req.check_rows < 1:
        raise UserError(f"--check-rows must be at least 1, got {req.check_rows}")
    check_end_to_end_flags(req.end_to_end, req.include_io, req.options.values.get("io_mode"))
    if req.end_to_end:
        from src.bench.run.end_to_end import check_target

        check_target(req.save_output)
    elif req.save_output and Path(req.save_output).suffix.lower() not in (".csv", ".parquet", ".pq"):
        raise UserError(f"--save-output must end in .csv or .parquet, got {req.save_output}")
    elif req.save_output:
        check_writable_file(req.save_output, "--save-output")
    if req.fit_input and req.split is not None:
        raise UserError("--fit-input and --split both choose the rows to fit on: give one of them")
    if req.split is not None:
        check_fraction(req.split)


def check_end_to_end_flags(end_to_end: bool, include_io: bool, io_mode: str | None) -> None:
    if end_to_end and include_io:
        raise UserError("--end-to-end already times the read inside every repetition: drop --include-io")
    if end_to_end and io_mode == "pandas":
        raise UserError("--end-to-end reads with the engine's own reader: drop --io-mode pandas")


def pipeline_from_args(args: argparse.Namespace) -> tuple[list[str], PipelineSpec | None]:
    """The operators a command line names (--operator, --operators or --spec), and the spec file if any."""
    from src.bench.spec.operators import get_operator
    from src.bench.spec.pipeline_file import load_pipeline

    if getattr(args, "spec", None) is None:
        names = [args.operator] if getattr(args, "operator", None) else args.operators
        return [get_operator(name).name for name in names], None
    if args.params is not None:
        raise UserError("--params cannot be used with --spec: parameters live in the spec file, under each step's "
                        "'params'")
    spec = load_pipeline(args.spec)
    return spec.operators, spec


def request_from_args(args: argparse.Namespace, engine: str, operators: list[str], command: str,
                      spec: PipelineSpec | None = None, variant: str = STOCK) -> RunRequest:
    """The run a `run`, `pipeline`, compare or sweep command line asks for on one engine, in one variant."""
    from src.bench.run.engine_args import options_from_args
    from src.bench.spec.params import parse_params

    req = RunRequest(
        engine=engine,
        operators=operators,
        spec=spec,
        input_path=args.input,
        params_by_operator={} if spec else parse_params(args.params, operators),
        data_path=args.data_path,
        output_dir=args.output,
        repeats=args.repeats,
        warmup=args.warmup,
        include_io=args.include_io,
        check_rows=args.check_rows,
        save_output=args.save_output,
        allow_inconsistent=args.allow_inconsistent,
        command=command,
        fit_input=args.fit_input,
        split=args.split,
        split_seed=args.split_seed,
        end_to_end=args.end_to_end,
        memory_limit=getattr(args, "memory_limit", None),
        variant=variant,
    )
    req.options = options_from_args(args, f"prepbench-{req.label}")
    return req


def plan_request(req: RunRequest, schema: dict[str, str]) -> list[Step]:
    """The request's steps on data of this schema, from its spec file or its operators and parameters."""
    definitions = list(req.spec.steps) if req.spec else cli_definitions(req.operators, req.params_by_operator)
    return plan_steps(definitions, schema)


def execute(req: RunRequest) -> RunOutcome:
    """Run the request; user mistakes raise UserError before anything is written."""
    validate_request(req)
    out_dir = ensure_writable_dir(req.output_dir)
    source = resolve_input(req.data_path or req.input_path)
    steps = plan_request(req, source.schema)
    fit_source = _fit_source(req, source, steps)
    engine = create_engine(req.engine, req.options)
    engine.end_to_end = req.end_to_end  # an engine may stream file to file, and be configured for it
    # before the engine's own checks and start: settings read at start (a JVM's heap) and a refused option
    settings = engine.limit_memory(req.memory_limit) if req.memory_limit else None
    engine.variant = req.variant
    engine.check_options()  # a bad flag or an unreachable cluster fails in seconds, before any data is loaded
    for each in [source] if fit_source is source else [source, fit_source]:
        engine.check_input(each)
        _warn_if_workers_may_not_see(each, req)
    described = [{**s.describe(), "implementation": engine.implementation(s.name, s),
                  "variant": engine.variant_of(s.name)} for s in steps]
    variant = TUNED if any(s["variant"] == TUNED for s in described) else STOCK
    if variant != req.variant:
        log.info("%s has no tuned variant of %s: its stock implementation is its floor and runs", req.engine,
                 " or ".join(dict.fromkeys(s.name for s in steps)))
    # end to end, the numpy engine's written dataset is checked too: against its in-memory outputs
    checked_by_itself = req.engine == REFERENCE and not req.end_to_end
    refused = _memory_refusal(engine, source, steps, req.memory_limit) or (
        None if checked_by_itself else reference_refusal(source, fit_source, steps))
    reference = None if checked_by_itself or refused else compute_reference(source, fit_source, steps,
                                                                             req.check_rows)
    started = utc_now()
    record: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "command": req.command,
        "status": "running",
        "engine": {"name": req.engine, "version": engine_version(req.engine)},
        "variant": variant,
        "operators": req.operators,
        "steps": described,
        "implementations": _labels_by_operator(described),
        "dataset": _dataset_info(req, source, fit_source),
        "parameters": {
            "repeats": req.repeats,
            "warmup": req.warmup,
            "include_io": req.include_io,
            "end_to_end": req.end_to_end,
            "check_rows": req.check_rows,
            "params": req.params_by_operator,
            "io_mode": req.options.io_mode,
            "split": None if req.split is None else {"fraction": req.split, "seed": req.split_seed},
        },
        "started_at": started.isoformat(),
    }
    if req.spec:
        record["spec"] = req.spec.describe()
    path = out_dir / run_file_name(req.engine if variant == STOCK else f"{req.engine}-{variant}", [req.label], started)
    if req.memory_limit:
        record["memory_limit"] = {"limit_bytes": req.memory_limit, "engine_settings": settings}
    if refused:  # the engine never starts: a failed run that says why, and no reference was computed
        record.update(status="failed", error={"type": "MemoryLimit", "message": refused})
        _finish(record, path, req)
        return RunOutcome(record, path, EXIT_ENGINE_FAILURE)
    try:
        _measure(engine, source, fit_source, steps, req, record, reference)
    except UserError:
        if interrupt_requested():  # a Ctrl-C the engine reported as a user error (e.g. a JVM start cut short)
            _record_interrupted(record, path, req)
            raise KeyboardInterrupt from None
        raise
    except KeyboardInterrupt:
        _record_interrupted(record, path, req)
        raise
    except Exception as exc:  # the engine failed on valid input: record it, never report it as success
        if interrupt_requested():  # a Ctrl-C the engine turned into its own error
            _record_interrupted(record, path, req)
            raise KeyboardInterrupt from None
        log.debug("engine failure", exc_info=True)
        record.update(status="failed", error={"type": type(exc).__name__, "message": condense(exc)})
        _note_lost_nodes(engine, record)  # a failure after a node died: the record says so next to the error
        _finish(record, path, req)
        return RunOutcome(record, path, EXIT_ENGINE_FAILURE)
    finally:
        engine.stop()
    _finish(record, path, req)
    inconsistent = record["status"] == "inconsistent" and not req.allow_inconsistent
    return RunOutcome(record, path, EXIT_INCONSISTENT if inconsistent else EXIT_OK)


def _memory_refusal(engine: Engine, source: InputSource, steps: list[Step], limit: int | None) -> str | None:
    """Why an engine that holds everything in one process cannot run this input under --memory-limit."""
    if not limit or not engine.holds_everything_in_memory():
        return None
    needed = needed_bytes(source, needed_columns(steps), len(steps), engine.string_overhead_bytes)
    if needed is not None and needed <= limit:  # the input's size alone fits: what its steps hold may not
        needed = max(needed, engine_need(engine.name, source, steps) or 0)
    if needed is not None:
        log.info("%s: this input needs about %s in memory (estimate); the limit is %s", engine.name,
                 format_size(needed), format_size(limit))
    return refusal(engine.name, needed, limit)


def _labels_by_operator(steps: list[dict[str, Any]]) -> dict[str, str]:
    """Each operator's implementation label; an operator used twice with different labels shows both."""
    labels: dict[str, list[str]] = {}
    for step in steps:
        labels.setdefault(step["operator"], [])
        if step["implementation"] not in labels[step["operator"]]:
            labels[step["operator"]].append(step["implementation"])
    return {operator: " / ".join(each) for operator, each in labels.items()}


def _record_interrupted(record: dict[str, Any], path: Path, req: RunRequest) -> None:
    record["status"] = "interrupted"
    _finish(record, path, req)
    log.warning("interrupted: the repetitions done so far are in %s (status interrupted)", path)


def _warn_if_workers_may_not_see(source: InputSource, req: RunRequest) -> None:
    """A local path read by a cluster's workers must exist at the same path on every node."""
    if facts(req.engine).remote(req.options) and source.is_local and req.options.io_mode != "pandas":
        log.warning(
            "%s is a local path: every worker node must see the same file at that path (shared storage such as "
            "NFS), or use s3:// / hdfs://, or --io-mode pandas to read it on the driver",
            source.path,
        )


def _finish(record: dict[str, Any], path: Path, req: RunRequest) -> None:
    record["finished_at"] = utc_now().isoformat()
    record["environment"] = environment(include_java=facts(req.engine).runs_on_java)
    write_json_atomic(path, record)


def condense(exc: BaseException) -> str:
    """The engine's own message on one line, without JVM or Ray stack frames."""
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    useful = [ln for ln in lines if not ln.startswith(("at ", "File ", "Traceback", "...", "^"))]
    text = (useful or lines or [type(exc).__name__])[0]
    return text if len(text) <= 500 else text[:497] + "..."


def _fit_source(req: RunRequest, source: InputSource, steps: list[Step]) -> InputSource:
    """The input the stateful steps fit on: --fit-input, the --split rows of the input, or the input itself.
    It must have the columns the steps read, of the same kinds."""
    if req.split is not None:
        return resolve_input(str(split_file(source, req.split, req.split_seed)))
    if not req.fit_input:
        return source
    fit_source = resolve_input(req.fit_input)
    for column in needed_columns(steps):
        kind = fit_source.schema.get(column)
        if kind is None:
            raise UserError(f"--fit-input {req.fit_input} has no column '{column}', which the steps read from "
                            f"{source.path}; fit and transform inputs need the same columns")
        if kind != source.schema[column] and {kind, source.schema[column]} != {NUMERIC, INTEGER}:
            raise UserError(f"column '{column}' is {kind} in --fit-input {req.fit_input} but "
                            f"{source.schema[column]} in {source.path}; give both inputs the same column types")
    return fit_source


def _dataset_info(req: RunRequest, source: InputSource, fit_source: InputSource) -> dict[str, Any]:
    info = {
        "input": req.input_path,
        "data_path": req.data_path,
        "uri": source.uri,
        "format": source.format,
        "bytes": source.size_bytes,
        "columns": len(source.schema),
    }
    if fit_source is not source:
        info["fit_input"] = {"input": req.fit_input or "--split", "uri": fit_source.uri,
                             "format": fit_source.format, "bytes": fit_source.size_bytes}
    return info


def _measure(engine: Engine, source: InputSource, fit_source: InputSource, steps: list[Step], req: RunRequest,
             record: dict, reference: Reference | None) -> None:
    columns = needed_columns(steps)
    outputs = output_columns(steps)
    enter_limit()  # the engine and every process it starts live under --memory-limit from here on
    t0 = time.perf_counter()
    info = engine.start()
    watch_interrupts()  # again: an engine may have put its own SIGINT handler in place (pyspark does)
    startup = time.perf_counter() - t0
    record["engine"].update(info, startup_seconds=startup)
    log.info("%s: engine started in %.2f s", engine.name, startup)
    if req.end_to_end:
        from src.bench.run import end_to_end

        record["timing"] = {"startup_seconds": startup, "load_seconds": None}
        end_to_end.measure(engine, source, fit_source, steps, columns, req.save_output, Path(req.output_dir),
                           req.warmup, req.repeats, record, reference)
        _note_lost_nodes(engine, record)
        return
    t0 = time.perf_counter()
    data = engine.load(source, columns)
    rows = engine.count(data)
    fit_data = data
    if fit_source is not source:
        fit_data = engine.load(fit_source, columns)
        record["dataset"]["fit_input"]["rows"] = engine.count(fit_data)
    engine.keep_loaded()
    load = time.perf_counter() - t0
    record["dataset"]["rows"] = rows
    fitted = "" if fit_data is data else f" (fit on {record['dataset']['fit_input']['rows']:,} rows)"
    log.info("%s: loaded %s rows%s in %.2f s", engine.name, f"{rows:,}", fitted, load)

    def repetition() -> tuple[float, float, Any]:
        start = time.perf_counter()
        current, current_fit = data, fit_data
        if req.include_io:
            current = engine.load(source, columns)
            current_fit = current if fit_source is source else engine.load(fit_source, columns)
        transformed, fit_seconds = apply_steps(engine, steps, current_fit, current)
        result = engine.materialize(transformed, outputs)
        return time.perf_counter() - start, fit_seconds, result

    warmups, totals, fits, result = [], [], [], None
    # grows as repetitions finish, so an interrupted run keeps what it measured; replaced by the summary below
    record["timing"] = {"startup_seconds": startup, "load_seconds": load, "warmup_seconds": warmups,
                        "repetition_seconds": totals}
    with ResourceSampler([os.getpid(), *engine.resource_pids()]) as sampler:
        for i in range(req.warmup + req.repeats):
            if result is not None:
                engine.release(result)
                result = None  # else the previous outputs live until the next repetition has made its own
            total, fit, result = repetition()
            is_warmup = i < req.warmup
            (warmups if is_warmup else totals).append(total)
            if not is_warmup:
                fits.append(fit)
            label = f"warm-up {i + 1}/{req.warmup}" if is_warmup else f"repetition {i - req.warmup + 1}/{req.repeats}"
            log.info("%s: %s: %.4f s", engine.name, label, total)
    summary = summarize(totals)
    record["timing"] = {
        "startup_seconds": startup,
        "load_seconds": load,
        "warmup_seconds": warmups,
        "repetition_seconds": totals,
        "fit_seconds": fits,
        "transform_seconds": [t - f for t, f in zip(totals, fits)],
        "summary": summary,
        "fit_summary": summarize(fits),
        "transform_summary": summarize([t - f for t, f in zip(totals, fits)]),
        "rows_per_second": rows / summary["median"] if summary["median"] > 0 else None,
    }
    record["resources"] = sampler.result()
    record["consistency"] = _check(engine, steps, result, rows, reference)
    record["status"] = "ok" if record["consistency"]["verdict"] == "ok" else "inconsistent"
    if req.save_output:
        from src.bench.data.save import save_outputs

        kinds = {c: s.spec.output_kind for s in steps for c in s.output_cols}
        save_outputs(engine.collect(result, outputs, None), kinds, req.save_output)
        record["saved_output"] = req.save_output
    engine.release(result)
    _note_lost_nodes(engine, record)


def _note_lost_nodes(engine: Engine, record: dict[str, Any]) -> None:
    """A cluster that lost nodes or executors during the run: record how many are left, and warn, because the
    timings then include the engine's recovery (re-run tasks, recomputed cache) on fewer machines."""
    try:
        at_end = engine.finish_info().get("nodes")
    except Exception:  # an engine broken by the failure being recorded must not hide that failure
        log.debug("finish_info failed", exc_info=True)
        return
    at_start = record["engine"].get("nodes")
    if at_end is None or at_start is None:
        return
    record["engine"]["nodes_at_end"] = at_end
    if at_end < at_start:
        effect = "the run failed" if record["status"] == "failed" else "the timings include the engine's recovery"
        message = (f"{engine.name}: {at_start - at_end} of {at_start} nodes lost during the run ({at_end} left: a "
                   f"worker, executor or node died); {effect}")
        record.setdefault("warnings", []).append(message)
        log.warning("%s", message)


def _check(engine: Engine, steps: list[Step], result: Any, rows: int, reference: Reference | None) -> dict[str, Any]:
    """Compare the outputs of every explicit step with the numpy engine's, on a row sample for large data."""
    if reference is None:
        return {"verdict": "ok", "reference": f"itself (the {REFERENCE} engine is the reference)", "rows_checked": rows}
    if rows != reference.rows:
        return {"verdict": "inconsistent", "reference": REFERENCE,
                "detail": f"{rows} rows != reference {reference.rows}"}
    kinds = {c: s.spec.output_kind for s in steps for c in s.output_cols}
    rtol = {c: s.spec.rtol for s in steps for c in s.output_cols}
    t0 = time.perf_counter()
    got = engine.collect(result, checked_columns(steps), reference.sample)
    verdict = compare_outputs(got, reference.outputs, kinds, rtol, reference.sample)
    rows_checked = rows if reference.sample is None else len(reference.sample)
    verdict.update(reference=REFERENCE, rows_checked=rows_checked, reference_seconds=reference.seconds,
                   collect_seconds=time.perf_counter() - t0)
    if verdict["verdict"] != "ok":
        bad = [f"{c} ({v.get('mismatches', '?')} rows)" for c, v in verdict["columns"].items() if v["verdict"] != "ok"]
        log.warning("%s: output differs from the numpy reference in %s; first: %s", engine.name, ", ".join(bad),
                    first_example(verdict))
    return verdict
