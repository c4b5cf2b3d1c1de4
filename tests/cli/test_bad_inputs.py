"""Bad inputs, table-driven: a mistake in a file, a column, a parameter, a runtime_env, a flag, a cluster address
or an output path gives exit 2 and one line naming the problem (and the fix), no traceback, within 30 s, and
leaves no result, partial or temp file behind.

CLI cases call the command's main() in this process (tests/clitools.py: run_main), except a handful that run the
real command in a subprocess (IN_SUBPROCESS: a usage error, a missing input, a Ray and a Spark address), so the
whole path from `python -m src.bench.cli` to the exit code is covered too. API cases call the functions a notebook
user calls. Most cases use the numpy engine; the Spark and Ray cases are the ones only those engines can check,
and they fail before a JVM or a Ray node starts. Cluster addresses point at loopback ports this module controls:
a closed one (refused), a silent listener (accepts, never answers) and one that answers like a web server (a wrong
port).
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from src.bench.errors import UserError
from tests.clitools import SAMPLE as SAMPLE_PATH
from tests.clitools import cli, run_main

SAMPLE = str(SAMPLE_PATH)
FAST_S = 30.0
HUGE_ROW_BYTES = 40 << 20  # spans three 16 MiB CSV blocks wherever it starts (CSV_BLOCK_BYTES in src/bench/data.py)

# INFO progress the runner prints before a data error found while the numpy engine runs; nothing else may appear.
PROGRESS = re.compile(r"^prepbench: (numpy reference computed in |\w+: (engine started in|loaded [\d,]+ rows in) )")
ERROR_LINE = re.compile(r"^prepbench( \w+)*: error: ")


# ------------------------------------------------------------------------------------------- inputs and servers


def _write_inputs(d: Path) -> dict[str, str]:
    files = {
        "empty": b"",
        "header": b"num_0,num_1\n",
        "semicolon": b"num_0;num_1\n1;2\n3;4\n",
        "latin1": "cat_0,num_0\ncaf\xe9,1\n".encode("latin-1") + b"tea,2\n" * 20,
        # past the 1 MiB head that is checked byte by byte, inside the first block Arrow types
        "latin1_column": b"cat_0,num_0\n" + b"abc,1\n" * 300_000 + "caf\xe9,2\n".encode("latin-1"),
        "all_null": b"num_0,miss_0\n1,\n2,\n3,\n",
        "nulls": b"num_0,num_1\n1,2\n,3\n4,5\n",
        "text": b"num_0\n1\n",
        "strings": b"cat_0,text\na,hello world\n",
    }
    names = {"text": "data.txt"}
    paths = {}
    for key, content in files.items():
        path = d / names.get(key, f"{key}.csv")
        path.write_bytes(content)
        paths[key] = str(path)
    junk = bytes((i * 7919 + 13) % 256 for i in range(4096))  # contains NUL bytes, like any binary file
    for key, name in (("junk", "junk.csv"), ("junk_parquet", "junk.parquet")):
        (d / name).write_bytes(junk)
        paths[key] = str(d / name)
    with open(d / "huge.csv", "wb") as f:
        f.write(b"num_0,text\n1,short\n2,")
        f.write(b"a" * HUGE_ROW_BYTES)
        f.write(b"\n3,x\n")
    paths["huge"] = str(d / "huge.csv")
    (d / "dir.csv").mkdir()
    paths["dir_csv"] = str(d / "dir.csv")
    (d / "a_file").write_text("x")
    paths["a_file"] = str(d / "a_file")
    paths["missing"] = str(d / "does_not_exist.csv")
    paths["sample"] = SAMPLE
    return paths


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _web_server(sock: socket.socket) -> None:
    """Answer every connection like an HTTP server hit with bytes it does not understand."""
    while True:
        try:
            conn, _ = sock.accept()
        except OSError:  # the socket was closed at teardown
            return
        with conn:
            conn.settimeout(2)
            try:
                conn.recv(1024)
                conn.sendall(b"HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n")
            except OSError:
                pass


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The bad files, and ports: closed, silent (listens, never accepts) and web (answers HTTP 400)."""
    paths = _write_inputs(tmp_path_factory.mktemp("bad-inputs"))
    silent, web = socket.socket(), socket.socket()
    for s in (silent, web):
        s.bind(("127.0.0.1", 0))
        s.listen(16)
    threading.Thread(target=_web_server, args=(web,), daemon=True).start()
    paths.update(closed_port=str(_closed_port()), silent_port=str(silent.getsockname()[1]),
                 web_port=str(web.getsockname()[1]))
    try:
        yield paths
    finally:
        silent.close()
        web.close()


