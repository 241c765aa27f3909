"""A disk that fills mid-run: one line naming the run folder and what was kept, exit 1, the status recorded,
summary.json and a whole report.html written from the space the run kept in reserve (issue 16).

Needs root (a small tmpfs is mounted for the run folder); skipped, with the reason, elsewhere."""

from __future__ import annotations

import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.chains.ethereum.anvil import ManagedAnvil
from tests.runhelpers import chainmark, read_summary, start_chainmark, wait_for_sends, write_workload

pytestmark = pytest.mark.anvil

LONG = """
name: fills-the-disk
accounts: {count: 10, seed: 41}
rounds:
  - label: steady
    duration: 30s
    rate: {type: fixed-rate, tps: 50}
"""


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 48 MiB tmpfs mounted on a folder of tmp_path, unmounted after the test."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", str(disk)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def _fill(disk: Path) -> None:
    """Write to `disk` until it is full."""
    with (disk / f"filler-{len(list(disk.glob('filler-*')))}").open("wb", buffering=0) as filler:
        chunk = b"\0" * (1 << 20)
        try:
            while True:
                filler.write(chunk)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC


def test_a_full_disk_mid_run_is_one_line_and_the_outputs_are_written(
    small_disk: Path, tmp_path: Path, anvil: ManagedAnvil
) -> None:
    workload = write_workload(tmp_path / "w.yaml", LONG)
    process = start_chainmark(
        "run", str(workload), "--target-url", anvil.url, "--out", str(small_disk / "out")
    )
    try:
        run_dir = wait_for_sends(small_disk / "out", at_least=50)
        _fill(small_disk)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 1, stderr
    assert "Traceback" not in stderr and "Exception in thread" not in stderr
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, stderr
    assert errors[0].startswith(f"error: the disk holding {run_dir} is full: ")
    kept = int(errors[0].rsplit(": ", 1)[1].removesuffix(" records kept").replace(",", ""))
    assert kept >= 50
    summary = read_summary(run_dir)
    assert summary["status"] == "failed"
    assert "is full" in summary["error"]
    assert summary["rounds"][0]["sent"] >= kept
    assert (run_dir / "report.html").read_text(encoding="utf-8").rstrip().endswith("</html>")
    assert not list(run_dir.glob(".*.partial")) and not (run_dir / ".disk-reserve").exists()

    before = (run_dir / "report.html").read_bytes()
    _fill(small_disk)  # what the reserve gave back, too: `chainmark report` now cannot write
    rebuilt = chainmark("report", str(run_dir))
    assert rebuilt.returncode == 1
    assert rebuilt.stderr.splitlines() == [
        f"error: the disk holding {run_dir} is full: {kept:,} records kept"
    ]
    assert (run_dir / "report.html").read_bytes() == before, "a report is replaced whole or not at all"
    assert not list(run_dir.glob(".*.partial"))
