"""Parse and check a Ray runtime_env before anything connects to a cluster.

Ray accepts an unknown runtime_env key silently and reports most other mistakes only when a worker starts on a
remote node, minutes later and buried in a traceback. Checking here turns each mistake into one line that names
the field and the fix, before any cluster time is spent. Nothing in this module imports Ray at import time, and
nothing evaluates user input: JSON is parsed with `json`, YAML with `yaml.safe_load`.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from src.bench.errors import UserError

LARGE_WORKING_DIR_BYTES = 50 * 1024 * 1024
# Left out of a local working_dir upload unless the user's excludes re-include them: a repository's history,
# virtualenvs (also any other directory holding pyvenv.cfg), prepbench's results and .env secrets are bulk or
# secrets, never code the nodes need. Directory patterns end in "/": with Ray's gitignore matcher only then does
# the negation a user adds to upload one ("!experiments/") work.
DEFAULT_EXCLUDES = (".git/", ".venv/", "venv/", "experiments/", ".env", ".env.*")

# The fields of Ray 2.60's RuntimeEnv; the installed Ray's own list is used instead when Ray can be imported.
_FALLBACK_FIELDS = frozenset({
    "py_modules", "py_executable", "java_jars", "working_dir", "conda", "pip", "uv", "container", "excludes",
    "env_vars", "_ray_release", "_ray_commit", "_inject_current_ray", "config", "worker_process_setup_hook",
    "_nsight", "_rocprof_sys", "image_uri",
})
# RuntimeEnv(...) also takes these public spellings of the underscore plugin fields.
_PUBLIC_ALIASES = {"nsight": "_nsight", "rocprof_sys": "_rocprof_sys"}
# Words people use for a field that difflib would not find.
_SYNONYMS = {
    "requirements": "pip", "packages": "pip", "pip_packages": "pip", "env": "env_vars", "environment": "env_vars",
    "environment_variables": "env_vars", "envs": "env_vars", "code": "working_dir", "cwd": "working_dir",
    "conda_env": "conda", "ignore": "excludes",
}
# Fields that exist in other Ray versions (or as separate plugins) but not in this one's built-in list.
_OTHER_VERSIONS = {"mpi": "ray.runtime_env.mpi", "docker": "container/image_uri", "plugins": "a plugin's own key"}
_REMOTE_SCHEMES = ("http", "https", "s3", "gs", "azure", "abfss", "file")
_ARCHIVES = {
    "working_dir": (".zip", ".tar.gz", ".tgz", ".tar.xz"),
    "py_modules": (".zip", ".whl", ".tar.gz", ".tgz", ".tar.xz"),
}
_PIP_DICT_KEYS = ("packages", "pip_check", "pip_install_options", "pip_version")
_UV_DICT_KEYS = ("packages", "uv_check", "uv_version", "uv_pip_install_options")
_CONDA_SPEC_KEYS = ("name", "channels", "dependencies", "prefix", "variables")
_CONDA_GUIDE_KEYS = ("conda_env_name", "conda_env_file")
_CONFIG_KEYS = ("setup_timeout_seconds", "eager_install", "log_files")
_REQ_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_PINNED = re.compile(r"===?\s*[^=\s,;*]+\s*(;.*)?$")

PIN_ADVICE = "pin exact versions (name==X.Y.Z) so every node installs the same thing (best practice 1 of the guide)"


def _fail(problem: str, fix: str) -> UserError:
    """One line for the user: what is wrong with the runtime_env, then what to do."""
    return UserError(f"invalid runtime_env: {problem}; {fix}")


# ---------------------------------------------------------------------------------------------------- input


def read_runtime_env_arg(value: str) -> str:
    """Turn a --ray-runtime-env-json value into JSON text: `@path` reads the file, anything else is the JSON."""
    text = value.strip()
    if text.startswith("@"):
        return _read_json_file(Path(text[1:]).expanduser())
    if text and text[0] not in "{[\"" and Path(text).is_file():
        raise UserError(f"--ray-runtime-env-json got the file name {text!r}, not JSON; write @{text} to read a file")
    return value


def _read_json_file(path: Path) -> str:
    if not str(path):
        raise UserError("--ray-runtime-env-json '@' needs a file name after it, e.g. @ray_runtime_env.json")
    if not path.is_file():
        what = "is a directory" if path.is_dir() else "does not exist"
        raise UserError(f"runtime_env file {path} {what}; give an existing JSON file after @ or inline JSON text")
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read runtime_env file {path}: {exc}; check its permissions and encoding") from exc


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """json.loads keeps the last of two equal keys without a word; a duplicated field is always a mistake."""
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise _fail(f"the key {key!r} appears twice in one object", "keep only one of them")
        seen[key] = value
    return seen


def _load_json(text: str, source: str) -> Any:
    if not text.strip():
        raise UserError(f"{source} is empty; give a JSON object such as '{{\"env_vars\": {{\"A\": \"1\"}}}}'")
    try:
        return json.loads(text, object_pairs_hook=_reject_duplicates)
    except json.JSONDecodeError as exc:
        hint = "use double quotes for keys and strings" if "'" in text else "check quotes, commas and brackets"
        raise UserError(
            f"{source} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}; {hint}"
        ) from None


# ---------------------------------------------------------------------------------------------------- fields


def known_fields() -> frozenset[str]:
    """The runtime_env fields the installed Ray knows (plus the public nsight/rocprof_sys spellings)."""
    try:
        from ray.runtime_env import RuntimeEnv
    except ImportError:
        fields = _FALLBACK_FIELDS
    else:
        fields = frozenset(RuntimeEnv.known_fields)
    return fields | frozenset(alias for alias, real in _PUBLIC_ALIASES.items() if real in fields)


def _ray_version() -> str | None:
    try:
        from importlib.metadata import version

        return version("ray")
    except Exception:  # ray not installed: the checks that need its version are skipped
        return None


def _closest_field(key: str, fields: frozenset[str]) -> str | None:
    lowered = key.lower().replace("-", "_")
    if lowered in fields:
        return lowered
    if lowered in _SYNONYMS:
        return _SYNONYMS[lowered]
    public = sorted(f for f in fields if not f.startswith("_"))
    match = difflib.get_close_matches(lowered, public, n=1, cutoff=0.6)
    return match[0] if match else None


def _check_keys(env: dict[str, Any]) -> None:
    fields = known_fields()
    for key in env:
        if key in fields:
            continue
        version = _ray_version()
        where = f"Ray {version}" if version else "Ray"
        problem = f"unknown field {key!r} ({where} would silently ignore it)"
        if key in _OTHER_VERSIONS:
            raise _fail(f"field {key!r} ({_OTHER_VERSIONS[key]}) is not available in {where}",
                        "remove it or use a Ray version that has it")
        guess = _closest_field(key, fields)
        if guess:
            raise _fail(problem, f"did you mean {guess!r}?")
        public = ", ".join(sorted(f for f in fields if not f.startswith("_")))
        raise _fail(problem, f"use one of: {public}")


def _closest_key(key: str, allowed: tuple[str, ...]) -> str:
    match = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    return f"did you mean {match[0]!r}?" if match else f"allowed keys: {', '.join(allowed)}"


def _check_dict_keys(value: dict[str, Any], allowed: tuple[str, ...], field: str) -> None:
    for key in value:
        if key not in allowed:
            raise _fail(f"{field} has no key {key!r}", _closest_key(key, allowed))


def _is_str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _type_name(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", int: "a number", float: "a number"}
    return names.get(type(value), "null" if value is None else f"a {type(value).__name__}")


# ---------------------------------------------------------------------------------------------------- pip / uv


def _requirement_lines(path: Path, field: str) -> list[str]:
    if not path.is_file():
        raise _fail(f"{field} requirements file {path} does not exist", "give an existing requirements.txt or a list")
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def pip_packages(value: Any, field: str = "pip") -> list[str]:
    """The requirement strings of a pip/uv value in any of Ray's three forms (list, dict, requirements path)."""
    if isinstance(value, str):
        return _requirement_lines(Path(value).expanduser(), field)
    if isinstance(value, list):
        return list(value)
    packages = value.get("packages", [])
    return _requirement_lines(Path(packages), field) if isinstance(packages, str) else list(packages)


