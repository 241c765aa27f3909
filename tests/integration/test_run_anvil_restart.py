"""A managed Anvil killed and started again mid-run (issue 12's `kill` / `restart` on the managed Anvil), on
real Anvil processes on 127.0.0.1: the node comes back on its port from its last state dump, the block
observer waits out an outage the run itself caused (and only that one), and a run whose node is killed
accounts for every write, twice over: the writes the node lost or refused while down are sent again once it
answers (a write lost again by the second kill too), every one ends in the restarted node's chain, and each
fault's record says what was sent again."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bench.chains.ethereum.anvil import ManagedAnvil
from bench.chains.ethereum.heads import EthereumHeads
from bench.clock import WallClock
from bench.errors import TargetError
from bench.observe.blocks import BlockObserver
from bench.targets.rpc import RpcClient
from bench.targets.url import parse_endpoint
from tests.runhelpers import chainmark, db, only_run_dir, read_summary, write_workload

pytestmark = pytest.mark.anvil

KILLED = """
name: anvil-killed
target: {node: anvil, block_time: 1s}
accounts: {count: 20, seed: 5}
rounds:
  - {label: load, duration: 28s, rate: {type: fixed-rate, tps: 100}, tx: {kind: transfer}}
faults:
  - {at: 6s, node: 0, action: kill, for: 2.5s}
  - {at: 16s, node: 0, action: kill, for: 2.5s}
