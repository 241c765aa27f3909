"""Writes a run's summary.json and report.html from its results store (used after a run and by `chainmark report`)."""

from __future__ import annotations

import json
from pathlib import Path

from bench.report.run_report import render_run_report
from bench.results.series import read_series
from bench.results.stats import summarize
from bench.results.store import RunStore
from bench.results.summary import build_summary


def write_outputs(store: RunStore, run_dir: Path) -> dict[str, object]:
    """Write summary.json and report.html into `run_dir`; return the summary."""
    summaries = summarize(store)
    summary = build_summary(store, summaries)
    (run_dir / "summary.json").write_text(
        json.dumps(summary, indent=2, sort_keys=False) + "\n", encoding="utf-8"
    )
    (run_dir / "report.html").write_text(render_run_report(read_series(store), summary), encoding="utf-8")
    return summary