def _check_options(value: dict[str, Any], field: str) -> None:
    for key, item in value.items():
        if key.endswith("_check") and not isinstance(item, bool):
            raise _fail(f"{field}.{key} must be true or false, not {_type_name(item)}", f"write \"{key}\": false")
        if key.endswith("_version") and not isinstance(item, str):
            raise _fail(f"{field}.{key} must be a string like \"==24.0\"", "quote the version")
        if key.endswith("install_options") and not _is_str_list(item):
            raise _fail(f"{field}.{key} must be a list of strings", 'e.g. ["--no-cache-dir"]')


def _check_pip(value: Any, field: str) -> Any:
    allowed = _PIP_DICT_KEYS if field == "pip" else _UV_DICT_KEYS
    if isinstance(value, dict):
        _check_dict_keys(value, allowed, field)
        if "packages" not in value:
            raise _fail(f"{field} as an object needs a \"packages\" list", 'write {"packages": ["name==1.0"]}')
        packages = value["packages"]
        if not (_is_str_list(packages) or (field == "pip" and isinstance(packages, str))):
            raise _fail(f"{field}.packages must be a list of requirement strings", 'e.g. ["six==1.16.0"]')
        _check_options(value, field)
    elif not (isinstance(value, str) or _is_str_list(value)):
        raise _fail(
            f"{field} must be a list of requirement strings, an object with \"packages\", or a requirements.txt path,"
            f" not {_type_name(value)}", 'e.g. "pip": ["pandas==2.2.3"]')
    pip_packages(value, field)  # a missing requirements file fails here, before Ray reads it on the driver
    return value


