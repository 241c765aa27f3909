"""Renders a suite run's index page: one row per workload with its status, headline numbers and report link."""

from __future__ import annotations

import html
from pathlib import Path

from bench.results.summary import RunSummary


def render_suite_index(
    suite: str, version: int, runs: list[tuple[Path, RunSummary | None]], out: Path
) -> str:
    """The index.html of a suite run whose run folders (and their summaries, None if missing) are `runs`."""
    rows = []
    for run_dir, summary in runs:
        link = html.escape((run_dir.relative_to(out) / "report.html").as_posix(), quote=True)
        name = html.escape(run_dir.name)
        if summary is None:
            rows.append(f'<tr><td>{name}</td><td colspan="7">no summary (the run did not start)</td></tr>')
            continue
        for r in summary.rounds:
            if r.warmup:
                continue
            cells = [
                summary.workload,
                r.label,
                summary.status,
                f"{r.confirmed:,} / {r.sent:,}",
                f"{r.throughput_tps:,.1f}",
                _ms(r.latency_s.p50),
                _ms(r.latency_s.p99),
            ]
            tds = "".join(f"<td>{html.escape(str(c))}</td>" for c in cells)
            rows.append(f'<tr>{tds}<td><a href="{link}">{name}</a></td></tr>')
    title = html.escape(f"chainmark suite {suite} v{version}")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>body {{ font-family: system-ui, sans-serif; margin: 2em; }} table {{ border-collapse: collapse; }}
th, td {{ border: 1px solid #ccc; padding: 4px 8px; text-align: left; }} th {{ background: #f3f3f3; }}</style>
</head><body><h1>{title}</h1>
<p>One run folder per workload; headline rounds only (warm-ups excluded). Throughput in confirmed tx/s over
each round's window (the blocks that carried it); latency from intended send time to block sight, in ms.</p>
<table><tr><th>Workload</th><th>Round</th><th>Status</th><th>Confirmed / sent</th><th>Throughput (tx/s)</th>
<th>Latency p50 (ms)</th><th>p99 (ms)</th><th>Report</th></tr>
{"".join(rows)}
</table></body></html>
"""


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:,.1f}"
