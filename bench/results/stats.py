"""Computes each round's headline numbers from the run store: counts, rates, exact latency percentiles.

Definitions (Hyperledger Performance & Scale WG, made precise):
  sent            submissions attempted in the round
  confirmed       included in a block and, once receipts were fetched, with status 1
  failed          rejected at submission (by reason) or reverted
  timed_out       accepted but never seen in a block by the end of the run plus the grace period; after
                  the window the node is asked what became of each (`timed_out_by_reason`: pending,
                  queued, dropped, nonce-gap; one found in a block after all is `included_late` and confirmed)
  included_unrecorded  writes seen in a block with no send record (a lost worker's last sends): counted
                  nowhere else, since their send times are unknown
  success rate    confirmed / sent (writes)
  latency         seen-in-block time minus *intended* send time (open loop: no coordinated omission), over
                  every write accepted at submission: one never confirmed (unseen, or reverted) counts as
                  +infinity (censored), so a percentile that lands on it has no finite value (null) and is
                  known only to exceed `censored_above_s`, the shortest time any of them was waited for (the
                  observer's last block sight minus its intended time); `confirmed_fraction` = confirmed /
                  accepted. `latency_confirmed` is the same over the confirmed writes alone.
  window          from the observer's sight of the block before the round's first inclusion to its
                  sight of the block holding the round's last inclusion: the blocks that carried the round
  throughput      confirmed / window length
  commit throughput  confirmed / (last confirmation seen - first intended send): Caliper's definition,
                  which a short round does not dilute with the block interval before its first send
  gas             `gas_used_p50`: the median gas used (from receipts) per confirmed write; `gas_used` their
                  sum; `gas_per_s` = gas_used / window length, beside throughput (also per kind, over the
                  round's window): 21k-gas transfers and 200k-gas swaps are comparable by it
  send rate       (sent - 1) / (last send - first send)
  schedule lag    actual send time minus intended send time; in a distributed run also per worker
                  (`by_worker`), so a worker that fell behind its share of the schedule shows
  reads           eth_call / eth_getBalance requests of a mix: ok or failed by reason, read latency =
                  answer time minus intended send time, read throughput = ok / (last answer - first
                  intended send); kept apart from the transactions above
  verdict         `valid`, `invalid_reasons` and `flags`: see bench.results.verdict
Percentiles are exact (nearest rank over every sample), never averages of averages.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from typing import Any

import numpy as np

from bench.results.percentiles import AcceptedLatency, Percentiles
from bench.results.reasons import INCLUDED_LATE, QUEUED, REVERTED, UNCHECKED, classify_rejection
from bench.results.round_data import RoundData, load_round
from bench.results.round_facts import RoundRow, round_facts
from bench.results.round_summary import (
    KindOutcome,
    ReadOutcome,
    RoundSummary,
    WorkerLag,
    WriteOutcome,
)
from bench.results.round_summary import rounded as _round
from bench.results.store import RunStore
from bench.results.verdict import judge

PERCENTILES = {"p50": (1, 2), "p90": (9, 10), "p99": (99, 100), "p999": (999, 1000)}  # exact fractions


def _rank(n: int, num: int, den: int) -> int:
    """The 1-based nearest rank of the num/den quantile among n values: ceil(n * num / den), at least 1.

    Integer arithmetic: 99.9 / 100 in floating point is 0.9990000000000001, one rank too high."""
    return max(1, -(-n * num // den))


def nearest_rank(ordered: np.ndarray, num: int, den: int) -> float:
    """The num/den quantile of ascending `ordered` by nearest rank: the ceil(n * num / den)-th value."""
    return float(ordered[_rank(len(ordered), num, den) - 1])


def percentiles(values: np.ndarray) -> Percentiles:
    """Exact nearest-rank percentiles plus max and mean, in the unit of `values`; None when empty."""
    if not len(values):
        return Percentiles()
    ordered = np.sort(values)
    ranked = {name: _round(nearest_rank(ordered, num, den)) for name, (num, den) in PERCENTILES.items()}
    return Percentiles(**ranked, max=_round(float(ordered[-1])), mean=_round(float(values.mean())))


def censored_percentiles(latency: np.ndarray, waits: np.ndarray) -> AcceptedLatency:
    """Percentiles over every accepted write: `latency` of the confirmed ones, and `waits` (how long each
    of the others had been waited for) of those never confirmed, which count as +infinity.

    A percentile whose rank lands on a never-confirmed write is None; so are max and mean when any is.
    `confirmed_fraction` is confirmed / accepted; `censored_above_s` the shortest wait of the others, a
    lower bound on every None percentile."""
    total = len(latency) + len(waits)
    ordered = np.sort(latency)
    ranked: dict[str, float | None] = {}
    for name, (num, den) in PERCENTILES.items():
        rank = _rank(total, num, den)
        ranked[name] = _round(float(ordered[rank - 1])) if total and rank <= len(ordered) else None
    whole = len(ordered) and not len(waits)
    return AcceptedLatency(
        **ranked,
        max=_round(float(ordered[-1])) if whole else None,
        mean=_round(float(latency.mean())) if whole else None,
        confirmed_fraction=_round(len(latency) / total) if total else None,
        censored_above_s=_round(max(0.0, float(waits.min())), 3) if len(waits) else None,
    )


def _write_outcomes(data: RoundData, finished: bool, observed_until: float | None) -> WriteOutcome:
    """Counts and latency of written transactions (`data` holds writes only); `observed_until` is when
    the run last saw a block (how long an unconfirmed write had been waited for)."""
    accepted = ~data.rejected
    included = accepted & ~np.isnan(data.included_seen)
    reverted = included & (data.status == 0)
    confirmed = included & ~reverted
    failed = Counter(classify_rejection(e) for e in data.errors if e is not None)
    if reverted.any():
        failed[REVERTED] = int(reverted.sum())
    unseen = accepted & ~included
    never = accepted & ~confirmed
    until = observed_until if observed_until is not None else float(np.nanmax(data.sent, initial=0.0))
    commit_span = float(data.included_seen[confirmed].max() - data.intended.min()) if confirmed.any() else 0.0
    latency = data.included_seen[confirmed] - data.intended[confirmed]
    reasons = [r for r, keep in zip(data.unseen, unseen, strict=True) if keep]
    late = [r for r, keep in zip(data.unseen, confirmed, strict=True) if keep]
    queued_next = unseen & data.next_nonce & np.array([r == QUEUED for r in data.unseen], dtype=bool)
    sent = len(data.errors)
    gas = data.gas_used[confirmed & ~np.isnan(data.gas_used)]
    return WriteOutcome(
        sent=sent,
        success_rate=_round(int(confirmed.sum()) / sent) if sent else None,
        confirmed=int(confirmed.sum()),
        included_late=late.count(INCLUDED_LATE),
        commit_throughput_tps=_round(int(confirmed.sum()) / commit_span) if commit_span > 0 else 0.0,
        failed=dict(sorted(failed.items())),
        timed_out=int(unseen.sum()) if finished else 0,
        timed_out_by_reason=dict(sorted(Counter(r or UNCHECKED for r in reasons).items()))
        if finished
        else {},
        queued_next_nonce=int(queued_next.sum()) if finished else 0,
        pending=0 if finished else int(unseen.sum()),
        latency_s=censored_percentiles(latency, until - data.intended[never]),
        latency_confirmed_s=percentiles(latency),
        gas_used_p50=int(nearest_rank(np.sort(gas), 1, 2)) if len(gas) else None,
        gas_used=int(gas.sum()),
    )


def _read_outcomes(data: RoundData) -> ReadOutcome:
    """Reads (`data` holds reads only): answered ok or failed by reason, latency from intended send time."""
    ok = np.array([e is None for e in data.errors], dtype=bool) & ~np.isnan(data.answered)
    failed = Counter(classify_rejection(e) for e in data.errors if e is not None)
    span = float(np.nanmax(data.answered) - np.nanmin(data.intended)) if ok.any() else 0.0
    return ReadOutcome(
        sent=len(data.errors),
        ok=int(ok.sum()),
        failed=dict(sorted(failed.items())),
        throughput_tps=_round(int(ok.sum()) / span) if span > 0 else 0.0,
        latency_s=percentiles(data.answered[ok] - data.intended[ok]),
    )


def worker_lags(store: RunStore, round_idx: int) -> dict[str, WorkerLag]:
    """Per worker of a distributed run: sends and schedule lag percentiles (empty without workers)."""
    rows = store.query(
        "SELECT s.worker, s.sent - s.intended FROM sends s JOIN txs t ON t.id = s.tx "
        "WHERE t.round = ? AND s.worker IS NOT NULL ORDER BY s.worker",
        (round_idx,),
    )
    lags: dict[int, list[float]] = {}
    for worker, lag in rows:
        lags.setdefault(int(worker), []).append(float(lag))
    return {str(w): WorkerLag(len(v), percentiles(np.array(v))) for w, v in sorted(lags.items())}


def summarize_round(
    store: RunStore,
    round_row: tuple[Any, ...],
    finished: bool,
    meta: dict[str, Any] | None = None,
    observed_until: float | None = None,
) -> RoundSummary:
    """Summarize one round; `finished` says timed-out can be decided (the run and its grace are over);
    `observed_until` is the run's last sight of a block (when unconfirmed writes stopped being watched).

    The headline numbers are the round's writes (transactions); reads are summarised apart, and every
    kind of a mix on its own in `by_kind`."""
    idx, label, warmup, controller, planned, started, ended, notes, cpu, load = round_row
    meta = meta if meta is not None else store.meta()
    locust = store.query("SELECT stats FROM rpc_stats WHERE round = ? ORDER BY rowid DESC LIMIT 1", (idx,))
    everything = load_round(store, idx)
    data = everything.only(~everything.reads)
    writes = _write_outcomes(data, finished, observed_until)
    by_kind: dict[str, KindOutcome] = {}
    for kind in sorted(set(everything.kinds)):
        mask = np.array([k == kind for k in everything.kinds], dtype=bool)
        part = everything.only(mask)
        by_kind[kind] = (
            _read_outcomes(part) if part.reads.all() else _write_outcomes(part, finished, observed_until)
        )
    lag = percentiles(everything.sent - everything.intended)
    submit = percentiles((data.answered - data.sent)[~np.isnan(data.answered)])
    row = RoundRow(
        idx, json.loads(controller), started, ended, cpu, json.loads(load or "{}"), json.loads(notes)
    )
    return RoundSummary(
        index=idx,
        label=label,
        warmup=bool(warmup),
        controller=row.controller,
        planned=planned,
        sent=writes.sent,
        confirmed=writes.confirmed,
        failed=writes.failed,
        timed_out=writes.timed_out,
        pending=writes.pending,
        send_rate_tps=_send_rate(data.sent),
        throughput_tps=0.0,
        latency_s=writes.latency_s,
        window_s=None,
        schedule_lag_s=lag,
        submit_latency_s=submit,
        notes=row.notes,
        generator_cpu_s=cpu,
        locust_submit=json.loads(locust[0][0]) if locust else {},
        reads=_read_outcomes(everything.only(everything.reads)) if everything.reads.any() else None,
        commit_throughput_tps=writes.commit_throughput_tps,
        by_kind=by_kind if len(by_kind) > 1 else {},
        by_worker=worker_lags(store, idx),
        success_rate=writes.success_rate,
        latency_confirmed_s=writes.latency_confirmed_s,
        timed_out_by_reason=writes.timed_out_by_reason,
        included_late=writes.included_late,
        included_unrecorded=_included_unrecorded(store, idx),
        queued_next_nonce=writes.queued_next_nonce,
        verdict=judge(round_facts(store, meta, row, everything, lag.p99, submit)),
        load=row.load,
        gas_used_p50=writes.gas_used_p50,
        gas_used=writes.gas_used,
    )


def _gas_rate(part: KindOutcome, length: float) -> KindOutcome:
    """A write kind's gas per second over its round's window (reads unchanged)."""
    if isinstance(part, WriteOutcome):
        return dataclasses.replace(part, gas_per_s=part.gas_used / length)
    return part


def _included_unrecorded(store: RunStore, round_idx: int) -> int:
    """Writes of the round seen in a block that have no send record: sent by a worker lost before it
    streamed their records (their send times are unknown, so no figure of the round counts them)."""
    return int(
        store.query(
            "SELECT COUNT(*) FROM txs t JOIN inclusions i ON i.tx = t.id LEFT JOIN sends s ON s.tx = t.id "
            "WHERE t.round = ? AND s.tx IS NULL",
            (round_idx,),
        )[0][0]
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
    meta = store.meta()
    finished = meta.get("status") == "completed"
    (until,) = store.query("SELECT MAX(seen) FROM blocks")[0]
    out = []
    for row in store.query(
        "SELECT idx, label, warmup, controller, planned, started, ended, notes, generator_cpu_s, load "
        "FROM rounds ORDER BY idx"
    ):
        summary = summarize_round(store, row, finished, meta, until)
        window = round_window(store, row[0])
        if window is not None and window[1] > window[0]:
            length = window[1] - window[0]
            summary = dataclasses.replace(
                summary,
                window_s=(_round(window[0], 3), _round(window[1], 3)),
                throughput_tps=summary.confirmed / length,
                gas_per_s=summary.gas_used / length,
                by_kind={k: _gas_rate(part, length) for k, part in summary.by_kind.items()},
            )
        out.append(summary)
    return out
