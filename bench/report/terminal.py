"""Formats the terminal's texts: the live progress line and the final summary table (pure: returns text)."""

from __future__ import annotations

from collections import Counter
from typing import Any


def format_progress(
    label: str, elapsed: float, planned_s: float | None, sent: int, confirmed: int, failed: int, tps: float
) -> str:
    """One progress line of a round."""
    planned = f"/{planned_s:.0f}s" if planned_s else "s"
    return (
        f"[{label}] {elapsed:5.1f}{planned}  sent {sent:,}  confirmed {confirmed:,}  "
        f"{tps:,.0f} tx/s  failed {failed:,}"
    )


def format_summary(summary: dict[str, Any]) -> str:
    """The final table of a run, one row per round."""
    head = (
        "round",
        "sent",
        "confirmed",
        "failed",
        "timed out",
        "send tx/s",
        "throughput tx/s",
        "p50 ms",
        "p99 ms",
        "max ms",
        "lag p99 ms",
    )
    rows = [head]
    for r in summary["rounds"]:
        lat = r["latency_s"]
        rows.append(
            (
                r["label"] + (" (warm-up)" if r["warmup"] else ""),
                f"{r['sent']:,}",
                f"{r['confirmed']:,}",
                f"{sum(r['failed'].values()):,}",
                f"{r['timed_out']:,}",
                f"{r['send_rate_tps']:,.1f}",
                f"{r['throughput_tps']:,.1f}",
                _ms(lat["p50"]),
                _ms(lat["p99"]),
                _ms(lat["max"]),
                _ms(r["schedule_lag_s"]["p99"]),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = [
        "  ".join(
            cell.rjust(w) if i else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    for r in summary["rounds"]:
        reads = r.get("reads")
        if reads:
            lines.append(
                f"{r['label']}: reads {reads['ok']:,} of {reads['sent']:,} answered, "
                f"{reads['throughput_tps']:,.1f}/s, p50 {_ms(reads['latency_s']['p50'])} ms, "
                f"p99 {_ms(reads['latency_s']['p99'])} ms"
            )
    failed: Counter[str] = Counter()
    for r in summary["rounds"]:
        failed.update(r["failed"])
    if failed:
        lines.append("failures by reason: " + ", ".join(f"{k} {v}" for k, v in sorted(failed.items())))
    return "\n".join(lines)


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:,.1f}"
