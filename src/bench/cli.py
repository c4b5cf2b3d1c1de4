"""prepbench command line: python -m src.bench.cli [--log-level L] COMMAND ...

Only the standard library is imported here; each command imports what it needs when it runs, so `list` and
`--help` answer at once. Exit codes: 0 ok, 1 engine failure, 2 user error, 3 inconsistent output,
130 interrupted.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from typing import Any

from src.bench.errors import (
    EXIT_ENGINE_FAILURE,
    EXIT_INTERRUPTED,
    EXIT_USER_ERROR,
    UserError,
    interrupt_requested,
    watch_interrupts,
)
from src.bench.registry import engines
from src.bench.run.child import leave_no_process_behind
from src.bench.run.engine_args import add_engine_options
from src.bench.run.memory_limit import parse_size

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

EXAMPLES = """\
examples:
  prepbench list
  prepbench data generate --rows 1000000 --numeric 8 --categorical 2 --text --missing-rate 0.1 --output data/1m.parquet
  prepbench run --engine numpy --operator StandardScaler --input data/sample.csv
  prepbench run --engine spark --operator Imputer --params '{"strategy": "median"}' --input data/sample.csv
  prepbench pipeline --engine ray --operators Tokenizer HashingTF IDF --input data/sample.csv \\
      --params '{"HashingTF": {"num_features": 1024}}'
  prepbench pipeline --engine ray --ray-address 127.0.0.2:6379 \\
      --ray-runtime-env-json '{"pip": ["pandas==2.2.3"]}' --operators StandardScaler --input data/sample.csv
  prepbench compare --operators StandardScaler OneHotEncoder --input data/sample.csv
  prepbench pipeline --engine numpy --spec my_pipeline.yaml --input data/sample.csv
  prepbench compare --spec my_pipeline.yaml --engines numpy sklearn --input data/sample.csv
  prepbench workload list
  prepbench workload run ctr --engines numpy sklearn --rows 1e5
  prepbench sweep --engines numpy spark --operators StandardScaler --rows 1e4 1e5 1e6 --out sweep.jsonl
  prepbench report sweep.jsonl --out experiments/report

exit codes: 0 ok, 1 engine failure, 2 user error, 3 output inconsistent with the reference, 130 interrupted
"""


class Parser(argparse.ArgumentParser):
    """argparse that reports a usage mistake on one line, with a pointer to --help."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USER_ERROR, f"{self.prog}: error: {message} (see: {self.prog} --help)\n")


def _add_log_options(parser: argparse.ArgumentParser, top: bool) -> None:
    default = "INFO" if top else argparse.SUPPRESS
    parser.add_argument(
        "--log-level",
        type=str.upper,
        choices=LOG_LEVELS,
        default=default,
        help="logging level (default INFO); DEBUG also shows tracebacks",
    )
    parser.add_argument(
        "--py4j-log-level",
        type=str.upper,
        choices=LOG_LEVELS,
        default="WARNING" if top else argparse.SUPPRESS,
        help="level of the py4j/Spark gateway logs",
    )


def _add_run_options(parser: argparse.ArgumentParser, output_default: str) -> None:
    parser.add_argument("--input", required=True, help="input .csv or .parquet (local path, file://, s3://, hdfs://)")
    parser.add_argument("--data-path", help="read the data from here instead of --input (both are recorded)")
    parser.add_argument(
        "--params",
        metavar="JSON",
        help="operator parameters as JSON; for several operators keyed by operator name (not with --spec)",
    )
    parser.add_argument("--fit-input", metavar="PATH",
                        help="fit the stateful operators on this file, transform --input (unseen categories occur)")
    _add_measure_options(parser, output_default)


def _add_measure_options(parser: argparse.ArgumentParser, output_default: str) -> None:
    """How a run is measured, checked and written: the options of every command that runs a pipeline."""
    parser.add_argument(
        "--output", default=output_default, help=f"directory for result files (default {output_default})"
    )
    parser.add_argument("--repeats", type=int, default=3, help="timed repetitions (default 3)")
    parser.add_argument("--warmup", type=int, default=1, help="discarded warm-up repetitions (default 1; 0 allowed)")
    add_variant_option(parser)
    parser.add_argument("--include-io", action="store_true", help="time loading the input inside every repetition")
    add_end_to_end_option(parser)
    add_split_options(parser)
    parser.add_argument(
        "--check-rows",
        type=int,
        default=200_000,
        help="rows compared with the numpy reference (evenly spaced sample; default 200000)",
    )
    parser.add_argument("--save-output", metavar="PATH", help="write the transformed columns to .parquet or .csv "
                        "(with --end-to-end: the directory of the Parquet dataset the engine writes)")
    parser.add_argument(
        "--allow-inconsistent",
        action="store_true",
        help="exit 0 even when the output differs from the reference (still recorded)",
    )
    add_memory_limit_option(parser)


