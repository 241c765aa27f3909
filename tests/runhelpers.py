"""Helpers for tests that run the real `chainmark` command and read its run folder."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"


def write_workload(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def chainmark(
    *args: str, timeout: float = 180.0, env: dict[str, str] | None = None, **popen: Any
) -> subprocess.CompletedProcess[str]:
    """Run the real `chainmark` command in a subprocess (so Locust's gevent patching stays out of pytest)."""
    env = {**(env if env is not None else os.environ), "PYTHONUNBUFFERED": "1"}
    return subprocess.run(
        [sys.executable, "-m", "bench.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env=env,
        check=False,
        **popen,
    )


def start_chainmark(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bench.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )


def only_run_dir(out: Path) -> Path:
    runs = [p for p in out.iterdir() if p.is_dir()]
    assert len(runs) == 1, runs
    return runs[0]


def read_summary(run_dir: Path) -> dict[str, Any]:
    return json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))


def db(run_dir: Path) -> sqlite3.Connection:
    return sqlite3.connect(run_dir / "results.sqlite")


def peak_overlap(intervals: list[tuple[float, float]]) -> int:
    """The most (start, end) intervals open at once: e.g. transactions sent and not yet seen in a block."""
    events = sorted(
        [(a, 1) for a, _ in intervals] + [(b, -1) for _, b in intervals], key=lambda e: (e[0], e[1])
    )
    level = top = 0
    for _, delta in events:
        level += delta
        top = max(top, level)
    return top


def wait_for_sends(out: Path, at_least: int, timeout: float = 60.0) -> Path:
    """Wait until a run folder under `out` has recorded `at_least` sends; return that run folder."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        for path in out.glob("*/results.sqlite"):
            try:
                with sqlite3.connect(path) as conn:
                    if conn.execute("SELECT COUNT(*) FROM sends").fetchone()[0] >= at_least:
                        return path.parent
            except sqlite3.OperationalError:
                pass  # the schema is being created
        time.sleep(0.1)
    raise AssertionError("the run never started sending")
