"""Reliability per fault (issue 12): what the network did before, during and after each fault of a run.

A fault is a step that takes a node away (kill, stop, pause, isolate) or an `exec` step; it ends when the
step that gives the node back (restart or start, resume, heal) is done, or, for an exec, when its command
ended. A fault never given back lasts until the load ends. Around each fault, three windows on the run
clock: *before* (from the load's start, or the previous fault's end, to the fault's start), *during* (to its
end), *after* (to the next fault's start, or the load's end: the last round's end). In each window:

- success rate: writes intended in the window that were confirmed (in a block, not reverted) / writes
  intended in it (reads excluded);
- throughput: confirmations per second, counted in whole blocks (the writes of the window's blocks after its
  first, over the time from its first block seen to its last); a window of fewer than 2 blocks: what it
  confirmed over its length, or none when it is shorter than 2 s.

**Recovery time**: from the fault's end until both (a) throughput is back to within 10 % of the before
window's over a 5 s window (the first 5 s, starting on a 0.1 s grid from the end, whose throughput is at
least 90 % of it: a backlog confirmed faster than before counts as back), and (b) the faulted node is back at the network's tip (first seen holding a block at least as high as
any node held by then; only where every node's tip was followed). `null`, with the reason, if that never happens
before the after window ends, or when the before window is shorter than 5 s or confirmed nothing, or the after
window is shorter than 5 s (too short to judge, said so).
Reorgs the observer (following node-0) saw from the fault's start to the after window's end, the blocks each
node was seen holding then that are not on node-0's final chain (a cut-off node's own branch), and the writes
intended during the fault never confirmed, by reason, and the writes sent again after the fault's end (a
restarted node-0 had lost them: bench.recovery), complete the record. Times are seconds since the load
started (`zero`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from bench.results.propagation import final_chain
from bench.results.reasons import REVERTED, UNCHECKED, classify_rejection
from bench.results.store import RunStore
from bench.workload.spec import FAULT_ENDS

RECOVERY_WINDOW_S = 5.0  # throughput is judged back over this many seconds
RECOVERY_TOLERANCE = 0.10  # within this fraction of the pre-fault mean
RECOVERY_STEP_S = 0.1  # candidate recovery instants are this far apart
MIN_WINDOW_S = 2.0  # a window with fewer than 2 blocks and shorter than this has no throughput
# what gives a node back after each fault: its `for:` end, or the other start of a stopped process
ENDS = {
    fault: (end, *{"restart": ("start",), "start": ("restart",)}.get(end, ()))
    for fault, end in FAULT_ENDS.items()
}


@dataclass(frozen=True, slots=True)
class StepRow:
    index: int
    fault: int
    node: int
    action: str
    intended: float
    started: float | None
    ended: float | None
    status: str
    detail: str


@dataclass(frozen=True, slots=True)
class Writes:
    """Every write's intended time, confirmation time (NaN if never) and why it was not confirmed."""

    intended: np.ndarray
    confirmed: np.ndarray
    reasons: list[str | None]

    def window(self, a: float, b: float) -> np.ndarray:
        return (self.intended >= a) & (self.intended < b)


def reliability(store: RunStore) -> list[dict[str, Any]] | None:
    """summary.json's `faults`, or None for a run without faults."""
    meta = store.meta().get("faults")
    if not meta:
        return None
    zero = float(meta["zero"])
    steps = [StepRow(*row) for row in store.query("SELECT * FROM faults ORDER BY idx")]
    load_end = _load_end(store, zero)
    writes = _writes(store)
    tips = store.query("SELECT node, number, seen, hash FROM node_tips ORDER BY seen, rowid")
    reorgs = store.reorgs()
    resends = store.query("SELECT at, first_error IS NOT NULL, error IS NOT NULL FROM resends")
    spans = _spans(steps, load_end)
    out = []
    for k, (step, end_step, end) in enumerate(spans):
        before_from = zero if k == 0 else (spans[k - 1][2] or load_end)
        after_to = load_end
        if k + 1 < len(spans) and spans[k + 1][0].started is not None:
            after_to = max(end or load_end, spans[k + 1][0].started or load_end)
        record = _fault(step, end_step, end, (before_from, after_to, load_end), zero, writes, tips, reorgs)
        if "windows_s" in record:  # the last fault's may come after the load's end (a restart at its end)
            until = after_to if k + 1 < len(spans) else float("inf")
            record["resent"] = _resent(resends, end if end is not None else load_end, until)
        out.append(record)
    return out