# ------------------------------------------------------------------------------------------- the CLI table


def run(*extra: str, op: str = "StandardScaler", engine: str = "numpy", data: str = "{sample}") -> tuple:
    return ("run", "--engine", engine, "--operator", op, "--input", data, *extra)


def params(op: str, value: str) -> tuple:
    return run("--params", value, op=op)


def spark(*extra: str) -> tuple:
    return run(*extra, engine="spark")


def ray(*extra: str) -> tuple:
    return run(*extra, engine="ray")


def ray_env(value: str) -> tuple:
    return ray("--ray-runtime-env-json", value)


PWN = "__import__('os').system('touch {out}.pwned')"

CLI_CASES: dict[str, tuple[tuple, tuple[str, ...]]] = {
    # files
    "file missing": (run(data="{missing}"), ("input file not found", "prepbench data generate")),
    "file empty": (run(data="{empty}"), ("input file is empty", "header row and data rows")),
    "file header only": (run(data="{header}"), ("has a header but no data rows",)),
    "file wrong delimiter": (run(data="{semicolon}"), ("one column named 'num_0;num_1'", "delimiter to ','")),
    "file binary junk": (run(data="{junk}"), ("looks like a binary file",)),
    "file not UTF-8": (run(op="StringIndexer", data="{latin1}"), ("is not UTF-8 text", "convert it to UTF-8")),
    "file not UTF-8 past the head": (run(data="{latin1_column}"), ("column 'cat_0'", "not UTF-8 text")),
    "file huge row": (run(data="{huge}"), ("longer than the 16 MiB read block", "convert the file to Parquet")),
    "file huge row, sklearn": (run(engine="sklearn", op="Tokenizer", data="{huge}"), ("16 MiB read block",)),
    "file is a directory": (run(data="{dir_csv}"), ("is a directory", "give a .csv or .parquet file")),
    "file unknown extension": (run(data="{text}"), ("cannot tell the format", "use a .csv or .parquet file")),
    "file corrupt parquet": (run(data="{junk_parquet}"), ("cannot read", "as PARQUET", "magic bytes")),
    # columns
    "column unknown": (
        params("StandardScaler", '{"input_cols": ["num_9"]}'),
        ("unknown column 'num_9'", "did you mean"),
    ),
    "column string to a scaler": (
        params("StandardScaler", '{"input_cols": ["cat_0"]}'),
        ("column 'cat_0' is string, but StandardScaler needs numeric", "input_cols"),
    ),
    "column numeric to StringIndexer": (
        params("StringIndexer", '{"input_cols": ["num_0"]}'),
        ("column 'num_0' is numeric, but StringIndexer needs string",),
    ),
    "column no default match": (run(data="{strings}"), ("no column matches 'num_*'", "input_cols")),
    "column all null, Imputer": (run(op="Imputer", data="{all_null}"), ("'miss_0' has no non-null values",)),
    "column all null, MinMaxScaler": (
        run("--params", '{"input_cols": ["miss_0"]}', op="MinMaxScaler", data="{all_null}"),
        ("column 'miss_0' has missing values", "impute them first"),
    ),
    "column nulls in a scaler": (run(data="{nulls}"), ("column 'num_0' has missing values", "--operators Imputer")),
    "column nulls in a scaler, sklearn": (
        run(engine="sklearn", data="{nulls}"),
        ("column 'num_0' has missing values",),
    ),
    # params
    "params bad JSON": (params("StandardScaler", '{"with_mean": tru}'), ("malformed --params JSON at line 1 column",)),
    "params not an object": (params("StandardScaler", "[1]"), ("--params must be a JSON object, got list",)),
    "params wrong type": (params("StandardScaler", '{"with_mean": "yes"}'), ("'with_mean' must be bool",)),
    "params int as string": (params("HashingTF", '{"num_features": "1024"}'), ("'num_features' must be int",)),
    "params unknown key": (params("StandardScaler", '{"with_man": false}'), ("did you mean 'with_mean'",)),
    "params num_features 0": (params("HashingTF", '{"num_features": 0}'), ("'num_features' must be >= 1",)),
    "params num_features over int32": (
        params("HashingTF", '{"num_features": 4294967296}'),
        ("'num_features' must be <= 2147483647",),
    ),
    "params min >= max": (params("MinMaxScaler", '{"min": 1, "max": 1}'), ("'min' (1.0) must be smaller",)),
    "params NaN": (params("MinMaxScaler", '{"max": NaN}'), ("'max' must be a finite number",)),
    "params min_doc_freq -1": (params("IDF", '{"min_doc_freq": -1}'), ("'min_doc_freq' must be >= 0",)),
    "params unknown strategy": (params("Imputer", '{"strategy": "avg"}'), ("must be one of mean, median",)),
    "params output_cols length": (
        params("StandardScaler", '{"output_cols": ["a"]}'),
        ("1 output_cols for 4 input columns", "one output name per input column"),
    ),
    "params output column exists": (
        params("StandardScaler", '{"input_cols": ["num_0"], "output_cols": ["num_1"]}'),
        ("output column 'num_1' already exists",),
    ),
    "params pipeline key not in pipeline": (
        ("pipeline", "--engine", "numpy", "--operators", "Tokenizer", "HashingTF", "--input", "{sample}",
         "--params", '{"IDF": {"min_doc_freq": 2}}'),
        ("not an operator of this pipeline",),
    ),
    "params code is not evaluated": (params("StandardScaler", PWN), ("malformed --params JSON",)),
    "params code in a value is a bad value": (
        params("StandardScaler", '{"with_mean": "' + PWN + '"}'),
        ("'with_mean' must be bool",),
    ),
    # runtime_env (the Python API twins are in API_CASES)
    "runtime_env bad JSON": (ray_env('{"pip": [}'), ("--ray-runtime-env-json is not valid JSON", "line 1, column")),
    "runtime_env unknown field": (ray_env('{"env_var": {"A": "1"}}'), ("unknown field 'env_var'", "'env_vars'")),
    "runtime_env @file missing": (ray_env("@{missing}.json"), ("does not exist", "after @")),
    "runtime_env pip with a named conda env": (
        ray_env('{"pip": ["six==1.16.0"], "conda": "myenv"}'),
        ("refuses pip together with the named conda env 'myenv'",),
    ),
    # flags
    "flag unknown engine": (run(engine="nump"), ("unknown engine 'nump'; did you mean 'numpy'",)),
    "flag unknown operator": (run(op="StandardScalar"), ("did you mean 'StandardScaler'",)),
    "Bucketizer without splits": (run(op="Bucketizer"), ("""--params '{"splits": ["-inf", 0, 10, "inf"]}'""",)),
    "flag missing --input": (
        ("run", "--engine", "numpy", "--operator", "StandardScaler"),
        ("the following arguments are required: --input", "--help"),
    ),
    "flag repeats 0": (run("--repeats", "0"), ("--repeats must be at least 1",)),
    "flag warmup -1": (run("--warmup", "-1"), ("--warmup must be 0 or more",)),
    "flag check-rows 0": (run("--check-rows", "0"), ("--check-rows must be at least 1",)),
    "flag io-mode bogus": (run("--io-mode", "bogus"), ("invalid choice: 'bogus'", "--help")),
    "flag repeats not a number": (run("--repeats", "three"), ("argument --repeats: invalid int value",)),
    "flag spark-conf without =": (spark("--spark-conf", "spark.executor.memory"), ("expected KEY=VALUE",)),
    "flag spark-conf size": (spark("--spark-conf", "spark.driver.memory=abc"), ("is not a size", "2g")),
    "flag compare --operator and --operators": (
        ("compare", "--operator", "StandardScaler", "--operators", "Imputer", "--input", "{sample}"),
        ("not allowed with argument --operator",),
    ),
    "flag compare timeout 0": (
        ("compare", "--operator", "StandardScaler", "--engines", "numpy", "--input", "{sample}", "--timeout", "0"),
        ("--timeout must be positive",),
    ),
    "flag generate rows 0": (
        ("data", "generate", "--rows", "0", "--output", "{out}/g.csv"),
        ("--rows must be at least 1",),
    ),
    "flag generate missing-rate 1.5": (
        ("data", "generate", "--missing-rate", "1.5", "--output", "{out}/g.csv"),
        ("--missing-rate must be in [0, 1)",),
    ),
    "flag sweep cols 0": (
        ("sweep", "--engines", "numpy", "--operators", "StandardScaler", "--rows", "100", "--cols", "0",
         "--out", "{out}.jsonl"),
        ("--cols takes numeric column counts of at least 1",),
    ),
    "flag sweep Bucketizer without splits": (
        ("sweep", "--engines", "numpy", "--operators", "Bucketizer", "--rows", "100", "--out", "{out}.jsonl"),
        ("Bucketizer needs splits and sweep has no --params", "--spec FILE"),
    ),
    # clusters
    "cluster ray refused": (
        ray("--ray-address", "127.0.0.1:{closed_port}"),
        ("cannot reach the Ray cluster", "refused"),
    ),
    "cluster ray port out of range": (ray("--ray-address", "127.0.0.1:99999"), ("port 99999 is out of range",)),
    "cluster ray silent port": (
        ray("--ray-address", "127.0.0.1:{silent_port}"),
        ("does not answer as a Ray head", "GCS port"),
    ),
    "cluster ray wrong port": (
        ray("--ray-address", "127.0.0.1:{web_port}"),
        ("127.0.0.1:{web_port} answers, but not as a Ray head", "GCS port (default 6379)"),
    ),
    "ray cpus with a cluster": (
        ray("--ray-num-cpus", "1", "--ray-address", "127.0.0.1:{closed_port}"),
        ("--ray-num-cpus sets the CPUs of a local Ray only", "drop one of --ray-num-cpus and --ray-address"),
    ),
    "ray cpus zero": (ray("--ray-num-cpus", "0"), ("--ray-num-cpus", "at least 1, got '0'")),
    "cluster spark refused": (
        spark("--spark-master", "spark://127.0.0.1:{closed_port}"),
        ("is not reachable", "connection refused", "--spark-master spark://host:port"),
    ),
    "cluster spark wrong port": (
        spark("--spark-master", "spark://127.0.0.1:{web_port}"),
        ("answers, but not as a Spark master", "default 7077"),
    ),
    "cluster spark silent port": (spark("--spark-master", "spark://127.0.0.1:{silent_port}"), ("does not answer",)),
    "cluster spark master without port": (spark("--spark-master", "spark://127.0.0.1"), ("is malformed",)),
    "cluster spark driver host unresolvable": (
        spark("--spark-driver-host", "no-such-host.invalid"),
        ("--spark-driver-host 'no-such-host.invalid' cannot be resolved",),
    ),
    # outputs
    "output is a file": (run("--output", "{a_file}"), ("is a file, not a directory", "--output")),
    "output under a file": (run("--output", "{a_file}/runs"), ("cannot create output directory", "Not a directory")),
    "output read-only": (run("--output", "/proc"), ("output directory /proc is not writable",)),
    "save-output bad extension": (run("--save-output", "{out}/x.txt"), ("must end in .csv or .parquet",)),
    "save-output under a file": (run("--save-output", "{a_file}/x.parquet"), ("which is a file, not a directory",)),
    "save-output read-only": (run("--save-output", "/proc/x.parquet"), ("/proc is not writable",)),
    "save-output is a directory": (run("--save-output", "{dir_csv}"), ("is a directory; give a file path",)),
    "generate output read-only": (("data", "generate", "--output", "/proc/g.csv"), ("/proc is not writable",)),
    "sweep out read-only": (
        ("sweep", "--engines", "numpy", "--operators", "StandardScaler", "--rows", "100", "--out", "/proc/s.jsonl"),
        ("/proc is not a writable directory",),
    ),
}