def add_memory_limit_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--memory-limit", type=parse_size, metavar="SIZE",
        help="memory for the whole run, engine daemons included, e.g. 4GiB or 500MiB (K/M/G = KiB/MiB/GiB; KB/MB/GB "
        "= powers of 1000): a cgroup where possible, else a watchdog; a run over it is recorded failed with reason "
        "'memory limit', and an engine that holds everything in memory is refused up front when the input cannot "
        "fit (docs/architecture.md)")


def add_end_to_end_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--end-to-end", action="store_true",
                        help="time the batch job file to file: the engine's own reader, fit, transform and its own "
                        "Parquet writer, by phase; the written dataset is read back and checked (kept with "
                        "--save-output DIR)")


def add_variant_option(parser: argparse.ArgumentParser) -> None:
    from src.bench.run.variants import CHOICES, STOCK

    parser.add_argument("--variant", choices=CHOICES, default=STOCK,
                        help="stock: the engine's operator library (default); tuned: the fastest implementation from "
                        "the engine's core primitives, where it has one (see: prepbench list); all: both")


def add_split_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--split", type=float, metavar="FRACTION",
                        help="fit on this fraction of the input's rows (the same seeded rows on every engine), "
                        "transform every row")
    parser.add_argument("--split-seed", type=int, default=0, metavar="N", help="seed of the --split rows (default 0)")


SPEC_HELP = "a pipeline spec file (.yaml, .yml or .json; see docs/pipelines.md) instead of operators"


