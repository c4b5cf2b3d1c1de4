"""runtime_env validation without a cluster: every rule, and every example of the user's guide."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from src.bench.errors import UserError
from src.engines.ray.cluster_check import differing_columns, flatten, packages_to_check, verdict
from src.engines.ray.runtime_env import (
    directory_size,
    parse_runtime_env,
    read_runtime_env_arg,
    requirement_name,
    unpinned,
)


def parse(env: dict) -> tuple[dict, list[str]]:
    return parse_runtime_env(json.dumps(env))


def error_of(text: str) -> str:
    with pytest.raises(UserError) as info:
        parse_runtime_env(text)
    message = str(info.value)
    assert "\n" not in message
    return message


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A small code directory standing in for the guide's /home/user/project."""
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "mod.py").write_text("X = 1\n")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "big.csv").write_text("a\n" * 1000)
    return tmp_path


# ---------------------------------------------------------------------------------------------------- the guide


def test_cli_example_pip():
    env, warnings = parse_runtime_env('{"pip": ["pandas==1.5.3", "scikit-learn==1.2.0"]}')
    assert env == {"pip": ["pandas==1.5.3", "scikit-learn==1.2.0"]}
    assert warnings == []


def test_python_example_pip_and_env_vars():
    runtime_env = {"pip": ["pandas==1.5.3", "scikit-learn==1.2.0"], "env_vars": {"MY_VAR": "value"}}
    env, warnings = parse_runtime_env(json.dumps(runtime_env))
    assert env == runtime_env and warnings == []


def test_option1_pip_with_range_warns_about_pinning():
    env, warnings = parse({"pip": ["pandas==1.5.3", "scikit-learn==1.2.0", "numpy>=1.20.0"]})
    assert env["pip"][2] == "numpy>=1.20.0"
    assert len(warnings) == 1 and "numpy>=1.20.0" in warnings[0] and "best practice 1" in warnings[0]


def test_option2_conda_name():
    assert parse({"conda": "my_env"}) == ({"conda": "my_env"}, [])


def test_option2_guide_form_with_environment_yml(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "environment.yml").write_text("name: other\ndependencies:\n  - python=3.11\n  - numpy\n")
    env, _ = parse({"conda": {"conda_env_name": "my_env", "conda_env_file": "environment.yml"}})
    assert env == {"conda": {"name": "my_env", "dependencies": ["python=3.11", "numpy"]}}


def test_option2_guide_form_without_file_uses_the_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    env, warnings = parse({"conda": {"conda_env_name": "my_env", "conda_env_file": "environment.yml"}})
    assert env == {"conda": "my_env"}
    assert any("environment.yml not found" in w for w in warnings)


def test_option3_env_vars():
    env_vars = {"PYTHONPATH": "/path/to/code", "CUDA_VISIBLE_DEVICES": "0,1", "OMP_NUM_THREADS": "4"}
    assert parse({"env_vars": env_vars}) == ({"env_vars": env_vars}, [])


def test_option4_working_dir(project):
    assert parse({"working_dir": str(project)}) == ({"working_dir": str(project)}, [])


def test_option5_excludes_alone_warns_it_does_nothing():
    env, warnings = parse({"excludes": ["*.pyc", "__pycache__", "*.log"]})
    assert env == {"excludes": ["*.pyc", "__pycache__", "*.log"]}
    assert warnings == ["excludes has no effect without working_dir or py_modules"]


def test_option6_full_example(project):
    full = {
        "pip": ["pandas==1.5.3", "scikit-learn==1.2.0", "numpy>=1.20.0"],
        "env_vars": {"PYTHONPATH": f"{project}/src", "OMP_NUM_THREADS": "4"},
        "working_dir": str(project),
        "excludes": ["*.pyc", "__pycache__", "*.log", "data/"],
    }
    env, warnings = parse(full)
    assert env == full
    assert len(warnings) == 1 and "numpy>=1.20.0" in warnings[0]