WRITES_RESULTS = ("run", "pipeline", "compare")

# Run as real subprocesses; every other case calls main() in this process.
IN_SUBPROCESS = {
    "flag missing --input",  # argparse's usage error, exit 2 from SystemExit
    "file missing",
    "cluster ray refused",  # Ray imported in a fresh process, and no Ray node started
    "cluster ray silent port",  # the GCS probe's abandoned thread must not stay in the test process
    "cluster spark refused",
}
# Cases that wait for a probe's timeout on purpose (src/engines/ray/probe.py 5 s, src/engines/spark/session.py
# ANSWER_TIMEOUT_S 10 s), or start Ray or a JVM's libraries in a new process.
SLOW = {"cluster ray silent port", "cluster spark silent port", "cluster ray refused", "cluster spark refused"}


def fill(text: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], text)


def leftovers(tmp_path: Path) -> list[str]:
    return sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if not p.is_dir())


def problem_line(stderr: str) -> str:
    """The one line that is not INFO progress; it must be the last line."""
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    problems = [ln for ln in lines if not PROGRESS.match(ln)]
    assert len(problems) == 1 and lines[-1] == problems[0], f"want one problem line, got:\n{stderr}"
    return problems[0]


@pytest.mark.parametrize("case", [pytest.param(c, marks=[pytest.mark.slow] if c in SLOW else []) for c in CLI_CASES])
def test_cli_bad_input(case: str, env: dict[str, str], tmp_path: Path) -> None:
    argv, expected = CLI_CASES[case]
    values = {**env, "out": str(tmp_path / "out")}
    args = [fill(a, values) for a in argv]
    if args[0] in WRITES_RESULTS and "--output" not in args:
        args += ["--output", values["out"]]
    started = time.monotonic()
    if case in IN_SUBPROCESS:
        result = cli(*args, timeout=120)
        code, stdout, stderr = result.returncode, result.stdout, result.stderr
    else:
        code, stdout, stderr = run_main(args)
    elapsed = time.monotonic() - started
    assert code == 2, f"exit {code}\n{stderr}"
    assert "Traceback" not in stderr + stdout
    line = problem_line(stderr)
    assert ERROR_LINE.match(line), line
    for fragment in expected:
        assert fill(fragment, values) in line, line
    assert elapsed < FAST_S, f"took {elapsed:.1f} s"
    assert leftovers(tmp_path) == [], "a refused run must leave no result, partial or temp file"


