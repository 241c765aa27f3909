"""Formats the warning for a round in which no transaction was confirmed (every one rejected, reverted or lost)."""

from __future__ import annotations

from typing import Any


def format_unconfirmed(summary: dict[str, Any]) -> list[str]:
    """One `warning:` line per round of `summary` that sent transactions and had none confirmed."""
    lines = []
    for entry in summary.get("rounds", []):
        sent, confirmed = entry.get("sent") or 0, entry.get("confirmed") or 0
        if sent == 0 or confirmed > 0:
            continue
        failed = entry.get("failed") or {}
        reasons = ", ".join(f"{reason} {count:,}" for reason, count in failed.items()) or "none failed"
        timed_out = entry.get("timed_out") or 0
        lost = f", {timed_out:,} timed out" if timed_out else ""
        lines.append(
            f"warning: round {entry.get('label')!r}: none of its {sent:,} transactions was confirmed "
            f"(failed: {reasons}{lost}); its numbers measure no throughput"
        )
    return lines
