"""Formats what the terminal and the HTML report both say of a round: its cells that need more than a
number format (success, verdict, latency that may be censored), and sentences on its lost transactions
and its verdict (pure: returns text)."""

from __future__ import annotations

from bench.results.percentiles import Censored
from bench.results.round_summary import RoundSummary
from bench.results.verdict import Verdict

REASON_WORDS = {
    "pending": "pending (held as executable)",
    "queued": "queued (held, not executable)",
    "dropped": "dropped (the node no longer knows them)",
    "nonce-gap": "behind a nonce gap (an earlier nonce of the sender was dropped or rejected)",
    "unchecked": "not checked with the node",
}


def format_latency_ms(value: object) -> str:
    """One latency figure (seconds) in ms; a censored one (it lands on a write never confirmed) as "> N s"."""
    if isinstance(value, Censored):
        return f"> {value.above_s:,.1f} s"
    return "-" if not isinstance(value, int | float) else f"{value * 1000:,.1f}"


def format_success(rate: object) -> str:
    """A success rate (confirmed / sent) in %, "-" when nothing was sent."""
    return "-" if not isinstance(rate, int | float) else f"{rate * 100:.1f} %"


def format_verdict(verdict: Verdict | None) -> str:
    """ "valid", or "INVALID: code, code" (a round from an older summary has no verdict: "-")."""
    if verdict is None:
        return "-"
    if verdict.valid:
        return "valid"
    return "INVALID: " + ", ".join(f.code for f in verdict.invalid)


def describe_timeouts(round_summary: RoundSummary) -> str | None:
    """What the node did with the round's accepted writes that were never included, in one sentence."""
    timed_out = round_summary.timed_out
    if not timed_out:
        return None
    accepted = round_summary.sent - sum(
        n for reason, n in round_summary.failed.items() if reason != "reverted"
    )
    by_reason = round_summary.timed_out_by_reason
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
    if round_summary.queued_next_nonce:
        text += (
            f", with the next nonce of {round_summary.queued_next_nonce:,} of their senders among the queued"
        )
    if round_summary.included_late:
        text += f" ({round_summary.included_late:,} more were found in a block after the window and count as confirmed)"
    return text + "."


def describe_unrecorded(round_summary: RoundSummary) -> str | None:
    """The writes found in blocks whose send records were lost with a worker, in one sentence."""
    count = round_summary.included_unrecorded
    if not count:
        return None
    return (
        f"{count:,} transactions were found in blocks although their send records were lost with a worker; "
        "their send times are unknown, so no figure of the round counts them."
    )


def describe_verdict(verdict: Verdict | None) -> list[str]:
    """One sentence per reason the round is invalid, then one per flag."""
    if verdict is None:
        return []
    out = [f"invalid ({f.code}): {f.detail}" for f in verdict.invalid]
    out.extend(f"{f.code}: {f.detail}" for f in verdict.flags)
    return out
