"""Starts and stops the worker processes of `chainmark run --workers N` on this machine.

Each is `python -m bench.cli worker --master 127.0.0.1:PORT`, logging to its own file in the run
folder, in their own session; the master always stops them (they quit when told, and are terminated
otherwise), and a worker whose master vanished quits after Locust's 60 s without heartbeats.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bench.lifeline import die_with_parent

QUIT_WAIT_S = 5.0


def start_local_workers(count: int, port: int, log_dir: Path) -> list[subprocess.Popen[bytes]]:
    """Start `count` worker processes that join the master on 127.0.0.1:`port`."""
    processes = []
    for k in range(count):
        with (log_dir / f"worker-{k}.log").open("wb") as log:
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "bench.cli", "worker", "--master", f"127.0.0.1:{port}"],
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # Ctrl-C goes to the master, which stops them
                    preexec_fn=die_with_parent(),  # and they die with it, even by SIGKILL
                )
            )
    return processes


def stop_local_workers(processes: list[subprocess.Popen[bytes]]) -> None:
    """Wait briefly for each worker to quit on the master's word, then terminate (and kill) stragglers."""
    for process in processes:
        try:
            process.wait(QUIT_WAIT_S)
        except subprocess.TimeoutExpired:
            process.terminate()
            try:
                process.wait(QUIT_WAIT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
