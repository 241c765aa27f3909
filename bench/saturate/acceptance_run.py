"""Runs the acceptance suite after a saturation: each test a run of its own, then every criterion judged.

The suite's folder holds one run folder per test, acceptance.json (the maximum it was derived from, and
each criterion with its value and bound) and acceptance.html; `passed` is true only if every criterion passed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bench.engine import Progress, RunOptions, run_workload
from bench.report.acceptance_report import render_acceptance_report
from bench.results import acceptance as criteria
from bench.results.acceptance import Criterion
from bench.results.saturation import Saturation
from bench.results.store import RunStore
from bench.results.summary import read_summary
from bench.saturate.acceptance import AcceptanceTest

FILE, REPORT = "acceptance.json", "acceptance.html"


@dataclass(frozen=True, slots=True)
class AcceptanceResult:
    out_dir: Path
    criteria: tuple[Criterion, ...]
    run_dirs: dict[str, Path]

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.criteria)


def run_acceptance(
    sat: Saturation,
    sat_dir: Path,
    tests: tuple[AcceptanceTest, ...],
    options: RunOptions,
    on_progress: Callable[[Progress], None] | None = None,
) -> AcceptanceResult:
    """Run every test into `options.out_dir`, judge it, and write acceptance.json and acceptance.html there."""
    run_dirs: dict[str, Path] = {}
    found: list[Criterion] = []
    for test in tests:
        if on_progress is not None:
            last = test.workload.rounds[-1]
            on_progress(
                Progress(f"== acceptance: {test.name}, {last.duration:g} s at {last.rate.describe()}")
            )
        run_dirs[test.name] = run_workload(test.workload, options, on_progress).run_dir
        found.extend(judge(test.name, run_dirs[test.name]))
    result = AcceptanceResult(options.out_dir, tuple(found), run_dirs)
    doc = _document(sat, sat_dir, result)
    (options.out_dir / FILE).write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    (options.out_dir / REPORT).write_text(render_acceptance_report(doc), encoding="utf-8")
    return result


def judge(test: str, run_dir: Path) -> list[Criterion]:
    """The criteria of test `test` on its run folder (see bench.results.acceptance)."""
    summary = read_summary(run_dir / "summary.json")
    rnd = summary.round(test)
    if test == "stress":
        return [criteria.success_criterion(test, rnd, criteria.STRESS_SUCCESS)]
    if test == "spike":
        return [criteria.success_criterion(test, rnd, criteria.SPIKE_SUCCESS)]
    if rnd is None:
        return [Criterion(test, "ran", False, f"no round {test!r} in {run_dir}")]
    store = RunStore(run_dir / "results.sqlite")
    try:
        started, ended = store.query("SELECT started, ended FROM rounds WHERE idx = ?", (rnd.index,))[0]
        window = (float(started), float(ended))
        return [
            criteria.latency_flat(test, store, rnd.index, _block_interval(store, window)),
            criteria.memory_flat(test, store, window),
        ]
    finally:
        store.close()


def _block_interval(store: RunStore, window: tuple[float, float]) -> float:
    seen = [
        s for (s,) in store.query("SELECT seen FROM blocks WHERE seen BETWEEN ? AND ? ORDER BY seen", window)
    ]
    return float(np.median(np.diff(seen))) if len(seen) >= 2 else 0.0


def _document(sat: Saturation, sat_dir: Path, result: AcceptanceResult) -> dict[str, Any]:
    return {
        "saturation": {
            "path": str(sat_dir),
            "workload": sat.workload,
            "round": sat.round,
            "max_tps": sat.max_tps,
        },
        "passed": result.passed,
        "criteria": [c.as_json() for c in result.criteria],
        "runs": {name: str(path) for name, path in result.run_dirs.items()},
    }