def unpinned(requirements: list[str]) -> list[str]:
    """Requirements that do not fix one exact version (URLs, VCS links and pip options are left alone)."""
    loose = []
    for req in requirements:
        text = req.strip()
        if not text or text.startswith(("-", "#")) or "://" in text or " @ " in text:
            continue
        if not _PINNED.search(text):
            loose.append(text)
    return loose


def requirement_name(req: str) -> str | None:
    """The distribution name of a requirement string ("ray[data]==2.52.1" → "ray"), or None for options/URLs."""
    text = req.strip()
    if not text or text.startswith(("-", "#")) or "://" in text:
        return None
    match = _REQ_NAME.match(text)
    return match.group(1) if match else None


def _ray_pin_warning(requirements: list[str]) -> list[str]:
    """A pip pin of ray that differs from the running Ray makes every worker fail to join the cluster."""
    version = _ray_version()
    out = []
    for req in requirements:
        name = requirement_name(req)
        if not version or not name or name.lower() != "ray" or "==" not in req:
            continue
        pinned = req.split("==", 1)[1].split(";", 1)[0].strip()
        if pinned != version:
            out.append(f"pip pins {req} but this Ray is {version}: workers must run the cluster's Ray version; "
                       f"pin ray=={version} or drop ray from pip")
    return out


def _conda_pip_lists(conda: Any) -> list[str]:
    deps = conda.get("dependencies", []) if isinstance(conda, dict) else []
    return [req for dep in deps if isinstance(dep, dict) for req in dep.get("pip", [])]


def _pip_warnings(env: dict[str, Any]) -> list[str]:
    warnings = []
    sources = [(f, pip_packages(env[f], f)) for f in ("pip", "uv") if f in env]
    sources.append(("conda pip", _conda_pip_lists(env.get("conda"))))
    for field, requirements in sources:
        loose = unpinned(requirements)
        if loose:
            warnings.append(f"unpinned {field} requirements {', '.join(loose)}: {PIN_ADVICE}")
        warnings.extend(_ray_pin_warning(requirements))
    return warnings


# ---------------------------------------------------------------------------------------------------- conda


