"""`prepbench report`: Markdown + one self-contained HTML page from stored results, checked in headless Chromium.

Chromium is driven through the DevTools protocol over a pipe (--remote-debugging-pipe: JSON messages separated
by NUL on fds 3 and 4), so the test sees console errors, failed loads, whether every image decoded, and takes a
screenshot, with the standard library only.
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest
from matplotlib import image as mpimg

from src.bench.data.results import read_records
from src.bench.registry import engine_installed
from src.bench.report.plots import engine_colours
from src.bench.report.tables import fmt_seconds
from tests.clitools import cli as prepbench

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync")


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory, sample_csv: Path) -> Path:
    """Stored results of a real tiny sweep (two sizes) and a real comparison, as a user would have them."""
    base = tmp_path_factory.mktemp("results")
    engines = ["numpy", *(["sklearn"] if engine_installed("sklearn") else [])]
    sweep = prepbench("sweep", "--engines", *engines, "--operators", "StandardScaler", "OneHotEncoder", "--rows",
                      "1e2", "3e2", "--cols", "2", "--repeats", "2", "--warmup", "0", "--out",
                      str(base / "sweep.jsonl"), "--data-dir", str(base / "data"))
    assert sweep.returncode == 0, sweep.stderr
    compare = prepbench("compare", "--operator", "StandardScaler", "--engines", *engines, "--input",
                        str(sample_csv), "--output", str(base / "compare"))
    assert compare.returncode == 0, compare.stderr
    return base


@pytest.fixture(scope="module")
def report(results: Path) -> Path:
    out = results / "report"
    res = prepbench("report", str(results / "sweep.jsonl"), str(results / "compare"), "--out", str(out))
    assert res.returncode == 0, res.stderr
    assert f"report (HTML): {out / 'report.html'}" in res.stdout
    return out


def embedded_pngs(page: str) -> list[bytes]:
    return [base64.b64decode(m) for m in re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)]


@pytest.mark.slow  # the results fixture runs a real sweep and comparison
def test_markdown_and_html_show_the_stored_numbers(results: Path, report: Path) -> None:
    md = (report / "report.md").read_text()
    page = (report / "report.html").read_text()
    for record in read_records(results / "sweep.jsonl"):
        median = record["timing"]["summary"]["median"]
        label = record["implementations"][record["operators"][0]]
        assert f"| {record['engine']['name']} | {record['variant']} | {label} | 2 | {record['cell']['rows']:,} | " \
               f"{fmt_seconds(median)} |" in md
        if record["engine"]["name"] == "numpy":
            assert f"{fmt_seconds(median)} s (1.00x) ok" in md  # the summary at the top
    assert "| StandardScaler | ok (3 runs) |" in md  # two sweep sizes and the comparison on sample.csv
    assert "| OneHotEncoder | ok (2 runs) |" in md
    starts = sorted(r["timing"]["startup_seconds"] for r in read_records(results / "sweep.jsonl")
                    if r["engine"]["name"] == "numpy" and r["cell"]["rows"] == 100)
    assert f"| numpy | 100 | {fmt_seconds(starts[len(starts) // 2])} |" in md  # fixed costs, apart from operator time
    host = read_records(results / "sweep.jsonl")[0]["environment"]["hostname"]
    assert f"| host | {host} |" in md
    plots = sorted(p.name for p in (report / "plots").iterdir())
    assert plots == ["01_StandardScaler.png", "02_OneHotEncoder.png", "overview.png"]
    for name in plots:
        assert f"](plots/{name})" in md
    # self-contained: the same PNGs, embedded; nothing loaded from elsewhere, no scripts
    pngs = embedded_pngs(page)
    assert sorted(pngs) == sorted((report / "plots" / n).read_bytes() for n in plots)
    assert mpimg.imread(io.BytesIO(pngs[0]), format="png").shape[0] > 300
    assert "<script" not in page and not re.search(r'(src|href)="(?!data:)', page)


@pytest.mark.slow  # the results fixture runs a real sweep and comparison
def test_one_size_per_operator_and_bad_inputs(results: Path, tmp_path: Path) -> None:
    res = prepbench("report", str(results / "compare"), "--out", str(tmp_path), "--format", "md")
    assert res.returncode == 0, res.stderr
    assert sorted(p.name for p in (tmp_path / "plots").iterdir()) == ["01_StandardScaler.png"]
    assert not (tmp_path / "report.html").exists()
    res = prepbench("report", str(tmp_path / "missing.jsonl"), "--out", str(tmp_path))
    assert res.returncode == 2 and "result file not found" in res.stderr
    (tmp_path / "empty").mkdir()
    res = prepbench("report", str(tmp_path / "empty"), "--out", str(tmp_path))
    assert res.returncode == 2 and "no prepbench results found" in res.stderr


def test_an_inconsistent_record_shows_its_first_difference(tmp_path: Path) -> None:
    """A hand-made record as a run writes it when Spark's tokens differ: the report says which row and how."""
    example = {"row": 17, "reference": "['español']", "engine": "['espaÑol']"}
    column = {"verdict": "inconsistent", "rows": 4, "mismatches": 1, "max_abs_diff": float("inf"),
              "max_rel_diff": float("inf"), "first_mismatch_row": 17, "examples": [example]}
    record = {"schema_version": 1, "command": "run", "status": "inconsistent", "engine": {"name": "spark"},
              "operators": ["Tokenizer"], "implementations": {"Tokenizer": "native"},
              "dataset": {"input": "words.csv", "rows": 40}, "started_at": "2026-01-01T00:00:00+00:00",
              "consistency": {"verdict": "inconsistent", "columns": {"text_tokens": column}, "reference": "numpy",
                              "rows_checked": 4}}
    (tmp_path / "run.json").write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    res = prepbench("report", str(tmp_path / "run.json"), "--out", str(tmp_path / "report"), "--format", "md")
    assert res.returncode == 0, res.stderr
    md = (tmp_path / "report" / "report.md").read_text(encoding="utf-8")
    line = "text_tokens row 17: reference ['español'] vs engine ['espaÑol']"
    assert f"| Tokenizer | 0/1 ok; inconsistent at 40 rows; first difference: {line} |" in md  # the matrix
    assert f"| inconsistent ({line}) | inconsistent |" in md  # the operator's results table


