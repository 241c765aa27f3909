"""Computes each round's headline numbers from the run store: counts, rates, exact latency percentiles.

Definitions (Hyperledger Performance & Scale WG, made precise):
  sent            submissions attempted in the round
  confirmed       included in a block and, once receipts were fetched, with status 1
  failed          rejected at submission (by reason) or reverted
  timed_out       accepted but never seen in a block by the end of the run plus the grace period
  latency         seen-in-block time minus *intended* send time (open loop: no coordinated omission)
  window          from the observer's sight of the block before the round's first inclusion to its
                  sight of the block holding the round's last inclusion: the blocks that carried the round
  throughput      confirmed / window length
  commit throughput  confirmed / (last confirmation seen - first intended send): Caliper's definition,
                  which a short round does not dilute with the block interval before its first send
  send rate       (sent - 1) / (last send - first send)
  schedule lag    actual send time minus intended send time; in a distributed run also per worker
                  (`by_worker`), so a worker that fell behind its share of the schedule shows
  reads           eth_call / eth_getBalance requests of a mix: ok or failed by reason, read latency =
                  answer time minus intended send time, read throughput = ok / (last answer - first
                  intended send); kept apart from the transactions above
Percentiles are exact (nearest rank over every sample), never averages of averages.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bench.results.reasons import REVERTED, classify_rejection
from bench.results.store import RunStore

PERCENTILES = {"p50": (1, 2), "p90": (9, 10), "p99": (99, 100), "p999": (999, 1000)}  # exact fractions


@dataclass(frozen=True, slots=True)
class RoundSummary:
    """One round's numbers, as written to summary.json."""

    index: int
    label: str
    warmup: bool
    controller: dict[str, Any]
    planned: int
    sent: int
    confirmed: int
    failed: dict[str, int]
    timed_out: int
    pending: int
    send_rate_tps: float
    throughput_tps: float
    latency_s: dict[str, float | None]
    window_s: tuple[float, float] | None
    schedule_lag_s: dict[str, float | None]
    submit_latency_s: dict[str, float | None]
    notes: list[str] = field(default_factory=list)
    generator_cpu_s: float | None = None
    locust_submit: dict[str, Any] = field(default_factory=dict)
    reads: dict[str, Any] | None = None
    by_kind: dict[str, dict[str, Any]] = field(default_factory=dict)
    commit_throughput_tps: float = 0.0
    by_worker: dict[str, dict[str, Any]] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        out = {
            "label": self.label,
            "warmup": self.warmup,
            "controller": self.controller,
            "planned": self.planned,
            "sent": self.sent,
            "confirmed": self.confirmed,
            "failed": self.failed,
            "timed_out": self.timed_out,
            "pending": self.pending,
            "send_rate_tps": _round(self.send_rate_tps),
            "throughput_tps": _round(self.throughput_tps),
            "commit_throughput_tps": self.commit_throughput_tps,
            "latency_s": self.latency_s,
            "window_s": list(self.window_s) if self.window_s else None,
            "schedule_lag_s": self.schedule_lag_s,
            "submit_latency_s": self.submit_latency_s,
            "notes": self.notes,
            "generator_cpu_s": None if self.generator_cpu_s is None else _round(self.generator_cpu_s, 3),
            "locust_submit": self.locust_submit,
            "reads": self.reads,
            "by_kind": self.by_kind,
        }
        if self.by_worker:  # distributed runs only
            out["by_worker"] = self.by_worker
        return out


@dataclass(frozen=True, slots=True)
class RoundData:
    """Per-transaction arrays of one round, aligned by row (NaN where a time does not exist)."""

    intended: np.ndarray
    sent: np.ndarray
    answered: np.ndarray
    errors: list[str | None]
    included_seen: np.ndarray
    block: np.ndarray
    status: np.ndarray  # 1 ok, 0 reverted, -1 receipt not fetched
    kinds: list[str]
    reads: np.ndarray  # True for a read (eth_call / eth_getBalance ...): answered, never in a block

    def only(self, mask: np.ndarray) -> RoundData:
        """The rows where `mask` is true."""
        return RoundData(
            self.intended[mask],
            self.sent[mask],
            self.answered[mask],
            [e for e, keep in zip(self.errors, mask, strict=True) if keep],
            self.included_seen[mask],
            self.block[mask],
            self.status[mask],
            [k for k, keep in zip(self.kinds, mask, strict=True) if keep],
            self.reads[mask],
        )


