"""The guide's runtime_env features on a real two-node Ray cluster (head 127.0.0.2, worker 127.0.0.3), no mocks."""

from __future__ import annotations

import io
import json
import sys
import time
from pathlib import Path

import pytest

from src.bench.errors import UserError
from src.engines.ray.cluster_check import cluster_check
from src.engines.ray.preflight import run_on_every_node
from src.engines.ray.runtime import init_ray, shutdown_ray
from src.engines.ray.runtime_env import read_runtime_env_arg, requirement_name
from tests.cluster.ray_fixtures import HEAD_IP, ROLE_VAR, WORKER_IP, free_port

pytestmark = [pytest.mark.slow, pytest.mark.cluster, pytest.mark.timeout(600)]
# ray_cluster: the package's one real cluster (tests/cluster/conftest.py)

BOTH_NODES = {HEAD_IP, WORKER_IP}


@pytest.fixture(scope="module", autouse=True)
def _disconnect_at_the_end():
    """The tests connect this process to the shared cluster; the next module starts disconnected."""
    yield
    shutdown_ray()


def on_every_node(fn):
    """Run a plain function once per alive node under the current connection's runtime_env.

    The probes are shipped by value: inside a working_dir the nodes cannot import this test package.
    """
    import ray
    from ray import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    try:
        return run_on_every_node(ray.remote(num_cpus=0)(fn), timeout_s=300)
    finally:
        cloudpickle.unregister_pickle_by_value(sys.modules[__name__])


def _node_env_probe():
    import os

    import ray

    return ray.util.get_node_ip_address(), os.environ.get("MY_VAR"), os.environ.get("OMP_NUM_THREADS")


def _working_dir_probe():
    import importlib
    import os

    import ray

    mymod = importlib.import_module("mymod")
    return {
        "node": ray.util.get_node_ip_address(),
        "value": mymod.VALUE,
        "files": sorted(os.listdir(".")),
    }


def _six_probe():
    import ray
    import six

    return ray.util.get_node_ip_address(), six.__version__


def _rich_console():
    from rich.console import Console

    buffer = io.StringIO()
    return Console(file=buffer, width=250, color_system=None), buffer


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """Code to ship (mymod.py) next to files the excludes must keep off the nodes."""
    (tmp_path / "mymod.py").write_text("VALUE = 42\n")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "big.bin").write_bytes(b"\0" * (2 * 1024 * 1024))
    (tmp_path / "run.log").write_text("old log\n")
    (tmp_path / "table.csv").write_text("a,b\n1,2\n")
    return tmp_path


def test_env_vars_visible_on_both_nodes(ray_cluster):
    runtime_env = {"env_vars": {"MY_VAR": "value", "OMP_NUM_THREADS": "4"}}
    info = init_ray(address=ray_cluster.address, runtime_env_json=json.dumps(runtime_env))
    assert (info.mode, info.alive_nodes, info.total_nodes) == ("cluster", 2, 2)
    assert info.namespace == "benchmark" and set(info.node_ips) == BOTH_NODES
    assert info.runtime_env_setup_seconds is not None and info.warnings == []
    seen = on_every_node(_node_env_probe)
    assert {node for node, _, _ in seen} == BOTH_NODES
    assert all(tuple(s[1:]) == ("value", "4") for s in seen)


def test_identical_call_reuses_the_connection_and_a_new_namespace_reconnects(ray_cluster):
    runtime_env = json.dumps({"env_vars": {"MY_VAR": "value", "OMP_NUM_THREADS": "4"}})
    first = init_ray(address=ray_cluster.address, runtime_env_json=runtime_env)
    started = time.perf_counter()
    again = init_ray(address=ray_cluster.address, runtime_env_json=runtime_env)
    assert again is first and time.perf_counter() - started < 0.5
    other = init_ray(address=ray_cluster.address, namespace="other", runtime_env_json=runtime_env)
    assert other is not first and other.namespace == "other"


def test_runtime_env_from_at_file(ray_cluster, tmp_path):
    path = tmp_path / "ray_runtime_env.json"
    path.write_text(json.dumps({"env_vars": {"MY_VAR": "from-file"}}, indent=2))
    init_ray(address=ray_cluster.address, runtime_env_json=read_runtime_env_arg(f"@{path}"))
    assert {value for _, value, _ in on_every_node(_node_env_probe)} == {"from-file"}


def test_working_dir_importable_on_both_nodes_and_excludes_exclude(ray_cluster, project):
    runtime_env = {"working_dir": str(project), "excludes": ["data/", "*.log", "*.csv"]}
    init_ray(address=ray_cluster.address, runtime_env_json=json.dumps(runtime_env))
    seen = on_every_node(_working_dir_probe)
    assert {s["node"] for s in seen} == BOTH_NODES
    for report in seen:
        assert report["value"] == 42
        assert "mymod.py" in report["files"]
        assert not {"data", "run.log", "table.csv"} & set(report["files"]), report


