"""bench.results: a hand-built run store with known times -> exact counts, percentiles, window, rates, summary."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from bench.errors import ResultsError
from bench.results.reasons import classify_rejection
from bench.results.stats import PERCENTILES, RoundSummary, percentiles, round_window, summarize
from bench.results.store import SCHEMA_VERSION, RunStore
from bench.results.summary import SUMMARY_SCHEMA_VERSION, build_summary

FIXED_RATE = {"type": "fixed-rate", "tps": 100.0}
BACKLOG = {"type": "fixed-backlog", "in_flight": 4}


def _block(
    number: int, seen: float, tx_count: int = 1
) -> tuple[int, int, float, int, int, int, int | None, int | None]:
    return (number, int(seen), seen, tx_count, 21_000 * tx_count, 30_000_000, 7, 600)


def _fill(store: RunStore) -> None:
    """Three rounds with known times (see each block below).

    round 0 "steady" (fixed-rate, 100 txs): tx i intended at 1000 + i/100, sent 2 ms late, answered 5 ms
      after sending, seen in its own block 100 + i exactly (i + 1) ms after intended: latencies 1..100 ms.
      Block 99 (the parent of the first) was seen at 999.5.
    round 1 "mixed" (fixed-backlog, 10 planned, 9 sent): confirmed 100, 101 (receipt 1), 107 (no receipt);
      102 reverted (receipt 0); 103, 105 nonce and 104 insufficient funds rejections; 106 accepted never
      seen; 108 sent, never answered, never seen; 109 planned, never sent. Block 299 was not observed.
    round 2 "idle" (fixed-rate, 5 planned): nothing sent.
    """
    store.set_meta(workload="synthetic", seed=7, target={"url": "http://127.0.0.1:8545", "chain_id": 31337})
    store.add_round(0, "steady", False, FIXED_RATE, 100)
    store.add_round(1, "mixed", True, BACKLOG, 10)
    store.add_round(2, "idle", False, FIXED_RATE, 5)
    store.update_round(0, started=1000.0, ended=1001.0, notes=["a note"])
    store.update_round(1, started=2000.0, ended=2001.0)

    intended = [1000.0 + i / 100 for i in range(100)]
    seen = [t + (i + 1) / 1000 for i, t in enumerate(intended)]
    store.add_txs((i, 0, i, i % 10, i // 10, i.to_bytes(32, "big"), "transfer") for i in range(100))
    store.add_sends((i, t, t + 0.002, t + 0.007, None) for i, t in enumerate(intended))
    store.add_blocks([_block(99, 999.5, 0), *(_block(100 + i, s) for i, s in enumerate(seen))])
    store.add_inclusions((i, 100 + i, s) for i, s in enumerate(seen))
    store.add_receipts((i, 1, 21_000) for i in range(100))

    store.add_txs((100 + k, 1, k, k, 0, (100 + k).to_bytes(32, "big"), "transfer") for k in range(10))
    errors = {3: "nonce too low", 4: "Insufficient funds for gas * price + value", 5: "Nonce too high"}
    store.add_sends(
        (100 + k, 2000.0 + k / 10, 2000.01 + k / 10, None if k == 8 else 2000.02 + k / 10, errors.get(k))
        for k in range(9)
    )
    store.add_blocks([_block(300, 2001.0, 2), _block(301, 2001.5), _block(302, 2002.0)])
    store.add_inclusions([(100, 300, 2001.0), (101, 300, 2001.0), (102, 301, 2001.5), (107, 302, 2002.0)])
    store.add_receipts([(100, 1, 21_000), (101, 1, 21_000), (102, 0, 25_000)])


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    path = tmp_path / "results.sqlite"
    store = RunStore(path, create=True)
    _fill(store)
    store.close()
    return path


@pytest.fixture
def store(store_path: Path) -> Iterator[RunStore]:
    opened = RunStore(store_path)
    yield opened
    opened.close()


def _by_label(store: RunStore) -> dict[str, RoundSummary]:
    return {s.label: s for s in summarize(store)}


# ---- percentiles ---------------------------------------------------------------------------------------


def test_percentiles_nearest_rank_1_to_100_ms() -> None:
    values = np.arange(1, 101) / 1000.0
    assert percentiles(values) == {
        "p50": 0.05,
        "p90": 0.09,
        "p99": 0.099,
        "p999": 0.1,
        "max": 0.1,
        "mean": 0.0505,
    }


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([7.0], {"p50": 7.0, "p90": 7.0, "p99": 7.0, "p999": 7.0, "max": 7.0, "mean": 7.0}),
        ([3.0, 1.0], {"p50": 1.0, "p90": 3.0, "p99": 3.0, "p999": 3.0, "max": 3.0, "mean": 2.0}),
        ([1.0, 2.0, 3.0, 4.0], {"p50": 2.0, "p90": 4.0, "p99": 4.0, "p999": 4.0, "max": 4.0, "mean": 2.5}),
        (
            [5.0] * 10 + [1000.0],
            {"p50": 5.0, "p90": 5.0, "p99": 1000.0, "p999": 1000.0, "max": 1000.0, "mean": 95.454545},
        ),
    ],
)
def test_percentiles_table(values: list[float], expected: dict[str, float]) -> None:
    assert percentiles(np.array(values)) == expected


@pytest.mark.parametrize("n", [1000, 2000, 10_000])
def test_percentiles_nearest_rank_large_samples(n: int) -> None:
    got = percentiles(np.arange(n, 0, -1, dtype=np.float64))
    assert (got["p50"], got["p90"], got["p99"]) == (n * 0.5, n * 0.9, n * 0.99)
    assert (got["max"], got["mean"]) == (n, (n + 1) / 2)


@pytest.mark.parametrize("n", [1000, 2000, 10_000])
def test_p999_nearest_rank_is_exact(n: int) -> None:
    assert percentiles(np.arange(1, n + 1, dtype=np.float64))["p999"] == n * 999 // 1000


def test_percentiles_empty() -> None:
    assert percentiles(np.array([])) == {
        "p50": None,
        "p90": None,
        "p99": None,
        "p999": None,
        "max": None,
        "mean": None,
    }
    assert set(PERCENTILES) == {"p50", "p90", "p99", "p999"}


# ---- counts, latency, window, rates --------------------------------------------------------------------


def test_steady_round(store: RunStore) -> None:
    steady = _by_label(store)["steady"]
    assert (steady.index, steady.warmup, steady.controller, steady.planned) == (0, False, FIXED_RATE, 100)
    assert (steady.sent, steady.confirmed, steady.failed) == (100, 100, {})
    assert (steady.timed_out, steady.pending) == (0, 0)
    confirmed = {"p50": 0.05, "p90": 0.09, "p99": 0.099, "p999": 0.1, "max": 0.1, "mean": 0.0505}
    # every write confirmed: the latency over all accepted writes is the confirmed writes' latency
    assert steady.latency_s == {**confirmed, "confirmed_fraction": 1.0, "censored_above_s": None}
    assert steady.latency_confirmed_s == confirmed
    assert steady.success_rate == 1.0
    assert steady.window_s == (999.5, 1001.09)
    assert steady.throughput_tps == pytest.approx(100 / (1001.09 - 999.5))
    assert steady.send_rate_tps == pytest.approx(99 / 0.99)
    assert steady.schedule_lag_s["p50"] == pytest.approx(0.002)
    assert steady.schedule_lag_s["max"] == pytest.approx(0.002)
    assert steady.submit_latency_s["p99"] == pytest.approx(0.005)
    assert steady.notes == ["a note"]


@pytest.mark.parametrize(
    ("status", "timed_out", "pending"),
    [
        pytest.param("completed", 2, 0, id="completed"),
        pytest.param("running", 0, 2, id="running"),
        pytest.param(None, 0, 2, id="no-status"),
        pytest.param(
            "interrupted",
            0,
            2,
            id="interrupted",
        ),
        pytest.param(
            "failed",
            0,
            2,
            id="failed",
        ),
    ],
)
def test_mixed_round(store_path: Path, status: str | None, timed_out: int, pending: int) -> None:
    writer = RunStore(store_path)
    if status is not None:
        writer.set_meta(status=status)
    mixed = _by_label(writer)["mixed"]
    writer.close()
    assert (mixed.index, mixed.warmup, mixed.controller, mixed.planned) == (1, True, BACKLOG, 10)
    assert (mixed.sent, mixed.confirmed) == (9, 3)
    assert mixed.failed == {"insufficient-funds": 1, "nonce": 2, "reverted": 1}
    assert list(mixed.failed) == sorted(mixed.failed)
    assert (mixed.timed_out, mixed.pending) == (timed_out, pending)
    assert mixed.sent == mixed.confirmed + sum(mixed.failed.values()) + mixed.timed_out + mixed.pending


def test_mixed_round_latency_rates_and_window(store: RunStore) -> None:
    mixed = _by_label(store)["mixed"]
    # confirmed: 100 (2001.0 - 2000.0), 101 (2001.0 - 2000.1), 107 (2002.0 - 2000.7)
    assert mixed.latency_confirmed_s == {
        "p50": 1.0,
        "p90": 1.3,
        "p99": 1.3,
        "p999": 1.3,
        "max": 1.3,
        "mean": 1.066667,
    }
    # over the 6 accepted writes: the revert (102) and the unseen 106 and 108 count as +infinity, so only
    # p50 (rank 3 of 6) is finite; they were waited for until block 302's sight at 2002.0, 108 the least
    assert mixed.latency_s == {
        "p50": 1.3,
        "p90": None,
        "p99": None,
        "p999": None,
        "max": None,
        "mean": None,
        "confirmed_fraction": 0.5,
        "censored_above_s": 1.2,
    }
    assert mixed.success_rate == pytest.approx(3 / 9)
    # block 299 unseen: the window starts at the round's first send; it ends at block 302's sight
    assert mixed.window_s == (2000.01, 2002.0)
    assert mixed.throughput_tps == pytest.approx(3 / (2002.0 - 2000.01))
    assert mixed.send_rate_tps == pytest.approx(8 / 0.8)
    assert mixed.schedule_lag_s["p50"] == pytest.approx(0.01)
    assert mixed.submit_latency_s["max"] == pytest.approx(0.01)
    assert mixed.notes == []


def test_idle_round(store: RunStore) -> None:
    idle = _by_label(store)["idle"]
    assert (idle.sent, idle.confirmed, idle.failed, idle.timed_out, idle.pending) == (0, 0, {}, 0, 0)
    assert (idle.send_rate_tps, idle.throughput_tps, idle.window_s) == (0.0, 0.0, None)
    assert idle.latency_s == dict.fromkeys(
        ("p50", "p90", "p99", "p999", "max", "mean", "confirmed_fraction", "censored_above_s")
    )
    assert idle.success_rate is None


def test_a_write_in_a_block_without_a_send_record_is_counted_apart(store_path: Path) -> None:
    """Tx 109 was planned and never recorded as sent (a worker lost before streaming it) yet is in a block."""
    writer = RunStore(store_path)
    writer.add_blocks([_block(303, 2002.5)])
    writer.add_inclusions([(109, 303, 2002.5)])
    mixed = _by_label(writer)["mixed"]
    doc = build_summary(writer)
    writer.close()
    assert mixed.included_unrecorded == 1
    assert (mixed.sent, mixed.confirmed) == (9, 3), "its send time is unknown: it is in no other figure"
    assert [r["included_unrecorded"] for r in doc["rounds"]] == [0, 1, 0]


def test_round_window_ignores_reverted_inclusions(store_path: Path) -> None:
    writer = RunStore(store_path)
    writer.add_receipts([(107, 0, 21_000)])  # now block 302 holds only a revert: the window ends at 300
    assert round_window(writer, 1) == (2000.01, 2001.0)
    writer.close()


def test_round_window_needs_the_last_block_seen(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "r.sqlite", create=True)
    store.add_round(0, "a", False, FIXED_RATE, 1)
    store.add_txs([(0, 0, 0, 0, 0, b"\x01" * 32, "transfer")])
    store.add_sends([(0, 5.0, 5.0, 5.1, None)])
    assert round_window(store, 0) is None  # nothing included
    store.add_inclusions([(0, 8, 6.0)])
    assert round_window(store, 0) is None  # block 8 itself was never recorded
    store.add_blocks([_block(8, 6.0), _block(7, 4.0, 0)])
    assert round_window(store, 0) == (4.0, 6.0)
    (summary,) = summarize(store)
    assert (summary.confirmed, summary.window_s, summary.throughput_tps) == (1, (4.0, 6.0), 0.5)
    assert summary.send_rate_tps == 0.0  # one send: no rate
    store.close()


def test_zero_length_window_gives_no_throughput(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "r.sqlite", create=True)
    store.add_round(0, "a", False, FIXED_RATE, 1)
    store.add_txs([(0, 0, 0, 0, 0, b"\x01" * 32, "transfer")])
    store.add_sends([(0, 5.0, 6.0, 6.1, None)])
    store.add_inclusions([(0, 8, 6.0)])
    store.add_blocks([_block(8, 6.0)])  # parent unseen, first send == last block sight
    (summary,) = summarize(store)
    assert (summary.confirmed, summary.window_s, summary.throughput_tps) == (1, None, 0.0)
    assert summary.latency_s["max"] == 1.0
    store.close()


# ---- summary.json --------------------------------------------------------------------------------------


def test_build_summary_has_the_promised_keys(store: RunStore) -> None:
    summary = build_summary(store)
    assert summary["schema_version"] == SUMMARY_SCHEMA_VERSION == 2
    assert summary["workload"] == "synthetic"
    assert summary["seed"] == 7
    assert summary["target"] == {"url": "http://127.0.0.1:8545", "chain_id": 31337}
    assert {"status", "error", "started", "ended", "chainmark", "plan", "machine", "definitions"} <= set(
        summary
    )
    assert [r["label"] for r in summary["rounds"]] == ["steady", "mixed", "idle"]
    promised = {"label", "sent", "confirmed", "failed", "timed_out", "send_rate_tps", "throughput_tps"}
    promised |= {"latency_s", "window_s", "latency_confirmed_s", "success_rate", "timed_out_by_reason"}
    promised |= {"valid", "invalid_reasons", "flags"}
    for r in summary["rounds"]:
        assert promised <= set(r)
        assert set(r["latency_confirmed_s"]) == {"p50", "p90", "p99", "p999", "max", "mean"}
        assert set(r["latency_s"]) == set(r["latency_confirmed_s"]) | {
            "confirmed_fraction",
            "censored_above_s",
        }
    steady = summary["rounds"][0]
    assert steady["window_s"] == [999.5, 1001.09]
    assert steady["throughput_tps"] == round(100 / (1001.09 - 999.5), 6)
    assert steady["send_rate_tps"] == 100.0
    assert summary["rounds"][2]["window_s"] is None
    assert set(summary["definitions"]) >= {"latency_s", "throughput_tps", "window_s", "send_rate_tps"}


def test_summary_is_plain_json(store: RunStore) -> None:
    summary = build_summary(store)
    assert json.loads(json.dumps(summary, allow_nan=False)) == summary


def test_build_summary_accepts_precomputed_rounds(store: RunStore) -> None:
    summaries = summarize(store)[:1]
    assert [r["label"] for r in build_summary(store, summaries)["rounds"]] == ["steady"]


# ---- the store -----------------------------------------------------------------------------------------


def test_reopened_store_reads_the_same(store_path: Path) -> None:
    first = RunStore(store_path)
    before = (first.meta(), summarize(first))
    first.close()
    again = RunStore(store_path)
    assert (again.meta(), summarize(again)) == before
    assert again.meta()["schema_version"] == SCHEMA_VERSION
    assert again.query("SELECT COUNT(*) FROM txs") == [(110,)]
    assert again.query("SELECT COUNT(*) FROM sends") == [(109,)]
    again.close()


def test_meta_round_trips_json(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "r.sqlite", create=True)
    store.set_meta(a=[1, 2], b={"x": None}, c="text")
    store.set_meta(c="replaced")
    assert store.meta() == {"schema_version": SCHEMA_VERSION, "a": [1, 2], "b": {"x": None}, "c": "replaced"}
    store.close()


def test_inserts_replace_or_ignore_as_documented(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "r.sqlite", create=True)
    store.add_blocks([_block(1, 10.0)])
    store.add_blocks([_block(1, 99.0)])  # a block seen twice keeps its first sight
    store.add_inclusions([(0, 1, 10.0)])
    store.add_inclusions([(0, 2, 11.0)])
    store.add_txs([(0, 0, 0, 0, 0, b"a", "transfer")])
    store.add_txs([(0, 0, 0, 0, 1, b"b", "transfer")])  # a re-signed tx replaces the row
    assert store.query("SELECT seen FROM blocks") == [(10.0,)]
    assert store.query("SELECT block FROM inclusions") == [(1,)]
    assert store.query("SELECT nonce, hash FROM txs") == [(1, b"b")]
    store.close()


@pytest.mark.parametrize("version", [0, 99, "1", None])
def test_wrong_schema_version_is_refused(store_path: Path, version: object) -> None:
    writer = RunStore(store_path)
    writer.set_meta(schema_version=version)
    writer.close()
    with pytest.raises(
        ResultsError, match=rf"results schema_version {version}, this chainmark reads 1 to {SCHEMA_VERSION}$"
    ) as info:
        RunStore(store_path)
    assert info.value.exit_status == 2 and str(info.value).startswith(f"{store_path}: ")


def test_version_1_store_is_upgraded(store_path: Path) -> None:
    old = RunStore(store_path)
    old.db.executescript(
        "ALTER TABLE rounds DROP COLUMN generator_cpu_s; DROP TABLE resources; DROP TABLE prometheus;"
        " ALTER TABLE txs DROP COLUMN kind; ALTER TABLE sends DROP COLUMN worker;"
        " ALTER TABLE rounds DROP COLUMN load; DROP TABLE unseen; DROP TABLE reorgs; DROP TABLE node_tips;"
        " DROP TABLE faults; ALTER TABLE txs DROP COLUMN node; DROP TABLE mempool_seen; DROP TABLE resends;"
    )
    old.set_meta(schema_version=1)
    old.close()
    store = RunStore(store_path)
    assert store.meta()["schema_version"] == SCHEMA_VERSION == 10
    store.add_reorg(2.0, 9, [(10, b"\x01")])  # version 6's table
    assert store.reorgs() == [(2.0, 9, 1, [[10, "01"]])]
    store.add_node_tips([(1, 10, b"\x01", 2.5)])  # version 7's table
    assert store.query("SELECT node, number, seen FROM node_tips") == [(1, 10, 2.5)]
    store.add_fault_step((0, 0, 1, "kill", 3.0, 3.01, 3.02, "done", ""))  # version 8's table
    assert store.query("SELECT node, action, status FROM faults") == [(1, "kill", "done")]
    store.add_txs([(0, 0, 0, 1, 0, b"\x02", "transfer")])
    store.add_tx_nodes([(2, 0)])  # version 9's column
    assert store.query("SELECT node FROM txs WHERE id = 0") == [(2,)]
    store.add_mempool_seen([(0, 1, 4.5)])  # version 9's table
    assert store.query("SELECT tx, node, seen FROM mempool_seen") == [(0, 1, 4.5)]
    store.add_sends([(0, 1.0, 1.0, 1.0, "connection: refused")])
    store.add_resends([(0, 6.0, "connection: refused", None)])  # version 10's table
    assert store.query("SELECT tx, first_error, error FROM resends") == [(0, "connection: refused", None)]
    assert store.query("SELECT error FROM sends WHERE tx = 0") == [(None,)]  # held the second time: accepted
    store.update_round(0, generator_cpu_s=1.5)
    store.add_resources([(1.0, "node", 50.0, 1, 2, 3, 4, 5)])
    assert store.query("SELECT COUNT(*) FROM resources") == [(1,)]
    assert len(summarize(store)) == 3
    store.close()


def test_missing_store_is_not_created(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        RunStore(tmp_path / "nope.sqlite")
    assert not (tmp_path / "nope.sqlite").exists()


# ---- rejection reasons ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ("nonce too low", "nonce"),
        ("Nonce too high", "nonce"),
        ("invalid nonce; got 4, expected 3", "nonce"),
        ("insufficient funds for gas * price + value", "insufficient-funds"),
        ("Insufficient balance for transfer", "insufficient-funds"),
        ("replacement transaction underpriced", "underpriced"),
        ("transaction underpriced", "underpriced"),
        ("max fee per gas less than block base fee", "underpriced"),
        ("gas price too low", "underpriced"),
        ("intrinsic gas too low", "gas"),
        ("exceeds block gas limit", "gas"),
        ("out of gas", "gas"),
        ("txpool is full", "txpool-full"),
        ("already known", "already-known"),
        ("Transaction with the same hash was already imported.", "already-known"),
        ("connection: ConnectionRefusedError(111, 'Connection refused')", "connection"),
        ("connection: None", "connection"),
        ("Read timed out", "connection"),
        ("http 502", "connection"),
        ("http 429", "rate-limited"),
        ("rejected-other: answer is not JSON", "rejected-other"),
        ("execution reverted", "rejected-other"),
        ("", "rejected-other"),
    ],
)
def test_classify_rejection(message: str, reason: str) -> None:
    assert classify_rejection(message) == reason


def test_commit_throughput_runs_from_first_intended_send_to_last_confirmation(store: RunStore) -> None:
    rounds = _by_label(store)
    assert rounds["steady"].commit_throughput_tps == round(100 / (1001.09 - 1000.0), 6)
    assert rounds["mixed"].commit_throughput_tps == round(3 / (2002.0 - 2000.0), 6)  # 100, 101, 107 confirmed
    assert rounds["idle"].commit_throughput_tps == 0.0
    steady = build_summary(store)["rounds"][0]
    assert steady["commit_throughput_tps"] > steady["throughput_tps"], (
        "no block interval before the first send"
    )


def test_a_file_that_is_not_a_results_store_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "results.sqlite"
    path.write_text("garbage, not SQLite\n")
    with pytest.raises(
        ResultsError, match=r"results\.sqlite: not a chainmark results store \(file is not a database\)"
    ):
        RunStore(path)