def _count(text: str) -> int:
    """A whole count written as 1000, 1e6 or 1_000_000."""
    value = float(text)
    if value != int(value):
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text}")
    return int(value)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="prepbench",
        description="Benchmark and cross-check ML preprocessing operators on several engines "
        f"({', '.join(engines())}): same outputs on every engine, honest timings, memory and CPU.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_log_options(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

    def command(name: str, help_text: str, **kwargs: Any) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text, **kwargs)
        _add_log_options(p, top=False)
        return p

    p = command("list", "list operators (kind, columns, parameters) and engines (installed or not)")
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = command("run", "run one operator on one engine")
    p.add_argument("--engine", required=True, help=f"one of: {', '.join(engines())}")
    p.add_argument("--operator", required=True, help="operator name (see: prepbench list)")
    _add_run_options(p, "experiments/runs")
    add_engine_options(p)

    p = command("pipeline", "run a chain of operators (or a --spec file's steps) on one engine; each step reads the "
                "previous step's output unless it names its columns")
    p.add_argument("--engine", required=True, help=f"one of: {', '.join(engines())}")
    ops = p.add_mutually_exclusive_group(required=True)
    ops.add_argument("--operators", nargs="+", help="operator names in order")
    ops.add_argument("--spec", metavar="FILE", help=SPEC_HELP)
    _add_run_options(p, "experiments/runs")
    add_engine_options(p)

    p = command("compare", "run the same operators on several engines, each in its own process, and compare")
    ops = p.add_mutually_exclusive_group(required=True)
    ops.add_argument("--operator", help="one operator")
    ops.add_argument("--operators", nargs="+", help="a pipeline of operators")
    ops.add_argument("--spec", metavar="FILE", help=SPEC_HELP)
    p.add_argument("--engines", nargs="+", help="engines to compare (default: every installed engine)")
    _add_timeout_option(p)
    _add_run_options(p, "experiments/reports")
    add_engine_options(p)

    p = command("sweep", "grid of engines x operators x rows x columns, appended to a JSONL file; resumable")
    p.add_argument("--engines", nargs="+", help="engines (default: every installed engine)")
    ops = p.add_mutually_exclusive_group(required=True)
    ops.add_argument("--operators", nargs="+", help="operators, each benchmarked on its own")
    ops.add_argument("--spec", nargs="+", metavar="FILE", help="pipeline spec files, each benchmarked as a whole "
                     "(see docs/pipelines.md)")
    p.add_argument("--rows", nargs="+", required=True, type=float, help="row counts, e.g. 1e4 1e5 1e6")
    p.add_argument("--cols", nargs="+", type=int, default=[8], help="numeric column counts (default 8)")
    p.add_argument("--repeats", type=int, default=3, help="timed repetitions per cell (default 3)")
    p.add_argument("--warmup", type=int, default=1, help="warm-up repetitions per cell (default 1)")
    add_variant_option(p)
    p.add_argument("--out", required=True, help="JSONL file the cells are appended to")
    p.add_argument(
        "--resume",
        action="store_true",
        help="skip cells already in --out with a final status (ok, inconsistent, failed, timeout)",
    )
    p.add_argument(
        "--retry-failed", action="store_true", help="with --resume, run failed and timed-out cells again"
    )
    p.add_argument("--timeout-per-cell", type=float, default=1800.0, help="seconds per cell (default 1800)")
    p.add_argument("--data-dir", default="data/cache", help="where generated datasets are cached")
    add_end_to_end_option(p)
    p.add_argument("--seed", type=int, default=42, help="seed of the generated data")
    p.add_argument("--profile", choices=("tabular", "text", "wide"),
                   help="generate the datasets from this data profile (see: prepbench data generate --help), with "
                   "--cols num_* columns (default: 8 num_*, 2 miss_*, 2 cat_*, text)")
    p.add_argument("--cardinality", type=_count, help="distinct values per cat_* column of the generated data")
    p.add_argument("--skew", type=float, help="Zipf exponent of the generated category frequencies (default 0.8)")
    add_split_options(p)
    add_memory_limit_option(p)
    add_engine_options(p)

    workload = command("workload", "shipped pipelines, each with a generated dataset: list them or run one")
    workload_sub = workload.add_subparsers(dest="workload_command", metavar="SUBCOMMAND", required=True,
                                           parser_class=Parser)
    w = workload_sub.add_parser("list", help="the shipped workloads: name, description, steps and data profile",
                                description="the shipped workloads: name, description, steps and data profile")
    _add_log_options(w, top=False)
    w = workload_sub.add_parser(
        "run", help="generate (or reuse) a workload's data and compare the engines on it, as `compare --spec` does",
        description="generate (or reuse) a workload's data and compare the engines on it, as `compare --spec` "
        "does: each engine in its own process, every step checked against the numpy reference")
    _add_log_options(w, top=False)
    w.add_argument("name", help="the workload (see: prepbench workload list)")
    chosen = w.add_mutually_exclusive_group()
    chosen.add_argument("--engine", help="run this engine only (still checked against the numpy reference)")
    chosen.add_argument("--engines", nargs="+", help="engines to compare (default: every installed engine)")
    w.add_argument("--rows", type=_count, default=100_000, help="rows of the generated data (default 100000; 1e6 "
                   "allowed)")
    w.add_argument("--seed", type=int, default=42, help="seed of the generated data (default 42)")
    w.add_argument("--data-dir", default="data/cache", help="where generated datasets are cached (default "
                   "data/cache)")
    _add_timeout_option(w)
    _add_measure_options(w, "experiments/reports")
    add_engine_options(w)

    p = command("report", "turn result files into Markdown and a self-contained HTML page with plots")
    p.add_argument("results", nargs="+", help="run JSON, comparison JSON or sweep JSONL files (or directories)")
    p.add_argument("--format", choices=("html", "md", "both"), default="both", help="output format (default both)")
    p.add_argument("--out", default="experiments/report", help="output directory (default experiments/report)")

    data = command("data", "dataset tools")
    data_sub = data.add_subparsers(dest="data_command", metavar="SUBCOMMAND", required=True, parser_class=Parser)
    g = data_sub.add_parser(
        "generate",
        help="write a seeded synthetic dataset (.csv, .parquet or a directory of Parquet parts)",
        description="write a seeded synthetic dataset (.csv, .parquet or a directory of Parquet parts), "
        "generated in chunks so any size fits in bounded memory; columns, options and profiles: docs/data.md",
    )
    _add_log_options(g, top=False)
    g.add_argument("--profile", choices=("tabular", "text", "wide"),
                   help="preset options (explicit options override them): tabular = CTR-style, 13 miss_* numeric "
                   "columns with nulls and 26 skewed cat_* columns of cardinality 10,000 with nulls; text = "
                   "reviews-style Unicode documents, num_rating, big_0 timestamp, 2 cat_* with nulls; "
                   "wide = 1,000 num_* columns")
    g.add_argument("--rows", type=lambda s: int(float(s)), default=1000, help="rows (default 1000; 1e6 allowed)")
    g.add_argument("--numeric", type=int, help="numeric columns num_0.. (default 4)")
    g.add_argument("--categorical", type=int, help="string columns cat_0.. (default 2)")
    g.add_argument("--cardinality", type=_count,
                   help="distinct values per categorical column, up to 10,000,000; 1e6 allowed (default 20)")
    g.add_argument("--skew", type=float, help="Zipf exponent of the category frequencies (default 0.8; 0 = uniform)")
    g.add_argument("--categorical-null-rate", type=float,
                   help="share of nulls in the cat_* columns and in the text column (default 0)")
    g.add_argument("--text", action=argparse.BooleanOptionalAction, help="add a 'text' column of documents")
    g.add_argument("--unicode", action=argparse.BooleanOptionalAction,
                   help="Unicode text (Greek, Cyrillic, accented Latin, CJK, emoji, U+00A0 inside tokens; "
                   "lognormal lengths, empty and whitespace-only documents) and Unicode/emoji/empty categories")
    g.add_argument("--vocab-size", type=_count,
                   help="distinct words in the text (default 2000; 100,000 with --unicode)")
    g.add_argument("--missing-rate", type=float, help="share of nulls in the miss_* columns (default 0)")
    g.add_argument("--missing-cols", type=int, help="columns miss_0.. with nulls when --missing-rate > 0 (default 2)")
    g.add_argument("--offset-cols", type=int,
                   help="columns big_0.. with a large offset and a small spread: epoch seconds ~1.7e9 (even) and "
                   "increasing ids ~1e12 (odd) (default 0)")
    g.add_argument("--rating", action=argparse.BooleanOptionalAction, help="add num_rating, 1-5 stars")
    g.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    g.add_argument("--chunk-rows", type=_count,
                   help="rows per chunk, Parquet row group or part file (default: 1,048,576, fewer for wide rows); "
                   "never changes the data")
    g.add_argument("--output", required=True,
                   help="output path: .csv, .parquet, or a directory ending in / (e.g. data/big.parquet/) that "
                   "gets part-00000.parquet, ...")

    cluster = command("cluster", "cluster tools")
    cluster_sub = cluster.add_subparsers(
        dest="cluster_command", metavar="SUBCOMMAND", required=True, parser_class=Parser
    )
    c = cluster_sub.add_parser(
        "check",
        help="check that every node has the same Python, packages, env vars and code",
        description="check that every node has the same Python, packages, env vars and code",
    )
    _add_log_options(c, top=False)
    checkable = [name for name, f in engines().items() if f.cluster_check]
    c.add_argument("--engine", default=checkable[0], choices=checkable, help=f"cluster engine (default {checkable[0]})")
    add_engine_options(c, only=checkable)
    return parser


