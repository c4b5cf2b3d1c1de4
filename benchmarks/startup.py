"""Start-up cost of the commands that must answer at once: `list` and `--help` (target < 0.5 s each).

    python benchmarks/startup.py [--repeats 5]

Each command runs in a fresh interpreter (as a user would start it); the median wall time is printed together
with the bare interpreter's start-up for scale, and a check that no engine package was imported.
Exit code: 0 when every command's median is under 0.5 s and `list` imported none of the heavy modules, else 1.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 0.5  # median wall time of each command
COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "list": [sys.executable, "-m", "src.bench.cli", "list"],
    "--help": [sys.executable, "-m", "src.bench.cli", "--help"],
    "run --help": [sys.executable, "-m", "src.bench.cli", "run", "--help"],
}
PROBE = (
    "import sys, runpy; sys.argv=['prepbench','list']\n"
    "try:\n    runpy.run_module('src.bench.cli', run_name='__main__')\nexcept SystemExit:\n    pass\n"
    "print(sorted(m for m in ('pyspark','ray','numpy','pandas','sklearn','matplotlib') if m in sys.modules), "
    "file=sys.stderr)"
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(f"{'command':<16} {'median s':>9} {'max s':>7}  target < {TARGET_S} s")
    missed = []
    for label, cmd in COMMANDS.items():
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            times.append(time.perf_counter() - start)
        verdict = ""
        if not label.startswith("python"):  # the bare interpreter is for scale only
            verdict = "ok" if statistics.median(times) < TARGET_S else "SLOW"
            if verdict == "SLOW":
                missed.append(f"`{label}` takes {statistics.median(times):.3f} s")
        print(f"{label:<16} {statistics.median(times):>9.3f} {max(times):>7.3f}  {verdict}")
    probe = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=True)
    imported = probe.stderr.strip().splitlines()[-1]
    print(f"heavy modules imported by `list`: {imported}")
    if imported != "[]":
        missed.append(f"`list` imports {imported}")
    print("target: " + (f"MISSED (exit 1): {'; '.join(missed)}" if missed else "met"))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
