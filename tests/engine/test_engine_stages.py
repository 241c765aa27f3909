"""The engine's stages, in-process, on a fake chain with a fake round runner (no subprocess, no Locust, no node).

Each run goes through `run_workload` itself, with the fake family registered as target.chain `fake`, the
fake node's clock as the run clock, and the fake runner injected (`runner=`). Expectations come from what
the fakes recorded (what the node heard and mined, what the runner sent), not from the engine's own output.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import gevent.monkey
import pytest

from bench.chains.base import Write
from bench.chains.registry import CHAINS
from bench.engine import Progress, RunOptions, run_workload
from bench.errors import TargetError, Terminated
from bench.results.reasons import DROPPED, INCLUDED_LATE, PENDING
from bench.results.store import RunStore
from bench.workload.spec import Accounts, FixedRate, Round, Target, Workload
from tests.fakes.chain import T0, URL, FakeNode, fake_family, payload, tx_hash
from tests.fakes.runner import FakeRunners, Short
from tests.runhelpers import only_run_dir, read_summary

STAGES = ("identify", "plan", "prepare", "round 0", "round 1", "unseen check", "receipts")


def _workload(*counts: int, tps: float = 10.0, grace: float = 3.0) -> Workload:
    rounds = tuple(
        Round(label=f"r{i}", rate=FixedRate(tps), tx_count=n, line=i + 1) for i, n in enumerate(counts)
    )
    return Workload(
        name="fake-run",
        rounds=rounds,
        target=Target(chain="fake", url=URL, confirm_grace=grace),
        accounts=Accounts(count=4, seed=7),
        text="name: fake-run\n",
    )


@pytest.fixture
def run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., tuple[Path, list[Progress], FakeRunners]]:
    """Run a workload on a fake node (registered as the `fake` chain): the run folder, the progress
    events and the runner factory; a KeyboardInterrupt propagates as from the real engine."""

    def run(
        node: FakeNode, workload: Workload, short: dict[int, Short] | None = None
    ) -> tuple[Path, list[Progress], FakeRunners]:
        monkeypatch.setitem(CHAINS, "fake", fake_family(node))
        runners, progress = FakeRunners(node, short), []
        result = run_workload(workload, RunOptions(tmp_path / "out"), progress.append, node.clock, runners)
        assert result.status == "completed"
        return result.run_dir, progress, runners

    return run


@contextmanager
def _store(run_dir: Path) -> Iterator[RunStore]:
    store = RunStore(run_dir / "results.sqlite")
    try:
        yield store
    finally:
        store.close()


def _compact(log: list[str]) -> list[str]:
    """The log without repeats of one entry in a row (blocks mined during one wait)."""
    return [entry for i, entry in enumerate(log) if i == 0 or log[i - 1] != entry]


def _mined(node: FakeNode) -> dict[bytes, tuple[int, float]]:
    """hash -> (block number, block time) of everything the fake node mined."""
    return {h: (b.number, b.time) for b in node.blocks for h in b.hashes}


def _threads_left() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name in ("block-observer", "resource-monitor")]


def test_the_engine_tests_leave_the_process_unpatched() -> None:
    """tests/engine/conftest.py imported the engine with Locust's gevent patching off."""
    assert not gevent.monkey.is_module_patched("threading")
    assert not gevent.monkey.is_module_patched("socket")


def test_a_run_goes_through_its_stages_in_order(run: Callable[..., Any]) -> None:
    node = FakeNode(hold={15: PENDING})  # one write the node keeps: the drain waits, the unseen check asks
    run_dir, progress, _ = run(node, _workload(10, 10))
    assert _compact(node.log) == [
        "heads",  # the observer's feed, made with the session
        "identify",
        "plan",
        "prepare",
        "observer started",
        "block",  # the clock starts on a block the observer saw arrive
        "round 0",
        "block",
        "round 0 done",
        "round 1",
        "block",
        "round 1 done",
        "block",  # the drain: the grace period waited out on the run clock for tx 15
        "observer stopped",
        "unseen check",
        "receipts",
        "closed",
    ]
    messages = [p.message for p in progress if p.message]
    assert "waiting up to 3 s for 1 transactions to be included" in messages
    assert "asking the node about 1 transactions never seen in a block" in messages
    assert (run_dir / "report.html").read_text(encoding="utf-8").rstrip().endswith("</html>")
    summary = read_summary(run_dir)
    assert summary["status"] == "completed"
    assert summary["observer"] == "fake-heads"
    assert summary["target"] == {
        "url": URL,
        "client": "fake-node/1.0",
        "chain_id": "fake-1",
        "block_interval_s": 1.0,
        "managed": False,
        "chain": "fake",
    }
    with _store(run_dir) as store:
        meta = store.meta()
    assert meta["fake_setup"] == {"accounts": 4}
    assert meta["verification"] == "fake receipts, read after the window"
    assert meta["unseen_check"]["by_reason"] == {PENDING: 1}
    assert meta["started"] == T0
    # the drain waited the grace period out on the run clock: from the last round's end, 3 s
    assert meta["ended"] >= T0 + 3 + 3.0