def _fault(
    step: StepRow,
    end_step: StepRow | None,
    end: float | None,
    bounds: tuple[float, float, float],
    zero: float,
    writes: Writes,
    tips: list[tuple[Any, ...]],
    reorgs: list[tuple[float, int, int, list[Any]]],
) -> dict[str, Any]:
    before_from, after_to, load_end = bounds
    record: dict[str, Any] = {
        "fault": step.fault,
        "node": step.node,
        "action": step.action,
        "status": step.status,
        "detail": step.detail,
        "intended_s": _rel(step.intended, zero),
        "started_s": _rel(step.started, zero),
        "end_action": end_step.action if end_step is not None else None,
        "ended_s": _rel(end, zero),
    }
    if step.started is None or (step.status != "done" and step.action != "exec"):
        record["recovery_s"] = None
        record["recovery_reason"] = "the fault was not applied"
        return record
    start, stop = step.started, end if end is not None else load_end
    windows = {"before": (min(before_from, start), start), "during": (start, stop), "after": (stop, after_to)}
    record["windows_s"] = {name: [_rel(a, zero), _rel(b, zero)] for name, (a, b) in windows.items()}
    record["success_rate"] = {name: _success(writes, a, b) for name, (a, b) in windows.items()}
    record["throughput_tps"] = {name: _throughput(writes, a, b) for name, (a, b) in windows.items()}
    recovery, reason, parts = _recovery(step, end, windows, writes, tips, zero)
    record["recovery_s"] = recovery
    record["recovery_reason"] = reason
    record["recovery_parts_s"] = parts
    hit = [r for r in reorgs if start <= r[0] < after_to]
    record["reorgs"] = {
        "count": len(hit),
        "orphaned_blocks": sum(r[2] for r in hit),
        "deepest": max((r[2] for r in hit), default=0),
    }
    record["orphaned_at_nodes"] = _orphaned(tips, start, after_to)
    record["lost_by_reason"] = _lost(writes, start, stop)
    return record


def _resent(rows: list[tuple[Any, ...]], a: float, b: float) -> dict[str, int]:
    """The writes sent again in [a, b] (after the fault's end), those of them refused the first time (the
    node was down) and those refused again."""
    hit = [row for row in rows if a <= row[0] <= b]
    return {
        "writes": len(hit),
        "refused_first": sum(int(row[1]) for row in hit),
        "refused_again": sum(int(row[2]) for row in hit),
    }


def _orphaned(tips: list[tuple[Any, ...]], a: float, b: float) -> dict[str, int]:
    """Per node, the blocks it was first seen holding in [a, b) that are not on node-0's final chain (the
    branch a cut-off node mined, say): what the observer, following node-0 alone, cannot see as a reorg."""
    final = final_chain((who, number, block) for who, number, _, block in tips)  # tips are in seen order
    out: dict[str, int] = {}
    seen_blocks: set[tuple[int, bytes]] = set()
    for who, number, seen, block in tips:
        key = (int(who), bytes(block))
        if key in seen_blocks:
            continue
        seen_blocks.add(key)
        height = int(number)
        if a <= seen < b and height in final and final[height] != bytes(block):
            out[f"node-{who}"] = out.get(f"node-{who}", 0) + 1
    return out


def _spans(steps: list[StepRow], load_end: float) -> list[tuple[StepRow, StepRow | None, float | None]]:
    """Each fault step with the step that ended it (None: never ended) and when its end was done."""
    out: list[tuple[StepRow, StepRow | None, float | None]] = []
    for i, step in enumerate(steps):
        if step.action == "exec":
            out.append((step, None, step.ended))
        elif step.action in ENDS:
            closing = next(
                (s for s in steps[i + 1 :] if s.node == step.node and s.action in ENDS[step.action]),
                None,
            )
            done = closing is not None and closing.status == "done" and closing.ended is not None
            out.append((step, closing, closing.ended if done and closing is not None else None))
    return out


def _recovery(
    step: StepRow,
    end: float | None,
    windows: dict[str, tuple[float, float]],
    writes: Writes,
    tips: list[tuple[Any, ...]],
    zero: float,
) -> tuple[float | None, str | None, dict[str, float | None]]:
    """(recovery seconds, why it is null, its parts: throughput back and node at tip, in s after the end)."""
    parts: dict[str, float | None] = {"baseline_tps": None, "throughput_back_s": None, "node_at_tip_s": None}
    if end is None:
        return None, "the fault never ended before the load did", parts
    before_a, before_b = windows["before"]
    if before_b - before_a < RECOVERY_WINDOW_S:
        return None, f"less than {RECOVERY_WINDOW_S:g} s of load before the fault to compare with", parts
    pre = _throughput(writes, before_a, before_b)
    if not pre:
        return None, "nothing was confirmed before the fault", parts
    parts["baseline_tps"] = pre
    after_b = windows["after"][1]
    if after_b - end < RECOVERY_WINDOW_S:
        return (
            None,
            f"only {after_b - end:.1f} s of load after the fault, less than the {RECOVERY_WINDOW_S:g} s "
            "throughput is judged over",
            parts,
        )
    back = _throughput_back(writes, end, after_b, pre)
    parts["throughput_back_s"] = None if back is None else round(back - end, 3)
    followed = {int(row[0]) for row in tips}
    at_tip: float | None = end
    if step.node in followed and len(followed) > 1:
        at_tip = _at_tip(step.node, end, tips)
        parts["node_at_tip_s"] = None if at_tip is None else round(at_tip - end, 3)
    if back is None:
        return (
            None,
            f"throughput never came back within {RECOVERY_TOLERANCE:.0%} of the {pre:.1f} tx/s before the "
            f"fault over {RECOVERY_WINDOW_S:g} s before the window after it ended",
            parts,
        )
    if at_tip is None:
        return None, f"node {step.node} was never seen at the network's tip again", parts
    return round(max(back, at_tip) - end, 3), None, parts


