"""Gathers from the run store the facts a round's verdict is decided on (see `bench.results.verdict`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from bench.results.round_data import RoundData
from bench.results.store import RunStore
from bench.results.verdict import LAG_BOUND_S, RoundFacts
from bench.workload.rates import Loop, loop_of

RAN_OUT_NOTE = "the pre-signed pool ran out before the round's duration"
FREED_WITHIN_S = 0.010  # a late send this soon after an answer was waiting for a sender to be freed


@dataclass(frozen=True, slots=True)
class RoundRow:
    """A round's row of the store, as the facts need it."""

    index: int
    controller: dict[str, Any]
    started: float | None
    ended: float | None
    cpu_s: float | None
    load: dict[str, int]
    notes: list[str]


def round_facts(
    store: RunStore,
    meta: dict[str, Any],
    row: RoundRow,
    data: RoundData,
    lag_p99: float | None,
    submit: Mapping[str, float | None],
) -> RoundFacts:
    """The facts of one round from its rows `data` (writes and reads) and the run's `meta`."""
    loop = loop_of(str(row.controller.get("type", "")))
    open_loop = loop.open
    senders = row.load.get("users")
    sent, intended = data.sent, data.intended
    span = (
        (float(intended.max() - intended.min()), float(sent.max() - sent.min())) if len(sent) else (0.0, 0.0)
    )
    return RoundFacts(
        open_loop=open_loop,
        sent=len(sent),
        lag_p99_s=lag_p99,
        planned_rate_tps=(len(sent) - 1) / span[0] if open_loop and span[0] > 0 else None,
        send_rate_tps=(len(sent) - 1) / span[1] if span[1] > 0 else 0.0,
        shortfall_s=span[1] - span[0],
        generator_cpu=_generator_cpu(row),
        host_cpu=_host_cpu(store, meta, row),
        senders=senders,
        late_all_busy=_late_all_busy(intended, sent, data.answered, senders) if open_loop else None,
        submit_p50_s=submit.get("p50"),
        submit_p99_s=submit.get("p99"),
        backlog_fill=None if open_loop else _backlog_fill(row, loop, data),
        backlog_bound=_bound(row, loop),
        observer_lost=_observer_lost(meta, row, data),
        workers_lost=_workers_lost(meta, row.index),
        ran_out=any(RAN_OUT_NOTE in note for note in row.notes),
    )


def _generator_cpu(row: RoundRow) -> float | None:
    """CPU seconds per sending process per second of the round (1.0 = a whole core each)."""
    if row.cpu_s is None or row.started is None or row.ended is None or row.ended <= row.started:
        return None
    return row.cpu_s / (max(1, row.load.get("processes", 1)) * (row.ended - row.started))


def _host_cpu(store: RunStore, meta: dict[str, Any], row: RoundRow) -> float | None:
    """The machine's mean CPU use over the round, as a fraction of all its cores (host samples only)."""
    if row.started is None or row.ended is None:
        return None
    cores = meta.get("machine", {}).get("cores") or 1
    (mean,) = store.query(
        "SELECT AVG(cpu_percent) FROM resources WHERE source = 'host' AND t > ? AND t <= ?",
        (row.started, row.ended + 1.0),  # a 1 s sample ending just after the round covers its end
    )[0]
    return None if mean is None else float(mean) / (100.0 * cores)


def _late_all_busy(
    intended: np.ndarray, sent: np.ndarray, answered: np.ndarray, senders: int | None
) -> float | None:
    """Of the sends later than the lag bound, the share the senders held back: it left while every other
    sender was waiting for an answer, within FREED_WITHIN_S of an answer arriving (its own sender had
    just been freed). A late send from a sender that had been idle longer was the generator's doing."""
    late = sent - intended > LAG_BOUND_S
    if senders is None or not late.any():
        return None
    starts = np.sort(sent)
    ends = np.sort(np.where(np.isnan(answered), np.inf, answered))
    at = sent[late]
    others = np.searchsorted(starts, at, side="left") - np.searchsorted(ends, at, side="right")
    before = np.searchsorted(ends, at, side="right") - 1  # the last answer at or before each late send
    freed = np.where(before >= 0, at - ends[np.maximum(before, 0)], np.inf) <= FREED_WITHIN_S
    return float(np.mean((others >= senders - 1) & freed))


def _bound(row: RoundRow, loop: Loop) -> int | None:
    """The closed loop's slot count, as its stored description says (None: open loop, or not said)."""
    value = row.controller.get(loop.bound) if loop.bound else None
    if value is None:
        return None
    return int(value) or None  # a bound of 0 slots bounds nothing


def _backlog_fill(row: RoundRow, loop: Loop, data: RoundData) -> float | None:
    """Time-average of what was outstanding over [started, ended], as a fraction of the loop's bound.

    fixed-backlog / maximum-rate: an accepted write is outstanding from its send until its block is seen
    (for ever if never), a rejection or a read until its answer; fixed-concurrency (`by_answer`): every
    submission until its answer."""
    bound = _bound(row, loop)
    if bound is None or row.started is None or row.ended is None or row.ended <= row.started:
        return None
    by_answer = np.ones(len(data.sent), dtype=bool) if loop.by_answer else data.rejected | data.reads
    settled = np.where(by_answer, data.answered, data.included_seen)
    ends = np.where(np.isnan(settled), np.inf, settled)
    start, stop = row.started, row.ended
    times = np.concatenate([data.sent, ends])
    steps = np.concatenate([np.ones(len(ends)), -np.ones(len(ends))])
    order = np.argsort(times, kind="stable")
    times, level = times[order], np.cumsum(steps[order])
    edges = np.clip(np.append(times, stop), start, stop)
    area = float(np.sum(level * np.diff(edges)))
    return min(area / (bound * (stop - start)), 1.0)


def _observer_lost(meta: dict[str, Any], row: RoundRow, data: RoundData) -> str | None:
    """Why the observer stopped, if it did during the round (or within 1 s of its end), or later while
    some of its accepted writes were still not seen in a block: their fate was not observed."""
    lost = meta.get("observer_lost")
    if not isinstance(lost, dict) or row.started is None:
        return None
    at = float(lost.get("at", 0.0))
    waiting = bool((~data.rejected & ~data.reads & np.isnan(data.included_seen)).any())
    if at >= row.started and (row.ended is None or at <= row.ended + 1.0 or waiting):
        return str(lost.get("error", "the observer stopped"))
    return None


def _workers_lost(meta: dict[str, Any], index: int) -> tuple[str, ...]:
    nodes = meta.get("workers", {}).get("nodes", [])
    return tuple(
        f"worker {n['index']} was lost in the round; its unsent share was not sent"
        for n in nodes
        if n.get("lost_in_round") == index
    )
