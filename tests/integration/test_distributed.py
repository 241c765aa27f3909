"""`chainmark run --workers N` on Locust's master/worker cluster against a real Anvil: as correct as one process."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import numpy as np
import psutil
import pytest

from bench.chains.ethereum.anvil import ManagedAnvil, free_port
from bench.targets.rpc import RpcClient
from tests.runhelpers import (
    chainmark,
    db,
    only_run_dir,
    read_summary,
    start_chainmark,
    wait_for_sends,
    write_workload,
)

pytestmark = pytest.mark.anvil

FIXED = """
name: distributed
accounts: {count: 20, seed: 11}
target: {confirm_grace: 15s}
rounds:
  - label: warm
    warmup: true
    duration: 1s
    rate: {type: fixed-rate, tps: 40}
  - label: steady
    duration: 3s
    rate: {type: poisson, tps: 120, seed: 4}
"""

LONG = """
name: worker-loss
accounts: {count: 20, seed: 12}
target: {confirm_grace: 10s}
rounds:
  - label: steady
    duration: 8s
    rate: {type: fixed-rate, tps: 60}
  - label: after
    duration: 2s
    rate: {type: fixed-rate, tps: 40}
"""


def _on_chain(rpc: RpcClient, hashes: set[bytes]) -> list[bytes]:
    head = int(rpc.call("eth_blockNumber"), 16)
    found = []
    for number in range(head + 1):
        for h in rpc.call("eth_getBlockByNumber", hex(number), False)["transactions"]:
            if bytes.fromhex(h[2:]) in hashes:
                found.append(bytes.fromhex(h[2:]))
    return found


def _schedule(run_dir: Path) -> dict[tuple[int, int], tuple[int, float]]:
    """(round, position) -> (sender, intended send time after the round's t0)."""
    with db(run_dir) as conn:
        rows = conn.execute(
            "SELECT t.round, t.seq, t.sender, s.intended - r.started FROM sends s JOIN txs t ON t.id = s.tx "
            "JOIN rounds r ON r.idx = t.round"
        ).fetchall()
    return {(r, seq): (sender, offset) for r, seq, sender, offset in rows}


def test_two_workers_agree_with_the_chain_and_the_single_process_schedule(
    tmp_path: Path, anvil: ManagedAnvil, rpc: RpcClient
) -> None:
    workload = write_workload(tmp_path / "w.yaml", FIXED)
    out = tmp_path / "two"
    result = chainmark(
        "run", str(workload), "--target-url", anvil.url, "--out", str(out), "--workers", "2", "-q"
    )
    assert result.returncode == 0, result.stderr
    run_dir = only_run_dir(out)
    summary = read_summary(run_dir)
    assert summary["status"] == "completed"
    with db(run_dir) as conn:
        sends = conn.execute(
            "SELECT t.round, t.sender, t.nonce, t.hash, s.worker, s.error FROM sends s JOIN txs t ON t.id = s.tx"
        ).fetchall()
        planned = conn.execute("SELECT COUNT(*) FROM txs").fetchone()[0]
    assert len(sends) == planned, "every planned transaction has exactly one send record"
    assert all(error is None for *_, error in sends)
    assert len({(sender, nonce) for _, sender, nonce, *_ in sends}) == len(sends), "no duplicate nonces"
    assert {worker for *_, worker, _ in sends} == {0, 1}
    assert all(sender % 2 == worker for _, sender, _, _, worker, _ in sends), (
        "accounts sharded by account % 2"
    )
    on_chain = _on_chain(rpc, {bytes(h) for *_, h, _, _ in sends})
    assert len(on_chain) == len(set(on_chain)) == len(sends)
    for index, r in enumerate(summary["rounds"]):
        in_round = sum(1 for rnd, *_ in sends if rnd == index)
        assert r["sent"] == r["confirmed"] == in_round, r
        assert r["locust_submit"]["num_requests"] == in_round, "Locust's statistics came over its messaging"
        assert set(r["by_worker"]) == {"0", "1"}
        assert sum(w["sent"] for w in r["by_worker"].values()) == in_round
        assert all(w["schedule_lag_s"]["p99"] is not None for w in r["by_worker"].values())
    workers = summary["workers"]
    assert workers["count"] == 2 and workers["duplicates_received"] == 0
    assert all(
        n["lost_at"] is None and abs(n["offset_ms"]) < 5.0 and n["rtt_ms"] > 0 for n in workers["nodes"]
    )
    report = (run_dir / "report.html").read_text(encoding="utf-8")
    assert "2 Locust workers under a master" in report and "steady: worker 1" in report

    single = chainmark("run", str(workload), "--target-url", anvil.url, "--out", str(tmp_path / "one"), "-q")
    assert single.returncode == 0, single.stderr
    one, two = _schedule(only_run_dir(tmp_path / "one")), _schedule(run_dir)
    assert one.keys() == two.keys()
    assert [one[k][0] for k in sorted(one)] == [two[k][0] for k in sorted(two)], "same senders per position"
    gaps = np.array([one[k][1] - two[k][1] for k in sorted(one)])
    assert np.abs(gaps).max() < 1e-6, "same intended send times, position by position"


def test_a_worker_killed_mid_round_is_reported_and_its_records_kept(
    tmp_path: Path, anvil: ManagedAnvil
) -> None:
    workload = write_workload(tmp_path / "w.yaml", LONG)
    out = tmp_path / "out"
    master = start_chainmark(
        "run", str(workload), "--target-url", anvil.url, "--out", str(out), "--workers", "2", "-q"
    )
    try:
        wait_for_sends(out, 120)
        workers = [p for p in psutil.Process(master.pid).children() if "worker" in p.cmdline()]
        assert len(workers) == 2
        victim = workers[0]
        victim.send_signal(signal.SIGKILL)
        killed_at = time.time()
        _, stderr = master.communicate(timeout=90)
    finally:
        if master.poll() is None:
            master.kill()
            master.wait()
    assert master.returncode == 0, stderr
    run_dir = only_run_dir(out)
    summary = read_summary(run_dir)
    assert summary["status"] == "completed"
    lost = [n for n in summary["workers"]["nodes"] if n["lost_at"] is not None]
    assert len(lost) == 1 and lost[0]["lost_in_round"] == 0
    index = lost[0]["index"]
    with db(run_dir) as conn:
        rows = conn.execute(
            "SELECT s.worker, s.sent, t.sender FROM sends s JOIN txs t ON t.id = s.tx WHERE t.round = 0"
        ).fetchall()
        notes = json.loads(conn.execute("SELECT notes FROM rounds WHERE idx = 0").fetchone()[0])
    assigned = {
        w: 480 // 2 for w in (0, 1)
    }  # 20 accounts taking turns: 12 transactions each, half per worker
    by_worker = {w: [s for worker, s, _ in rows if worker == w] for w in (0, 1)}
    assert 0 < len(by_worker[index]) < assigned[index], "records up to the kill are kept"
    assert max(by_worker[index]) <= killed_at + 0.05
    assert len(by_worker[1 - index]) == assigned[1 - index], "the live worker finished its share"
    r = summary["rounds"][0]
    assert r["sent"] == len(rows) and r["confirmed"] == len(rows)
    assert any(note.startswith(f"worker {index} lost at ") for note in notes), notes
    assert f"of its {assigned[index]} transactions sent" in " ".join(notes)
    assert r["valid"] is False and "worker-lost" in {x["code"] for x in r["invalid_reasons"]}
    with db(run_dir) as conn:  # mined, though the worker died before streaming their records
        unrecorded = conn.execute(
            "SELECT COUNT(*) FROM txs t JOIN inclusions i ON i.tx = t.id LEFT JOIN sends s ON s.tx = t.id "
            "WHERE t.round = 0 AND s.tx IS NULL"
        ).fetchone()[0]
    assert r["included_unrecorded"] == unrecorded
    # The next round runs on the live worker alone, re-signed from the node's nonces: all of it confirmed.
    after = summary["rounds"][1]
    assert after["sent"] == after["confirmed"] == 80 and after["failed"] == {}
    assert set(after["by_worker"]) == {str(1 - index)}
    assert "worker-lost" not in {x["code"] for x in after["invalid_reasons"]}
    report = (run_dir / "report.html").read_text(encoding="utf-8")
    assert f"worker {index} lost at" in report and "lost in round 0" in report
    if unrecorded:
        assert (
            f"{unrecorded:,} transactions were found in blocks although their send records were lost"
            in report
        )


BACKLOG = """
name: backlog
accounts: {count: 20, seed: 14}
target: {confirm_grace: 10s}
rounds:
  - label: backlog
    duration: 3s
    rate: {type: fixed-backlog, in_flight: 20}
  - label: after
    duration: 1s
    rate: {type: fixed-rate, tps: 30}
"""


def test_closed_loop_on_two_workers_keeps_the_backlog_bound(
    tmp_path: Path, anvil: ManagedAnvil, rpc: RpcClient
) -> None:
    workload = write_workload(tmp_path / "w.yaml", BACKLOG)
    out = tmp_path / "out"
    result = chainmark(
        "run", str(workload), "--target-url", anvil.url, "--out", str(out), "--workers", "2", "-q"
    )
    assert result.returncode == 0, result.stderr
    run_dir = only_run_dir(out)
    summary = read_summary(run_dir)
    with db(run_dir) as conn:
        rows = conn.execute(
            "SELECT t.round, s.sent, i.seen, s.worker, t.hash FROM sends s JOIN txs t ON t.id = s.tx "
            "LEFT JOIN inclusions i ON i.tx = s.tx"
        ).fetchall()
    backlog = sorted((sent, seen) for rnd, sent, seen, _, _ in rows if rnd == 0)
    assert len(backlog) >= 40, "the slots were freed by the master's observer, round after round"
    for sent, _ in backlog:
        waiting = sum(1 for s, seen in backlog if s <= sent and (seen is None or seen > sent))
        assert waiting <= 20, "never more than in_flight sent and not yet seen in a block"
    assert {worker for rnd, _, _, worker, _ in rows if rnd == 0} == {0, 1}
    assert len(_on_chain(rpc, {bytes(h) for *_, h in rows})) == len(rows)
    for r in summary["rounds"]:
        assert r["sent"] == r["confirmed"] and r["failed"] == {} and r["timed_out"] == 0, r
    assert summary["rounds"][1]["sent"] == 30, "the next round was re-signed from the node's nonces"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--workers", "0"], "--workers: expected a whole number >= 1 (or `auto` for --workers), got '0'"),
        (["--master"], "--master needs --expect-workers N"),
        (
            ["--master", "--expect-workers", "1", "--master-bind", "nowhere"],
            "--master-bind: expected HOST:PORT",
        ),
    ],
)
def test_distributed_options_refuse_bad_input_in_one_line(
    tmp_path: Path, extra: list[str], message: str
) -> None:
    workload = write_workload(
        tmp_path / "w.yaml",
        "name: bad\nrounds:\n  - label: a\n    duration: 2s\n    rate: {type: fixed-rate, tps: 4}\n",
    )
    result = chainmark("run", str(workload), "--out", str(tmp_path / "out"), *extra)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert [line for line in result.stderr.splitlines() if line.startswith("error: ")] == [
        line for line in result.stderr.splitlines() if line.strip()
    ]
    assert message in result.stderr
    assert not (tmp_path / "out").exists(), "nothing was started"