def test_prepbench_code_importable_on_both_nodes_beside_a_foreign_working_dir(ray_cluster, project):
    info = init_ray(address=ray_cluster.address, runtime_env_json=json.dumps({"working_dir": str(project)}))
    assert info.runtime_env["py_modules"] == [str(Path("src").resolve())]
    import ray

    # a function of prepbench itself is shipped by reference, as the Ray engine's operators are
    task = ray.remote(num_cpus=0)(requirement_name)
    assert run_on_every_node(task, "six==1.16.0", timeout_s=300) == ["six", "six"]


def test_pip_pinned_package_installs_on_both_nodes(ray_cluster, record_property):
    runtime_env = json.dumps({"pip": ["six==1.16.0"]})  # the venv itself has six 1.17.0
    first = init_ray(address=ray_cluster.address, runtime_env_json=runtime_env)
    assert sorted(on_every_node(_six_probe)) == sorted((ip, "1.16.0") for ip in BOTH_NODES)
    shutdown_ray()
    cached = init_ray(address=ray_cluster.address, runtime_env_json=runtime_env)
    record_property("pip_setup_first_s", first.runtime_env_setup_seconds)
    record_property("pip_setup_cached_s", cached.runtime_env_setup_seconds)
    print(f"\npip six==1.16.0 set-up: first {first.runtime_env_setup_seconds:.2f} s, "
          f"cached {cached.runtime_env_setup_seconds:.2f} s")
    assert cached.runtime_env_setup_seconds < first.runtime_env_setup_seconds


def test_nonexistent_pip_package_is_one_readable_line(ray_cluster):
    runtime_env = json.dumps({"pip": ["this-package-does-not-exist-xyz-12345==0.0.1"]})
    with pytest.raises(UserError) as info:
        init_ray(address=ray_cluster.address, runtime_env_json=runtime_env)
    message = str(info.value)
    assert "\n" not in message and "Traceback" not in message
    assert "pip install failed" in message
    assert "No matching distribution found for this-package-does-not-exist-xyz-12345==0.0.1" in message
    import ray

    assert not ray.is_initialized()  # a failed preflight leaves no half-usable connection behind


def test_missing_working_dir_fails_before_connecting(ray_cluster):
    import ray

    shutdown_ray()
    with pytest.raises(UserError, match=r"working_dir /no/such/dir does not exist on this machine"):
        init_ray(address=ray_cluster.address, runtime_env_json='{"working_dir": "/no/such/dir"}')
    assert not ray.is_initialized()


def test_typo_field_names_the_closest(ray_cluster):
    with pytest.raises(UserError, match=r"unknown field 'env_var'.*did you mean 'env_vars'"):
        init_ray(address=ray_cluster.address, runtime_env_json='{"env_var": {"MY_VAR": "value"}}')


@pytest.mark.parametrize("conda", ["my_env", {"dependencies": ["six"]}])
def test_conda_without_conda_installed(ray_cluster, conda):
    with pytest.raises(UserError) as info:
        init_ray(address=ray_cluster.address, runtime_env_json=json.dumps({"conda": conda}))
    message = str(info.value)
    assert "\n" not in message and "conda is not installed on the cluster nodes" in message


def test_unreachable_address_fails_fast(ray_cluster):
    port = free_port("127.0.0.9")  # nothing listens there
    started = time.monotonic()
    with pytest.raises(UserError, match=r"cannot reach the Ray cluster at 127\.0\.0\.9"):
        init_ray(address=f"127.0.0.9:{port}")
    assert time.monotonic() - started < 10


def test_cluster_check_reports_both_nodes_and_agrees(ray_cluster, project):
    runtime_env = {"pip": ["six==1.16.0"], "env_vars": {"MY_VAR": "value"},
                   "working_dir": str(project), "excludes": ["data/", "*.log"]}
    console, buffer = _rich_console()
    code = cluster_check(ray_cluster.address, "benchmark", json.dumps(runtime_env), console=console)
    out = buffer.getvalue()
    assert code == 0, out
    assert HEAD_IP in out and WORKER_IP in out and "1.16.0" in out and "value" in out
    assert "OK: all 2 node(s) agree" in out


def test_cluster_check_flags_a_variable_set_on_one_node_only(ray_cluster):
    console, buffer = _rich_console()
    code = cluster_check(ray_cluster.address, "benchmark", None, env_var_names=[ROLE_VAR], console=console)
    out = buffer.getvalue()
    assert code == 1, out
    assert "DIFFER" in out and f"${ROLE_VAR}" in out and "troubleshooting 2" in out
    assert "head *" in out and "worker *" in out
