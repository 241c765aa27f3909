"""Formats what the terminal and the HTML report both say of a round: latency cells that may be censored,
and sentences on its lost transactions and its verdict (pure: returns text)."""

from __future__ import annotations

from typing import Any

REASON_WORDS = {
    "pending": "pending (held as executable)",
    "queued": "queued (held, not executable)",
    "dropped": "dropped (the node no longer knows them)",
    "nonce-gap": "behind a nonce gap (an earlier nonce of the sender was dropped or rejected)",
    "unchecked": "not checked with the node",
}


def format_latency_ms(latency: dict[str, Any], key: str) -> str:
    """One latency figure in ms; a censored one (it lands on a write never confirmed) as "> N s"."""
    value = latency.get(key)
    if value is not None:
        return f"{value * 1000:,.1f}"
    above = latency.get("censored_above_s")
    return "-" if above is None else f"> {above:,.1f} s"


def format_success(round_summary: dict[str, Any]) -> str:
    rate = round_summary.get("success_rate")
    return "-" if rate is None else f"{rate * 100:.1f} %"


def format_verdict(round_summary: dict[str, Any]) -> str:
    """ "valid", or "INVALID: code, code" (a round from an older summary has no verdict: "-")."""
    if "valid" not in round_summary:
        return "-"
    if round_summary["valid"]:
        return "valid"
    return "INVALID: " + ", ".join(r["code"] for r in round_summary.get("invalid_reasons", []))


def describe_timeouts(round_summary: dict[str, Any]) -> str | None:
    """What the node did with the round's accepted writes that were never included, in one sentence."""
    timed_out = round_summary.get("timed_out") or 0
    if not timed_out:
        return None
    accepted = round_summary["sent"] - sum(
        n for reason, n in round_summary.get("failed", {}).items() if reason != "reverted"
    )
    by_reason: dict[str, int] = round_summary.get("timed_out_by_reason") or {}
    held = by_reason.get("pending", 0) + by_reason.get("queued", 0)
    head = f"{timed_out:,} of {accepted:,} accepted transactions were never included"
    if not by_reason:  # an older summary: the node was not asked
        text = head
    elif held == timed_out:
        states = [s for s in ("pending", "queued") if by_reason.get(s)]
        shown = f"as {states[0]}" if len(states) == 1 else ", ".join(f"{by_reason[s]:,} {s}" for s in states)
        text = f"{head}; the node still holds all of them, {shown}"
    else:
        parts = [f"{n:,} {REASON_WORDS.get(reason, reason)}" for reason, n in sorted(by_reason.items())]
        text = f"{head}: " + "; ".join(parts)
    queued_next = round_summary.get("queued_next_nonce") or 0
    if queued_next:
        text += f", with the next nonce of {queued_next:,} of their senders among the queued"
    late = round_summary.get("included_late") or 0
    if late:
        text += f" ({late:,} more were found in a block after the window and count as confirmed)"
    return text + "."


def describe_unrecorded(round_summary: dict[str, Any]) -> str | None:
    """The writes found in blocks whose send records were lost with a worker, in one sentence."""
    count = round_summary.get("included_unrecorded") or 0
    if not count:
        return None
    return (
        f"{count:,} transactions were found in blocks although their send records were lost with a worker; "
        "their send times are unknown, so no figure of the round counts them."
    )


def describe_verdict(round_summary: dict[str, Any]) -> list[str]:
    """One sentence per reason the round is invalid, then one per flag."""
    out = [f"invalid ({r['code']}): {r['detail']}" for r in round_summary.get("invalid_reasons", [])]
    out.extend(f"{f['code']}: {f['detail']}" for f in round_summary.get("flags", []))
    return out
