"""Log levels on the error path; the bad-input table (exit 2, one line, nothing written) is test_bad_inputs.py.

These call main() in this process (tests/clitools.py: run_main); the last test checks that doing so leaves the
test process as it was.
"""

import logging
import signal
from pathlib import Path

import pytest

from src.bench.spec.operators import OPERATORS
from tests.clitools import SAMPLE, run_main


@pytest.mark.parametrize("where", ["before", "after"])
def test_log_level_before_or_after_command(where: str, tmp_path: Path) -> None:
    run = ["run", "--engine", "numpy", "--operator", "MinMaxScaler", "--input", str(SAMPLE), "--output",
           str(tmp_path)]
    args = ["--log-level", "WARNING", *run] if where == "before" else [*run, "--log-level", "WARNING"]
    code, _, stderr = run_main(args)
    assert code == 0, stderr
    assert "repetition" not in stderr  # INFO progress is hidden at WARNING
    assert len(list(tmp_path.glob("numpy_MinMaxScaler_*.json"))) == 1


def test_user_error_stays_one_line_at_debug(tmp_path: Path) -> None:
    """DEBUG shows tracebacks of engine failures; a user mistake is still just its line."""
    code, _, stderr = run_main(["--log-level", "DEBUG", "run", "--engine", "numpy", "--operator", "StandardScalar",
                                "--input", str(SAMPLE), "--output", str(tmp_path)])
    assert code == 2
    assert stderr.strip().splitlines() == [
        "prepbench: error: unknown operator 'StandardScalar'; did you mean 'StandardScaler'? available: "
        f"{', '.join(OPERATORS)} (see: prepbench list)"
    ]


def test_running_main_in_process_leaves_the_process_as_it_was(tmp_path: Path) -> None:
    """main() sets the root logger's handlers and levels and a SIGINT handler; run_main puts them back."""
    root = logging.getLogger()
    before = (root.handlers[:], root.level, logging.getLogger("prepbench").level, signal.getsignal(signal.SIGINT))
    for argv in (["--log-level", "DEBUG", "run", "--engine", "numpy", "--operator", "Tokenizer", "--input",
                  str(SAMPLE), "--output", str(tmp_path), "--repeats", "1", "--warmup", "0"],
                 ["run", "--engine", "numpy"]):  # a run, and a usage error (SystemExit)
        code, _, _ = run_main(argv)
        assert code in (0, 2)
        after = (root.handlers[:], root.level, logging.getLogger("prepbench").level, signal.getsignal(signal.SIGINT))
        assert after == before


def test_a_ctrl_c_an_engine_reports_as_a_user_error_is_an_interrupt(monkeypatch) -> None:
    """py4j may turn a Ctrl-C during the JVM's start into an error that prepbench words as a user mistake: the
    run is still interrupted (exit 130), not a bad input (exit 2)."""
    from src.bench import cli, errors

    def interrupted_start(args) -> int:
        monkeypatch.setattr(errors, "_interrupt_requested", True)
        raise errors.UserError("Spark master 'local[*]' did not start")

    monkeypatch.setitem(cli.HANDLERS, "list", interrupted_start)
    code, _, stderr = run_main(["list"])
    assert (code, stderr.strip()) == (errors.EXIT_INTERRUPTED, "prepbench: interrupted")