class Chromium:
    """Headless Chromium driven over --remote-debugging-pipe; one page, its console and its network errors."""

    def __init__(self, exe: str) -> None:
        cmd_r, self.cmd_w = os.pipe()
        self.resp_r, resp_w = os.pipe()
        self.profile = tempfile.mkdtemp(prefix="prepbench-chromium-")
        remap = f'exec "$0" "$@" 3<&{cmd_r} 4>&{resp_w}'  # the pipe protocol uses fds 3 (in) and 4 (out)
        self.proc = subprocess.Popen(
            ["bash", "-c", remap, exe, *CHROMIUM_FLAGS, f"--user-data-dir={self.profile}",
             "--remote-debugging-pipe", "about:blank"],
            pass_fds=(cmd_r, resp_w), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(cmd_r)
        os.close(resp_w)
        self.buffer, self.last_id, self.events = b"", 0, []
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable", session=True)

    def call(self, method: str, session: bool = False, **params) -> dict:
        self.last_id += 1
        message = {"id": self.last_id, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        os.write(self.cmd_w, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._next()
            if reply.get("id") == self.last_id:
                assert "error" not in reply, reply["error"]
                return reply["result"]
            self.events.append(reply)

    def open(self, url: str, width: int = 1280, height: int = 900) -> None:
        self.call("Emulation.setDeviceMetricsOverride", session=True, width=width, height=height,
                  deviceScaleFactor=1, mobile=False)
        self.call("Page.navigate", session=True, url=url)
        while not any(e.get("method") == "Page.loadEventFired" for e in self.events):
            self.events.append(self._next())

    def evaluate(self, expression: str):
        return self.call("Runtime.evaluate", session=True, expression=expression, returnByValue=True)["result"]["value"]

    def screenshot(self) -> bytes:
        data = self.call("Page.captureScreenshot", session=True, format="png", captureBeyondViewport=True)["data"]
        return base64.b64decode(data)

    def errors(self) -> list[str]:
        """Console errors, uncaught exceptions and failed loads (Chromium logs those as errors too)."""
        out = []
        for e in self.events:
            method, p = e.get("method"), e.get("params", {})
            if method == "Runtime.consoleAPICalled" and p["type"] in ("error", "assert"):
                out.append(" ".join(str(a.get("value")) for a in p["args"]))
            elif method == "Runtime.exceptionThrown":
                out.append(p["exceptionDetails"].get("text", "exception"))
            elif method == "Log.entryAdded" and p["entry"]["level"] == "error":
                out.append(p["entry"]["text"])
        return out

    def _next(self, timeout: float = 60.0) -> dict:
        deadline = time.monotonic() + timeout
        while b"\0" not in self.buffer:
            ready, _, _ = select.select([self.resp_r], [], [], max(deadline - time.monotonic(), 0))
            assert ready, "Chromium did not answer within 60 s"
            chunk = os.read(self.resp_r, 1 << 20)
            assert chunk, "Chromium closed the DevTools pipe"
            self.buffer += chunk
        raw, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(raw)

    def close(self) -> None:
        try:
            os.write(self.cmd_w, json.dumps({"id": self.last_id + 1, "method": "Browser.close"}).encode() + b"\0")
            self.proc.wait(timeout=15)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()
        finally:
            os.close(self.cmd_w)
            os.close(self.resp_r)
            shutil.rmtree(self.profile, ignore_errors=True)


@pytest.fixture(scope="module")
def chromium():
    exe = shutil.which("chromium")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing in CI: .ci/run installs it with apt-get install -y chromium")
        pytest.skip("chromium is not installed (apt-get install -y chromium); CI installs it and runs this test")
    browser = Chromium(exe)
    yield browser
    browser.close()


@pytest.mark.slow  # starts Chromium
def test_the_error_check_sees_errors(chromium: Chromium, tmp_path: Path) -> None:
    """A page with a console error and a missing image must fail the check the report passes."""
    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE html><title>bad</title><img src="missing.png"><script>console.error("boom")</script>')
    chromium.events.clear()
    chromium.open(bad.as_uri())
    errors = chromium.errors()
    assert "boom" in errors and any("ERR_FILE_NOT_FOUND" in e for e in errors)


@pytest.mark.slow  # starts Chromium
def test_html_report_opens_in_chromium_with_its_plots(chromium: Chromium, report: Path) -> None:
    chromium.events.clear()
    chromium.open((report / "report.html").as_uri())
    images = chromium.evaluate("Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.naturalHeight])")
    assert len(images) == 3 and all(done and w > 600 and h > 300 for done, w, h in images)
    assert chromium.evaluate("document.querySelectorAll('table').length") >= 5
    assert chromium.errors() == []
    shot = chromium.screenshot()
    (report / "screenshot.png").write_bytes(shot)
    pixels = mpimg.imread(io.BytesIO(shot), format="png")[..., :3]
    assert pixels.shape[0] > 2000  # the whole page, plots included
    for engine in ("numpy", *(["sklearn"] if engine_installed("sklearn") else [])):
        rgb = np.array([int(engine_colours([engine])[engine][i:i + 2], 16) / 255 for i in (1, 3, 5)])
        drawn = np.all(np.abs(pixels - rgb) < 0.02, axis=-1).sum()
        assert drawn > 500, f"{engine}'s colour is hardly on the page: {drawn} pixels"
