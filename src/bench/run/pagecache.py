"""How much of the input files sits in the operating system's page cache: an end-to-end run's read is a disk read
only when it does not.

Linux `mincore(2)` on a shared read-only mapping of each file gives one byte per page, bit 0 set when the page is
resident; the fraction is over every page of every file. Elsewhere (or for a remote input) the answer is None:
unknown, never a guess.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import mmap
import os
import sys
from pathlib import Path

import numpy as np

_PROT_READ = 0x1
_MAP_SHARED = 0x01
_MAP_FAILED = ctypes.c_void_p(-1).value


def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
    libc.mincore.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p]
    libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
    return libc


def input_files(path: str) -> list[Path]:
    """The data files of a local input: the file, or every file under a directory."""
    p = Path(path)
    return [p] if p.is_file() else sorted(f for f in p.rglob("*") if f.is_file())


def _resident_pages(libc: ctypes.CDLL, path: Path) -> tuple[int, int] | None:
    """(resident pages, pages) of one file, or None when it cannot be mapped."""
    size = path.stat().st_size
    if size == 0:
        return 0, 0
    pages = (size + mmap.PAGESIZE - 1) // mmap.PAGESIZE
    fd = os.open(path, os.O_RDONLY)
    try:
        address = libc.mmap(None, size, _PROT_READ, _MAP_SHARED, fd, 0)
    finally:
        os.close(fd)
    if address in (None, _MAP_FAILED):
        return None
    try:
        vector = ctypes.create_string_buffer(pages)
        if libc.mincore(address, size, vector) != 0:
            return None
        return int((np.frombuffer(vector.raw, dtype=np.uint8) & 1).sum()), pages
    finally:
        libc.munmap(address, size)


def resident_fraction(path: str) -> float | None:
    """The share (0..1) of the local input's pages in the page cache; None where it cannot be known."""
    libc = _libc()
    if libc is None or not Path(path).exists():
        return None
    resident = total = 0
    for file in input_files(path):
        counts = _resident_pages(libc, file)
        if counts is None:
            return None
        resident, total = resident + counts[0], total + counts[1]
    return resident / total if total else None
