"""Compares saturation run folders: their curves overlaid (HTML), and the maximum and knee of each (JSON, Markdown).

Runs are named as `chainmark compare` names runs (bench.results.run_labels): the given label, else the
node client's name and version when they all differ, else the shortest folder names that tell them apart.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.errors import WorkloadError
from bench.report.saturation_report import render_saturation_report
from bench.results.run_labels import folder_labels
from bench.results.saturation import KneePoint, Saturation, read_saturation


@dataclass(frozen=True, slots=True)
class SaturationComparison:
    out_dir: Path
    names: tuple[str, ...]


def compare_saturations(
    run_dirs: Sequence[Path], out_dir: Path, labels: Sequence[str | None]
) -> SaturationComparison:
    """Read every folder's saturation.json and write index.html, comparison.json and comparison.md."""
    sats = [read_saturation(path) for path in run_dirs]
    names = _names(run_dirs, sats, labels)
    runs = list(zip(names, sats, strict=True))
    out_dir.mkdir(parents=True, exist_ok=True)
    doc = {"saturations": [_entry(name, path, sat) for (name, sat), path in zip(runs, run_dirs, strict=True)]}
    (out_dir / "comparison.json").write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    (out_dir / "comparison.md").write_text(format_saturation_markdown(doc), encoding="utf-8")
    title = f"chainmark compare: saturation of {', '.join(dict.fromkeys(s.workload for s in sats))}"
    (out_dir / "index.html").write_text(render_saturation_report(runs, title), encoding="utf-8")
    return SaturationComparison(out_dir, tuple(names))


def _names(paths: Sequence[Path], sats: Sequence[Saturation], given: Sequence[str | None]) -> list[str]:
    clients = ["/".join(str(s.target.get("client") or "").split("/")[:2]) for s in sats]
    auto = clients if all(clients) and len(set(clients)) == len(clients) else folder_labels(paths)
    names = [label if label is not None else auto[i] for i, label in enumerate(given)]
    for i, name in enumerate(names):
        if name in names[:i]:
            raise WorkloadError(
                f"compare: label {name!r} names two saturation folders; give every run its own label"
            )
    return names


def _entry(name: str, path: Path, sat: Saturation) -> dict[str, Any]:
    return {
        "name": name,
        "path": str(path),
        "workload": sat.workload,
        "round": sat.round,
        "client": sat.target.get("client"),
        "node": sat.target.get("node"),
        "machine": sat.machine,
        "slos": list(sat.slos),
        "max_tps": sat.max_tps,
        "stop": sat.stop,
        "finding": sat.finding,
        "knee_p50": _knee(sat.knee_p50),
        "knee_p99": _knee(sat.knee_p99),
        "steps": len(sat.steps),
    }


def _knee(knee: KneePoint | None) -> dict[str, float] | None:
    return None if knee is None else {"offered_tps": knee.offered_tps, "latency_s": knee.latency_s}


def format_saturation_markdown(doc: dict[str, Any]) -> str:
    """The comparison's table: each run's maximum under its SLOs, its knees and what ended its search."""
    lines = [
        "| run | workload / round | SLOs | max sustainable tx/s | knee p50 | knee p99 | steps | finding |",
        "|---|---|---|---:|---|---|---:|---|",
    ]
    for e in doc["saturations"]:
        cells = [
            e["name"],
            f"{e['workload']} / {e['round']}",
            ", ".join(e["slos"]) or "-",
            "-" if e["max_tps"] is None else f"{e['max_tps']:,.1f}",
            _knee_text(e["knee_p50"]),
            _knee_text(e["knee_p99"]),
            str(e["steps"]),
            e["finding"],
        ]
        lines.append("| " + " | ".join(_md(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def _knee_text(knee: dict[str, float] | None) -> str:
    return "-" if knee is None else f"{knee['offered_tps']:,.1f} tx/s at {knee['latency_s']:.3f} s"


def _md(text: str) -> str:
    """A table cell: pipes and line breaks escaped, HTML's angle brackets as entities."""
    return text.replace("|", "\\|").replace("\n", " ").replace("<", "&lt;").replace(">", "&gt;")
