"""Faults as workload steps on the real managed regtest network (3 litecoind nodes on 127.0.0.1): a node
SIGKILLed and restarted, another paused, and an `exec` step, applied on the run's clock while the load
runs. Every transaction stays accounted for, the restarted node reaches the network's tip again, each
fault's windows and recovery time are measured, and the report shows them."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.runhelpers import chainmark, db, only_run_dir, read_summary, write_workload

pytestmark = pytest.mark.slow

WORKLOAD = """\
name: btc-faults
target: {chain: bitcoin, network: {nodes: 3, topology: ring, block_time: 1s}}
accounts: {count: 20}
rounds:
  - {label: load, duration: 28s, rate: {type: fixed-rate, tps: 20}, tx: {kind: btc-transfer}}
faults:
  - {at: 1s, node: 0, action: exec, command: "echo fault-probe", timeout: 5s}
  - {at: 7s, node: 1, action: kill, for: 5s}
  - {at: 18s, node: 2, action: pause, for: 2s}
"""


def test_kill_restart_pause_and_exec_faults_are_applied_and_measured(tmp_path: Path) -> None:
    if shutil.which("litecoind") is None:
        pytest.skip("litecoind is not installed (Debian package litecoind)")
    out = tmp_path / "out"
    done = chainmark(
        "run", str(write_workload(tmp_path / "w.yaml", WORKLOAD)), "--out", str(out), timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    run_dir = only_run_dir(out)
    summary = read_summary(run_dir)
    (one,) = summary["rounds"]
    # every transaction accounted for: the faults hit nodes the load does not go to
    assert one["planned"] == one["sent"] == 560
    assert one["confirmed"] + sum(one["failed"].values()) + one["timed_out"] == one["sent"]
    assert one["confirmed"] == 560, (one["failed"], one["timed_out_by_reason"])

    probe, kill, pause = summary["faults"]
    assert (probe["action"], probe["status"], probe["end_action"]) == ("exec", "done", None)
    assert probe["detail"] == "exit 0; output: fault-probe"
    assert (kill["action"], kill["node"], kill["end_action"], kill["status"]) == (
        "kill",
        1,
        "restart",
        "done",
    )
    assert (pause["action"], pause["node"], pause["end_action"], pause["status"]) == (
        "pause",
        2,
        "resume",
        "done",
    )
    for fault, (at, until) in ((kill, (7.0, 12.0)), (pause, (18.0, 20.0))):
        # applied on the run's clock: at most a poll late; the end is when the node was given back
        assert at <= fault["started_s"] < at + 0.5, fault
        assert until <= fault["ended_s"] < until + 10.0, fault
        assert fault["success_rate"] == {"before": 1.0, "during": 1.0, "after": 1.0}, fault
        assert all(fault["throughput_tps"][w] > 10 for w in ("before", "after")), fault
        assert fault["recovery_s"] is not None and fault["recovery_s"] >= 0, fault
        parts = fault["recovery_parts_s"]
        assert parts["node_at_tip_s"] is not None and 0 <= parts["node_at_tip_s"] <= fault["recovery_s"]
        assert fault["lost_by_reason"] == {}
    # the kill was seen: node-1's watcher lost it and polled on
    assert list(summary["propagation"]["outages"]) == ["1"]
    assert all(n["delay_ms"]["p50"] >= 0 for n in summary["propagation"]["nodes"])

    with db(run_dir) as store:
        steps = store.execute("SELECT action, status, intended, started FROM faults ORDER BY idx").fetchall()
        held = {n: h for n, h in store.execute("SELECT node, MAX(number) FROM node_tips GROUP BY node")}
        same = store.execute(
            "SELECT COUNT(DISTINCT hash) FROM node_tips WHERE node IN (0, 1) AND number = ?", (held[1],)
        ).fetchone()[0]
    assert [s[:2] for s in steps] == [
        ("exec", "done"),
        ("kill", "done"),
        ("restart", "done"),
        ("pause", "done"),
        ("resume", "done"),
    ]
    assert all(started >= intended for _, _, intended, started in steps)
    # the restarted node caught up: when the watchers stopped it held node-0's chain up to its last block
    # or the one before (a block mined in the last poll may not have reached it yet)
    assert held[1] >= held[0] - 1 and same == 1, held

    report = (run_dir / "report.html").read_text(encoding="utf-8")
    assert "<h2>Reliability</h2>" in report and "kill -&gt; restart node-1" in report
    assert "<h2>Block propagation</h2>" in report
    found = subprocess.run(["pgrep", "-af", "litecoind"], capture_output=True, text=True, check=False)
    assert [line for line in found.stdout.splitlines() if str(tmp_path) in line] == []
