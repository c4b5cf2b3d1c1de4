"""`run` and `pipeline` with --memory-limit: the same command line in a child process that this one supervises.

The limit must hold for the whole process tree of the run, and a run over it is killed (by the kernel in a cgroup,
or by the watchdog); the process that records that must be outside the tree. So this process only enforces the
limit (child.run_child with memory_limit.MemoryGuard), and writes the record the child wrote, with the limit's
verdict, or the record of a child that was killed before it could write one.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from src.bench.data.results import ensure_writable_dir, run_file_name, utc_now, write_json_atomic
from src.bench.errors import EXIT_ENGINE_FAILURE, EXIT_INTERRUPTED, UserError
from src.bench.run.child import ChildInterrupted, failure_record, run_child

_FINAL_LINES = ("prepbench: error: ", "prepbench: engine failure: ")  # the child's last word; this process says it


def run_limited(args: argparse.Namespace, operators: list[str], label: str) -> int:
    """Run `args.argv` (this very command line) in a child under `args.memory_limit`; print and file its record."""
    from src.bench.report.summary import print_run

    out = ensure_writable_dir(args.output)
    result_dir = Path(tempfile.mkdtemp(prefix=f".limited-{args.engine}-", dir=out))
    try:
        try:
            result = run_child(args.argv, result_dir, None, on_line=_echo, memory_limit=args.memory_limit)
        except ChildInterrupted as stop:
            result = stop.result
        if result.record is not None:
            record, path = result.record, out / result.run_file.name
            shutil.move(result.run_file, path)
        else:
            record = failure_record(args.engine, operators, args.command, args.input, result, 0)
            if record["error"]["type"] == "UserError":  # refused before it ran: nothing is written
                raise UserError(record["error"]["message"])
            path = write_json_atomic(out / run_file_name(args.engine, [label], utc_now()), record)
    finally:
        shutil.rmtree(result_dir, ignore_errors=True)
    print_run(record, path)
    error = record.get("error")
    if error:
        print(f"prepbench: engine failure: {error['type']}: {error['message']} (recorded in {path})", file=sys.stderr)
    if result.interrupted:
        return EXIT_INTERRUPTED
    if record["status"] == "failed" or result.exit_code is None or result.exit_code < 0:
        return EXIT_ENGINE_FAILURE
    return result.exit_code


def _echo(line: str) -> None:
    if not line.startswith(_FINAL_LINES):
        print(line, file=sys.stderr, flush=True)
