"""Turns "the disk is full" into one `DiskFullError`, and keeps a reserve so a run can still record how it ended.

SQLite says SQLITE_FULL and file writes ENOSPC; either becomes DiskFullError naming the run folder and
how many records the store kept. The reserve is a file of `RESERVE_BYTES` allocated beside the store when
the run starts and deleted when it ends, or as soon as the disk fills: the space it gives back is what
the run's status, summary.json and report.html are written into.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from bench.errors import DiskFullError

RESERVE_BYTES = 16 * 2**20  # summary.json plus report.html (plotly.js inlined: about 5 MB) and the last rows
RESERVE_NAME = ".disk-reserve"
SQLITE_FULL = 13


def is_disk_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError):
        return exc.errno in (errno.ENOSPC, errno.EDQUOT)
    if isinstance(exc, sqlite3.Error):
        return getattr(exc, "sqlite_errorcode", None) == SQLITE_FULL or "disk is full" in str(exc)
    return False


@contextmanager
def disk_full_as_error(run_dir: Path, count_records: Callable[[], int | None]) -> Iterator[None]:
    """Inside, a full-disk failure is raised as DiskFullError (with the records `count_records` finds)."""
    try:
        yield
    except (OSError, sqlite3.Error) as exc:
        if not is_disk_full(exc):
            raise
        records = count_records()
        kept = f"{records:,} records kept" if records is not None else "the records written so far are kept"
        raise DiskFullError(str(run_dir), kept) from exc


def quiet_when_full(write: Callable[..., Any]) -> Callable[..., None]:
    """`write` for a background sampler: a DiskFullError is dropped there (the run itself meets it on its
    next write and stops), instead of ending the sampler's thread with a traceback."""

    def guarded(*args: Any) -> None:
        with suppress(DiskFullError):
            write(*args)

    return guarded


class Reserve:
    """`RESERVE_BYTES` held in `run_dir` until `release()` (called when the run ends or the disk fills)."""

    def __init__(self, run_dir: Path) -> None:
        self.path = run_dir / RESERVE_NAME
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                _allocate(fd, RESERVE_BYTES)
            finally:
                os.close(fd)
        except OSError as exc:
            self.release()
            if is_disk_full(exc):
                raise DiskFullError(str(run_dir), "nothing was recorded") from exc
            raise

    def release(self) -> None:
        """Give the space back (safe to call twice)."""
        self.path.unlink(missing_ok=True)


def _allocate(fd: int, size: int) -> None:
    """Really allocate `size` bytes (a sparse file would reserve nothing)."""
    if hasattr(os, "posix_fallocate"):
        os.posix_fallocate(fd, 0, size)
        return
    chunk = b"\0" * (1 << 20)  # macOS: no posix_fallocate; write the zeros
    for _ in range(size // len(chunk)):
        os.write(fd, chunk)


def release_leftover_reserve(run_dir: Path) -> None:
    """Delete the reserve a run that died (SIGKILL) left in `run_dir`."""
    (run_dir / RESERVE_NAME).unlink(missing_ok=True)