def test_scenario1_pinned_versions_parse_and_flag_a_foreign_ray_pin():
    env, warnings = parse({"pip": ["pandas==1.5.3", "scikit-learn==1.2.0", "ray[data]==2.52.1"]})
    assert env["pip"][2] == "ray[data]==2.52.1"
    assert not any("unpinned" in w for w in warnings)
    import ray

    if ray.__version__ != "2.52.1":
        assert any("ray[data]==2.52.1" in w and ray.__version__ in w for w in warnings)


def test_scenario2_distribute_local_code(project):
    env, warnings = parse({"working_dir": str(project), "excludes": ["data/", "*.csv", "experiments/"]})
    assert env["excludes"] == ["data/", "*.csv", "experiments/"] and warnings == []


def test_scenario3_gpu():
    gpu = {"pip": ["torch==2.0.0", "torchvision==0.15.0"],
           "env_vars": {"CUDA_VISIBLE_DEVICES": "0,1", "NCCL_DEBUG": "INFO"}}
    assert parse(gpu) == (gpu, [])


def test_scenario4_pip_with_named_conda_env_is_a_clear_error(project):
    mixed = {
        "pip": ["pandas==1.5.3", "scikit-learn==1.2.0"],
        "conda": "ml-env",
        "env_vars": {"PYTHONPATH": "/shared/code", "DATA_PATH": "/shared/data"},
        "working_dir": str(project),
        "excludes": ["*.pyc", "__pycache__", "*.log"],
    }
    message = error_of(json.dumps(mixed))
    assert "Ray refuses pip together with the named conda env 'ml-env'" in message
    assert "pandas==1.5.3, scikit-learn==1.2.0" in message and "drop \"pip\"" in message


def test_scenario4_pip_merged_into_conda_dict(project):
    env, warnings = parse({"pip": ["pandas==1.5.3"], "conda": {"dependencies": ["python=3.11"]},
                           "working_dir": str(project)})
    assert "pip" not in env
    assert env["conda"]["dependencies"] == ["pip", "python=3.11", {"pip": ["pandas==1.5.3"]}]
    assert any("merged into the conda env" in w for w in warnings)


def test_pip_merged_into_conda_yml_extends_its_pip_section(tmp_path):
    yml = tmp_path / "env.yaml"
    yml.write_text("dependencies:\n  - pip=24\n  - pip:\n      - six==1.16.0\n")
    env, _ = parse({"pip": ["six==1.16.0", "attrs==23.1.0"], "conda": str(yml)})
    assert env["conda"]["dependencies"] == ["pip=24", {"pip": ["six==1.16.0", "attrs==23.1.0"]}]


def test_config_file_example(tmp_path):
    path = tmp_path / "ray_runtime_env.json"
    path.write_text(json.dumps({"pip": ["pandas==1.5.3", "scikit-learn==1.2.0", "numpy>=1.20.0"],
                                "env_vars": {"PYTHONPATH": "/shared/code"}}, indent=2))
    text = read_runtime_env_arg(f"@{path}")
    assert text == path.read_text()
    assert read_runtime_env_arg(path.read_text()) == path.read_text()  # "$(cat file)" form
    env, _ = parse_runtime_env(text)
    assert env["env_vars"] == {"PYTHONPATH": "/shared/code"}


# ---------------------------------------------------------------------------------------------------- input errors


def test_missing_at_file_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="does not exist"):
        read_runtime_env_arg(f"@{tmp_path}/nope.json")


def test_bare_file_name_suggests_the_at_prefix(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "env.json").write_text("{}")
    with pytest.raises(UserError, match="@env.json"):
        read_runtime_env_arg("env.json")


def test_json_syntax_error_names_line_and_column():
    message = error_of('{\n  "pip": ["six==1.16.0",]\n}')
    assert "line 2, column" in message


def test_python_quotes_get_a_hint():
    assert "double quotes" in error_of("{'pip': []}")


@pytest.mark.parametrize("text", ["[]", '"pip"', "3", "null"])
def test_must_be_an_object(text):
    assert "must be a JSON object" in error_of(text)


def test_empty_text_is_an_error():
    assert "empty" in error_of("   ")