def test_the_subprocess_cases_are_cases() -> None:
    assert IN_SUBPROCESS <= set(CLI_CASES) and SLOW <= set(CLI_CASES)


# ------------------------------------------------------------------------------------------- the Python API


def _runtime_env(text: str) -> Callable[[dict[str, str]], object]:
    def call(values: dict[str, str]) -> object:
        from src.engines.ray.runtime_env import parse_runtime_env

        return parse_runtime_env(fill(text, values))

    return call


def _runtime_env_arg(values: dict[str, str]) -> object:
    from src.engines.ray.runtime_env import read_runtime_env_arg

    return read_runtime_env_arg(f"@{values['missing']}.json")


def _init_ray(**kwargs: str) -> Callable[[dict[str, str]], object]:
    def call(values: dict[str, str]) -> object:
        from src.engines.ray.runtime import init_ray

        return init_ray(**{k: fill(v, values) for k, v in kwargs.items()})

    return call


def _get_spark(values: dict[str, str]) -> object:
    from src.engines.spark.session import get_spark

    return get_spark("bad-input", master=f"spark://127.0.0.1:{values['closed_port']}")


def _execute(values: dict[str, str]) -> object:
    from src.bench.run.runner import RunRequest, execute

    return execute(RunRequest(engine="numpy", operators=["HashingTF"], input_path=SAMPLE,
                              params_by_operator={"HashingTF": {"num_features": 0}}, output_dir=values["out"]))


