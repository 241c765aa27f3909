"""Formats the terminal's texts: the live progress line and the final summary table (pure: returns text)."""

from __future__ import annotations

from collections import Counter

from bench.report.chain_text import describe_chain
from bench.report.columns import TERMINAL_COLUMNS
from bench.report.round_text import describe_timeouts, describe_unrecorded, describe_verdict
from bench.results.round_summary import RoundSummary
from bench.results.summary import RunSummary


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


def format_summary(summary: RunSummary, color: bool = False) -> str:
    """The final table of a run, one row per round, then what went wrong; `color` marks invalid rounds red."""
    lines = _table(summary, color)
    for r in summary.rounds:
        lines.extend(_round_lines(r, color))
    failed: Counter[str] = Counter()
    for r in summary.rounds:
        failed.update(r.failed)
    if failed:
        lines.append("failures by reason: " + ", ".join(f"{k} {v}" for k, v in sorted(failed.items())))
    lines.extend(_red(note.text, color and note.error) for note in describe_chain(summary))
    return "\n".join(lines)


def _table(summary: RunSummary, color: bool) -> list[str]:
    """The heading, a rule, and a row per round: the first and last columns left-aligned, numbers right."""
    rows = [[c.terminal_heading for c in TERMINAL_COLUMNS]]
    rows.extend([c.text(r) for c in TERMINAL_COLUMNS] for r in summary.rounds)
    last = len(TERMINAL_COLUMNS) - 1
    widths = [max(len(row[i]) for row in rows) for i in range(last + 1)]
    lines = []
    for row, r in zip(rows, (None, *summary.rounds), strict=True):
        cells = [
            c.rjust(w) if 0 < i < last else c.ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        line = "  ".join(cells).rstrip()
        lines.append(_red(line, color) if r is not None and not r.valid else line)
    lines.insert(1, "  ".join("-" * w for w in widths))
    return lines


def _round_lines(r: RoundSummary, color: bool) -> list[str]:
    """A round's reads, lost transactions and verdict, a sentence each."""
    lines = []
    if r.reads:
        lines.append(
            f"{r.label}: reads {r.reads.ok:,} of {r.reads.sent:,} answered, "
            f"{r.reads.throughput_tps:,.1f}/s, p50 {_ms(r.reads.latency_s.p50)} ms, "
            f"p99 {_ms(r.reads.latency_s.p99)} ms"
        )
    lines.extend(f"{r.label}: {found}" for found in (describe_timeouts(r), describe_unrecorded(r)) if found)
    for sentence in describe_verdict(r.verdict):
        lines.append(_red(f"{r.label}: {sentence}", color and sentence.startswith("invalid")))
    return lines


def _red(text: str, color: bool) -> str:
    return f"{RED}{text}{RESET}" if color else text


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:,.1f}"
