"""bench.results.full_disk: what counts as a full disk, and the reserve a run holds (the tmpfs test is in
tests/integration/test_run_full_disk.py)."""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

import pytest

from bench.errors import DiskFullError
from bench.results.full_disk import RESERVE_BYTES, Reserve, disk_full_as_error


@pytest.mark.parametrize(
    "error",
    [OSError(errno.ENOSPC, "No space left on device"), sqlite3.OperationalError("database or disk is full")],
    ids=["ENOSPC", "SQLITE_FULL"],
)
def test_a_full_disk_is_one_error_with_the_records_kept(tmp_path: Path, error: Exception) -> None:
    with pytest.raises(DiskFullError) as info, disk_full_as_error(tmp_path, lambda: 1234):
        raise error
    assert str(info.value) == f"the disk holding {tmp_path} is full: 1,234 records kept"
    assert info.value.exit_status == 1


def test_other_failures_pass_through(tmp_path: Path) -> None:
    with pytest.raises(PermissionError), disk_full_as_error(tmp_path, lambda: 0):
        raise PermissionError(errno.EACCES, "Permission denied")


def test_the_reserve_holds_real_blocks_until_released(tmp_path: Path) -> None:
    reserve = Reserve(tmp_path)
    assert reserve.path.stat().st_blocks * 512 >= RESERVE_BYTES  # allocated, not a sparse file
    reserve.release()
    reserve.release()
    assert not reserve.path.exists()