def _add_timeout_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds allowed per engine (default 3600)")


def cmd_run(args: argparse.Namespace) -> int:
    from src.bench.report.summary import print_run
    from src.bench.run.engine_args import warn_unused_engine_flags
    from src.bench.run.memory_limit import supervised
    from src.bench.run.runner import execute, pipeline_from_args, request_from_args
    from src.bench.run.variants import chosen_variants

    operators, spec = pipeline_from_args(args)
    warn_unused_engine_flags(args, [args.engine])
    if args.memory_limit and not supervised():  # the run goes in a child; this process holds it to the limit
        from src.bench.run.limited import run_limited

        return run_limited(args, operators, spec.name if spec else "-".join(operators))
    codes = []
    for variant in chosen_variants(args.engine, operators, args.variant):
        outcome = execute(request_from_args(args, args.engine, operators, args.command, spec, variant))
        print_run(outcome.record, outcome.path)
        error = outcome.record.get("error")
        if error:  # the table is on stdout; stderr gets the one line a script or a log reader looks for
            print(f"prepbench: engine failure: {error['type']}: {error['message']} (recorded in {outcome.path})",
                  file=sys.stderr)
        codes.append(outcome.exit_code)
    return EXIT_ENGINE_FAILURE if EXIT_ENGINE_FAILURE in codes else max(codes)


