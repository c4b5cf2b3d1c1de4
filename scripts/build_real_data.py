"""Build data/real/package_docs.parquet: a real table from the metadata of the Python packages installed here.

Nothing is downloaded: every value comes from the METADATA files of the distributions in this interpreter's
environment (`importlib.metadata.distributions()`), restricted to the packages pinned in constraints.txt (the
packages of prepbench[all,dev]; prepbench itself, pip and setuptools are left out) and refused when an installed
version differs from its pin, so the same constraints give the same file.

One row per paragraph of each package's long description (the METADATA body, or its Description field): the text
is split on blank lines; paragraphs that are markup or code rather than prose (no run of three letters, badge and
image lines, HTML tags, directives, code fences and code blocks, tables, rules) are dropped; at most
MAX_PARAGRAPHS per package are kept, the first ones. Rows are sorted by normalised package name, then paragraph
number. Columns (see data/real/README.md):

    text             the paragraph as written (lines joined by "\\n", indentation kept; Unicode kept)
    package          the distribution's Name as spelled in its metadata
    version          its version
    paragraph        the paragraph's number among the description's paragraphs (0-based, before filtering)
    author           Author, else the display names of Author-email, e-mail addresses removed; null if none
    license          License-Expression, else License when it is one line of at most 60 characters (a few
                     packages put the whole licence text there); null otherwise
    topic            the first "Topic :: " classifier, without that prefix; null if none
    dev_status       the first "Development Status :: " classifier, without that prefix; null if none
    python_min       the lowest Python version Requires-Python allows (>=, >, ~=, ==) as major + minor/100
                     (>=3.8 -> 3.08, >=3.10 -> 3.10, so numeric order is version order); null if absent
    n_classifiers    the number of Classifier lines (int64)
    paragraph_words  the number of whitespace-separated words of `text` (int64)
    summary_len      the length of Summary in characters (float64)

Usage: .venv/bin/python scripts/build_real_data.py [--output data/real/package_docs.parquet] [--check]
(--check rebuilds in memory and compares with the file at --output instead of writing it).
"""

from __future__ import annotations

import argparse
import email.utils
import hashlib
import importlib.metadata as md
import io
import re
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUTPUT = ROOT / "data" / "real" / "package_docs.parquet"
CONSTRAINTS = ROOT / "constraints.txt"
MAX_PARAGRAPHS = 120  # per package, the first ones: keeps the big READMEs (pydantic, fonttools) from dominating
LEFT_OUT = {"prepbench", "pip", "setuptools"}  # ours, and the installer's own (not pinned in constraints.txt)
MISSING = {"", "UNKNOWN", "None"}

SCHEMA = pa.schema([
    ("text", pa.string()),
    ("package", pa.string()),
    ("version", pa.string()),
    ("paragraph", pa.int64()),
    ("author", pa.string()),
    ("license", pa.string()),
    ("topic", pa.string()),
    ("dev_status", pa.string()),
    ("python_min", pa.float64()),
    ("n_classifiers", pa.int64()),
    ("paragraph_words", pa.int64()),
    ("summary_len", pa.float64()),
])

BLANK_LINE = re.compile(r"\n[ \t]*(?:\r?\n)")
WORD = re.compile(r"[^\W\d_]{3,}")
MARKUP_LINE = re.compile(
    r"""^\s*(
        \.\.\s                      # reST directive or comment
      | :[\w -]+:                   # reST field
      | \[!\[ | !\[ | \|[\w-]+\|    # Markdown images and badges, reST substitutions
      | </?[a-zA-Z][^>]*>           # HTML tags
      | ```|~~~                     # code fences
      | >>>\s | \$\s | \.\.\.\s     # interpreter and shell prompts
      | [-=~^*+#_|`]{3,}\s*$        # rules, underlines, table borders
      | \+[-=+]+\+                  # reST grid tables
      | \[[^\]]+\]:\s               # Markdown link definitions
    )""",
    re.VERBOSE,
)


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned_versions(path: Path) -> dict[str, str] | None:
    if not path.exists():
        return None
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            pins[normalise(name)] = version.strip()
    return pins


def field(meta, key: str) -> str | None:
    value = meta.get(key)
    if value is None:
        return None
    value = str(value).strip()
    return None if value in MISSING else value


def description(meta) -> str:
    body = meta.get_payload()
    if isinstance(body, str) and body.strip() and body.strip() not in MISSING:
        return body
    value = meta.get("Description") or ""
    if value.strip() in MISSING:
        return ""
    # Metadata 1.x/2.0 folds Description into a header: continuation lines start with 8 spaces and "|" or spaces
    return re.sub(r"\n {8}\|?", "\n", str(value))


def author(meta) -> str | None:
    name = field(meta, "Author")
    if name is not None and "@" not in name:
        return name
    pairs = email.utils.getaddresses([field(meta, "Author-email") or name or ""])
    names = [n.strip() for n, _ in pairs if n.strip() and "@" not in n]
    return ", ".join(names) or None