def _read_conda_yaml(path: Path) -> dict[str, Any]:
    try:
        import yaml
    except ImportError as exc:
        raise UserError("reading a conda environment file needs PyYAML; pip install pyyaml") from exc
    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise _fail(f"cannot read conda file {path}: {str(exc).splitlines()[0]}", "fix the YAML") from None
    if not isinstance(spec, dict):
        raise _fail(f"conda file {path} does not describe an environment", "it needs a dependencies: list")
    return spec


def _check_conda_spec(spec: dict[str, Any]) -> dict[str, Any]:
    _check_dict_keys(spec, _CONDA_SPEC_KEYS, "conda")
    deps = spec.get("dependencies", [])
    if not isinstance(deps, list):
        raise _fail("conda.dependencies must be a list", 'e.g. ["python=3.11", "pip", {"pip": ["six==1.16.0"]}]')
    for dep in deps:
        if isinstance(dep, dict) and set(dep) == {"pip"} and _is_str_list(dep["pip"]):
            continue
        if not isinstance(dep, str):
            raise _fail(f"conda dependency {dep!r} is neither a string nor {{\"pip\": [...]}}", "fix that entry")
    return spec


def _conda_from_guide_form(value: dict[str, Any], warnings: list[str]) -> str | dict[str, Any]:
    """Translate the guide's {"conda_env_name", "conda_env_file"} into what Ray accepts (an env dict or a name)."""
    _check_dict_keys(value, _CONDA_GUIDE_KEYS, "conda")
    name, file = value.get("conda_env_name"), value.get("conda_env_file")
    for key, item in (("conda_env_name", name), ("conda_env_file", file)):
        if item is not None and not (isinstance(item, str) and item):
            raise _fail(f"conda.{key} must be a non-empty string", "give the env name / environment.yml path")
    if file and Path(file).expanduser().is_file():
        spec = _check_conda_spec(dict(_read_conda_yaml(Path(file).expanduser())))
        if name:
            spec["name"] = name
        return spec
    if name:
        if file:
            warnings.append(f"conda_env_file {file} not found here; using the existing conda env {name!r}, "
                            "which must already exist on every node")
        return name
    raise _fail(f"conda_env_file {file} does not exist", "give an existing environment.yml or a conda_env_name")


def _check_conda(value: Any, warnings: list[str]) -> str | dict[str, Any]:
    if isinstance(value, dict):
        if set(value) & set(_CONDA_GUIDE_KEYS):
            return _conda_from_guide_form(value, warnings)
        return _check_conda_spec(value)
    if not isinstance(value, str) or not value:
        raise _fail(f"conda must be an env name, an environment.yml path or an env object, not {_type_name(value)}",
                    'e.g. "conda": "my_env"')
    path = Path(value).expanduser()
    if path.suffix in (".yml", ".yaml"):
        if not path.is_file():
            raise _fail(f"conda file {value} does not exist", "give an existing environment.yml or an env name")
        return value
    if path.is_absolute() and not path.is_dir():
        raise _fail(f"conda env directory {value} does not exist", "give an existing env prefix or an env name")
    return value


def _as_conda_spec(conda: str | dict[str, Any]) -> dict[str, Any] | None:
    """The conda value as an env dict we may extend, or None when it names an env that already exists."""
    if isinstance(conda, dict):
        return dict(conda)
    if Path(conda).suffix in (".yml", ".yaml"):
        return dict(_read_conda_yaml(Path(conda).expanduser()))
    return None


