"""Writes a run's summary.json and report.html from its results store (used after a run and by `chainmark report`)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from bench.report.run_report import render_run_report
from bench.results.full_disk import disk_full_as_error
from bench.results.series import read_series
from bench.results.stats import summarize
from bench.results.store import RunStore
from bench.results.summary import RunSummary, run_summary


def write_outputs(store: RunStore, run_dir: Path) -> RunSummary:
    """Write summary.json and report.html into `run_dir`; return the summary."""
    summary = run_summary(store, summarize(store))
    report = render_run_report(read_series(store), summary)
    with disk_full_as_error(run_dir, store.records):  # summary.json: the record's JSON, made here once
        _replace(run_dir / "summary.json", json.dumps(summary.as_json(), indent=2, sort_keys=False) + "\n")
        _replace(run_dir / "report.html", report)
    return summary


def _replace(path: Path, text: str) -> None:
    """Write `text` to a temporary file beside `path`, then rename it over `path`: never a truncated file."""
    temporary = path.with_name(f".{path.name}.partial")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
