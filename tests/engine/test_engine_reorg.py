"""Reorgs and k-deep confirmation, in-process: the engine's observer on a fake chain that switches branches.

The fake node mines a block a second; a round of N transactions at 10 tx/s fills blocks 2, 3, ... with ten
each. A `FakeReorg` replaces the node's last blocks once one is mined and read; the observer learns of the
new branch from the next block's parent (or, at the very end, from the re-check after the drain).
Expectations come from the fake node's final chain and its orphaned blocks, not from the engine's output.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from bench.chains.registry import CHAINS
from bench.engine import RunOptions, run_workload
from bench.report.terminal import format_summary
from bench.results.reasons import DROPPED
from bench.results.store import RunStore
from bench.results.summary import RunSummary
from bench.workload.spec import Accounts, FixedRate, Round, Target, Workload
from tests.fakes.chain import T0, URL, FakeNode, FakeReorg, fake_family, tx_hash
from tests.fakes.runner import FakeRunners
from tests.runhelpers import read_summary

Run = Callable[..., Path]


def _workload(count: int, *, confirmations: int = 1, grace: float = 5.0) -> Workload:
    return Workload(
        name="fake-reorg",
        rounds=(Round(label="r0", rate=FixedRate(10.0), tx_count=count, line=1),),
        target=Target(chain="fake", url=URL, confirm_grace=grace, confirmations=confirmations),
        accounts=Accounts(count=4, seed=7),
        text="name: fake-reorg\n",
    )


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Run:
    def run(node: FakeNode, workload: Workload, runners: FakeRunners | None = None) -> Path:
        monkeypatch.setitem(CHAINS, "fake", fake_family(node))
        runners = runners or FakeRunners(node)
        result = run_workload(workload, RunOptions(tmp_path / "out"), None, node.clock, runners)
        assert result.status == "completed"
        return result.run_dir

    return run


@contextmanager
def _store(run_dir: Path) -> Iterator[RunStore]:
    store = RunStore(run_dir / "results.sqlite")
    try:
        yield store
    finally:
        store.close()


def _ids(node: FakeNode) -> dict[bytes, int]:
    return {tx_hash(r.raw): r.tx_id for r in node.received}


def _final(node: FakeNode) -> dict[int, int]:
    """tx id -> the number of the final best chain's block that holds it."""
    ids = _ids(node)
    return {ids[h]: b.number for b in node.blocks for h in b.hashes}


def _inclusions(run_dir: Path) -> dict[int, tuple[int, float]]:
    with _store(run_dir) as store:
        return {
            tx: (block, seen) for tx, block, seen in store.query("SELECT tx, block, seen FROM inclusions")
        }


def _reorg_rows(run_dir: Path) -> list[tuple[float, int, int, list[list[Any]]]]:
    with _store(run_dir) as store:
        return store.reorgs()


def _orphaned(node: FakeNode, *numbers: int) -> list[list[Any]]:
    by_number = {b.number: b for b in node.orphaned}
    return [[n, by_number[n].hash.hex()] for n in numbers]


def test_a_depth_1_reorg_re_including_at_the_same_height(run: Run) -> None:
    """Block 3 is replaced by a block holding the same transactions: they are confirmed in the new block 3,
    seen when the observer learnt of it (with block 4), and the reorg is recorded."""
    node = FakeNode(reorgs=[FakeReorg(at=3, depth=1)])
    run_dir = run(node, _workload(30))
    final = _final(node)
    assert sorted(final) == list(range(30))
    learnt = {2: T0 + 2, 3: T0 + 4, 4: T0 + 4}  # block 3's replacement reached us with block 4
    assert _inclusions(run_dir) == {tx: (n, learnt[n]) for tx, n in final.items()}
    assert _reorg_rows(run_dir) == [(T0 + 4, 2, 1, _orphaned(node, 3))]
    with _store(run_dir) as store:
        blocks = store.query("SELECT number, seen FROM blocks ORDER BY number")
    assert blocks == [(1, T0 + 1), (2, T0 + 2), (3, T0 + 4), (4, T0 + 4)]
    summary = read_summary(run_dir)
    assert summary["reorgs"] == {"count": 1, "orphaned_blocks": 1, "deepest": 1}
    assert summary["rounds"][0]["confirmed"] == 30