def test_duplicate_key_is_an_error():
    assert "appears twice" in error_of('{"env_vars": {}, "env_vars": {"A": "1"}}')


@pytest.mark.parametrize(
    "key, guess",
    [("env_var", "env_vars"), ("exclude", "excludes"), ("workdir", "working_dir"), ("Pip", "pip"),
     ("py_module", "py_modules"), ("requirements", "pip"), ("environment", "env_vars")],
)
def test_unknown_field_names_the_closest(key, guess):
    message = error_of(json.dumps({key: {}}))
    assert f"unknown field {key!r}" in message and f"did you mean {guess!r}" in message
    assert "silently ignore" in message


def test_unknown_field_without_a_close_match_lists_the_fields():
    assert "use one of:" in error_of('{"zzzz": 1}')


def test_known_fields_come_from_the_installed_ray():
    from ray.runtime_env import RuntimeEnv

    from src.engines.ray.runtime_env import known_fields

    assert set(RuntimeEnv.known_fields) <= known_fields()


# ---------------------------------------------------------------------------------------------------- field types


@pytest.mark.parametrize(
    "env, needle",
    [
        ({"pip": 5}, "pip must be a list"),
        ({"pip": ["ok==1", 3]}, "pip must be a list"),
        ({"pip": {"packges": []}}, "did you mean 'packages'"),
        ({"pip": {"pip_check": False}}, 'needs a "packages" list'),
        ({"pip": {"packages": ["six==1.16.0"], "pip_check": "yes"}}, "pip_check must be true or false"),
        ({"pip": "no-such-requirements.txt"}, "requirements file"),
        ({"uv": {"packages": ["six==1.16.0"], "uv_version": 1}}, "uv_version must be a string"),
        ({"env_vars": {"A": 1}}, "env_vars['A'] must be a string"),
        ({"env_vars": ["A=1"]}, "env_vars must be an object"),
        ({"working_dir": "/definitely/not/here"}, "does not exist on this machine"),
        ({"working_dir": 3}, "working_dir must be a path or URI string"),
        ({"working_dir": "s3://bucket/code"}, "is not an archive"),
        ({"working_dir": "hdfs://nn:8020/code.zip"}, "hdfs:// is not supported by Ray"),
        ({"working_dir": "local://relative"}, "absolute path"),
        ({"excludes": "*.pyc"}, "excludes must be a list"),
        ({"py_modules": "mypkg"}, "py_modules must be a list"),
        ({"py_modules": ["/definitely/not/here"]}, "does not exist"),
        ({"conda": 3}, "conda must be an env name"),
        ({"conda": "missing.yml"}, "conda file missing.yml does not exist"),
        ({"conda": "/definitely/not/an/env"}, "conda env directory"),
        ({"conda": {"dependancies": []}}, "did you mean 'dependencies'"),
        ({"conda": {"conda_env_file": "nope.yml"}}, "does not exist"),
        ({"conda": {"dependencies": "numpy"}}, "must be a list"),
        ({"pip": ["a==1"], "uv": ["b==1"]}, "pip and uv together"),
        ({"uv": ["a==1"], "conda": {"dependencies": []}}, "uv together with conda"),
        ({"config": {"setup_timeout_seconds": "600"}}, "setup_timeout_seconds"),
        ({"config": {"eager_instal": True}}, "did you mean 'eager_install'"),
        ({"java_jars": "a.jar"}, "java_jars must be a list"),
        ({"image_uri": "img:1", "pip": ["a==1"]}, "image_uri/container"),
        ({"mpi": {}}, "'mpi'"),
    ],
)
def test_field_errors(env, needle, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert needle in error_of(json.dumps(env))


def test_remote_and_shared_working_dirs_are_accepted():
    for uri in ("s3://bucket/code.zip", "gs://b/c.tar.gz", "https://example.com/code.zip", "local:///shared/code"):
        assert parse({"working_dir": uri})[0] == {"working_dir": uri}


def test_pip_dict_and_requirements_file(tmp_path):
    req = tmp_path / "requirements.txt"
    req.write_text("# comment\nsix==1.16.0\nattrs\n")
    env, warnings = parse({"pip": str(req)})
    assert env == {"pip": str(req)} and "attrs" in warnings[0]
    env, warnings = parse({"pip": {"packages": ["six==1.16.0"], "pip_check": False}})
    assert env["pip"]["packages"] == ["six==1.16.0"] and warnings == []


def test_unpinned_pip_inside_a_conda_env_is_flagged():
    _, warnings = parse({"conda": {"dependencies": ["python=3.11", {"pip": ["six", "attrs==23.1.0"]}]}})
    assert warnings == [w for w in warnings if "unpinned conda pip requirements six:" in w] and warnings


def test_single_file_py_module_is_accepted(project):
    assert parse({"py_modules": [str(project / "src" / "mod.py")]})[1] == []


def test_config_and_py_modules_accepted(project):
    config = {"setup_timeout_seconds": 60, "eager_install": True}
    env, _ = parse({"py_modules": [str(project / "src")], "config": config})
    assert env["config"]["setup_timeout_seconds"] == 60


def test_large_working_dir_warns_but_excluded_data_does_not(project):
    big = project / "data" / "huge.bin"
    big.write_bytes(b"\0" * (2 * 1024 * 1024))
    _, warnings = parse_runtime_env(json.dumps({"working_dir": str(project)}), large_dir_bytes=1024 * 1024)
    assert any("shared storage (NFS/S3)" in w for w in warnings)
    _, warnings = parse_runtime_env(json.dumps({"working_dir": str(project), "excludes": ["data/"]}),
                                    large_dir_bytes=1024 * 1024)
    assert warnings == []


def test_directory_size_applies_gitignore_style_excludes(project):
    (project / "src" / "x.pyc").write_bytes(b"\0" * 100)
    (project / "src" / "__pycache__").mkdir()
    (project / "src" / "__pycache__" / "m.pyc").write_bytes(b"\0" * 100)
    everything = directory_size(project, [])
    assert directory_size(project, ["*.pyc", "__pycache__"]) == everything - 200
    assert directory_size(project, ["data/", "*.pyc", "__pycache__"]) == len("X = 1\n")


# ---------------------------------------------------------------------------------------------------- helpers


def test_unpinned_and_requirement_names():
    reqs = ["a==1.0", "b>=2", "c", "d===3", "e==1.*", "--index-url https://x", "git+https://h/r.git",
            "f==2 ; python_version>'3'"]
    assert unpinned(reqs) == ["b>=2", "c", "e==1.*"]
    assert requirement_name("ray[data]==2.52.1") == "ray"
    assert requirement_name("scikit-learn==1.2.0") == "scikit-learn"
    assert requirement_name("--no-deps") is None


def test_packages_to_check_adds_pip_and_merged_conda_names():
    assert packages_to_check({"pip": ["six==1.16.0", "numpy>=1"]}) == [
        "ray", "pandas", "numpy", "pyarrow", "scikit-learn", "six"]
    conda = {"conda": {"dependencies": ["pip", {"pip": ["attrs==23.1.0"]}]}}
    assert packages_to_check(conda)[-1] == "attrs"


def _report(node: str, six: str, var: str | None, sha: str = "abc") -> dict:
    return {"node": node, "host": "h" + node, "python": "3.11.7", "versions": {"ray": "2.60.0", "six": six},
            "env": {"MY_VAR": var}, "working_dir": {"package": "p1", "sha256": sha}}


def test_differing_nodes_are_flagged():
    rows = [flatten(_report("10.0.0.1", "1.16.0", "value")), flatten(_report("10.0.0.2", "1.17.0", None, "def"))]
    assert rows[1]["$MY_VAR"] == "<unset>"
    differing = differing_columns(rows)
    assert differing == ["six", "$MY_VAR", "wd sha256"]
    line = verdict(rows, differing)
    assert line.startswith("DIFFER") and "troubleshooting 2" in line and "troubleshooting 3" in line


def test_agreeing_nodes_pass():
    rows = [flatten(_report("10.0.0.1", "1.16.0", "v")), flatten(_report("10.0.0.2", "1.16.0", "v"))]
    assert differing_columns(rows) == []
    assert verdict(rows, []).startswith("OK: all 2 node(s) agree")


# ---------------------------------------------------------------------------------------------------- connecting
# These import src.engines.ray.runtime (and so Ray) but start no Ray: every case fails before ray.init.

PIP_FAILURE = """Failed to set up runtime environment.
[Node 10.0.0.2] Traceback (most recent call last):
  File "/x/ray/_private/runtime_env/pip.py", line 252, in _install_pip_packages
ray._private.runtime_env.utils.SubprocessCalledProcessError: Run cmd[7] failed with the following details.
Last 50 lines of stdout:
    Looking in indexes: https://pypi.org/simple
    ERROR: Could not find a version that satisfies the requirement nope==0.0.1 (from versions: none)
    ERROR: No matching distribution found for nope==0.0.1
"""


def test_explain_setup_error_keeps_pip_error_lines():
    from src.engines.ray.explain import explain_setup_error

    line = explain_setup_error(PIP_FAILURE)
    assert line.startswith("pip install failed on node 10.0.0.2: ERROR: Could not find a version")
    assert "No matching distribution found for nope==0.0.1" in line and "Traceback" not in line


def test_explain_setup_error_conda_and_virtualenv_and_fallback():
    from src.engines.ray.explain import explain_setup_error

    conda = "[Node 1.2.3.4] Traceback\nValueError: Could not find Conda executable at conda."
    assert "conda is not installed on the cluster nodes" in explain_setup_error(conda)
    venv = "RuntimeError: Please install virtualenv `python -m pip install virtualenv`to enable pip runtime env."
    assert "lacks virtualenv" in explain_setup_error(venv)
    other = 'Traceback (most recent call last):\n  File "x", line 1\nValueError: something odd'
    assert explain_setup_error(other) == "runtime_env set-up failed: ValueError: something odd"


@pytest.mark.parametrize("address", ["http://10.0.0.1:6379", "10.0.0.1:99999", "a:b:c"])
def test_malformed_address_is_a_user_error(address):
    from src.engines.ray.runtime import init_ray

    with pytest.raises(UserError, match="--ray-address"):
        init_ray(address=address)


def test_closed_port_fails_fast_without_starting_ray():
    import socket
    import time

    import ray

    from src.engines.ray.runtime import init_ray

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again when the block ends
    started = time.monotonic()
    with pytest.raises(UserError, match=r"cannot reach the Ray cluster at 127\.0\.0\.1:\d+ \(Connection refused\)"):
        init_ray(address=f"127.0.0.1:{port}", runtime_env_json='{"env_vars": {"A": "1"}}')
    assert time.monotonic() - started < 5 and not ray.is_initialized()


def test_port_that_is_not_a_ray_head_fails_within_the_timeout():
    import socket
    import time

    from src.engines.ray.runtime import init_ray

    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        started = time.monotonic()
        with pytest.raises(UserError, match="does not answer as a Ray head"):
            init_ray(address=f"127.0.0.1:{server.getsockname()[1]}", connect_timeout_s=3)
        assert time.monotonic() - started < 8


def test_invalid_runtime_env_fails_before_any_connection():
    import ray

    from src.engines.ray.runtime import init_ray

    with pytest.raises(UserError, match="did you mean 'env_vars'"):
        init_ray(address="10.255.255.1:6379", runtime_env_json='{"env_var": {}}')  # never contacted
    assert not ray.is_initialized()


def test_prepbench_code_is_shipped_only_when_nodes_need_it(tmp_path):
    from src.engines.ray.runtime import with_prepbench_code

    package = str(Path("src").resolve())
    assert with_prepbench_code({}, None) == {}
    assert with_prepbench_code({}, "10.0.0.1:6379") == {"py_modules": [package]}
    assert with_prepbench_code({"working_dir": str(tmp_path)}, None)["py_modules"] == [package]
    root = {"working_dir": str(Path(".").resolve())}  # the checkout itself already holds src/
    assert with_prepbench_code(root, "h:1") == root