"""


def _poll(done: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _head(url: str) -> int:
    rpc = RpcClient(parse_endpoint(url), timeout=5)
    try:
        return int(rpc.call("eth_blockNumber"), 16)
    finally:
        rpc.close()


def test_a_killed_anvil_comes_back_from_its_dump_and_the_observer_waits_out_only_the_run_s_own_outage(
    tmp_path: Path,
) -> None:
    node = ManagedAnvil(tmp_path / "anvil.log", block_time=1.0, state_path=tmp_path / "state.json")
    in_outage = {"now": False}
    with node:
        assert node.restartable and "--state" in node.command()
        feeds = [EthereumHeads(parse_endpoint(node.url)) for _ in range(2)]  # websocket heads, as a run
        waits = BlockObserver(
            feeds[0], WallClock(), lambda _b: None, target="a", outage=lambda: in_outage["now"]
        )
        strict = BlockObserver(feeds[1], WallClock(), lambda _b: None, target="b")
        waits.start()
        strict.start()
        try:
            _poll(lambda: waits.last_block >= 3)
            port, pid = node.port, node.pid
            in_outage["now"] = True
            assert node.fault(0, "kill").startswith(f"SIGKILL to pid {pid} (stopped, then killed ")
            with pytest.raises(TargetError):
                _head(node.url)
            _poll(lambda: strict.failure() is not None)
            held = waits.last_block
            time.sleep(1.5)
            detail = node.fault(0, "restart")
            in_outage["now"] = False
            assert detail.startswith(f"started again on port {port} as pid ") and node.pid != pid
            assert node.port == port
            assert _head(node.url) >= held - 2  # the blocks up to its last dump (a dump a second) survived
            _poll(lambda: waits.last_block > held + 1)
            in_outage["now"] = True  # a graceful stop dumps the state on exit: a start loses no block
            before = _head(node.url)
            assert node.fault(0, "stop").startswith("SIGTERM to pid ")
            assert node.fault(0, "start").startswith(f"started again on port {port} as pid ")
            in_outage["now"] = False
            assert _head(node.url) >= before
            _poll(lambda: waits.last_block > before + 1)
        finally:
            waits.stop()
            strict.stop()
            for feed in feeds:
                feed.close()
    assert waits.failure() is None and waits.outages == 2 and waits.mode == "websocket newHeads"
    failure = strict.failure()
    assert failure is not None and "closed" in str(failure.error)  # an outage the run did not cause stops it
    with pytest.raises(TargetError, match="a managed anvil cannot kill node 0"):
        ManagedAnvil(tmp_path / "other.log", block_time=1.0).fault(
            0, "kill"
        )  # keeps nothing: not restartable


def test_a_run_whose_anvil_is_killed_and_restarted_accounts_for_every_write(tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = chainmark("run", str(write_workload(tmp_path / "w.yaml", KILLED)), "--out", str(out), timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "fault: kill node 0 at 6." in done.stderr and done.stderr.count("node 0 is back: sent again ") == 2
    run_dir = only_run_dir(out)
    summary = read_summary(run_dir)
    (one,) = summary["rounds"]
    assert one["confirmed"] + sum(one["failed"].values()) + one["timed_out"] == one["sent"] == 2800
    assert one["confirmed"] == 2800, (one["failed"], one["timed_out_by_reason"])
    faults = summary["faults"]
    assert [(f["action"], f["end_action"], f["status"]) for f in faults] == [("kill", "restart", "done")] * 2
    for fault in faults:
        assert 2.4 < fault["ended_s"] - fault["started_s"] < 4.5  # ends when the node answers again
        assert fault["throughput_tps"]["during"] < 0.5 * fault["throughput_tps"]["before"]
        assert fault["recovery_s"] is not None, fault["recovery_reason"]
        resent = fault["resent"]
        assert resent["refused_first"] >= 150 and resent["writes"] >= resent["refused_first"], resent
        assert resent["refused_again"] == 0
    with db(run_dir) as conn:
        # every write sent while the node was down was refused, sent again, and is in the restarted chain
        refused = conn.execute(
            "SELECT r.tx, s.intended, i.seen, s.error FROM resends r JOIN sends s ON s.tx = r.tx "
            "LEFT JOIN inclusions i ON i.tx = r.tx WHERE r.first_error LIKE 'connection%'"
        ).fetchall()
        assert len(refused) == sum(f["resent"]["refused_first"] for f in faults)
        # a write answered while a kill was under way (the old process is let run to finish its dump, and
        # may accept writes then) is in a block before the next kill: sent again after the restart if lost
        kills = [*conn.execute("SELECT started, ended FROM faults WHERE action = 'kill' ORDER BY idx")]
        assert len(kills) == 2
        for (began, gone), until in zip(kills, (kills[1][0], float("inf")), strict=True):
            late = conn.execute(
                "SELECT COUNT(*) FROM sends s LEFT JOIN inclusions i ON i.tx = s.tx "
                "WHERE s.sent >= ? AND s.answered <= ? AND (i.seen IS NULL OR i.seen >= ?)",
                (began, gone, until),
            ).fetchone()[0]
            assert late == 0, (began, gone, late)
        assert all(error is None and seen is not None for _, _, seen, error in refused)
        zero = conn.execute("SELECT MIN(intended) FROM sends").fetchone()[0]
        first_back, back = (zero + f["ended_s"] for f in faults)
        # latency counts from each write's intended time: the outage is in it
        assert all(seen > first_back for _, _, seen, _ in refused)
        # the chain's own receipts (read after the window, from the restarted node) hold every write
        assert conn.execute("SELECT COUNT(*) FROM receipts WHERE status = 1").fetchone()[0] == 2800
        # the observer waited out both outages, and the record says so
        assert conn.execute("SELECT value FROM meta WHERE key = 'observer_outages'").fetchone() == ("2",)
        pids = {row[0] for row in conn.execute("SELECT rss_bytes > 0 FROM resources WHERE source = 'node'")}
        node_after = conn.execute(
            "SELECT COUNT(*) FROM resources WHERE source = 'node' AND t > ?", (back + 1,)
        ).fetchone()[0]
    assert pids == {1} and node_after >= 2  # the monitor followed the restarted process
    assert summary["target"]["node"]["state"] == {"file": "anvil-state.json", "dump_interval_s": 1}
    found = subprocess.run(["pgrep", "-af", "anvil"], capture_output=True, text=True, check=False)
    assert [line for line in found.stdout.splitlines() if str(tmp_path) in line] == []


def test_node_on_the_command_line_that_cannot_survive_the_workload_s_kill_is_refused(tmp_path: Path) -> None:
    workload = write_workload(tmp_path / "w.yaml", KILLED)
    done = chainmark("run", str(workload), "--node", "ganache", "--out", str(tmp_path / "out"))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        f"error: {workload}:8: faults[0].action: a managed ganache (--node) supports pause, resume and exec, "
        "got 'kill'"
    ]
    assert not (tmp_path / "out").exists()
