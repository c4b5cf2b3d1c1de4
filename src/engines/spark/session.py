"""One SparkSession per process, started the way a benchmark needs it.

Why this module exists: a SparkSession is a process-wide singleton, and pyspark happily hands back an existing
one that points at a different master or ignores the requested configuration. Here every request is checked
(master syntax, driver host resolution, master reachability) *before* the JVM starts, so a user mistake is a
one-line UserError instead of a long hang; a session whose master or explicit config differs from the request
is stopped and replaced; and the defaults keep logs quiet and local mode sized for the machine.

pyspark is imported lazily inside the functions, so `parse_spark_conf` and `sanitize_app_name` can be used by
the CLI without paying for (or requiring) the pyspark import.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import re
import socket
import struct
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from src.bench.errors import UserError
from src.engines import netprobe

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

log = logging.getLogger(__name__)

DEFAULT_MASTER = "local[*]"
DEFAULT_APP_NAME = "prepbench"
MAX_APP_NAME_LEN = 64
REACHABILITY_TIMEOUT_S = 3.0
ANSWER_TIMEOUT_S = 10.0  # a Spark master answers the RPC probe in milliseconds; this allows for a busy one
_RPC_REQUEST, _RPC_RESPONSE, _RPC_FAILURE = 3, 4, 5  # org.apache.spark.network.protocol.Message.Type ids
_PROBE_ID = 0x70726570  # request id of the probe ("prep")
_ANSWER_HEAD = 17  # bytes of an answer's frame header read: frame length (8), message type (1), request id (8)
SHUFFLE_PARTITIONS_PER_CORE = 2
LOG_LEVELS = ("ALL", "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL", "OFF")

# Keys read only when the driver JVM is launched; changing them for a later session in the same process has no
# effect because pyspark keeps the first JVM (the py4j gateway) for the life of the process.
_JVM_LAUNCH_KEYS = ("spark.driver.memory", "spark.driver.extraJavaOptions", "spark.driver.extraClassPath",
                    "spark.driver.extraLibraryPath", "spark.jars", "spark.jars.packages")

_LOCAL_RE = re.compile(r"^local(?:\[(\*|[1-9][0-9]*)(?:,\s*([0-9]+))?\])?$")
_APP_NAME_BAD_CHARS = re.compile(r"[^A-Za-z0-9._-]+")
# Sizes the driver JVM reads at launch: a bad one makes java print three lines and exit, so refuse it here.
_SIZE_KEYS = re.compile(r"\.(memory|memoryOverhead|maxResultSize)$")
_SIZE_VALUE = re.compile(r"^[0-9]+([kmgtp]b?|b)?$", re.IGNORECASE)


@dataclass(frozen=True)
class MasterSpec:
    """A parsed master URL: local with a core count, or standalone with its host:port list."""

    url: str
    mode: str  # "local" | "standalone"
    local_cores: int = 0
    endpoints: tuple[tuple[str, int], ...] = field(default_factory=tuple)


@dataclass
class _Request:
    """What the current session was created with, to decide reuse versus replacement."""

    master: str
    config: dict[str, str]
    driver_host: str | None


LOG_CONFIG = Path(__file__).with_name("log4j2.properties")

_current: tuple[object, _Request] | None = None  # (SparkSession, request) made by get_spark
_log_level: str | None = None  # the level last applied to the JVM
_launch_keys: set[str] = set()  # keys passed when we launched the driver JVM; they persist as JVM system properties


# --------------------------------------------------------------------------------------------- pure helpers


def parse_spark_conf(items: list[str] | None) -> dict[str, str]:
    """Turn repeated `--spark-conf KEY=VALUE` items into a dict (later items win).

    Non-`spark.` keys are refused because Spark silently ignores them, which would hide a typo.
    """
    conf: dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key:
            raise UserError(f"--spark-conf {item!r} is malformed; expected KEY=VALUE, e.g. spark.executor.memory=2g")
        if not key.startswith("spark."):
            raise UserError(f"--spark-conf key {key!r} is not a Spark property; Spark property names start with "
                            "'spark.' (e.g. spark.executor.memory=2g)")
        if _SIZE_KEYS.search(key) and not _SIZE_VALUE.match(value):
            raise UserError(f"--spark-conf {key}={value!r} is not a size; give a number with a unit, e.g. 2g or 512m")
        conf[key] = value
    return conf


def sanitize_app_name(name: str | None) -> str:
    """Reduce an app name to safe printable ASCII of bounded length (it ends up in logs, UIs and paths)."""
    cleaned = _APP_NAME_BAD_CHARS.sub("_", name or "").strip("_.-")
    return cleaned[:MAX_APP_NAME_LEN].rstrip("_.-") or DEFAULT_APP_NAME


def parse_master(master: str | None) -> MasterSpec:
    """Validate a master URL: `local`, `local[N]`, `local[*]`, `local[N,F]`, or `spark://host:port[,host:port]`."""
    url = (master or DEFAULT_MASTER).strip()
    match = _LOCAL_RE.match(url)
    if match:
        cores = match.group(1)
        count = 1 if cores is None else (os.cpu_count() or 1) if cores == "*" else int(cores)
        return MasterSpec(url=url, mode="local", local_cores=count)
    if url.startswith("spark://"):
        return MasterSpec(url=url, mode="standalone", endpoints=_parse_endpoints(url))
    raise UserError(f"Spark master {url!r} is not supported; use local[*], local[N] or spark://host:port")


def _parse_endpoints(url: str) -> tuple[tuple[str, int], ...]:
    """Split `spark://h1:p1,h2:p2` into (host, port) pairs; Spark requires an explicit port."""
    endpoints = []
    for part in url[len("spark://"):].split(","):
        host, sep, port = part.strip().rpartition(":")
        host = host.strip("[]")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise UserError(f"Spark master {url!r} is malformed; use spark://host:port (e.g. spark://10.0.0.5:7077)")
        endpoints.append((host, int(port)))
    return tuple(endpoints)


def _check_log_level(level: str) -> None:
    if level.upper() not in LOG_LEVELS:
        raise UserError(f"Spark log level {level!r} is not valid; use one of {', '.join(LOG_LEVELS)}")


def resolve_host(host: str, what: str) -> list[str]:
    """Resolve a host name to its IP addresses (IPv4 first), or raise a one-line UserError."""
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise UserError(f"{what} {host!r} cannot be resolved ({reason}); "
                        "give an IP address or a host name this machine can resolve") from None
    addrs = sorted({info[4][0] for info in infos}, key=lambda a: (":" in a, a))
    return addrs


def check_master_reachable(spec: MasterSpec, timeout_s: float = REACHABILITY_TIMEOUT_S,
                           answer_timeout_s: float = ANSWER_TIMEOUT_S) -> None:
    """Fail fast when no master endpoint answers as a Spark RPC server: Spark itself would retry registration
    for a minute, and longer when the port belongs to another service that accepts the connection."""
    failures = []
    for host, port in spec.endpoints:
        resolve_host(host, "Spark master host")
        try:
            answer = netprobe.ask(host, port, _rpc_probe_frame(), _ANSWER_HEAD, timeout_s, answer_timeout_s)
        except netprobe.Unreachable as exc:
            problem = str(exc).lower()
        else:
            problem = _spark_answer_problem(answer, answer_timeout_s)
        if problem is None:
            return
        failures.append(f"{host}:{port} {problem}")
    raise UserError(f"Spark master {spec.url} is not reachable ({'; '.join(failures)}); start the master or "
                    "pass the right --spark-master spark://host:port (the master's port, default 7077)")


def _rpc_probe_frame() -> bytes:
    """A Spark RpcRequest frame addressed to an endpoint that does not exist: a Spark RpcEnv answers with an
    RpcFailure echoing the request id (and logs nothing); another service cannot produce that answer."""
    def utf(text: str) -> bytes:
        data = text.encode()
        return struct.pack(">H", len(data)) + data

    java_string = b"\xac\xed\x00\x05\x74" + utf("x")  # Java serialization of the String "x"
    body = b"\x00\x00" + utf("prepbench-probe") + java_string  # no sender, no receiver address, endpoint name
    return struct.pack(">qbqi", 21 + len(body), _RPC_REQUEST, _PROBE_ID, len(body)) + body


def _spark_answer_problem(answer: bytes | None, timeout_s: float) -> str | None:
    """None when the answer (see netprobe.ask) is a Spark master's, else why not. A closed connection or a TLS
    alert is inconclusive (a master with RPC TLS may do that) and is left to Spark."""
    if answer is None:
        return f"accepts connections but does not answer as a Spark master within {timeout_s:.0f} s"
    if len(answer) < _ANSWER_HEAD or answer[:1] == b"\x15":  # closed early, or a TLS alert
        return None
    _, kind, request_id = struct.unpack(">qbq", answer)
    if kind in (_RPC_RESPONSE, _RPC_FAILURE) and request_id == _PROBE_ID:
        return None
    return f"answers, but not as a Spark master (it sent {answer[:12]!r}...)"


def driver_host_conf(driver_host: str) -> dict[str, str]:
    """spark.driver.host as given; bind to that address when it is this machine's, else to all interfaces.

    Binding everywhere covers NAT and containers, where the advertised address is not a local interface.
    """
    addrs = resolve_host(driver_host, "--spark-driver-host")
    local = next((a for a in addrs if _is_local_address(a)), None)
    return {"spark.driver.host": driver_host, "spark.driver.bindAddress": local or "0.0.0.0"}


def _is_local_address(addr: str) -> bool:
    """True when a socket can bind to addr, i.e. it belongs to this machine."""
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.bind((addr, 0))
        return True
    except OSError:
        return False


def _is_loopback_only(spec: MasterSpec) -> bool:
    """Local mode, or a standalone master on loopback (so every worker is on this machine): the driver can stay
    on loopback, which needs no network and exposes no port."""
    if spec.mode == "local":
        return True
    for host, _ in spec.endpoints:
        if host != "localhost" and not _is_loopback_ip(host):
            return False
    return True


def _is_loopback_ip(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def build_conf(spec: MasterSpec, app_name: str, config: dict[str, str], driver_host: str | None,
               log_level: str) -> dict[str, str]:
    """All settings for a new session: quiet, UI off, Arrow on, case-sensitive names, sized partitions; the user's
    config wins."""
    conf = {
        "spark.master": spec.url,
        "spark.app.name": sanitize_app_name(app_name),
        "spark.api.mode": "classic",
        "spark.log.level": log_level,
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.sql.caseSensitive": "true",  # a file's columns num_Ab and num_ab are two columns, as everywhere else
    }
    cores_max = config.get("spark.cores.max", "").strip()
    cores = spec.local_cores if spec.mode == "local" else int(cores_max) if cores_max.isdigit() else 0
    if cores > 0:
        conf["spark.sql.shuffle.partitions"] = str(SHUFFLE_PARTITIONS_PER_CORE * cores)
    if driver_host is None and _is_loopback_only(spec):
        driver_host = "127.0.0.1"
    if driver_host is not None:
        conf.update(driver_host_conf(driver_host))
    conf.update(config)
    conf["spark.driver.extraJavaOptions"] = _with_log_config(config.get("spark.driver.extraJavaOptions", ""))
    return conf


def _with_log_config(java_options: str) -> str:
    """The driver's Java options plus prepbench's log4j2 file, unless the user names a log4j2 configuration."""
    if "log4j2.configurationFile" in java_options or "log4j.configurationFile" in java_options:
        return java_options
    return f"{java_options} -Dlog4j2.configurationFile={LOG_CONFIG.as_uri()}".strip()


# --------------------------------------------------------------------------------------------- sessions


def get_spark(app_name: str, master: str | None = None, config: dict[str, str] | None = None,
              driver_host: str | None = None, *, log_level: str = "WARN") -> SparkSession:
    """Return a SparkSession for this master and config, reusing the current one only when it matches.

    Everything that can be checked without a JVM (master syntax, driver host, master reachability) is checked
    first, so an existing session is not torn down for a request that cannot succeed.
    """
    spec = parse_master(master)
    config = dict(config or {})
    level = config.get("spark.log.level", log_level).upper()
    _check_log_level(level)
    if driver_host is not None:
        driver_host = driver_host.strip()
        resolve_host(driver_host, "--spark-driver-host")
    if spec.mode == "standalone":
        check_master_reachable(spec)
    request = _Request(master=spec.url, config=config, driver_host=driver_host)
    existing = _active_session()
    if existing is not None:
        if _matches(existing, request):
            _set_log_level(existing, level)
            return existing
        log.info("stopping the Spark session on %s to start one on %s", _master_of(existing), spec.url)
        stop_spark()
    return _start(spec, app_name, request, level)


def stop_spark() -> None:
    """Stop the current SparkSession (ours or anyone's) so the next get_spark starts fresh."""
    global _current
    _current = None
    session = _active_session()
    if session is None:
        return
    from py4j.protocol import Py4JError

    try:
        session.stop()
    except (Py4JError, OSError) as exc:  # the JVM may already be gone; nothing left to stop then
        log.debug("ignoring error while stopping Spark: %s", exc)


def wait_for_executors(spark: SparkSession, count: int, timeout_s: float = 60.0) -> int:
    """Block until `count` executors have registered, so timed work does not include executor start-up.

    Local mode has no executors (the driver runs the tasks), so there is nothing to wait for.
    """
    if _mode_of(spark.sparkContext.master) == "local":
        return 0
    deadline = time.monotonic() + timeout_s
    registered = executor_count(spark)
    while registered < count and time.monotonic() < deadline:
        time.sleep(0.2)
        registered = executor_count(spark)
    if registered < count:
        raise UserError(f"only {registered} of {count} Spark executors registered within {timeout_s:.0f} s on "
                        f"{spark.sparkContext.master}; check that the workers have enough free cores and memory "
                        "for spark.executor.cores / spark.executor.memory")
    return registered


def executor_count(spark: SparkSession) -> int:
    """Registered executors, excluding the driver (0 in local mode, where the driver does the work)."""
    sc = spark.sparkContext
    if _mode_of(sc.master) == "local":
        return 0
    return max(int(sc._jsc.sc().getExecutorMemoryStatus().size()) - 1, 0)


def spark_info(spark: SparkSession) -> dict:
    """Facts about the session worth recording next to a benchmark result."""
    sc = spark.sparkContext
    conf = sc.getConf()
    mode = _mode_of(sc.master)
    return {
        "spark_version": spark.version,
        "master": sc.master,
        "mode": mode,
        "app_id": sc.applicationId,
        "app_name": sc.appName,
        "default_parallelism": sc.defaultParallelism,
        "shuffle_partitions": int(spark.conf.get("spark.sql.shuffle.partitions")),
        "executor_count": executor_count(spark),
        "executor_cores": conf.get("spark.executor.cores", None),
        "executor_memory": conf.get("spark.executor.memory", None),
        "cores_max": conf.get("spark.cores.max", None),
        "driver_memory": conf.get("spark.driver.memory", None),
        "driver_host": conf.get("spark.driver.host", None),
        "python": sc.pythonExec,
    }


def _start(spec: MasterSpec, app_name: str, request: _Request, log_level: str) -> SparkSession:
    """Create the session; PYSPARK_PYTHON must be set first or executors run whatever `python3` is on PATH."""
    global _current
    from pyspark.core.context import SparkContext
    from pyspark.sql import SparkSession

    conf = build_conf(spec, app_name, request.config, request.driver_host, log_level)
    _export_python(conf)
    if conf.get("spark.driver.host") == "127.0.0.1":  # else Spark warns that the host name is a loopback address
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    if SparkContext._gateway is None:
        _launch_keys.update(conf)
    else:
        _warn_launch_keys(request.config)
        _forget_launch_conf(SparkContext._jvm, conf)
    builder = SparkSession.Builder()
    for key, value in conf.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    _current = None
    _set_log_level(session, log_level)
    _current = (session, request)
    return session


def _set_log_level(session: SparkSession, level: str) -> None:
    """Apply the JVM log level, skipping a repeat on our own session (each call prints a line to stderr)."""
    global _log_level
    ours = _current is not None and _current[0] is session
    if not ours or level != _log_level:
        session.sparkContext.setLogLevel(level)
        _log_level = level


def _export_python(conf: dict[str, str]) -> None:
    """Point executors (and the driver launcher) at this interpreter unless spark.pyspark.python names another."""
    python = conf.get("spark.pyspark.python") or sys.executable
    os.environ["PYSPARK_PYTHON"] = python
    os.environ["PYSPARK_DRIVER_PYTHON"] = conf.get("spark.pyspark.driver.python") or sys.executable


def _forget_launch_conf(jvm: object, conf: dict[str, str]) -> None:
    """pyspark passes the first session's settings to the JVM as system properties, which every later SparkConf
    loads as defaults; drop the ones this request does not set, or an old session's settings would leak in."""
    for key in sorted(_launch_keys - conf.keys()):
        jvm.java.lang.System.clearProperty(key)


def _warn_launch_keys(config: dict[str, str]) -> None:
    """The driver JVM outlives sessions, so launch-time keys given to a later session are ignored; say so."""
    ignored = sorted(k for k in config if k in _JVM_LAUNCH_KEYS)
    if ignored:
        log.warning("the Spark driver JVM is already running in this process; %s take effect only in a new "
                    "process", ", ".join(ignored))


def _active_session() -> SparkSession | None:
    """The live classic SparkSession of this process, if any (including one not made by get_spark)."""
    if "pyspark" not in sys.modules:
        return None
    from pyspark.core.context import SparkContext
    from pyspark.sql import SparkSession

    if SparkContext._active_spark_context is None:
        return None
    session = SparkSession._instantiatedSession or SparkSession.getActiveSession()
    if session is None or session.sparkContext._jsc is None:
        return None
    return session


def _mode_of(master: str) -> str:
    """Mode of any master string, including ones get_spark would not accept (a session made elsewhere)."""
    if master.startswith("local"):
        return "local"
    return "standalone" if master.startswith("spark://") else "other"


def _master_of(session: SparkSession) -> str:
    return session.sparkContext.master


def _matches(session: SparkSession, request: _Request) -> bool:
    """Same master and same explicit settings; compared with the recorded request when we made the session."""
    if _current is not None and _current[0] is session:
        return _current[1] == request
    if _master_of(session) != request.master:
        return False
    conf = session.sparkContext.getConf()
    wanted = dict(request.config)
    if request.driver_host is not None:
        wanted["spark.driver.host"] = request.driver_host
    return all(conf.get(key, None) == value for key, value in wanted.items())