def _resolve_input(values: dict[str, str]) -> object:
    from src.bench.data.inputs import resolve_input

    return resolve_input(values["missing"])


def _plan(values: dict[str, str]) -> object:
    from src.bench.data.inputs import resolve_input
    from src.bench.spec.plan import plan_pipeline

    return plan_pipeline(["StringIndexer"], {"StringIndexer": {"input_cols": ["num_0"]}}, resolve_input(SAMPLE).schema)


API_CASES: dict[str, tuple[Callable[[dict[str, str]], object], tuple[str, ...]]] = {
    "runtime_env bad JSON": (_runtime_env('{"pip": [}'), ("not valid JSON", "line 1, column 10")),
    "runtime_env not an object": (_runtime_env('["pip"]'), ("must be a JSON object, not a list",)),
    "runtime_env unknown field": (_runtime_env('{"env_var": {}}'), ("unknown field 'env_var'", "'env_vars'")),
    "runtime_env wrong field type": (_runtime_env('{"env_vars": {"A": 1}}'), ("must be a string", '"A": "1"')),
    "runtime_env pip not a list": (_runtime_env('{"pip": 5}'), ("pip must be a list of requirement strings",)),
    "runtime_env missing working_dir": (
        _runtime_env('{"working_dir": "{missing}"}'),
        ("does not exist on this machine", "give an existing local directory"),
    ),
    "runtime_env @file missing": (_runtime_env_arg, ("does not exist", "after @")),
    "runtime_env pip with a named conda env": (
        _runtime_env('{"pip": ["six==1.16.0"], "conda": "myenv"}'),
        ("refuses pip together with the named conda env 'myenv'",),
    ),
    "init_ray bad runtime_env": (_init_ray(runtime_env_json='{"env_var": {}}'), ("unknown field 'env_var'",)),
    "init_ray refused": (_init_ray(address="127.0.0.1:{closed_port}"), ("cannot reach the Ray cluster",)),
    "get_spark refused": (_get_spark, ("is not reachable", "connection refused")),
    "execute bad parameter": (_execute, ("'num_features' must be >= 1",)),
    "resolve_input missing": (_resolve_input, ("input file not found",)),
    "plan wrong column kind": (_plan, ("column 'num_0' is numeric, but StringIndexer needs string",)),
}


@pytest.mark.parametrize("case", list(API_CASES))
def test_api_bad_input(case: str, env: dict[str, str], tmp_path: Path) -> None:
    call, expected = API_CASES[case]
    values = {**env, "out": str(tmp_path / "out")}
    started = time.monotonic()
    with pytest.raises(UserError) as raised:
        call(values)
    message = str(raised.value)
    assert "\n" not in message, message
    for fragment in expected:
        assert fill(fragment, values) in message, message
    assert time.monotonic() - started < FAST_S
    assert leftovers(tmp_path) == []