def test_a_depth_3_reorg_walks_back_to_the_fork(run: Run) -> None:
    node = FakeNode(reorgs=[FakeReorg(at=4, depth=3)])
    run_dir = run(node, _workload(40))
    final = _final(node)
    learnt = {2: T0 + 5, 3: T0 + 5, 4: T0 + 5, 5: T0 + 5}
    assert _inclusions(run_dir) == {tx: (n, learnt[n]) for tx, n in final.items()}
    assert _reorg_rows(run_dir) == [(T0 + 5, 1, 3, _orphaned(node, 2, 3, 4))]
    assert read_summary(run_dir)["reorgs"] == {"count": 1, "orphaned_blocks": 3, "deepest": 3}


def test_a_transaction_re_included_at_a_later_height_is_confirmed_there(run: Run) -> None:
    """The replacement block 3 is empty; block 3's transactions are mined again in block 4."""
    node = FakeNode(reorgs=[FakeReorg(at=3, depth=1, reinclude="later")])
    run_dir = run(node, _workload(30))
    orphaned_ids = {_ids(node)[h] for h in node.orphaned[0].hashes}
    assert len(orphaned_ids) == 10
    final = _final(node)
    assert {final[tx] for tx in orphaned_ids} == {4}
    assert _inclusions(run_dir) == {tx: (n, T0 + n) for tx, n in final.items()}
    with _store(run_dir) as store:
        (block_3,) = store.query("SELECT tx_count, seen FROM blocks WHERE number = 3")
    assert block_3 == (0, T0 + 4)


def test_a_transaction_only_in_the_losing_branch_is_not_confirmed(run: Run) -> None:
    node = FakeNode(reorgs=[FakeReorg(at=3, depth=1, lose=frozenset({12, 15}))])
    run_dir = run(node, _workload(30))
    final = _final(node)
    assert 12 not in final and 15 not in final
    assert {_ids(node)[h] for h in node.orphaned[0].hashes} >= {12, 15}
    assert set(_inclusions(run_dir)) == set(final) == set(range(30)) - {12, 15}
    with _store(run_dir) as store:
        unseen = store.query("SELECT tx, reason FROM unseen ORDER BY tx")
    assert unseen == [(12, DROPPED), (15, DROPPED)]
    got = read_summary(run_dir)["rounds"][0]
    assert (got["sent"], got["confirmed"], got["timed_out"]) == (30, 28, 2)


def test_the_re_check_after_the_drain_catches_a_reorg_of_the_last_block(run: Run) -> None:
    """Block 2 (the round's only block) is replaced after it was read and no block follows before the run
    ends: only the re-check against the final best chain sees it."""
    node = FakeNode(reorgs=[FakeReorg(at=2, depth=1, lose=frozenset({4}))])
    run_dir = run(node, _workload(10))
    assert set(_inclusions(run_dir)) == set(_final(node)) == set(range(10)) - {4}
    ((at, fork, depth, orphaned),) = _reorg_rows(run_dir)
    assert (fork, depth, orphaned) == (1, 1, _orphaned(node, 2))
    assert at >= T0 + 2
    assert read_summary(run_dir)["rounds"][0]["confirmed"] == 9


def test_k_deep_confirmation_is_seen_with_the_block_that_makes_it_k_deep(run: Run) -> None:
    """With confirmations 3 a transaction in block n is confirmed when block n + 2 is seen; the drain waits
    for the last round's block to get that deep; latency runs to that sight."""
    node = FakeNode()
    run_dir = run(node, _workload(30, confirmations=3))
    final = _final(node)
    assert _inclusions(run_dir) == {tx: (n, T0 + n + 2) for tx, n in final.items()}
    assert node.height >= 6  # the drain waited for blocks 5 and 6
    with _store(run_dir) as store:
        intended = dict(store.query("SELECT tx, intended FROM sends"))
    summary = read_summary(run_dir)
    assert summary["confirmations"] == 3
    got = summary["rounds"][0]
    assert got["confirmed"] == 30
    latency = sorted(T0 + final[tx] + 2 - intended[tx] for tx in final)
    assert got["latency_s"]["max"] == pytest.approx(latency[-1], abs=1e-6)


