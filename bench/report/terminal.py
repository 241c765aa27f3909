"""Formats the terminal's texts: the live progress line and the final summary table (pure: returns text)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from bench.report.round_text import (
    describe_timeouts,
    describe_unrecorded,
    describe_verdict,
    format_latency_ms,
    format_success,
    format_verdict,
)


def format_progress(
    label: str, elapsed: float, planned_s: float | None, sent: int, confirmed: int, failed: int, tps: float
) -> str:
    """One progress line of a round."""
    planned = f"/{planned_s:.0f}s" if planned_s else "s"
    return (
        f"[{label}] {elapsed:5.1f}{planned}  sent {sent:,}  confirmed {confirmed:,}  "
        f"{tps:,.0f} tx/s  failed {failed:,}"
    )


RED, RESET = "\033[31m", "\033[0m"


def format_summary(summary: dict[str, Any], color: bool = False) -> str:
    """The final table of a run, one row per round, then what went wrong; `color` marks invalid rounds red."""
    head = (
        "round",
        "success",
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
        "verdict",
    )
    rows = [head]
    for r in summary["rounds"]:
        lat = r["latency_s"]
        rows.append(
            (
                r["label"] + (" (warm-up)" if r["warmup"] else ""),
                format_success(r),
                f"{r['sent']:,}",
                f"{r['confirmed']:,}",
                f"{sum(r['failed'].values()):,}",
                f"{r['timed_out']:,}",
                f"{r['send_rate_tps']:,.1f}",
                f"{r['throughput_tps']:,.1f}",
                format_latency_ms(lat, "p50"),
                format_latency_ms(lat, "p99"),
                format_latency_ms(lat, "max"),
                _ms(r["schedule_lag_s"]["p99"]),
                format_verdict(r),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = []
    for row in rows:
        cells = [
            c.rjust(w) if 0 < i < len(head) - 1 else c.ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        line = "  ".join(cells).rstrip()
        lines.append(_red(line, color) if row[-1].startswith("INVALID") else line)
    lines.insert(1, "  ".join("-" * w for w in widths))
    for r in summary["rounds"]:
        reads = r.get("reads")
        if reads:
            lines.append(
                f"{r['label']}: reads {reads['ok']:,} of {reads['sent']:,} answered, "
                f"{reads['throughput_tps']:,.1f}/s, p50 {_ms(reads['latency_s']['p50'])} ms, "
                f"p99 {_ms(reads['latency_s']['p99'])} ms"
            )
        for found in (describe_timeouts(r), describe_unrecorded(r)):
            if found:
                lines.append(f"{r['label']}: {found}")
        for sentence in describe_verdict(r):
            lines.append(_red(f"{r['label']}: {sentence}", color and sentence.startswith("invalid")))
    failed: Counter[str] = Counter()
    for r in summary["rounds"]:
        failed.update(r["failed"])
    if failed:
        lines.append("failures by reason: " + ", ".join(f"{k} {v}" for k, v in sorted(failed.items())))
    return "\n".join(lines)


def _red(text: str, color: bool) -> str:
    return f"{RED}{text}{RESET}" if color else text


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:,.1f}"
