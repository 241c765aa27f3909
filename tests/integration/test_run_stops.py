"""Stops from outside: SIGTERM is handled like Ctrl-C (workers stopped first, then the node, outputs written,
exit 143), and a SIGKILL of chainmark leaves no managed node or worker running (issue 16)."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import psutil
import pytest

from bench.chains.ethereum.anvil import ManagedAnvil
from bench.chains.ethereum.keys import address_of, derive_keys
from bench.targets.rpc import RpcClient
from bench.targets.url import parse_endpoint
from tests.runhelpers import chainmark, read_summary, start_chainmark, wait_for_sends, write_workload

pytestmark = pytest.mark.anvil

LONG = """
name: long
accounts: {count: 10, seed: 31}
rounds:
  - label: steady
    duration: 30s
    rate: {type: fixed-rate, tps: 50}
"""


def _children(process: subprocess.Popen[str]) -> list[psutil.Process]:
    return psutil.Process(process.pid).children(recursive=True)


def _gone(processes: list[psutil.Process], timeout: float = 10.0) -> list[psutil.Process]:
    """The processes still running (not zombies) after `timeout` seconds."""
    _, alive = psutil.wait_procs(processes, timeout=timeout)
    return [p for p in alive if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]


def _stop(process: subprocess.Popen[str], signum: int) -> str:
    process.send_signal(signum)
    try:
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    return stderr


@pytest.mark.parametrize(
    ("signum", "status", "word"),
    [(signal.SIGTERM, 143, "terminated"), (signal.SIGINT, 130, "interrupted")],
    ids=["SIGTERM", "SIGINT"],
)
def test_a_stop_signal_stops_the_managed_node_and_writes_the_outputs(
    tmp_path: Path, signum: int, status: int, word: str
) -> None:
    workload = write_workload(tmp_path / "w.yaml", LONG)
    process = start_chainmark("run", str(workload), "--out", str(tmp_path / "out"))
    run_dir = wait_for_sends(tmp_path / "out", at_least=50)
    node = [p for p in _children(process) if "anvil" in p.name()]
    assert node, "the managed anvil runs as a child"
    stderr = _stop(process, signum)
    assert process.returncode == status
    # no traceback, and none of the lines gevent's hub prints when an exception lands in it
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr and "Terminated" not in stderr
    assert stderr.splitlines()[-1] == f"{word}: records collected so far are kept in {run_dir}"
    summary = read_summary(run_dir)
    assert summary["status"] == word
    assert summary["rounds"][0]["sent"] >= 50
    assert (run_dir / "report.html").read_text(encoding="utf-8").rstrip().endswith("</html>")
    assert not (run_dir / ".disk-reserve").exists()
    assert not _gone(node, timeout=0.5)


def test_sigterm_stops_local_workers_before_anything_else(tmp_path: Path, anvil: ManagedAnvil) -> None:
    """With --workers 2 the orphaned workers used to go on sending after SIGTERM: now the chain stops
    growing when chainmark exits, and holds no more of the run's transactions than it recorded."""
    workload = write_workload(tmp_path / "w.yaml", LONG)
    process = start_chainmark(
        "run", str(workload), "--workers", "2", "--target-url", anvil.url, "--out", str(tmp_path / "out")
    )
    run_dir = wait_for_sends(tmp_path / "out", at_least=100)
    workers = [p for p in _children(process) if "worker" in " ".join(p.cmdline())]
    assert len(workers) == 2
    stderr = _stop(process, signal.SIGTERM)
    assert process.returncode == 143, stderr
    assert "Traceback" not in stderr
    assert not _gone(workers, timeout=0.5)
    rpc = RpcClient(parse_endpoint(anvil.url))
    addresses = ["0x" + address_of(k).hex() for k in derive_keys(31, 10)]

    def on_chain() -> int:
        return sum(
            int(n, 16) for n in rpc.batch("eth_getTransactionCount", [[a, "pending"] for a in addresses])
        )

    try:
        at_exit = on_chain()
        time.sleep(2.5)
        assert on_chain() == at_exit, "nothing is sent once chainmark has exited"
    finally:
        rpc.close()
    with sqlite3.connect(run_dir / "results.sqlite") as conn:
        accepted = conn.execute("SELECT COUNT(*) FROM sends WHERE error IS NULL").fetchone()[0]
    # A worker's records stream to the master every 0.25 s: at most that much sending (50 tx/s) is unrecorded.
    assert accepted <= at_exit <= accepted + 25
    assert read_summary(run_dir)["status"] == "terminated"


def test_sigkill_leaves_no_node_or_worker_and_report_says_died(tmp_path: Path) -> None:
    workload = write_workload(tmp_path / "w.yaml", LONG)
    process = start_chainmark("run", str(workload), "--workers", "2", "--out", str(tmp_path / "out"))
    run_dir = wait_for_sends(tmp_path / "out", at_least=50)
    children = _children(process)
    assert {"anvil", "worker"} <= {"anvil" if "anvil" in p.name() else "worker" for p in children}
    _stop(process, signal.SIGKILL)
    assert not _gone(children, timeout=5.0), "children die with chainmark"
    result = chainmark("report", str(run_dir))
    assert result.returncode == 0, result.stderr
    summary = read_summary(run_dir)
    assert summary["status"] == "died"
    assert summary["rounds"][0]["sent"] >= 50
    assert not (run_dir / ".disk-reserve").exists()
