"""What a sweep or comparison records for a child that died without writing a result."""

from src.bench.run.child import ChildResult, failure_record


def died(code: int | None, *stderr: str) -> dict:
    result = ChildResult(exit_code=code, record=None, run_file=None, seconds=3.0, started_at="t",
                         stderr_tail=list(stderr))
    return failure_record("numpy", ["StandardScaler"], "run", "data.parquet", result, timeout=60)


def test_a_sigkill_from_outside_is_named_as_probably_out_of_memory() -> None:
    record = died(-9, "prepbench: numpy: repetition 1/3: 0.5 s")
    assert record["status"] == "failed"
    assert record["error"] == {
        "type": "ProcessDied",
        "message": "the run killed by signal 9 (SIGKILL: most likely the kernel's out-of-memory killer; try fewer rows "
                   "or more memory) without writing a result: prepbench: numpy: repetition 1/3: 0.5 s",
    }


def test_the_child_own_error_line_and_a_timeout_win() -> None:
    assert died(2, "noise", "prepbench: error: no such file")["error"] == {"type": "UserError",
                                                                         "message": "no such file"}
    timeout = died(None)
    assert timeout["status"] == "timeout" and timeout["error"]["message"] == "no result after 60 s; process killed"