def _merge_pip_into_conda(env: dict[str, Any], warnings: list[str]) -> None:
    """Ray refuses pip and conda together; move the pip packages into the conda env's own pip section."""
    if "uv" in env:
        raise _fail("Ray refuses uv together with conda", 'list the packages in conda dependencies as {"pip": [...]}')
    packages = pip_packages(env["pip"])
    spec = _as_conda_spec(env["conda"])
    if spec is None:
        raise _fail(
            f"Ray refuses pip together with the named conda env {env['conda']!r}",
            f"install {', '.join(packages) or 'the pip packages'} into that env on every node and drop \"pip\", "
            "or give conda as an env object / environment.yml so prepbench can merge them")
    deps = list(spec.get("dependencies", []))
    section = next((d for d in deps if isinstance(d, dict) and "pip" in d), None)
    if section is None:
        section = {"pip": []}
        deps.append(section)
    section["pip"] = list(dict.fromkeys([*section["pip"], *packages]))
    if not any(isinstance(d, str) and requirement_name(d) == "pip" for d in deps):
        deps.insert(0, "pip")
    spec["dependencies"] = deps
    if isinstance(env["pip"], dict) and set(env["pip"]) - {"packages"}:
        warnings.append("pip options (pip_check, pip_version, pip_install_options) do not apply inside conda; dropped")
    warnings.append(f"pip packages {', '.join(packages)} merged into the conda env (Ray refuses pip with conda)")
    env["conda"] = spec
    del env["pip"]


# ---------------------------------------------------------------------------------------------------- paths


def _is_uri(value: str) -> bool:
    scheme = urlparse(value).scheme
    return len(scheme) > 1  # "C:" is a drive letter, not a scheme


def _check_uri(value: str, field: str) -> None:
    scheme = urlparse(value).scheme.lower()
    if scheme == "local":
        if not urlparse(value).path.startswith("/"):
            raise _fail(f"{field} {value} must name an absolute path", "write local:///abs/path")
        return
    if scheme not in _REMOTE_SCHEMES:
        raise _fail(f"{field} URI scheme {scheme}:// is not supported by Ray",
                    f"use {', '.join(s + '://' for s in _REMOTE_SCHEMES)} with an archive, or local:///shared/dir")
    path = urlparse(value).path
    if not path.endswith(_ARCHIVES[field]):
        raise _fail(f"{field} URI {value} is not an archive", f"Ray needs one of {', '.join(_ARCHIVES[field])}")


def _check_local_package(value: str, field: str) -> None:
    path = Path(value).expanduser()
    single_module = field == "py_modules" and path.suffix == ".py"
    if path.is_dir() or (path.is_file() and (value.endswith(_ARCHIVES[field]) or single_module)):
        return
    if path.is_file():
        raise _fail(f"{field} {value} is a file, not a directory or archive", f"use {', '.join(_ARCHIVES[field])}")
    raise _fail(f"{field} {value} does not exist on this machine",
                "give an existing local directory (it is uploaded), a remote s3://…/x.zip, or local:///shared/dir")


def _check_package(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value:
        raise _fail(f"{field} must be a path or URI string, not {_type_name(value)}", 'e.g. "/home/user/project"')
    if _is_uri(value):
        _check_uri(value, field)
    else:
        _check_local_package(value, field)
    return value


def _check_py_modules(value: Any) -> list[str]:
    if not _is_str_list(value):
        raise _fail(f"py_modules must be a list of paths or URIs, not {_type_name(value)}", 'e.g. ["./mypkg"]')
    return [_check_package(item, "py_modules") for item in value]


def _check_excludes(value: Any) -> list[str]:
    if not _is_str_list(value):
        raise _fail(f"excludes must be a list of patterns, not {_type_name(value)}", 'e.g. ["*.pyc", "data/"]')
    return value


def _exclude_matcher(patterns: list[str]) -> Callable[[str], bool]:
    """Ray matches excludes with gitignore rules; use its own matcher when available, else a close fnmatch."""
    try:
        from ray._private.thirdparty.pathspec import PathSpec

        spec = PathSpec.from_lines("gitwildmatch", patterns)
        return spec.match_file
    except ImportError:
        import fnmatch

        def match(rel: str) -> bool:
            parts = rel.split("/")
            for pattern in patterns:
                pat = pattern.strip("/")
                if "/" in pat and fnmatch.fnmatch(rel, pat):
                    return True
                if any(fnmatch.fnmatch(part, pat) for part in parts):
                    return True
            return False

        return match


def directory_size(root: Path, excludes: list[str], stop_after: int | None = None) -> int:
    """Bytes Ray would upload from `root` after `excludes` (stops counting once `stop_after` is passed)."""
    excluded = _exclude_matcher(excludes)
    total = 0
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root)
        prefix = "" if rel_dir == "." else rel_dir.replace(os.sep, "/") + "/"
        dirnames[:] = [d for d in dirnames if not excluded(prefix + d + "/")]
        for name in filenames:
            if excluded(prefix + name):
                continue
            try:
                total += os.lstat(os.path.join(dirpath, name)).st_size
            except OSError:
                continue
            if stop_after is not None and total > stop_after:
                return total
    return total