def license_of(meta) -> str | None:
    expression = field(meta, "License-Expression")
    if expression:
        return expression
    text = field(meta, "License")
    return text if text and "\n" not in text and len(text) <= 60 else None


def first_classifier(classifiers: list[str], prefix: str) -> str | None:
    return next((c[len(prefix):] for c in classifiers if c.startswith(prefix)), None)


def python_min(requires: str | None) -> float | None:
    """The lowest version a Requires-Python specifier allows, as major + minor/100 (None when unbounded)."""
    if not requires:
        return None
    lows = []
    for spec in requires.split(","):
        m = re.match(r"\s*(>=|>|~=|==)\s*(\d+)(?:\.(\d+))?", spec)
        if m and not spec.strip().startswith("!="):
            lows.append((int(m.group(2)), int(m.group(3) or 0)))
    if not lows:
        return None
    major, minor = max(lows)  # "<4,>=3.10" -> 3.10; two lower bounds: the stricter one
    return round(major + minor / 100, 2)


def is_prose(paragraph: str) -> bool:
    lines = [ln for ln in paragraph.splitlines() if ln.strip()]
    if not lines or not WORD.search(paragraph):
        return False
    if all(ln.startswith(("    ", "\t")) for ln in lines):  # an indented code block (or a quoted literal)
        return False
    markup = sum(bool(MARKUP_LINE.match(ln)) for ln in lines)
    return markup * 2 < len(lines)


def paragraphs(text: str) -> list[tuple[int, str]]:
    text = text.replace("\r\n", "\n").strip("\n")
    parts = [p.strip("\n") for p in BLANK_LINE.split(text)] if text.strip() else []
    return [(i, p) for i, p in enumerate(parts) if is_prose(p)][:MAX_PARAGRAPHS]


def selected_distributions() -> list[md.Distribution]:
    pins = pinned_versions(CONSTRAINTS)
    chosen: dict[str, md.Distribution] = {}
    for dist in md.distributions():
        name = normalise(dist.metadata["Name"])
        if name in LEFT_OUT or name in chosen or (pins is not None and name not in pins):
            continue
        chosen[name] = dist
    if pins is not None:
        missing = sorted(set(pins) - set(chosen))
        differ = sorted(f"{n} {chosen[n].version} (pinned {pins[n]})" for n in chosen if chosen[n].version != pins[n])
        if missing or differ:
            sys.exit(f"the environment is not the one of {CONSTRAINTS.name}: missing {missing}, differ {differ}; "
                     f"install with `pip install -c constraints.txt '.[all,dev]'` first")
    return [chosen[n] for n in sorted(chosen)]


def build_table() -> pa.Table:
    rows = []
    for dist in selected_distributions():
        meta = dist.metadata
        classifiers = [str(c).strip() for c in (meta.get_all("Classifier") or [])]
        summary = field(meta, "Summary") or ""
        common = {
            "package": meta["Name"],
            "version": dist.version,
            "author": author(meta),
            "license": license_of(meta),
            "topic": first_classifier(classifiers, "Topic :: "),
            "dev_status": first_classifier(classifiers, "Development Status :: "),
            "python_min": python_min(field(meta, "Requires-Python")),
            "n_classifiers": len(classifiers),
            "summary_len": float(len(summary)),
        }
        for number, text in paragraphs(description(meta)):
            rows.append({"text": text, "paragraph": number, "paragraph_words": len(text.split()), **common})
    return pa.Table.from_pylist(rows, schema=SCHEMA)


def parquet_bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd", compression_level=9, use_dictionary=True,
                   write_statistics=True, store_schema=False)
    return sink.getvalue()


def non_ascii_capitals(text: str) -> bool:
    return any(ord(ch) > 127 and ch.isupper() for ch in text)


def describe(table: pa.Table, data: bytes) -> str:
    texts = table.column("text").to_pylist()
    lines = [
        f"rows {table.num_rows}, packages {len(set(table.column('package').to_pylist()))}, "
        f"bytes {len(data)}, sha256 {hashlib.sha256(data).hexdigest()}",
        "nulls: " + ", ".join(f"{c} {table.column(c).null_count}" for c in table.column_names),
        f"rows with non-ASCII capitals: {sum(non_ascii_capitals(t) for t in texts)}; "
        f"rows with non-ASCII characters: {sum(not t.isascii() for t in texts)}",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--check", action="store_true", help="compare with --output instead of writing it")
    args = parser.parse_args()
    table = build_table()
    data = parquet_bytes(table)
    print(describe(table, data))
    if args.check:
        same = args.output.exists() and args.output.read_bytes() == data
        print(f"{args.output}: {'identical' if same else 'DIFFERS from this build'}")
        return 0 if same else 1
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(data)
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