def test_a_reorg_before_depth_k_returns_transactions_to_the_watch_set(run: Run) -> None:
    """confirmations 3; blocks 3 and 4 are replaced by empty blocks once 4 is read: block 3's transactions
    (not yet 3 deep) and block 4's are mined again in block 5, confirmed when block 7 is seen; block 2's
    were confirmed by the orphaned block 4, so that is taken back and given by the new block 4."""
    node = FakeNode(reorgs=[FakeReorg(at=4, depth=2, reinclude="later")])
    runners = FakeRunners(node)
    run_dir = run(node, _workload(30, confirmations=3), runners)
    assert sorted(runners.runner.included_ids) == list(range(30))  # block 2's told once, not twice
    final = _final(node)
    assert sorted(set(final.values())) == [2, 5]
    confirmed_at = {2: T0 + 5, 5: T0 + 7}  # the new block 4 reached us with block 5
    assert _inclusions(run_dir) == {tx: (n, confirmed_at[n]) for tx, n in final.items()}
    assert _reorg_rows(run_dir) == [(T0 + 5, 2, 2, _orphaned(node, 3, 4))]
    assert read_summary(run_dir)["rounds"][0]["confirmed"] == 30


def test_a_write_in_a_block_not_deep_enough_at_the_end_is_pending(run: Run) -> None:
    """confirmations 5 and a 1 s grace: block 4's transactions never get 5 deep; they are pending, and the
    node is not asked about them (they are in a block)."""
    node = FakeNode()
    run_dir = run(node, _workload(30, confirmations=5, grace=1.0))
    with _store(run_dir) as store:
        reasons = dict(store.query("SELECT tx, reason FROM unseen"))
    final = _final(node)
    shallow = {tx for tx, n in final.items() if n + 4 > node.height}
    assert shallow and set(reasons) == shallow and set(reasons.values()) == {"pending"}
    assert "unseen check" not in node.log
    assert set(_inclusions(run_dir)) == set(final) - shallow


def test_the_family_s_block_record_reaches_the_summary_and_a_mismatch_is_an_error(run: Run) -> None:
    """`AfterWindow.record` is kept as the run's `blocks`; a Merkle mismatch is an error box in the report
    and a line on the terminal, with the reorgs and the confirmation depth beside it."""
    node = FakeNode(reorgs=[FakeReorg(at=3, depth=1)])
    node.block_record = {"seen": 6, "merkle_verified": 5, "merkle_mismatched": [3]}
    run_dir = run(node, _workload(30, confirmations=2))
    summary = read_summary(run_dir)
    assert summary["blocks"] == node.block_record
    report = (run_dir / "report.html").read_text(encoding="utf-8")
    assert '<div class="errors"><h2>Errors</h2><ul><li>error: the Merkle root recomputed' in report
    assert "(heights 3; 5 of 6 blocks matched)" in report
    assert "Latency to 2-deep: seen-in-block time" in report
    terminal = format_summary(RunSummary.from_json(summary)).splitlines()
    assert terminal[-3:] == [
        "error: the Merkle root recomputed from the txids of 1 observed blocks does not match their header "
        "(heights 3; 5 of 6 blocks matched): the kernels or the node are wrong",
        "latency to 2-deep: a write counts as confirmed when the block that makes its block 2 deep is seen, "
        "and its latency runs to that sight",
        "reorgs: 1 followed, 1 blocks orphaned, the deepest 1; only blocks of the final best chain confirm a write",
    ]


def test_a_family_without_block_checks_has_no_blocks_key_and_no_errors(run: Run) -> None:
    run_dir = run(FakeNode(), _workload(10))
    summary = read_summary(run_dir)
    assert "blocks" not in summary
    assert summary["reorgs"] == {"count": 0, "orphaned_blocks": 0, "deepest": 0}
    assert summary["confirmations"] == 1
    report = (run_dir / "report.html").read_text(encoding="utf-8")
    assert 'class="errors"' not in report and "Latency to inclusion: seen-in-block time" in report
    assert not [
        line for line in format_summary(RunSummary.from_json(summary)).splitlines() if "error" in line
    ]


def test_a_reorg_deeper_than_one_hashes_query_finds_its_fork(run: Run) -> None:
    """36 blocks replaced (the fork search asks 32 heights at a time): the fork is found in the second
    query, and every replaced block's transactions are confirmed in its replacement."""
    node = FakeNode(reorgs=[FakeReorg(at=40, depth=36)])
    run_dir = run(node, _workload(400))
    final = _final(node)
    assert sorted(final) == list(range(400))
    assert _inclusions(run_dir) == {tx: (n, T0 + (41 if n >= 5 else n)) for tx, n in final.items()}
    assert _reorg_rows(run_dir) == [(T0 + 41, 4, 36, _orphaned(node, *range(5, 41)))]
