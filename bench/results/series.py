"""Reads from the run store the series a run report draws, as arrays in frozen records (no figures here).

Times are unix seconds. "Confirmed" is as in `bench.results.stats`: seen in a block and not reverted;
"accepted" is a write the node did not refuse at submission.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bench.results.reasons import REVERTED, classify_rejection
from bench.results.store import RunStore

_CONFIRMED = "s.error IS NULL AND (r.status IS NULL OR r.status = 1)"


@dataclass(frozen=True, slots=True)
class BlockSeries:
    """Every block the observer saw, in number order, with how many of its transactions were the run's."""

    number: np.ndarray
    seen: np.ndarray
    timestamp: np.ndarray
    gas_used: np.ndarray
    gas_limit: np.ndarray
    tx_count: np.ndarray
    ours: np.ndarray
    base_fee: np.ndarray  # wei; NaN where the block had none (a node without EIP-1559)


@dataclass(frozen=True, slots=True)
class ResourceSeries:
    """One source's 1 s samples (a process, or `host`: the whole machine)."""

    t: np.ndarray
    cpu_percent: np.ndarray
    rss_bytes: np.ndarray
    read_bytes: np.ndarray
    write_bytes: np.ndarray
    net_sent_bytes: np.ndarray
    net_recv_bytes: np.ndarray


@dataclass(frozen=True, slots=True)
class RunSeries:
    """Everything the run report draws besides summary.json."""

    meta: dict[str, Any]
    sent: np.ndarray  # every submission's send time
    seen: np.ndarray  # every inclusion's sight time
    confirmed_intended: np.ndarray  # per confirmed write: intended time ...
    confirmed_latency: np.ndarray  # ... and seen minus intended
    never_confirmed_intended: np.ndarray  # intended times of accepted writes never confirmed
    round_latency: dict[int, np.ndarray]  # round index -> its confirmed writes' latencies
    lag_intended: np.ndarray  # per submission, ordered by intended time: intended ...
    lag: np.ndarray  # ... and sent minus intended
    failures: dict[str, np.ndarray]  # reason -> send times (rejections and reverts)
    blocks: BlockSeries
    resources: dict[str, ResourceSeries] = field(default_factory=dict)
    prometheus: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    # a network's tip watchers (store node_tips), in sight order: node index, height, first seen at that node
    tips: tuple[np.ndarray, np.ndarray, np.ndarray] = field(
        default_factory=lambda: (np.zeros(0, dtype=int), np.zeros(0, dtype=int), np.zeros(0))
    )


def read_series(store: RunStore) -> RunSeries:
    """The report's series of the run in `store`."""
    confirmed = _columns(
        store.query(
            "SELECT s.intended, i.seen - s.intended FROM sends s JOIN inclusions i ON i.tx = s.tx "
            f"LEFT JOIN receipts r ON r.tx = s.tx WHERE {_CONFIRMED}"
        ),
        2,
    )
    lag = _columns(store.query("SELECT intended, sent - intended FROM sends ORDER BY intended"), 2)
    return RunSeries(
        meta=store.meta(),
        sent=_floats(store.query("SELECT sent FROM sends")),
        seen=_floats(store.query("SELECT seen FROM inclusions")),
        confirmed_intended=confirmed[0],
        confirmed_latency=confirmed[1],
        never_confirmed_intended=_floats(
            store.query(
                "SELECT s.intended FROM sends s JOIN txs t ON t.id = s.tx LEFT JOIN inclusions i ON i.tx = s.tx "
                "LEFT JOIN receipts r ON r.tx = s.tx WHERE s.error IS NULL AND length(t.hash) > 0 "
                "AND (i.tx IS NULL OR r.status = 0)"
            )
        ),
        round_latency={idx: _round_latencies(store, idx) for (idx,) in store.query("SELECT idx FROM rounds")},
        lag_intended=lag[0],
        lag=lag[1],
        failures=_failures(store),
        blocks=_blocks(store),
        resources=_resources(store),
        prometheus=_prometheus(store),
        tips=_tips(store),
    )


def _tips(store: RunStore) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows = store.query("SELECT node, number, seen FROM node_tips ORDER BY seen, rowid")
    return (
        np.array([r[0] for r in rows], dtype=int),
        np.array([r[1] for r in rows], dtype=int),
        np.array([r[2] for r in rows], dtype=float),
    )


def _floats(rows: list[tuple[Any, ...]]) -> np.ndarray:
    return np.array([v for (v,) in rows], dtype=float)


def _columns(rows: list[tuple[Any, ...]], width: int) -> list[np.ndarray]:
    if not rows:
        return [np.zeros(0) for _ in range(width)]
    return [np.array(c, dtype=float) for c in zip(*rows, strict=True)]


def _round_latencies(store: RunStore, idx: int) -> np.ndarray:
    return _floats(
        store.query(
            "SELECT i.seen - s.intended FROM txs t JOIN sends s ON s.tx = t.id JOIN inclusions i ON i.tx = t.id "
            f"LEFT JOIN receipts r ON r.tx = t.id WHERE t.round = ? AND {_CONFIRMED}",
            (idx,),
        )
    )


def _failures(store: RunStore) -> dict[str, np.ndarray]:
    by_reason: dict[str, list[float]] = {}
    for sent, error in store.query("SELECT sent, error FROM sends WHERE error IS NOT NULL"):
        by_reason.setdefault(classify_rejection(error), []).append(sent)
    reverted = store.query("SELECT s.sent FROM sends s JOIN receipts r ON r.tx = s.tx WHERE r.status = 0")
    if reverted:
        by_reason[REVERTED] = [t for (t,) in reverted]
    return {reason: np.array(times, dtype=float) for reason, times in sorted(by_reason.items())}


def _blocks(store: RunStore) -> BlockSeries:
    rows = store.query(
        "SELECT b.number, b.seen, b.timestamp, b.gas_used, b.gas_limit, b.tx_count, COUNT(i.tx), b.base_fee "
        "FROM blocks b LEFT JOIN inclusions i ON i.block = b.number GROUP BY b.number ORDER BY b.number"
    )
    return BlockSeries(*_columns(rows, 8))


def _resources(store: RunStore) -> dict[str, ResourceSeries]:
    out = {}
    for (source,) in store.query("SELECT DISTINCT source FROM resources ORDER BY source"):
        rows = store.query(
            "SELECT t, cpu_percent, rss_bytes, read_bytes, write_bytes, net_sent_bytes, net_recv_bytes "
            "FROM resources WHERE source = ? ORDER BY t",
            (source,),
        )
        out[source] = ResourceSeries(*_columns(rows, 7))
    return out


def _prometheus(store: RunStore) -> dict[tuple[str, str], tuple[np.ndarray, np.ndarray]]:
    out = {}
    for name, labels in store.query("SELECT DISTINCT name, labels FROM prometheus ORDER BY name, labels"):
        rows = store.query(
            "SELECT t, value FROM prometheus WHERE name = ? AND labels = ? ORDER BY t", (name, labels)
        )
        t, value = _columns(rows, 2)
        out[(name, labels)] = (t, value)
    return out
