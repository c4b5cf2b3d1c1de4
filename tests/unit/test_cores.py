"""--cores: one knob every engine honours, checked without starting a JVM or Ray."""

from __future__ import annotations

import re

import pytest

from src.bench.errors import UserError
from src.bench.registry import create_engine, engines, installed_engines
from src.bench.run.facts import CORES, EngineOptions


def test_every_engine_declares_cores() -> None:
    assert all(CORES in f.options for f in engines().values() if f.package.startswith("src.engines."))


@pytest.mark.parametrize("name", ["numpy", "sklearn"])
def test_single_machine_engines_cap_their_threads(name: str) -> None:
    import pyarrow as pa
    from threadpoolctl import threadpool_info

    before = pa.cpu_count()
    try:
        info = create_engine(name, EngineOptions(cores=1)).start()
        assert info["cores"] == 1 and info["arrow_threads"] == 1 and pa.cpu_count() == 1
        assert all(pool["num_threads"] == 1 for pool in threadpool_info())
    finally:
        pa.set_cpu_count(before)
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=None)


@pytest.mark.skipif("spark" not in installed_engines(), reason="spark is not installed")
@pytest.mark.parametrize(("master", "conf", "expected"), [
    (None, [], ("local[3]", {})),
    ("local[3]", [], ("local[3]", {})),
    ("spark://127.0.0.1:7077", [], ("spark://127.0.0.1:7077", {"spark.cores.max": "3"})),
    ("spark://127.0.0.1:7077", ["spark.cores.max=3"], ("spark://127.0.0.1:7077", {"spark.cores.max": "3"})),
])
def test_spark_takes_cores_as_local_n_or_cores_max(master, conf, expected) -> None:
    engine = create_engine("spark", EngineOptions(cores=3, spark_master=master, spark_conf=conf))
    assert engine._master_and_conf() == expected


@pytest.mark.skipif("spark" not in installed_engines(), reason="spark is not installed")
@pytest.mark.parametrize(("master", "conf", "named"), [("local[2]", [], "--spark-master local[2]"),
                                                       ("spark://127.0.0.1:7077", ["spark.cores.max=8"],
                                                        "spark.cores.max")])
def test_spark_refuses_two_core_counts(master, conf, named) -> None:
    engine = create_engine("spark", EngineOptions(cores=3, spark_master=master, spark_conf=conf))
    with pytest.raises(UserError, match=re.escape(f"--cores 3 and {named} ask for different core counts; give one")):
        engine._master_and_conf()


@pytest.mark.skipif("ray" not in installed_engines(), reason="ray is not installed")
@pytest.mark.parametrize(("options", "message"), [
    ({"cores": 2, "ray_address": "127.0.0.1:6379"}, "--cores sets the CPUs of a local Ray only"),
    ({"cores": 2, "ray_num_cpus": 1}, "--cores 2 and --ray-num-cpus 1 ask for different CPU counts"),
])
def test_ray_refuses_cores_it_cannot_honour(options, message) -> None:
    with pytest.raises(UserError, match=message):
        create_engine("ray", EngineOptions(**options)).check_options()
