"""Runs a saturation: the steps as one run (bench.saturate.steps), then saturation.json and its report."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.clock import Clock
from bench.engine import Progress, RunOptions, run_workload
from bench.report.saturation_report import render_saturation_report
from bench.results.saturation import Saturation, build_saturation, write_saturation
from bench.results.store import RunStore
from bench.results.summary import read_summary
from bench.saturate.steps import StepPlan, StepSession
from bench.session import RunnerFactory
from bench.workload.spec import Workload

REPORT = "saturation.html"


@dataclass(frozen=True, slots=True)
class SaturationResult:
    run_dir: Path
    saturation: Saturation


def run_saturation(
    workload: Workload,
    options: RunOptions,
    steps: StepPlan,
    on_progress: Callable[[Progress], None] | None = None,
    runner: RunnerFactory | None = None,
    clock: Clock | None = None,
) -> SaturationResult:
    """Search `workload`'s template round's maximum on the target; the run folder gets saturation.json
    and saturation.html beside the run's own files, also when the run failed or was interrupted (with the
    steps measured so far; the error then propagates)."""
    sessions: list[StepSession] = []

    def session(*args: Any, **kwargs: Any) -> StepSession:
        sessions.append(StepSession(*args, steps=steps, **kwargs))
        return sessions[-1]

    try:
        result = run_workload(workload, options, on_progress, clock, runner=runner, session=session)
    except BaseException:
        if sessions and (sessions[0].store.path.parent / "summary.json").is_file():
            write_saturation_outputs(sessions[0].store.path.parent)
        raise
    return SaturationResult(result.run_dir, write_saturation_outputs(result.run_dir))


def write_saturation_outputs(run_dir: Path) -> Saturation:
    """saturation.json and saturation.html of a finished saturation run folder (rebuilt from its files)."""
    store = RunStore(run_dir / "results.sqlite")
    try:
        meta = store.meta()
        cpu = round_cpu(store)
    finally:
        store.close()
    search = meta.get("saturation") or {}
    summary = read_summary(run_dir / "summary.json")
    saturation = build_saturation(search, summary, str(meta.get("workload_path") or ""), cpu)
    write_saturation(saturation, run_dir)
    title = f"chainmark saturate: {saturation.workload} (round {saturation.round})"
    (run_dir / REPORT).write_text(
        render_saturation_report([(run_dir.name, saturation)], title), encoding="utf-8"
    )
    return saturation


def round_cpu(store: RunStore) -> dict[str, tuple[float | None, float | None]]:
    """Per round label: the mean CPU (in cores) of the node and of chainmark's process over the round."""
    out: dict[str, tuple[float | None, float | None]] = {}
    for label, started, ended in store.query(
        "SELECT label, started, ended FROM rounds WHERE started IS NOT NULL"
    ):
        means = dict(
            store.query(
                "SELECT source, AVG(cpu_percent) / 100 FROM resources WHERE t BETWEEN ? AND ? GROUP BY source",
                (started, ended or started),
            )
        )
        out[label] = (_rounded(means.get("node")), _rounded(means.get("chainmark")))
    return out


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(float(value), 3)