SHORT = """
name: remote
accounts: {count: 6, seed: 13}
target: {confirm_grace: 10s}
rounds:
  - label: steady
    tx_count: 30
    rate: {type: fixed-rate, tps: 30}
"""


def test_remote_workers_join_a_master_and_a_missing_one_times_out(
    tmp_path: Path, anvil: ManagedAnvil
) -> None:
    workload = write_workload(tmp_path / "w.yaml", SHORT)
    port = free_port()
    master = start_chainmark(
        "run", str(workload), "--target-url", anvil.url, "--out", str(tmp_path / "ok"), "-q",
        "--master", "--expect-workers", "1", "--master-bind", f"127.0.0.1:{port}",
    )  # fmt: skip
    worker = start_chainmark("worker", "--master", f"127.0.0.1:{port}")
    try:
        _, stderr = master.communicate(timeout=60)
        worker.communicate(timeout=15)
    finally:
        for process in (master, worker):
            if process.poll() is None:
                process.kill()
                process.wait()
    assert master.returncode == 0, stderr
    assert worker.returncode == 0, "the worker quits when the master ends the run"
    summary = read_summary(only_run_dir(tmp_path / "ok"))
    assert summary["rounds"][0]["confirmed"] == 30 and set(summary["rounds"][0]["by_worker"]) == {"0"}

    missing = chainmark(
        "run", str(workload), "--target-url", anvil.url, "--out", str(tmp_path / "missing"), "-q",
        "--master", "--expect-workers", "2", "--master-bind", f"127.0.0.1:{port}", "--expect-timeout", "1",
    )  # fmt: skip
    assert missing.returncode == 1
    assert missing.stderr.strip().splitlines()[-1] == (
        f"error: only 0 of 2 workers connected within 1 s (start them with `chainmark worker --master HOST:{port}`)"
    )
    assert read_summary(only_run_dir(tmp_path / "missing"))["status"] == "failed"