def _throughput_back(writes: Writes, end: float, until: float, pre: float) -> float | None:
    """The first instant from `end` at which the next 5 s confirm at least 90 % of `pre` tx/s (a backlog
    confirmed faster than before is recovered, not off by more than 10 %)."""
    for start in np.arange(end, until - RECOVERY_WINDOW_S + 1e-9, RECOVERY_STEP_S):
        rate = _throughput(writes, float(start), float(start) + RECOVERY_WINDOW_S)
        if rate is not None and rate >= (1 - RECOVERY_TOLERANCE) * pre:
            return float(start)
    return None


def _at_tip(node: int, end: float, tips: list[tuple[Any, ...]]) -> float | None:
    """When `node` was first seen, from `end`, holding a block as high as any node had been seen holding."""
    highest = -1
    for who, number, seen, _ in tips:  # ordered by seen
        if int(who) == node and seen >= end and number >= highest:
            return float(seen)
        if int(who) != node:
            highest = max(highest, int(number))
    return None


def _success(writes: Writes, a: float, b: float) -> float | None:
    mask = writes.window(a, b)
    sent = int(mask.sum())
    return round(float((~np.isnan(writes.confirmed[mask])).sum()) / sent, 4) if sent else None


def _throughput(writes: Writes, a: float, b: float) -> float | None:
    """Confirmations per second in [a, b), counted in whole blocks: the writes of the window's blocks after
    its first, over the time from the first block seen to the last (a block's writes arrive at once, so a
    count over the window's bare length would swing with where its edges fall between blocks). A window
    holding fewer than 2 blocks: what it confirmed over its length (0 for a stalled chain), or None when it
    is shorter than `MIN_WINDOW_S`."""
    inside = (writes.confirmed >= a) & (writes.confirmed < b)
    times = np.unique(writes.confirmed[inside])  # a block's writes share its seen time
    if times.size >= 2:
        after_first = int((writes.confirmed[inside] > times[0]).sum())
        return round(after_first / float(times[-1] - times[0]), 3)
    if b - a < MIN_WINDOW_S:
        return None
    return round(int(inside.sum()) / (b - a), 3)


def _lost(writes: Writes, a: float, b: float) -> dict[str, int]:
    mask = writes.window(a, b) & np.isnan(writes.confirmed)
    counts: dict[str, int] = {}
    for i in np.flatnonzero(mask):
        reason = writes.reasons[i] or UNCHECKED
        counts[reason] = counts.get(reason, 0) + 1
    return dict(sorted(counts.items()))


def _writes(store: RunStore) -> Writes:
    """Every write; confirmed as in bench.results.stats: seen in a block and not reverted."""
    rows = store.query(
        "SELECT s.intended, i.seen, s.error, u.reason, r.status FROM txs t JOIN sends s ON s.tx = t.id "
        "LEFT JOIN inclusions i ON i.tx = t.id LEFT JOIN unseen u ON u.tx = t.id "
        "LEFT JOIN receipts r ON r.tx = t.id WHERE length(t.hash) > 0"
    )
    intended = np.array([r[0] for r in rows], dtype=np.float64)
    confirmed = np.array([np.nan if r[1] is None or r[4] == 0 else r[1] for r in rows], dtype=np.float64)
    reasons = [
        classify_rejection(r[2]) if r[2] is not None else REVERTED if r[4] == 0 else r[3] for r in rows
    ]
    return Writes(intended, confirmed, reasons)


def _load_end(store: RunStore, zero: float) -> float:
    (ended,) = store.query("SELECT max(ended) FROM rounds")[0]
    return float(ended) if ended is not None else zero


def _rel(t: float | None, zero: float) -> float | None:
    return None if t is None else round(t - zero, 3)