def load_round(store: RunStore, round_idx: int) -> RoundData:
    rows = store.query(
        "SELECT s.intended, s.sent, s.answered, s.error, i.seen, i.block, r.status, t.kind, length(t.hash) = 0 "
        "FROM txs t JOIN sends s ON s.tx = t.id LEFT JOIN inclusions i ON i.tx = t.id "
        "LEFT JOIN receipts r ON r.tx = t.id WHERE t.round = ? ORDER BY s.intended",
        (round_idx,),
    )
    col = list(zip(*rows, strict=True)) if rows else [()] * 9

    def floats(values: tuple[Any, ...]) -> np.ndarray:
        return np.array([np.nan if v is None else v for v in values], dtype=np.float64)

    return RoundData(
        intended=floats(col[0]),
        sent=floats(col[1]),
        answered=floats(col[2]),
        errors=list(col[3]),
        included_seen=floats(col[4]),
        block=np.array([-1 if v is None else v for v in col[5]], dtype=np.int64),
        status=np.array([-1 if v is None else v for v in col[6]], dtype=np.int64),
        kinds=list(col[7]),
        reads=np.array(col[8], dtype=bool),
    )


def nearest_rank(ordered: np.ndarray, num: int, den: int) -> float:
    """The num/den quantile of ascending `ordered` by nearest rank: the ceil(n * num / den)-th value.

    Integer arithmetic: 99.9 / 100 in floating point is 0.9990000000000001, one rank too high."""
    rank = max(1, -(-len(ordered) * num // den))
    return float(ordered[rank - 1])


def percentiles(values: np.ndarray) -> dict[str, float | None]:
    """Exact nearest-rank percentiles plus max and mean, in the unit of `values`; None when empty."""
    if not len(values):
        return {**dict.fromkeys(PERCENTILES), "max": None, "mean": None}
    ordered = np.sort(values)
    out: dict[str, float | None] = {
        name: _round(nearest_rank(ordered, num, den)) for name, (num, den) in PERCENTILES.items()
    }
    out["max"] = _round(float(ordered[-1]))
    out["mean"] = _round(float(values.mean()))
    return out


def _write_outcomes(data: RoundData, finished: bool) -> dict[str, Any]:
    """Counts and latency of written transactions (`data` holds writes only)."""
    accepted = np.array([e is None for e in data.errors], dtype=bool)
    included = accepted & ~np.isnan(data.included_seen)
    reverted = included & (data.status == 0)
    confirmed = included & ~reverted
    failed = Counter(classify_rejection(e) for e in data.errors if e is not None)
    if reverted.any():
        failed[REVERTED] = int(reverted.sum())
    unseen = int((accepted & ~included).sum())
    commit_span = float(data.included_seen[confirmed].max() - data.intended.min()) if confirmed.any() else 0.0
    return {
        "sent": len(data.errors),
        "confirmed": int(confirmed.sum()),
        "commit_throughput_tps": _round(int(confirmed.sum()) / commit_span) if commit_span > 0 else 0.0,
        "failed": dict(sorted(failed.items())),
        "timed_out": unseen if finished else 0,
        "pending": 0 if finished else unseen,
        "latency_s": percentiles(data.included_seen[confirmed] - data.intended[confirmed]),
    }


def _read_outcomes(data: RoundData) -> dict[str, Any]:
    """Reads (`data` holds reads only): answered ok or failed by reason, latency from intended send time."""
    ok = np.array([e is None for e in data.errors], dtype=bool) & ~np.isnan(data.answered)
    failed = Counter(classify_rejection(e) for e in data.errors if e is not None)
    span = float(np.nanmax(data.answered) - np.nanmin(data.intended)) if ok.any() else 0.0
    return {
        "sent": len(data.errors),
        "ok": int(ok.sum()),
        "failed": dict(sorted(failed.items())),
        "throughput_tps": _round(int(ok.sum()) / span) if span > 0 else 0.0,
        "latency_s": percentiles(data.answered[ok] - data.intended[ok]),
    }


def worker_lags(store: RunStore, round_idx: int) -> dict[str, dict[str, Any]]:
    """Per worker of a distributed run: sends and schedule lag percentiles (empty without workers)."""
    rows = store.query(
        "SELECT s.worker, s.sent - s.intended FROM sends s JOIN txs t ON t.id = s.tx "
        "WHERE t.round = ? AND s.worker IS NOT NULL ORDER BY s.worker",
        (round_idx,),
    )
    lags: dict[int, list[float]] = {}
    for worker, lag in rows:
        lags.setdefault(int(worker), []).append(float(lag))
    return {
        str(w): {"sent": len(v), "schedule_lag_s": percentiles(np.array(v))} for w, v in sorted(lags.items())
    }


def summarize_round(store: RunStore, round_row: tuple[Any, ...], finished: bool) -> RoundSummary:
    """Summarize one round; `finished` says timed-out can be decided (the run and its grace are over).

    The headline numbers are the round's writes (transactions); reads are summarised apart, and every
    kind of a mix on its own in `by_kind`."""
    idx, label, warmup, controller, planned, _started, _ended, notes, cpu = round_row
    locust = store.query("SELECT stats FROM rpc_stats WHERE round = ? ORDER BY rowid DESC LIMIT 1", (idx,))
    everything = load_round(store, idx)
    data = everything.only(~everything.reads)
    writes = _write_outcomes(data, finished)
    by_kind: dict[str, dict[str, Any]] = {}
    for kind in sorted(set(everything.kinds)):
        mask = np.array([k == kind for k in everything.kinds], dtype=bool)
        part = everything.only(mask)
        by_kind[kind] = _read_outcomes(part) if part.reads.all() else _write_outcomes(part, finished)
    return RoundSummary(
        index=idx,
        label=label,
        warmup=bool(warmup),
        controller=json.loads(controller),
        planned=planned,
        sent=writes["sent"],
        confirmed=writes["confirmed"],
        failed=writes["failed"],
        timed_out=writes["timed_out"],
        pending=writes["pending"],
        send_rate_tps=_send_rate(data.sent),
        throughput_tps=0.0,
        latency_s=writes["latency_s"],
        window_s=None,
        schedule_lag_s=percentiles(everything.sent - everything.intended),
        submit_latency_s=percentiles((data.answered - data.sent)[~np.isnan(data.answered)]),
        notes=json.loads(notes),
        generator_cpu_s=cpu,
        locust_submit=json.loads(locust[0][0]) if locust else {},
        reads=_read_outcomes(everything.only(everything.reads)) if everything.reads.any() else None,
        commit_throughput_tps=writes["commit_throughput_tps"],
        by_kind=by_kind if len(by_kind) > 1 else {},
        by_worker=worker_lags(store, idx),
    )


def _send_rate(sent: np.ndarray) -> float:
    if len(sent) < 2:
        return 0.0
    span = float(np.nanmax(sent) - np.nanmin(sent))
    return (len(sent) - 1) / span if span > 0 else 0.0


def round_window(store: RunStore, round_idx: int) -> tuple[float, float] | None:
    """The window of the blocks that carried the round (see module docstring), from observed block times."""
    rows = store.query(
        "SELECT MIN(i.block), MAX(i.block) FROM inclusions i JOIN txs t ON t.id = i.tx "
        "LEFT JOIN receipts r ON r.tx = i.tx WHERE t.round = ? AND (r.status IS NULL OR r.status = 1)",
        (round_idx,),
    )
    first, last = rows[0]
    if first is None:
        return None
    seen = dict(store.query("SELECT number, seen FROM blocks WHERE number IN (?, ?)", (first - 1, last)))
    if last not in seen:
        return None
    start = seen.get(first - 1)
    if start is None:  # the observer started after the parent block: fall back to the round's first send
        start = store.query(
            "SELECT MIN(s.sent) FROM sends s JOIN txs t ON t.id = s.tx WHERE t.round = ?", (round_idx,)
        )[0][0]
    return (float(start), float(seen[last]))


def summarize(store: RunStore) -> list[RoundSummary]:
    """Summaries of every round in order."""
    # Only a completed run waited out the grace period: elsewhere an unseen transaction is pending, not timed out.
    finished = store.meta().get("status") == "completed"
    out = []
    for row in store.query(
        "SELECT idx, label, warmup, controller, planned, started, ended, notes, generator_cpu_s FROM rounds ORDER BY idx"
    ):
        summary = summarize_round(store, row, finished)
        window = round_window(store, row[0])
        if window is not None and window[1] > window[0]:
            summary = dataclasses.replace(
                summary,
                window_s=(_round(window[0], 3), _round(window[1], 3)),
                throughput_tps=summary.confirmed / (window[1] - window[0]),
            )
        out.append(summary)
    return out


def _round(value: float, digits: int = 6) -> float:
    return round(value, digits)