def default_excludes(root: Path, user: list[str]) -> list[str]:
    """The DEFAULT_EXCLUDES patterns that match something under `root`, plus an anchored pattern for each other
    directory holding pyvenv.cfg (a virtualenv of any name); what the user's own excludes already leave out or
    re-include ("!.env") is left to them."""
    defaults = {pattern: _exclude_matcher([pattern]) for pattern in DEFAULT_EXCLUDES}
    users = _exclude_matcher(user) if user else None

    def pattern_for(rel: str, is_venv: bool) -> str | None:
        if users is not None and users(rel):
            return None
        pattern = next((p for p, match in defaults.items() if match(rel)), None)
        if pattern is None and is_venv:
            pattern = "/" + rel
        if pattern is None or (user and not _exclude_matcher([pattern, *user])(rel)):
            return None
        return pattern

    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root)
        prefix = "" if rel_dir == "." else rel_dir.replace(os.sep, "/") + "/"
        kept = []
        for name in dirnames:
            rel = prefix + name + "/"
            pattern = pattern_for(rel, os.path.isfile(os.path.join(dirpath, name, "pyvenv.cfg")))
            if pattern is not None:
                found.append(pattern)
            elif users is None or not users(rel):
                kept.append(name)
        dirnames[:] = kept
        found.extend(p for p in (pattern_for(prefix + name, False) for name in filenames) if p is not None)
    return list(dict.fromkeys(found))


def _exclude_defaults(env: dict[str, Any], warnings: list[str]) -> None:
    """Put the default excludes that apply to a local working_dir in front of the user's, and say what they keep
    off the cluster and how to upload one anyway."""
    working_dir = env.get("working_dir")
    if not isinstance(working_dir, str) or _is_uri(working_dir) or not Path(working_dir).expanduser().is_dir():
        return
    user = list(env.get("excludes") or [])
    found = default_excludes(Path(working_dir).expanduser(), user)
    if found:
        env["excludes"] = [*found, *user]
        warnings.append(f"working_dir {working_dir}: not uploading {', '.join(found)} (by default .git, virtualenvs, "
                        "experiments and .env files stay off the cluster); to upload one, add its negation to "
                        "excludes, e.g. \"!experiments/\"")


def _size_warning(env: dict[str, Any], threshold: int) -> list[str]:
    working_dir = env.get("working_dir")
    if not isinstance(working_dir, str) or _is_uri(working_dir) or not Path(working_dir).expanduser().is_dir():
        return []
    size = directory_size(Path(working_dir).expanduser(), env.get("excludes") or [], stop_after=threshold)
    if size <= threshold:
        return []
    return [f"working_dir {working_dir} is over {threshold // (1024 * 1024)} MiB after excludes and is uploaded to "
            "every node on each start: use shared storage (NFS/S3) instead, e.g. working_dir local:///nfs/code or "
            "s3://bucket/code.zip, or add large files to excludes (best practice 3)"]


# ---------------------------------------------------------------------------------------------------- simple fields


