"""Compares run folders against the first (the baseline) and writes index.html, comparison.md and comparison.json."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.report.compare_figures import comparison_figures
from bench.report.compare_html import render_comparison_html
from bench.report.compare_markdown import format_comparison_markdown
from bench.report.gates import check_gates, parse_gate
from bench.results.comparison import build_comparison, check_comparable
from bench.results.run_folder import RunFolder, read_run_folder


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
    run_dirs: list[Path], out_dir: Path, *, force: bool = False, gates: Sequence[str] = ()
) -> Comparison:
    """Read every run folder, refuse incomparable runs (unless `force`), write the three files, check `gates`."""
    parsed = [parse_gate(g) for g in gates]  # a malformed gate fails before anything is read
    runs = _read_runs(run_dirs)
    warnings = check_comparable(runs, force=force)
    doc = build_comparison(runs, warnings)
    doc["gates"] = [{"expression": g.expression, "failed": check_gates([g], runs)} for g in parsed]
    failed = [line for gate in doc["gates"] for line in gate["failed"]]
    doc["failed_gates"] = failed
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "comparison.json").write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    (out_dir / "comparison.md").write_text(format_comparison_markdown(doc), encoding="utf-8")
    html = render_comparison_html(doc, comparison_figures(doc, runs))
    (out_dir / "index.html").write_text(html, encoding="utf-8")
    return Comparison(out_dir=out_dir, warnings=list(warnings), failed_gates=failed)


def _read_runs(run_dirs: list[Path]) -> list[RunFolder]:
    """Read the folders, naming each by its folder name (with a #N suffix when two share a name)."""
    names = [p.resolve().name for p in run_dirs]
    out = []
    for i, path in enumerate(run_dirs):
        name = names[i] if names.count(names[i]) == 1 else f"{names[i]} #{i + 1}"
        out.append(read_run_folder(path, name))
    return out
