"""Reads an input file (workload, trace, suite manifest) only if it is a regular file, and never past its limit.

A FIFO would block `open()` forever and `/dev/zero` never ends: the file is opened without blocking,
checked to be a regular file on the open descriptor (so it cannot be swapped in between), and at most
`limit` + 1 bytes are read, whatever its size claims.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from bench.errors import WorkloadError


class FileProblem(ValueError):
    """Raised by `read_file` with one phrase saying why the file was not read (the caller says where)."""


def read_limited(path: str | Path, limit: int, what: str) -> bytes:
    """The bytes of the regular file `path`, or a WorkloadError naming it (`what`: "workload", ...)."""
    try:
        return read_file(path, limit, what)
    except FileProblem as exc:
        raise WorkloadError(str(exc), path=str(path)) from exc


def read_file(path: str | Path, limit: int, what: str) -> bytes:
    """The bytes of the regular file `path`; FileProblem when it is not one, or is over `limit` bytes."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    except OSError as exc:
        raise FileProblem(f"cannot read {what}: {exc.strerror}") from exc
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise FileProblem(f"cannot read {what}: Is a directory")
        if not stat.S_ISREG(info.st_mode):
            raise FileProblem(f"cannot read {what}: not a regular file ({_kind(info.st_mode)})")
        if info.st_size > limit:
            raise FileProblem(f"file is {info.st_size} bytes, the limit is {limit}")
        data = _read_at_most(fd, limit + 1)
    except OSError as exc:
        raise FileProblem(f"cannot read {what}: {exc.strerror}") from exc
    finally:
        os.close(fd)
    if len(data) > limit:  # it grew while being read
        raise FileProblem(f"file is over {limit} bytes, the limit is {limit}")
    return data


def _read_at_most(fd: int, size: int) -> bytes:
    chunks, left = [], size
    while left > 0:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _kind(mode: int) -> str:
    kinds = (
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    )
    return next((name for test, name in kinds if test(mode)), "a socket")