def _check_env_vars(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise _fail(f"env_vars must be an object of name → string, not {_type_name(value)}", 'e.g. {"A": "1"}')
    for name, item in value.items():
        if not name or "=" in name:
            raise _fail(f"env_vars name {name!r} is not a valid variable name", "use names like OMP_NUM_THREADS")
        if not isinstance(item, str):
            shown = json.dumps(item)
            raise _fail(f"env_vars[{name!r}] must be a string, not {_type_name(item)} {shown}",
                        f"quote it: \"{name}\": \"{shown.strip(chr(34))}\"")
    return value


def _check_config(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(f"config must be an object, not {_type_name(value)}", 'e.g. {"setup_timeout_seconds": 600}')
    _check_dict_keys(value, _CONFIG_KEYS, "config")
    timeout = value.get("setup_timeout_seconds", 600)
    if isinstance(timeout, bool) or not isinstance(timeout, int) or (timeout <= 0 and timeout != -1):
        raise _fail("config.setup_timeout_seconds must be a positive integer or -1", "e.g. 600")
    if not isinstance(value.get("eager_install", True), bool):
        raise _fail("config.eager_install must be true or false", 'write "eager_install": true')
    if not _is_str_list(value.get("log_files", [])):
        raise _fail("config.log_files must be a list of strings", 'e.g. ["worker.log"]')
    return value


def _check_str_list(field: str) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if not _is_str_list(value):
            raise _fail(f"{field} must be a list of strings, not {_type_name(value)}", f"write \"{field}\": [\"...\"]")
        return value

    return check


def _check_str(field: str) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if not isinstance(value, str) or not value:
            raise _fail(f"{field} must be a non-empty string, not {_type_name(value)}", f"quote the {field} value")
        return value

    return check


def _check_str_or_dict(field: str) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if not isinstance(value, (str, dict)):
            raise _fail(f"{field} must be a string or an object, not {_type_name(value)}", "see Ray's runtime_env docs")
        return value

    return check


_SIMPLE_CHECKS: dict[str, Callable[[Any], Any]] = {
    "env_vars": _check_env_vars,
    "working_dir": lambda v: _check_package(v, "working_dir"),
    "py_modules": _check_py_modules,
    "excludes": _check_excludes,
    "config": _check_config,
    "java_jars": _check_str_list("java_jars"),
    "image_uri": _check_str("image_uri"),
    "py_executable": _check_str("py_executable"),
    "worker_process_setup_hook": _check_str("worker_process_setup_hook"),
    "container": _check_str_or_dict("container"),
    "nsight": _check_str_or_dict("nsight"),
    "rocprof_sys": _check_str_or_dict("rocprof_sys"),
}


def _check_fields(env: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in env.items():
        if key in ("pip", "uv"):
            out[key] = _check_pip(value, key)
        elif key == "conda":
            out[key] = _check_conda(value, warnings)
        elif key in _SIMPLE_CHECKS:
            out[key] = _SIMPLE_CHECKS[key](value)
        else:
            out[key] = value
    return out


def _check_combinations(env: dict[str, Any], warnings: list[str]) -> None:
    if "pip" in env and "uv" in env:
        raise _fail("Ray refuses pip and uv together", "keep one of them")
    if "conda" in env and ("pip" in env or "uv" in env):
        _merge_pip_into_conda(env, warnings)
    if "excludes" in env and "working_dir" not in env and "py_modules" not in env:
        warnings.append("excludes has no effect without working_dir or py_modules")
    if ("image_uri" in env or "container" in env) and set(env) - {"image_uri", "container", "config", "env_vars"}:
        raise _fail("image_uri/container only combine with config and env_vars in Ray", "move the rest into the image")


# ---------------------------------------------------------------------------------------------------- entry point


def parse_runtime_env(
    text: str, source: str = "the runtime_env", large_dir_bytes: int = LARGE_WORKING_DIR_BYTES
) -> tuple[dict[str, Any], list[str]]:
    """Validate runtime_env JSON text; return the dict to hand to Ray and the warnings for the user."""
    env = _load_json(text, source)
    if not isinstance(env, dict):
        raise _fail(f"{source} must be a JSON object, not {_type_name(env)}", 'wrap it: {"pip": ["six==1.16.0"]}')
    _check_keys(env)
    warnings: list[str] = []
    env = _check_fields(env, warnings)
    warnings.extend(_pip_warnings(env))  # before merging, so the user sees the names they wrote
    _check_combinations(env, warnings)
    _exclude_defaults(env, warnings)
    warnings.extend(_size_warning(env, large_dir_bytes))
    return env, warnings
