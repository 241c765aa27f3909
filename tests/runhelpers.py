"""Helpers for tests that run the real `chainmark` command and read its run folder."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
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
