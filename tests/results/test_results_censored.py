"""bench.results.stats: latency over every accepted write, the never-confirmed ones censored (+infinity),
and what the node said of the unseen ones, from hand-written samples and a hand-built run store."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from bench.results.stats import RoundSummary, censored_percentiles, percentiles, summarize
from bench.results.store import RunStore
from bench.results.summary import build_summary

NONE = dict.fromkeys(("p50", "p90", "p99", "p999", "max", "mean"))

# ---- censored_percentiles ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "latency",
    [
        pytest.param([0.3, 0.1, 0.2, 0.4], id="four"),
        pytest.param([7.0], id="one"),
        pytest.param(list(np.arange(1000, 0, -1) / 1000), id="thousand"),
    ],
)
def test_nothing_censored_is_plain_percentiles(latency: list[float]) -> None:
    values = np.array(latency)
    assert censored_percentiles(values, np.array([])) == {
        **percentiles(values),
        "confirmed_fraction": 1.0,
        "censored_above_s": None,
    }


@pytest.mark.parametrize(
    ("latency", "waits", "expected"),
    [
        pytest.param(
            [],
            [5.0, 2.34567, 9.0],
            {**NONE, "confirmed_fraction": 0.0, "censored_above_s": 2.346},
            id="all-censored",
        ),
        pytest.param(
            # 10 in all: p50 is rank 5 (the 5th confirmed), p90 rank 9, p99 and p999 rank 10: censored
            [0.6, 0.1, 0.5, 0.2, 0.4, 0.3],
            [7.0, 8.0, 9.0, 10.0],
            {**NONE, "p50": 0.5, "confirmed_fraction": 0.6, "censored_above_s": 7.0},
            id="6-of-10",
        ),
        pytest.param(
            [0.1, 0.2, 0.3, 0.4],  # rank 5 of 10 is past the 4 confirmed
            [1.0] * 6,
            {**NONE, "confirmed_fraction": 0.4, "censored_above_s": 1.0},
            id="4-of-10",
        ),
        pytest.param(
            [0.1, 0.2, 0.3, 0.4, 0.5],  # rank 5 of 10 is the last confirmed
            [1.0] * 5,
            {**NONE, "p50": 0.5, "confirmed_fraction": 0.5, "censored_above_s": 1.0},
            id="5-of-10",
        ),
        pytest.param(
            [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1],
            [4.0],
            {**NONE, "p50": 0.5, "p90": 0.9, "confirmed_fraction": 0.9, "censored_above_s": 4.0},
            id="9-of-10",
        ),
        pytest.param(
            list(np.arange(1, 100) / 100),  # p99 is rank 99 of 100, p999 rank ceil(99.9) = 100
            [3.0],
            {
                **NONE,
                "p50": 0.5,
                "p90": 0.9,
                "p99": 0.99,
                "confirmed_fraction": 0.99,
                "censored_above_s": 3.0,
            },
            id="99-of-100",
        ),
        pytest.param(
            list(np.arange(999, 0, -1) / 1000),  # p999 is rank 999 of 1000
            [3.0],
            {
                **NONE,
                "p50": 0.5,
                "p90": 0.9,
                "p99": 0.99,
                "p999": 0.999,
                "confirmed_fraction": 0.999,
                "censored_above_s": 3.0,
            },
            id="999-of-1000",
        ),
        pytest.param(
            # a censored write counts as +infinity even when it was waited for less than some confirmed
            # latencies: rank 3 of 5 is the third confirmed, 10.0
            [1.0, 2.0, 10.0, 11.0],
            [3.0],
            {**NONE, "p50": 10.0, "confirmed_fraction": 0.8, "censored_above_s": 3.0},
            id="short-wait-still-ranks-last",
        ),
        pytest.param(
            [0.2, 0.1],
            [-0.5, 3.0],  # observed until before an intended time: waited for no time at all
            {**NONE, "p50": 0.2, "confirmed_fraction": 0.5, "censored_above_s": 0.0},
            id="negative-wait-clamps-to-0",
        ),
        pytest.param(
            [], [-2.0], {**NONE, "confirmed_fraction": 0.0, "censored_above_s": 0.0}, id="negative-only"
        ),
        pytest.param([], [], {**NONE, "confirmed_fraction": None, "censored_above_s": None}, id="empty"),
    ],
)
def test_censored_percentiles(
    latency: list[float], waits: list[float], expected: dict[str, float | None]
) -> None:
    got = censored_percentiles(np.array(latency, dtype=np.float64), np.array(waits, dtype=np.float64))
    assert got == expected
    assert list(got) == [*NONE, "confirmed_fraction", "censored_above_s"]


@pytest.mark.parametrize("n", [1, 2, 3, 10, 99, 100, 1000, 1001])
def test_censored_percentile_is_finite_exactly_when_its_rank_is_confirmed(n: int) -> None:
    """n confirmed (latencies 1..n) and n censored: a percentile is its nearest rank ceil(2n * q) when
    that rank is at most n, else None."""
    got = censored_percentiles(np.arange(n, 0, -1, dtype=np.float64), np.full(n, 1e9))
    for name, q in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("p999", 0.999)):
        rank = -(-2 * n * round(q * 1000) // 1000)
        assert got[name] == (float(rank) if rank <= n else None), name
    assert got["confirmed_fraction"] == 0.5


# ---- unseen writes in a hand-built store ---------------------------------------------------------------

N = 10
LATENCY = [0.25 * (i + 1) for i in range(6)]  # tx 0..5 confirmed 0.25 .. 1.5 s after intended
UNSEEN = {6: ("dropped", True), 7: ("nonce-gap", False), 8: ("nonce-gap", False), 9: ("queued", True)}
LAST_SIGHT = 1010.0  # the observer's last block: the unseen were waited for until then


def _intended(i: int) -> float:
    return 1000.0 + i / 10


def _block(
    number: int, seen: float, tx_count: int = 1
) -> tuple[int, int, float, int, int, int, int | None, int | None]:
    return (number, int(seen), seen, tx_count, 21_000 * tx_count, 30_000_000, 7, 600)


def _fill(store: RunStore, *, unseen: dict[int, tuple[str, bool]], status: str | None = "completed") -> None:
    """One fixed-rate round of 10 writes: tx i intended at 1000 + i/10, sent 1 ms late, answered 5 ms later.

    tx 0..5 confirmed, each in its own block seen LATENCY[i] after intended; tx 5's block was learnt of
    only by the check after the window (`included-late`). tx 6..9 accepted and never seen in a block;
    `unseen` is what the node said of them. An empty block seen at 1010.0 is the run's last sight."""
    if status is not None:
        store.set_meta(status=status)
    store.add_round(0, "censored", False, {"type": "fixed-rate", "tps": 10.0}, N)
    store.update_round(0, started=1000.0, ended=1001.0, load={"users": 1, "processes": 1})
    store.add_txs((i, 0, i, i % 2, i // 2, (i + 1).to_bytes(32, "big"), "transfer") for i in range(N))
    store.add_sends((i, _intended(i), _intended(i) + 0.001, _intended(i) + 0.006, None) for i in range(N))
    seen = [_intended(i) + lat for i, lat in enumerate(LATENCY)]
    store.add_blocks([_block(99, 999.0, 0), *(_block(100 + i, s) for i, s in enumerate(seen))])
    store.add_blocks([_block(200, LAST_SIGHT, 0)])
    store.add_inclusions((i, 100 + i, s) for i, s in enumerate(seen))
    store.add_receipts((i, 1, 21_000) for i in range(len(LATENCY)))
    store.add_unseen([(5, "included-late", False), *((tx, r, nxt) for tx, (r, nxt) in unseen.items())])


@pytest.fixture
def store(tmp_path: Path) -> Iterator[RunStore]:
    opened = RunStore(tmp_path / "results.sqlite", create=True)
    _fill(opened, unseen=UNSEEN)
    yield opened
    opened.close()


def _only(store: RunStore) -> RoundSummary:
    (summary,) = summarize(store)
    return summary


def test_unseen_writes_by_what_the_node_said(store: RunStore) -> None:
    s = _only(store)
    assert (s.sent, s.confirmed, s.failed, s.timed_out, s.pending) == (10, 6, {}, 4, 0)
    assert s.timed_out_by_reason == {"dropped": 1, "nonce-gap": 2, "queued": 1}
    assert list(s.timed_out_by_reason) == sorted(s.timed_out_by_reason)
    assert s.queued_next_nonce == 1  # the dropped write's nonce was next too, but it is not queued
    assert s.success_rate == 0.6
    assert s.sent == s.confirmed + sum(s.failed.values()) + s.timed_out + s.pending


def test_included_late_counts_confirmed_not_timed_out(store: RunStore) -> None:
    s = _only(store)
    assert s.included_late == 1
    assert s.confirmed == 6
    assert "included-late" not in s.timed_out_by_reason
    assert s.latency_confirmed_s["max"] == 1.5  # tx 5's latency counts


def test_latency_over_accepted_writes_is_censored(store: RunStore) -> None:
    s = _only(store)
    # 10 accepted: p50 is rank 5, the 5th confirmed (1.25 s); p90 (rank 9) lands on an unseen write
    assert s.latency_s == {
        **NONE,
        "p50": 1.25,
        "confirmed_fraction": 0.6,
        "censored_above_s": round(LAST_SIGHT - _intended(9), 3),
    }
    assert s.latency_s["censored_above_s"] == 9.1
    ((expected,),) = store.query(
        "SELECT (SELECT MAX(seen) FROM blocks) - MAX(s.intended) FROM sends s JOIN unseen u ON u.tx = s.tx "
        "WHERE u.reason != 'included-late'"
    )
    assert s.latency_s["censored_above_s"] == round(expected, 3)
    assert s.latency_confirmed_s == percentiles(np.array(LATENCY))


@pytest.mark.parametrize("status", ["running", "interrupted", "failed", None])
def test_unfinished_run_has_pending_not_timed_out(tmp_path: Path, status: str | None) -> None:
    store = RunStore(tmp_path / "results.sqlite", create=True)
    _fill(store, unseen=UNSEEN, status=status)
    s = _only(store)
    store.close()
    assert (s.confirmed, s.timed_out, s.pending) == (6, 0, 4)
    assert (s.timed_out_by_reason, s.queued_next_nonce) == ({}, 0)
    assert s.success_rate == 0.6
    assert (s.latency_s["p50"], s.latency_s["p90"], s.latency_s["confirmed_fraction"]) == (1.25, None, 0.6)


@pytest.mark.parametrize(
    ("unseen", "by_reason", "queued_next"),
    [
        pytest.param({}, {"unchecked": 4}, 0, id="never-checked"),
        pytest.param(
            {6: ("dropped", True), 7: ("nonce-gap", False)},
            {"dropped": 1, "nonce-gap": 1, "unchecked": 2},
            0,
            id="partly",
        ),
        pytest.param({k: ("queued", k % 2 == 1) for k in range(6, 10)}, {"queued": 4}, 2, id="all-queued"),
        pytest.param({k: ("pending", True) for k in range(6, 10)}, {"pending": 4}, 0, id="all-pending"),
    ],
)
def test_timed_out_by_reason(
    tmp_path: Path, unseen: dict[int, tuple[str, bool]], by_reason: dict[str, int], queued_next: int
) -> None:
    store = RunStore(tmp_path / "results.sqlite", create=True)
    _fill(store, unseen=unseen)
    s = _only(store)
    store.close()
    assert (s.timed_out, s.timed_out_by_reason, s.queued_next_nonce) == (4, by_reason, queued_next)


def test_store_without_unseen_rows_is_all_unchecked(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "results.sqlite", create=True)
    _fill(store, unseen={})
    store.db.execute("DELETE FROM unseen")  # an older store: nobody asked the node
    s = _only(store)
    store.close()
    assert (s.timed_out_by_reason, s.included_late, s.queued_next_nonce) == ({"unchecked": 4}, 0, 0)
    assert s.confirmed == 6


def test_rejected_writes_count_in_success_rate_not_latency(store: RunStore) -> None:
    # two writes refused at submission, intended after every other: were they censored, the p50 rank (6
    # of 12) would be 1.5 and censored_above_s 8.5
    store.add_txs(
        [
            (10, 0, 10, 0, 5, (11).to_bytes(32, "big"), "transfer"),
            (11, 0, 11, 1, 5, (12).to_bytes(32, "big"), "transfer"),
        ]
    )
    store.add_sends(
        [(10, 1001.5, 1001.5, 1001.51, "nonce too low"), (11, 1001.6, 1001.6, 1001.61, "txpool is full")]
    )
    s = _only(store)
    assert (s.sent, s.confirmed, s.timed_out) == (12, 6, 4)
    assert s.failed == {"nonce": 1, "txpool-full": 1}
    assert s.success_rate == 0.5
    assert s.latency_s["confirmed_fraction"] == 0.6  # 6 of the 10 accepted
    assert (s.latency_s["p50"], s.latency_s["p90"], s.latency_s["censored_above_s"]) == (1.25, None, 9.1)
    assert s.timed_out_by_reason == {"dropped": 1, "nonce-gap": 2, "queued": 1}
    assert s.sent == s.confirmed + sum(s.failed.values()) + s.timed_out


def test_rejections_alone_leave_latency_whole(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "results.sqlite", create=True)
    _fill(store, unseen={})
    store.db.execute("DELETE FROM unseen")
    store.db.execute("UPDATE sends SET error = 'nonce too low' WHERE tx >= 6")  # the unseen were refused
    s = _only(store)
    store.close()
    assert (s.sent, s.confirmed, s.timed_out, s.failed) == (10, 6, 0, {"nonce": 4})
    assert s.success_rate == 0.6
    assert s.timed_out_by_reason == {}
    assert s.latency_s == {
        **percentiles(np.array(LATENCY)),
        "confirmed_fraction": 1.0,
        "censored_above_s": None,
    }


def test_reverted_write_is_censored_and_failed(store: RunStore) -> None:
    store.add_receipts([(0, 0, 25_000)])  # tx 0 was included but reverted
    s = _only(store)
    assert (s.confirmed, s.failed, s.timed_out) == (5, {"reverted": 1}, 4)
    assert s.success_rate == 0.5
    # 10 accepted, 5 confirmed (0.5 .. 1.5 s): rank 5 is the last of them
    assert (s.latency_s["p50"], s.latency_s["p90"], s.latency_s["confirmed_fraction"]) == (1.5, None, 0.5)
    assert s.latency_s["censored_above_s"] == 9.1  # tx 0 was waited for longer (10.0 s)
    assert "reverted" not in s.timed_out_by_reason


def test_summary_json_is_plain_json(store: RunStore) -> None:
    doc = build_summary(store)
    assert json.loads(json.dumps(doc, allow_nan=False)) == doc
    (r,) = doc["rounds"]
    assert r["latency_s"]["p90"] is None
    assert r["latency_s"]["censored_above_s"] == 9.1
    assert r["timed_out_by_reason"] == {"dropped": 1, "nonce-gap": 2, "queued": 1}
    assert (r["included_late"], r["queued_next_nonce"], r["success_rate"]) == (1, 1, 0.6)
    assert r["valid"] is True
