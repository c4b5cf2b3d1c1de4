"""Pure parts of the Spark session layer: flag parsing, master URLs, names, settings. No JVM is started here."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from src.bench.errors import UserError
from src.engines.spark.session import (
    LOG_CONFIG,
    MAX_APP_NAME_LEN,
    build_conf,
    check_master_reachable,
    get_spark,
    parse_master,
    parse_spark_conf,
    sanitize_app_name,
)

REPO = Path(__file__).resolve().parents[2]


def test_parse_spark_conf_splits_on_first_equals_and_strips():
    items = [" spark.executor.memory = 2g ", "spark.driver.extraJavaOptions=-Da=b -Dc=d", "spark.x.empty="]
    assert parse_spark_conf(items) == {
        "spark.executor.memory": "2g",
        "spark.driver.extraJavaOptions": "-Da=b -Dc=d",
        "spark.x.empty": "",
    }


def test_parse_spark_conf_later_items_win_and_empty_input_is_empty():
    assert parse_spark_conf(["spark.a=1", "spark.a=2"]) == {"spark.a": "2"}
    assert parse_spark_conf([]) == {}
    assert parse_spark_conf(None) == {}


@pytest.mark.parametrize("item", ["spark.executor.memory", "=2g", "  =2g", ""])
def test_parse_spark_conf_rejects_malformed_items_naming_them(item):
    with pytest.raises(UserError, match="KEY=VALUE") as excinfo:
        parse_spark_conf(["spark.ok=1", item])
    assert repr(item) in str(excinfo.value)


def test_parse_spark_conf_rejects_non_spark_keys():
    with pytest.raises(UserError, match="executor.memory"):
        parse_spark_conf(["executor.memory=2g"])


@pytest.mark.parametrize(("name", "expected"), [
    ("prepbench StandardScaler", "prepbench_StandardScaler"),
    ("a/b\\c;rm -rf *", "a_b_c_rm_-rf"),
    ("naïve–name\n\t", "na_ve_name"),
    ("", "prepbench"),
    ("!!!", "prepbench"),
    (None, "prepbench"),
])
def test_sanitize_app_name(name, expected):
    assert sanitize_app_name(name) == expected


def test_sanitize_app_name_bounds_length():
    name = sanitize_app_name("x" * 500)
    assert len(name) == MAX_APP_NAME_LEN
    assert name.isascii() and name.isprintable()


@pytest.mark.parametrize(("master", "cores"), [
    (None, os.cpu_count()), ("local[*]", os.cpu_count()), ("local", 1), ("local[3]", 3), ("local[2,4]", 2),
])
def test_parse_master_local_forms(master, cores):
    spec = parse_master(master)
    assert spec.mode == "local"
    assert spec.local_cores == cores


def test_parse_master_standalone_single_and_ha():
    assert parse_master("spark://127.0.0.1:7077").endpoints == (("127.0.0.1", 7077),)
    ha = parse_master("spark://m1:7077,m2:7078")
    assert ha.mode == "standalone"
    assert ha.endpoints == (("m1", 7077), ("m2", 7078))


@pytest.mark.parametrize("master", ["spark://127.0.0.1", "spark://:7077", "spark://h:0", "spark://h:x",
                                    "yarn", "local[0]", "local[abc]", "mesos://h:5050", "sc://localhost"])
def test_parse_master_rejects_unsupported_or_malformed(master):
    with pytest.raises(UserError, match="spark://host:port"):
        parse_master(master)


def test_build_conf_local_defaults_and_user_config_wins():
    conf = build_conf(parse_master("local[3]"), "my app", {"spark.ui.enabled": "true"}, None, "WARN")
    assert conf["spark.master"] == "local[3]"
    assert conf["spark.app.name"] == "my_app"
    assert conf["spark.sql.shuffle.partitions"] == "6"
    assert conf["spark.ui.enabled"] == "true"
    assert conf["spark.ui.showConsoleProgress"] == "false"
    assert conf["spark.sql.execution.arrow.pyspark.enabled"] == "true"
    assert conf["spark.driver.host"] == "127.0.0.1"


def test_build_conf_points_the_driver_at_prepbench_log4j2_file_unless_the_user_has_one():
    log_option = f"-Dlog4j2.configurationFile={LOG_CONFIG.as_uri()}"
    assert LOG_CONFIG.is_file()
    assert build_conf(parse_master("local[1]"), "x", {}, None, "WARN")["spark.driver.extraJavaOptions"] == log_option
    theirs = {"spark.driver.extraJavaOptions": "-Xss4m"}
    assert build_conf(parse_master("local[1]"), "x", theirs, None, "WARN")["spark.driver.extraJavaOptions"] == \
        f"-Xss4m {log_option}"
    own = {"spark.driver.extraJavaOptions": "-Dlog4j2.configurationFile=file:/etc/my.properties"}
    assert build_conf(parse_master("local[1]"), "x", own, None, "WARN")["spark.driver.extraJavaOptions"] == \
        "-Dlog4j2.configurationFile=file:/etc/my.properties"


def test_build_conf_standalone_sizes_partitions_from_cores_max():
    spec = parse_master("spark://127.0.0.1:7077")
    conf = build_conf(spec, "x", {"spark.cores.max": "4"}, None, "ERROR")
    assert conf["spark.sql.shuffle.partitions"] == "8"
    assert conf["spark.log.level"] == "ERROR"
    assert (conf["spark.driver.host"], conf["spark.driver.bindAddress"]) == ("127.0.0.1", "127.0.0.1")
    assert "spark.sql.shuffle.partitions" not in build_conf(spec, "x", {}, None, "WARN")
    assert "spark.sql.shuffle.partitions" not in build_conf(spec, "x", {"spark.cores.max": "two"}, None, "WARN")


def test_build_conf_driver_host_binds_locally_when_it_is_this_machine():
    conf = build_conf(parse_master("spark://10.0.0.5:7077"), "x", {}, "localhost", "WARN")
    assert conf["spark.driver.host"] == "localhost"
    assert conf["spark.driver.bindAddress"] in ("127.0.0.1", "::1")


def test_build_conf_unresolvable_driver_host_is_user_error():
    with pytest.raises(UserError, match="--spark-driver-host 'no-such-host.invalid'"):
        build_conf(parse_master("local[1]"), "x", {}, "no-such-host.invalid", "WARN")


def test_closed_master_port_fails_fast():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    started = time.monotonic()
    with pytest.raises(UserError, match=rf"spark://127\.0\.0\.1:{port} is not reachable"):
        check_master_reachable(parse_master(f"spark://127.0.0.1:{port}"))
    assert time.monotonic() - started < 10


def test_importing_session_module_does_not_import_pyspark():
    code = "import sys, src.engines.spark.session; print('pyspark' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_invalid_log_level_is_user_error_before_any_jvm():
    with pytest.raises(UserError, match="log level 'LOUD'"):
        get_spark("x", master="local[1]", log_level="LOUD")
