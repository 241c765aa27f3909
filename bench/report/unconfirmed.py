"""Formats the warning for a round in which no transaction was confirmed (every one rejected, reverted or lost)."""

from __future__ import annotations

from bench.results.summary import RunSummary


def format_unconfirmed(summary: RunSummary) -> list[str]:
    """One `warning:` line per round of `summary` that sent transactions and had none confirmed."""
    lines = []
    for r in summary.rounds:
        if r.sent == 0 or r.confirmed > 0:
            continue
        reasons = ", ".join(f"{reason} {count:,}" for reason, count in r.failed.items()) or "none failed"
        lost = f", {r.timed_out:,} timed out" if r.timed_out else ""
        lines.append(
            f"warning: round {r.label!r}: none of its {r.sent:,} transactions was confirmed "
            f"(failed: {reasons}{lost}); its numbers measure no throughput"
        )
    return lines
