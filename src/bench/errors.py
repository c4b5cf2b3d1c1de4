"""The two kinds of failure prepbench reports, and their exit codes.

A UserError is something the user can fix (bad path, bad flag, bad JSON); the CLI prints its message on one
line and exits 2. An EngineError is the engine failing on valid input; the CLI exits 1.
"""

EXIT_OK = 0
EXIT_ENGINE_FAILURE = 1
EXIT_USER_ERROR = 2
EXIT_INCONSISTENT = 3
EXIT_INTERRUPTED = 130


class UserError(Exception):
    """A mistake in the user's input; the message names the problem and the fix, on one line."""


class EngineError(Exception):
    """An engine failed on valid input; the message is the engine's own, condensed to one line."""


_interrupt_requested = False


def watch_interrupts() -> None:
    """Remember a Ctrl-C even when an engine turns the KeyboardInterrupt into an error of its own (py4j raises
    Py4JError when interrupted mid-call), so the run is still reported as interrupted, not as an engine failure."""
    import signal

    previous = signal.getsignal(signal.SIGINT)
    chained = previous if callable(previous) and previous is not signal.default_int_handler else None

    def on_sigint(signum: int, frame: object) -> None:
        global _interrupt_requested
        _interrupt_requested = True
        if chained is not None:  # an engine's own handler (pyspark cancels its jobs), which raises in turn
            chained(signum, frame)
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, on_sigint)


def interrupt_requested() -> bool:
    return _interrupt_requested


def missing_values(operator: str, column: str, row: int) -> UserError:
    """The scalers' refusal of a column with missing values (null or NaN: the same to prepbench), one wording for
    every engine."""
    return UserError(
        f"{operator}: column '{column}' has missing values (null or NaN), e.g. row {row}; impute them first, e.g. "
        f"pipeline --operators Imputer {operator} --params '{{\"Imputer\": {{\"input_cols\": [\"{column}\"]}}}}'"
    )
