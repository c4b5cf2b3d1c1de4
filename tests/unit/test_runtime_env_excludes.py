"""working_dir uploads leave out .git, virtualenvs, experiments and .env files by default, and say so (issue 7,
item 5). What is shipped is read from the zip Ray itself builds from the parsed runtime_env, so the assertions
are about the bytes that would reach the cluster, not about our own pattern matching."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from src.engines.ray.runtime_env import parse_runtime_env

CODE = {"main.py", "pkg/mod.py", "pkg/environment.py", "tools/run.py"}
NOT_CODE = {
    ".git/config": "[core]\n",
    ".git/objects/ab/cdef": "blob",
    ".venv/pyvenv.cfg": "home = /usr/bin\n",
    ".venv/lib/site.py": "",
    "venv/bin/activate": "",
    "tools/py311/pyvenv.cfg": "home = /usr/bin\n",  # a virtualenv with any other name
    "tools/py311/lib/x.py": "",
    "experiments/runs/r.json": "{}",
    ".env": "AWS_SECRET_ACCESS_KEY=x\n",
    "pkg/.env": "TOKEN=y\n",
    ".env.local": "TOKEN=z\n",
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    for rel, text in {**dict.fromkeys(CODE, "X = 1\n"), **NOT_CODE}.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def parse(env: dict) -> tuple[dict, list[str]]:
    return parse_runtime_env(json.dumps(env))


def shipped(env: dict, tmp_path: Path) -> set[str]:
    """The files in the package Ray would upload for this runtime_env."""
    from ray._private.runtime_env.packaging import create_package

    target = tmp_path / "package.zip"
    create_package(env["working_dir"], target, include_gitignore=True, excludes=env.get("excludes", []))
    return {name for name in zipfile.ZipFile(target).namelist() if not name.endswith("/")}


def test_repository_virtualenvs_results_and_secrets_stay_off_the_cluster(project: Path, tmp_path: Path) -> None:
    env, warnings = parse({"working_dir": str(project)})
    assert set(env["excludes"]) == {".git/", ".venv/", "venv/", "/tools/py311/", "experiments/", ".env", ".env.*"}
    assert shipped(env, tmp_path) == CODE
    assert len(warnings) == 1 and warnings[0].startswith(f"working_dir {project}: not uploading ")
    assert "add its negation to excludes" in warnings[0]


def test_user_excludes_come_after_the_defaults_and_can_re_include(project: Path, tmp_path: Path) -> None:
    env, warnings = parse({"working_dir": str(project), "excludes": ["*.log", "!experiments/"]})
    assert env["excludes"][-2:] == ["*.log", "!experiments/"]
    assert "experiments/" not in env["excludes"][:-2]
    assert shipped(env, tmp_path) == CODE | {"experiments/runs/r.json"}
    assert "experiments" not in warnings[0].split("(")[0]


def test_what_the_user_already_excludes_is_not_repeated(project: Path) -> None:
    env, _ = parse({"working_dir": str(project), "excludes": [".git", "venv/"]})
    assert ".git/" not in env["excludes"] and env["excludes"].count("venv/") == 1


def test_a_clean_working_dir_is_passed_through_unchanged(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text("X = 1\n")
    (tmp_path / "environment.py").write_text("Y = 2\n")
    assert parse({"working_dir": str(tmp_path)}) == ({"working_dir": str(tmp_path)}, [])
