"""How long does a stop take? Starts `chainmark run`, signals it once it has recorded 100 sends, and times
its exit and the end of its children (the managed Anvil, local workers).

    .venv/bin/python benchmarks/stop_times.py SIGTERM [--workers 2]
    .venv/bin/python benchmarks/stop_times.py SIGKILL --workers 2
"""

from __future__ import annotations

import argparse
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

WORKLOAD = """name: stop
accounts: {count: 10, seed: 21}
rounds:
  - {label: steady, duration: 30s, rate: {type: fixed-rate, tps: 50}}
"""


def _wait_for_sends(out: Path, count: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in out.glob("*/results.sqlite"):
            try:
                with sqlite3.connect(path) as conn:
                    if conn.execute("SELECT COUNT(*) FROM sends").fetchone()[0] >= count:
                        return
            except sqlite3.OperationalError:
                pass
        time.sleep(0.1)
    raise SystemExit("the run never started sending")


def main() -> int:
    parser = argparse.ArgumentParser(description="time chainmark's stop on a signal")
    parser.add_argument("signal", choices=["SIGTERM", "SIGINT", "SIGKILL"])
    parser.add_argument("--workers", type=int)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        workload, out = Path(folder) / "w.yaml", Path(folder) / "out"
        workload.write_text(WORKLOAD, encoding="utf-8")
        extra = ["--workers", str(args.workers)] if args.workers else []
        process = subprocess.Popen(
            [sys.executable, "-m", "bench.cli", "run", str(workload), "--out", str(out), "-q", *extra],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_for_sends(out, 100)
        children = psutil.Process(process.pid).children(recursive=True)
        started = time.monotonic()
        process.send_signal(getattr(signal, args.signal))
        process.wait(timeout=60)
        exited = time.monotonic() - started
        _, alive = psutil.wait_procs(children, timeout=10)
        left = [p for p in alive if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        print(
            f"{args.signal}{' with ' + str(args.workers) + ' workers' if args.workers else ''}: exit status "
            f"{process.returncode} after {exited:.2f} s; {len(children)} children, {len(left)} left running "
            f"{time.monotonic() - started:.2f} s after the signal"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