def test_a_clean_run_stores_what_the_fake_chain_did(run: Callable[..., Any]) -> None:
    node = FakeNode()
    run_dir, _, runners = run(node, _workload(10, 20, tps=20.0))
    mined = _mined(node)
    with _store(run_dir) as store:
        rounds = store.query("SELECT idx, label, planned, started, ended FROM rounds ORDER BY idx")
        txs = store.query("SELECT id, round, seq, hash FROM txs ORDER BY id")
        sends = store.query("SELECT tx, intended, sent, error FROM sends ORDER BY tx")
        inclusions = dict(store.query("SELECT tx, block FROM inclusions"))
        inclusion_seen = dict(store.query("SELECT tx, seen FROM inclusions"))
        blocks = store.query("SELECT number, seen, tx_count FROM blocks ORDER BY number")
        receipts = store.query("SELECT tx, status FROM receipts ORDER BY tx")
    heard = [(r.tx_id, tx_hash(r.raw)) for r in node.received]
    assert [(tx_id, bytes(h)) for tx_id, _, _, h in txs] == heard  # every planned tx was sent, in order
    assert [(r, s) for _, r, s, _ in txs] == [(0, i) for i in range(10)] + [(1, i) for i in range(20)]
    assert [tx for tx, *_ in sends] == [tx_id for tx_id, _ in heard]
    assert all(error is None and sent == intended for _, intended, sent, error in sends)
    assert inclusions == {tx_id: mined[h][0] for tx_id, h in heard}
    assert inclusion_seen == {tx_id: mined[h][1] for tx_id, h in heard}  # seen when the block came
    assert blocks == [(b.number, b.time, len(b.hashes)) for b in node.blocks]
    assert receipts == [(tx_id, 1) for tx_id, _ in heard]
    assert sorted(runners.runner.included_ids) == list(range(30))
    assert [r[:3] for r in rounds] == [(0, "r0", 10), (1, "r1", 20)]
    assert "unseen check" not in node.log  # nothing unseen: the node is not asked

    summary = read_summary(run_dir)
    intended = {tx: i for tx, i, _, _ in sends}
    for index, (first, count) in enumerate([(0, 10), (10, 20)]):
        got = summary["rounds"][index]
        latency = sorted(mined[h][1] - intended[tx] for tx, h in heard[first : first + count])
        (block,) = {inclusions[tx] for tx in range(first, first + count)}  # the round fits one block
        window = [node.blocks[block - 2].time, node.blocks[block - 1].time]
        assert (got["sent"], got["confirmed"], got["success_rate"]) == (count, count, 1.0)
        assert (got["failed"], got["timed_out"], got["pending"]) == ({}, 0, 0)
        assert got["window_s"] == window
        assert got["throughput_tps"] == pytest.approx(count / (window[1] - window[0]))
        assert got["latency_s"]["p50"] == pytest.approx(latency[count // 2 - 1], abs=1e-6)
        assert got["latency_s"]["max"] == pytest.approx(latency[-1], abs=1e-6)
        assert got["latency_s"]["confirmed_fraction"] == 1.0
        assert got["send_rate_tps"] == pytest.approx(20.0, rel=1e-4)
    assert summary["plan"]["tx_count"] == 30
    assert summary["plan"]["fake_payloads"] == "sha256 of 'round:sender:nonce'"


@pytest.mark.parametrize("stop_at", ["identify", "plan", "prepare", "send 13", "unseen check", "receipts"])
def test_ctrl_c_between_stages_keeps_the_store_and_writes_the_outputs(
    stop_at: str, run: Callable[..., Any], tmp_path: Path
) -> None:
    node = FakeNode(hold={15: PENDING}, stop_at=stop_at)
    with pytest.raises(KeyboardInterrupt):
        run(node, _workload(10, 10))
    run_dir = only_run_dir(tmp_path / "out")
    reached = "round 1" if stop_at == "send 13" else stop_at
    assert [s for s in node.log if s in STAGES] == list(STAGES[: STAGES.index(reached) + 1])
    assert node.log[-1] == "closed"  # the connector is closed however the run ends
    assert ("observer stopped" in node.log) == ("observer started" in node.log)
    assert _threads_left() == []

    planned = stop_at not in ("identify", "plan")
    heard = [(r.tx_id, tx_hash(r.raw)) for r in node.received]
    mined = _mined(node)
    with _store(run_dir) as store:
        meta = store.meta()
        assert store.query("SELECT COUNT(*) FROM rounds") == [(2 if planned else 0,)]
        assert store.query("SELECT COUNT(*) FROM txs") == [(20 if planned else 0,)]
        assert [tx for (tx,) in store.query("SELECT tx FROM sends ORDER BY tx")] == [t for t, _ in heard]
        assert dict(store.query("SELECT tx, block FROM inclusions")) == {
            t: mined[h][0] for t, h in heard if h in mined
        }
        assert store.query("SELECT COUNT(*) FROM receipts") == [(0,)]
        unseen = store.query("SELECT tx, reason FROM unseen")
    assert unseen == ([(15, PENDING)] if stop_at == "receipts" else [])
    assert meta["status"] == "interrupted"
    assert ("target" in meta) == (stop_at != "identify")
    summary = read_summary(run_dir)
    assert summary["status"] == "interrupted"
    assert (run_dir / "report.html").read_text(encoding="utf-8").rstrip().endswith("</html>")
    if stop_at == "send 13":  # round 1 sent 10, 11, 12 before Ctrl-C; no block came after them
        got = summary["rounds"][1]
        assert (got["sent"], got["confirmed"], got["pending"], got["timed_out"]) == (3, 0, 3, 0)
        assert summary["rounds"][0]["confirmed"] == 10


def test_a_sigterm_mid_round_is_recorded_as_terminated(run: Callable[..., Any], tmp_path: Path) -> None:
    """A SIGTERM reaches the engine as Terminated (a KeyboardInterrupt): the same cleanup, its own status."""
    node = FakeNode(stop_at="send 4", stop_with=Terminated)
    with pytest.raises(Terminated):
        run(node, _workload(10))
    run_dir = only_run_dir(tmp_path / "out")
    summary = read_summary(run_dir)
    assert summary["status"] == "terminated"
    assert summary["rounds"][0]["sent"] == 4
    assert node.log[-1] == "closed" and _threads_left() == []


def test_a_node_that_mines_no_block_fails_the_run_and_keeps_its_outputs(
    run: Callable[..., Any], tmp_path: Path
) -> None:
    """The clock starts only on a block the observer saw arrive; a node with none in 60 s of run clock
    fails the run (a TargetError), after planning and preparing, with the outputs written."""
    node = FakeNode(block_time=3600.0)
    with pytest.raises(TargetError, match=r"^no new block within 60 s; is the node producing blocks\?$"):
        run(node, _workload(10))
    summary = read_summary(only_run_dir(tmp_path / "out"))
    assert (summary["status"], summary["error"]) == (
        "failed",
        "no new block within 60 s; is the node producing blocks?",
    )
    assert [r["sent"] for r in summary["rounds"]] == [0]
    assert "round 0" not in node.log and node.log[-1] == "closed"


def test_a_lost_worker_has_later_rounds_re_signed(run: Callable[..., Any]) -> None:
    """Round 0 sends 8 of its 12 (worker 1 lost): each account's nonce 2 was never used, so the engine has
    rounds 1 and 2 signed again from the node's nonces, stores them, and sends those."""
    node = FakeNode()
    run_dir, progress, _ = run(node, _workload(12, 12, 12), short={0: Short(8, (1,))})
    (later,) = node.resigned
    assert [r.index for r in later] == [1, 2]
    assert later[0].nonces.tolist() == [3] * 4 + [4] * 4 + [5] * 4  # as first planned
    assert later[1].nonces.tolist() == [6] * 4 + [7] * 4 + [8] * 4
    resigned = [(12 * r + i, payload(r, i % 4, 2 + 3 * (r - 1) + i // 4)) for r in (1, 2) for i in range(12)]
    assert [(x.tx_id, x.raw) for x in node.received if x.tx_id >= 12] == resigned  # the re-signed bytes
    assert [x.tx_id for x in node.received] == [*range(8), *range(12, 36)]
    assert node.next_nonce == dict.fromkeys(range(4), 8)  # no gap in any account's chain of writes
    with _store(run_dir) as store:
        stored = store.query("SELECT id, nonce, hash FROM txs WHERE round > 0 ORDER BY id")
        unsent = store.query(
            "SELECT t.id FROM txs t LEFT JOIN sends s ON s.tx = t.id WHERE s.tx IS NULL ORDER BY t.id"
        )
    assert [(tx, n, bytes(h)) for tx, n, h in stored] == [
        (tx, int(raw.split(b":")[2]), tx_hash(raw)) for tx, raw in resigned
    ]
    assert unsent == [(8,), (9,), (10,), (11,)]
    messages = [p.message for p in progress if p.message]
    assert "warning: worker 1 was lost in round 'r0'" in messages
    assert any(m.startswith("re-signed 24 transactions of later rounds in ") for m in messages)
    summary = read_summary(run_dir)
    assert [(r["planned"], r["sent"], r["confirmed"]) for r in summary["rounds"]] == [
        (12, 8, 8),
        (12, 12, 12),
        (12, 12, 12),
    ]
    assert "unseen check" not in node.log  # the unsent four were never watched for


def test_unseen_writes_are_classified_in_the_store_and_the_summary(run: Callable[..., Any]) -> None:
    """Txs 3, 5 and 7 are accepted and never mined; 8 and 9 are refused. After the window the node says
    3 is pending, 5 dropped, 7 included late; it is asked about 9 too (sender 1's, like 5) but not 8."""
    node = FakeNode(
        hold={3: PENDING, 5: DROPPED, 7: INCLUDED_LATE}, reject={8: "nonce too low", 9: "nonce too low"}
    )
    run_dir, progress, _ = run(node, _workload(10))
    raw = {r.tx_id: r.raw for r in node.received}
    assert sorted(node.asked_unseen, key=lambda w: w.tx_id) == [
        Write(3, "fake-account-3", 0, tx_hash(raw[3])),
        Write(5, "fake-account-1", 1, tx_hash(raw[5])),
        Write(7, "fake-account-3", 1, tx_hash(raw[7])),
        Write(9, "fake-account-1", 2, tx_hash(raw[9]), rejected=True),
    ]
    late = node.blocks[-1]
    assert late.hashes == (tx_hash(raw[7]),)
    with _store(run_dir) as store:
        unseen = store.query("SELECT tx, reason, next_nonce FROM unseen ORDER BY tx")
        inclusion = store.query("SELECT block, seen FROM inclusions WHERE tx = 7")
        receipt = store.query("SELECT status FROM receipts WHERE tx = 7")
        meta = store.meta()
    assert unseen == [(3, PENDING, 1), (5, DROPPED, 0), (7, INCLUDED_LATE, 0)]
    assert inclusion == [(late.number, late.time)]
    assert receipt == [(1,)]
    assert meta["unseen_check"] == {
        "at": late.time,
        "checked": 3,
        "by_reason": {DROPPED: 1, INCLUDED_LATE: 1, PENDING: 1},
        "pool": "fake-pool",
    }
    assert "waiting up to 3 s for 3 transactions to be included" in [p.message for p in progress]
    got = read_summary(run_dir)["rounds"][0]
    assert (got["sent"], got["confirmed"], got["included_late"]) == (10, 6, 1)
    assert got["failed"] == {"nonce": 2}
    assert (got["timed_out"], got["timed_out_by_reason"]) == (2, {DROPPED: 1, PENDING: 1})
    assert got["success_rate"] == 0.6
    assert got["latency_s"]["p99"] is None  # a never-confirmed write is censored, not left out
    assert got["latency_s"]["confirmed_fraction"] == 0.75
