"""Formats the run report's notices: the errors (a block whose Merkle root did not match its header), and
the warnings: a run that did not complete, a worker's clock far off the master's, and per round what
shaped or lost its numbers (pure: returns HTML, every sentence escaped)."""

from __future__ import annotations

import html
import json
from typing import Any

from bench.report.chain_text import describe_chain
from bench.report.round_text import describe_timeouts, describe_unrecorded, describe_verdict
from bench.results.round_summary import RoundSummary
from bench.results.summary import RunSummary

LAG_WARN_S = 0.010
OFFSET_WARN_MS = 5.0


def render_warnings(meta: dict[str, Any], summary: RunSummary) -> str:
    """The warnings box, or "" when there is nothing to warn of; `meta` is the run's store metadata."""
    out = _run_warnings(meta)
    for r in summary.rounds:
        out.extend(f"Round {r.label!r}{sentence}" for sentence in _round_warnings(r))
    if not out:
        return ""
    return (
        '<div class="warnings"><h2>Warnings</h2><ul>'
        + "".join(f"<li>{html.escape(w, quote=True)}</li>" for w in out)
        + "</ul></div>"
    )


def render_errors(summary: RunSummary) -> str:
    """The errors box (the observed blocks cannot be trusted), or "" when there is none."""
    errors = [note.text for note in describe_chain(summary) if note.error]
    if not errors:
        return ""
    return (
        '<div class="errors"><h2>Errors</h2><ul>'
        + "".join(f"<li>{html.escape(e, quote=True)}</li>" for e in errors)
        + "</ul></div>"
    )


def _run_warnings(meta: dict[str, Any]) -> list[str]:
    out = []
    if meta.get("status") != "completed":
        out.append(
            f"The run did not complete (status: {meta.get('status')}); figures cover what was recorded."
        )
    for n in meta.get("workers", {}).get("nodes", []):
        if abs(n["offset_ms"]) > OFFSET_WARN_MS:
            out.append(
                f"Worker {n['index']}'s clock is {n['offset_ms']:+.1f} ms off the master's (more than "
                f"{OFFSET_WARN_MS:g} ms); its send times were corrected by the estimate."
            )
    return out


def _round_warnings(r: RoundSummary) -> list[str]:
    """The round's warnings, each the rest of a sentence that begins "Round 'label'"."""
    out = []
    if r.warmup:
        out.append(" is a warm-up: shown, but not a headline result.")
    lag = r.schedule_lag_s
    if lag.p99 is not None and lag.p99 > LAG_WARN_S:
        out.append(
            f": the generator fell behind its schedule (schedule lag p99 {lag.p99 * 1000:.1f} ms, "
            f"max {_ms(lag.max)} ms); latency still counts from the intended time."
        )
    out.extend(f": {sentence}" for sentence in (describe_timeouts(r), describe_unrecorded(r)) if sentence)
    out.extend(f" is {s}" if s.startswith("invalid") else f": {s}" for s in describe_verdict(r.verdict))
    if r.failed:
        out.append(f": failed transactions by reason: {json.dumps(r.failed)}.")
    out.extend(f": {note}" for note in r.notes)
    return out


def _ms(seconds: float | None) -> str:
    """A lag figure in ms to a tenth (there is always one when there is a p99)."""
    return f"{(seconds or 0.0) * 1000:.1f}"
