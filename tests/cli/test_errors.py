"""User mistakes give one line naming the problem and the fix, exit 2, no traceback and no result file."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = str(ROOT / "data" / "sample.csv")


def cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "src.bench.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def no_numeric_csv(tmp_path: Path) -> str:
    path = tmp_path / "strings.csv"
    path.write_text("cat_0,text\na,hello world\nb,foo\n")
    return str(path)


@pytest.fixture
def empty_csv(tmp_path: Path) -> str:
    path = tmp_path / "empty.csv"
    path.write_text("")
    return str(path)


@pytest.fixture
def a_file(tmp_path: Path) -> str:
    path = tmp_path / "not_a_dir"
    path.write_text("x")
    return str(path)


CASES = {
    "missing input file": (["--input", "data/does_not_exist.csv"], "input file not found: data/does_not_exist.csv"),
    "unknown operator": (
        ["--operator", "StandardScalar"],
        "unknown operator 'StandardScalar'; did you mean 'StandardScaler'",
    ),
    "unknown engine": (["--engine", "nump"], "unknown engine 'nump'; did you mean 'numpy'"),
    "unknown column": (["--params", '{"input_cols": ["num_9"]}'], "unknown column 'num_9'; did you mean"),
    "missing default column": (["--input", "{no_numeric_csv}"], "no column matches 'num_*'"),
    "non-numeric column for a scaler": (
        ["--params", '{"input_cols": ["cat_0"]}'],
        "column 'cat_0' is string, but StandardScaler needs numeric columns",
    ),
    "malformed params JSON": (["--params", '{"with_mean": tru}'], "malformed --params JSON at line 1 column 15"),
    "parameter of the wrong type": (["--params", '{"with_mean": "yes"}'], "parameter 'with_mean' must be bool"),
    "unknown parameter": (
        ["--params", '{"with_man": false}'],
        "unknown parameter 'with_man'; did you mean 'with_mean'",
    ),
    "repeats zero": (["--repeats", "0"], "--repeats must be at least 1"),
    "negative warmup": (["--warmup", "-1"], "--warmup must be 0 or more"),
    "empty input file": (["--input", "{empty_csv}"], "input file is empty"),
    "output is a file": (["--output", "{a_file}"], "is a file, not a directory"),
    "output under a file": (["--output", "{a_file}/runs"], "cannot create output directory"),
    "bad save-output extension": (["--save-output", "out.txt"], "--save-output must end in .csv or .parquet"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_user_error(case: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    overrides, expected = CASES[case]
    options = {
        "--engine": "numpy",
        "--operator": "StandardScaler",
        "--input": SAMPLE,
        "--output": str(tmp_path / "out"),
    }
    extra: list[str] = []
    for flag, value in zip(overrides[::2], overrides[1::2]):
        for name in ("no_numeric_csv", "empty_csv", "a_file"):
            if "{" + name + "}" in value:
                value = value.replace("{" + name + "}", request.getfixturevalue(name))
        if flag in options:
            options[flag] = value
        else:
            extra += [flag, value]
    args = ["run", *[x for kv in options.items() for x in kv], *extra]
    result = cli(*args)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("prepbench: error: ")
    assert expected in lines[0]
    assert "Traceback" not in result.stderr
    out = Path(options["--output"])
    assert not out.is_dir() or not any(out.iterdir()), "a user error must not leave a result file"


def test_pipeline_params_keyed_by_unknown_operator(tmp_path: Path) -> None:
    result = cli(
        "pipeline",
        "--engine",
        "numpy",
        "--operators",
        "Tokenizer",
        "HashingTF",
        "--input",
        SAMPLE,
        "--output",
        str(tmp_path),
        "--params",
        '{"IDF": {"min_doc_freq": 2}}',
    )
    assert result.returncode == 2
    assert "must be keyed by operator name" in result.stderr or "not an operator of this pipeline" in result.stderr
    assert not any(tmp_path.iterdir())


def test_missing_required_flag_is_one_line() -> None:
    result = cli("run", "--engine", "numpy", "--operator", "StandardScaler")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "prepbench run: error: the following arguments are required: --input (see: prepbench run --help)"
    ]


@pytest.mark.parametrize("where", ["before", "after"])
def test_log_level_before_or_after_command(where: str, tmp_path: Path) -> None:
    run = ["run", "--engine", "numpy", "--operator", "MinMaxScaler", "--input", SAMPLE, "--output", str(tmp_path)]
    args = ["--log-level", "WARNING", *run] if where == "before" else [*run, "--log-level", "WARNING"]
    result = cli(*args)
    assert result.returncode == 0, result.stderr
    assert "repetition" not in result.stderr  # INFO progress is hidden at WARNING
    assert len(list(tmp_path.glob("numpy_MinMaxScaler_*.json"))) == 1
