"""Compares run folders against the first (the baseline) and writes index.html, comparison.md and comparison.json."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.report.compare_figures import comparison_figures
from bench.report.compare_html import render_comparison_html
from bench.report.compare_markdown import format_comparison_markdown
from bench.report.gates import check_gates, parse_gate
from bench.results.comparison import build_comparison, check_comparable, validity_warnings
from bench.results.run_folder import RunFolder, read_run_folder
from bench.results.run_labels import assign_labels


@dataclass(frozen=True, slots=True)
class Comparison:
    """What `compare_runs` wrote and found: the output folder, the warnings and the gates crossed."""

    out_dir: Path
    warnings: list[str]
    failed_gates: list[str]

    @property
    def index(self) -> Path:
        return self.out_dir / "index.html"


def compare_runs(
    run_dirs: Sequence[Path],
    out_dir: Path,
    *,
    labels: Sequence[str | None] | None = None,
    force: bool = False,
    allow_invalid: bool = False,
    gates: Sequence[str] = (),
) -> Comparison:
    """Read and label every run folder, refuse incomparable runs (unless `force`), write the three files,
    check `gates`; invalid rounds are left out of ratios, charts' headline bars and gates unless `allow_invalid`."""
    parsed = [parse_gate(g) for g in gates]  # a malformed gate fails before anything is read
    runs = _read_runs(run_dirs, labels if labels is not None else [None] * len(run_dirs))
    warnings = check_comparable(runs, force=force) + validity_warnings(runs, allow_invalid=allow_invalid)
    checked = check_gates(parsed, runs, allow_invalid=allow_invalid)
    warnings += [f"gate {note}" for result in checked for note in result.notes]
    doc = build_comparison(runs, warnings, allow_invalid=allow_invalid)
    doc["gates"] = [result.as_json() for result in checked]
    failed = [line for result in checked for line in result.failed]
    doc["failed_gates"] = failed
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "comparison.json").write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    (out_dir / "comparison.md").write_text(format_comparison_markdown(doc), encoding="utf-8")
    html = render_comparison_html(doc, comparison_figures(doc, runs))
    (out_dir / "index.html").write_text(html, encoding="utf-8")
    return Comparison(out_dir=out_dir, warnings=list(warnings), failed_gates=failed)


def _read_runs(run_dirs: Sequence[Path], given: Sequence[str | None]) -> list[RunFolder]:
    """Read the folders, then name each by its given label or the automatic one (see bench.results.run_labels)."""
    runs = [read_run_folder(path) for path in run_dirs]
    return [
        dataclasses.replace(run, name=label)
        for run, label in zip(runs, assign_labels(runs, given), strict=True)
    ]