def cmd_list(args: argparse.Namespace) -> int:
    from src.bench.report.summary import print_listing

    print_listing(as_json=args.json)
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    import time

    from src.bench.data.generate import SPEC_FIELDS, build_spec, check_output, output_kind, write_dataset

    check_output(args.output)  # before generating: a big dataset takes a while
    spec = build_spec(args.profile, **{name: getattr(args, name) for name in SPEC_FIELDS})
    spec.validate()
    if args.chunk_rows is not None and args.chunk_rows < 1:
        raise UserError(f"--chunk-rows must be at least 1, got {args.chunk_rows}")
    kind = output_kind(args.output)
    t0 = time.perf_counter()
    written = write_dataset(spec, args.output, chunk_rows=args.chunk_rows, progress=spec.rows >= 1_000_000)
    names = written.columns
    shown = ", ".join(names) if len(names) <= 30 else f"{', '.join(names[:5])}, ..., {', '.join(names[-3:])}"
    parts = f" in {written.files} part files" if kind == "dir" else ""
    print(
        f"wrote {args.output}: {written.rows:,} rows x {len(names)} columns ({shown}){parts} "
        f"in {time.perf_counter() - t0:.1f} s"
    )
    return 0


def cmd_cluster_check(args: argparse.Namespace) -> int:
    from src.bench.registry import engine_installed, facts
    from src.bench.run.engine_args import options_from_args

    engine = facts(args.engine)
    if not engine_installed(engine.name):
        raise UserError(f"engine '{engine.name}' is not installed: {engine.install_hint}")
    module, function = engine.cluster_check.split(":")
    return getattr(importlib.import_module(module), function)(options_from_args(args, "prepbench-cluster-check"))


def _module_command(module: str):
    def handler(args: argparse.Namespace) -> int:
        return importlib.import_module(module).main(args)

    return handler


HANDLERS = {
    "list": cmd_list,
    "run": cmd_run,
    "pipeline": cmd_run,
    "compare": _module_command("src.bench.orchestrate.compare"),
    "sweep": _module_command("src.bench.orchestrate.sweep"),
    "workload": _module_command("src.bench.workloads.command"),
    "report": _module_command("src.bench.report.render"),
    "data": cmd_generate,
    "cluster": cmd_cluster_check,
}


def setup_logging(level: str, py4j_level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    logging.getLogger("prepbench").setLevel(level)
    for name in ("py4j", "py4j.clientserver", "py4j.java_gateway"):
        logging.getLogger(name).setLevel(py4j_level)


class _Formatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        prefix = "" if record.levelno == logging.INFO else f"{record.levelname.lower()}: "
        return f"prepbench: {prefix}{record.getMessage()}"


def main(argv: list[str] | None = None) -> int:
    if argv is None:  # the program itself, not a call from a test
        leave_no_process_behind()
    parser = build_parser()
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)  # a command that reruns itself in a child
    setup_logging(args.log_level, args.py4j_log_level)
    if not args.command:
        parser.print_help()
        return 0
    debug = args.log_level == "DEBUG"
    watch_interrupts()
    try:
        return HANDLERS[args.command](args)
    except UserError as exc:
        if interrupt_requested():  # an engine that turned a Ctrl-C inside its start into a user error
            print("prepbench: interrupted", file=sys.stderr)
            return EXIT_INTERRUPTED
        print(f"prepbench: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("prepbench: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:  # an engine or environment failure: one line unless DEBUG
        if interrupt_requested():  # a Ctrl-C that surfaced as an engine's own error
            print("prepbench: interrupted", file=sys.stderr)
            return EXIT_INTERRUPTED
        if debug:
            raise
        from src.bench.run.runner import condense

        print(
            f"prepbench: engine failure: {type(exc).__name__}: {condense(exc)} (--log-level DEBUG for details)",
            file=sys.stderr,
        )
        return EXIT_ENGINE_FAILURE


if __name__ == "__main__":
    sys.exit(main())
