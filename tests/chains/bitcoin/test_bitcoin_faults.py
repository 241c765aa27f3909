"""Faults as workload steps on the real managed regtest network (3 litecoind nodes on 127.0.0.1), applied on
the run's clock while the load runs. On a ring mined by node-0: a node SIGKILLed and restarted, another
paused, and an `exec` step; every transaction stays accounted for, the restarted node reaches the network's
tip again, each fault's windows and recovery time are measured and the report shows them. On a mesh mining in
turn: the load's own node cut off while both sides mine; once healed the reorg is seen, and the writes of the
losing branch are confirmed only once included again."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.runhelpers import chainmark, db, only_run_dir, read_summary, write_workload

pytestmark = pytest.mark.slow

FAULTS = """\
name: btc-faults
target: {chain: bitcoin, network: {nodes: 3, topology: ring, block_time: 1s}}
accounts: {count: 20}
rounds:
  - {label: load, duration: 28s, rate: {type: fixed-rate, tps: 20}, tx: {kind: btc-transfer}}
faults:
  - {at: 1s, node: 0, action: exec, command: "echo fault-probe", timeout: 5s}
  - {at: 7s, node: 1, action: kill, for: 4s}
  - {at: 20s, node: 2, action: pause, for: 2s}
"""

PARTITION = """\
name: btc-partition
target: {chain: bitcoin, network: {nodes: 3, topology: mesh, block_time: 1s, producer: round-robin}}
accounts: {count: 20}
rounds:
  - {label: load, duration: 16s, rate: {type: fixed-rate, tps: 20}, tx: {kind: btc-transfer}}
faults:
  - {at: 5s, node: 0, action: isolate, for: 5s}
"""


def _run(tmp_path: Path, text: str) -> tuple[subprocess.CompletedProcess[str], Path, dict[str, Any]]:
    if shutil.which("litecoind") is None:
        pytest.skip("litecoind is not installed (Debian package litecoind)")
    out = tmp_path / "out"
    done = chainmark("run", str(write_workload(tmp_path / "w.yaml", text)), "--out", str(out), timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    run_dir = only_run_dir(out)
    summary = read_summary(run_dir)
    (one,) = summary["rounds"]
    # every transaction accounted for, and confirmed
    assert one["confirmed"] + sum(one["failed"].values()) + one["timed_out"] == one["sent"] == one["planned"]
    assert one["confirmed"] == one["planned"], (one["failed"], one["timed_out_by_reason"])
    found = subprocess.run(["pgrep", "-af", "litecoind"], capture_output=True, text=True, check=False)
    assert [line for line in found.stdout.splitlines() if str(tmp_path) in line] == []
    return done, run_dir, summary


def _applied(fault: dict[str, Any], at: float, until: float, min_tps: float) -> None:
    # applied on the run's clock: at most a poll late; the end is when the node was given back
    assert at <= fault["started_s"] < at + 0.5, fault
    assert until <= fault["ended_s"] < until + 10.0, fault
    assert fault["success_rate"] == {"before": 1.0, "during": 1.0, "after": 1.0}, fault
    assert all(fault["throughput_tps"][w] > min_tps for w in ("before", "after")), fault
    assert fault["lost_by_reason"] == {}


def test_kill_restart_pause_and_exec_faults_are_applied_and_measured(tmp_path: Path) -> None:
    _, run_dir, summary = _run(tmp_path, FAULTS)
    assert summary["rounds"][0]["sent"] == 560
    probe, kill, pause = summary["faults"]
    assert (probe["action"], probe["status"], probe["end_action"]) == ("exec", "done", None)
    assert probe["detail"] == "exit 0; output: fault-probe"
    named = [(f["action"], f["node"], f["end_action"], f["status"]) for f in (kill, pause)]
    assert named == [("kill", 1, "restart", "done"), ("pause", 2, "resume", "done")]
    for fault, (at, until) in ((kill, (7.0, 11.0)), (pause, (20.0, 22.0))):
        _applied(fault, at, until, 10.0)
        assert fault["recovery_s"] is not None and fault["recovery_s"] >= 0, fault
        parts = fault["recovery_parts_s"]
        assert parts["node_at_tip_s"] is not None and 0 <= parts["node_at_tip_s"] <= fault["recovery_s"]
    # the kill was seen: node-1's watcher lost it and polled on
    assert list(summary["propagation"]["outages"]) == ["1"]
    assert all(n["delay_ms"]["p50"] >= 0 for n in summary["propagation"]["nodes"])
    # and the blocks mined while it was down (4 s) reached it only after its restart: its delay shows the outage
    delays = {n["node"]: n["delay_ms"] for n in summary["propagation"]["nodes"]}
    assert delays[1]["max"] >= 2000 > delays[0]["max"], delays

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


def test_a_partition_where_both_sides_mine_ends_in_a_reorg_and_re_included_writes(tmp_path: Path) -> None:
    done, run_dir, summary = _run(tmp_path, PARTITION)
    (isolate,) = summary["faults"]
    assert (isolate["action"], isolate["node"], isolate["end_action"]) == ("isolate", 0, "heal")
    # blocks mined in turn carry the writes unevenly: node-0 relays them to its peers on Core's trickle
    # (a Poisson delay of seconds), so a 5 s window of another node's blocks may hold few of the 20 tx/s
    # (CI saw it under 10); measured, and non-zero, is what holds
    _applied(isolate, 5.0, 10.0, 0.0)
    # node-0 mined a third of the slots alone, nodes 1 and 2 the rest: healed, node-0 took their longer
    # chain, which the observer followed as a reorg, and the confirmations of its orphaned blocks were
    # taken back (the writes are all confirmed above: included again after the heal)
    assert isolate["reorgs"]["count"] >= 1 and isolate["reorgs"]["deepest"] >= 1, isolate
    assert summary["reorgs"]["count"] == isolate["reorgs"]["count"]
    taken = [int(m) for m in re.findall(r"orphaned, (\d+) confirmations taken back", done.stderr)]
    assert taken and sum(taken) > 0, done.stderr[-2000:]
    # recovery is measured or says why not: blocks mined in turn carry the writes unevenly (a node's block
    # holds what reached it), so 5 s may never come within 10 % of the rate before
    assert isolate["recovery_s"] is not None or "throughput never came back" in isolate["recovery_reason"]
    with db(run_dir) as store:
        orphaned = [json.loads(o) for (o,) in store.execute("SELECT orphaned FROM reorgs")]
        final = dict(store.execute("SELECT number, hash FROM node_tips WHERE node = 0 ORDER BY seen, rowid"))
        stray = store.execute(
            "SELECT COUNT(*) FROM inclusions WHERE block NOT IN (SELECT number FROM blocks)"
        ).fetchone()[0]
    # no write is confirmed by an orphaned block: node-0 holds other blocks at those heights now
    assert stray == 0
    assert orphaned and all(final[height].hex() != block for blocks in orphaned for height, block in blocks)
