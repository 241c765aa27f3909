"""saturation.json: a saturation run's steps, its maximum sustainable rate and the knee, as one record.

Made once from the run folder (the search's `saturation` meta in results.sqlite, and summary.json's
rounds for each step's figures, so both files agree), written once and read back once.

History of the format (`schema_version`):
  1  workload_path; steps (offered, node and chainmark CPU, confirmed, send rate, success, latency p50/p99 with censoring, window, validity
     verdict, held and why not), max_tps, stop, finding, knee (Kneedle on p50 and on p99), target,
     machine, workload
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.errors import ResultsError
from bench.results.knee import kneedle
from bench.results.round_summary import RoundSummary
from bench.results.summary import RunSummary

SCHEMA_VERSION = 1
FILE = "saturation.json"
KNEE_METHOD = (
    "Kneedle (Satopaa et al. 2011): offered rate (x) vs latency (y) of every step with a finite latency, "
    "both normalised to [0, 1]; the knee is the step furthest below the diagonal (max x_n - y_n)"
)


@dataclass(frozen=True, slots=True)
class StepRecord:
    """One step's figures (its measured round's, from summary.json) and the search's judgement of it.

    A latency percentile that lands on a write never confirmed is None, with `censored_above_s` set."""

    label: str
    offered_tps: float
    confirmed_tps: float
    send_rate_tps: float
    success_rate: float | None
    latency_p50_s: float | None
    latency_p99_s: float | None
    censored_above_s: float | None
    window_s: tuple[float, float] | None
    valid: bool
    invalid_reasons: tuple[str, ...]
    held: bool
    reasons: tuple[str, ...]
    node_cpu_cores: float | None = None  # the managed (or local) node's CPU over the measured round, in cores
    chainmark_cpu_cores: float | None = None  # chainmark's own process, likewise


@dataclass(frozen=True, slots=True)
class KneePoint:
    offered_tps: float
    latency_s: float


@dataclass(frozen=True, slots=True)
class Saturation:
    """A saturation: where it ran, the search's settings, the steps, and what it found."""

    workload: str
    round: str
    step_s: float
    warmup_s: float
    slos: tuple[str, ...]
    config: dict[str, Any]
    steps: tuple[StepRecord, ...]
    max_tps: float | None
    stop: str
    finding: str
    knee_p50: KneePoint | None
    knee_p99: KneePoint | None
    target: dict[str, Any] = field(default_factory=dict)
    machine: dict[str, Any] = field(default_factory=dict)
    status: str | None = None
    workload_path: str = ""  # the workload file the saturation ran (the acceptance suite runs it again)
    schema_version: int = SCHEMA_VERSION

    def as_json(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["knee"] = {"method": KNEE_METHOD, "p50": doc.pop("knee_p50"), "p99": doc.pop("knee_p99")}
        return doc

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> Saturation:
        knee = doc.get("knee") or {}
        steps = tuple(
            StepRecord(
                **{
                    **s,
                    "window_s": tuple(s["window_s"]) if s.get("window_s") else None,
                    "invalid_reasons": tuple(s.get("invalid_reasons") or ()),
                    "reasons": tuple(s.get("reasons") or ()),
                }
            )
            for s in doc["steps"]
        )
        return cls(
            workload=doc["workload"],
            round=doc["round"],
            step_s=doc["step_s"],
            warmup_s=doc["warmup_s"],
            slos=tuple(doc.get("slos") or ()),
            config=dict(doc.get("config") or {}),
            steps=steps,
            max_tps=doc.get("max_tps"),
            stop=doc.get("stop") or "",
            finding=doc.get("finding") or "",
            knee_p50=KneePoint(**knee["p50"]) if knee.get("p50") else None,
            knee_p99=KneePoint(**knee["p99"]) if knee.get("p99") else None,
            target=dict(doc.get("target") or {}),
            machine=dict(doc.get("machine") or {}),
            status=doc.get("status"),
            workload_path=doc.get("workload_path") or "",
            schema_version=doc.get("schema_version", SCHEMA_VERSION),
        )


def build_saturation(
    search: dict[str, Any],
    summary: RunSummary,
    workload_path: str = "",
    cpu: dict[str, tuple[float | None, float | None]] | None = None,
) -> Saturation:
    """The record from the search's meta and the run's summary (each step's measured round by label), with
    `cpu`: per round label, the node's and chainmark's CPU in cores over the round."""
    cpu = cpu or {}
    steps = tuple(
        _step(s, summary.round(s["label"]), cpu.get(s["label"], (None, None)))
        for s in search.get("steps") or []
    )
    return Saturation(
        workload=summary.workload or "",
        round=search["round"],
        step_s=search["step_s"],
        warmup_s=search["warmup_s"],
        slos=tuple(search.get("slos") or ()),
        config=dict(search.get("config") or {}),
        steps=steps,
        max_tps=search.get("max_tps"),
        stop=search.get("stop") or "stopped",
        finding=search.get("finding") or f"the search did not finish (the run {summary.status})",
        knee_p50=_knee(steps, "latency_p50_s"),
        knee_p99=_knee(steps, "latency_p99_s"),
        target=summary.target,
        machine=summary.machine,
        status=summary.status,
        workload_path=workload_path,
    )


def _step(
    step: dict[str, Any], rnd: RoundSummary | None, cpu: tuple[float | None, float | None]
) -> StepRecord:
    if rnd is None:
        raise ResultsError(f"summary.json has no round {step['label']!r} of the saturation's steps")
    verdict = rnd.verdict
    return StepRecord(
        label=rnd.label,
        offered_tps=step["offered_tps"],
        confirmed_tps=rnd.throughput_tps,
        send_rate_tps=rnd.send_rate_tps,
        success_rate=rnd.success_rate,
        latency_p50_s=rnd.latency_s.p50,
        latency_p99_s=rnd.latency_s.p99,
        censored_above_s=rnd.latency_s.censored_above_s,
        window_s=rnd.window_s,
        valid=rnd.valid,
        invalid_reasons=tuple(f"{x.code}: {x.detail}" for x in verdict.invalid) if verdict else (),
        held=bool(step["held"]),
        reasons=tuple(step.get("reasons") or ()),
        node_cpu_cores=cpu[0],
        chainmark_cpu_cores=cpu[1],
    )


def _knee(steps: tuple[StepRecord, ...], attr: str) -> KneePoint | None:
    points = [(s.offered_tps, getattr(s, attr)) for s in steps if s.valid and getattr(s, attr) is not None]
    knee = kneedle([(x, float(y)) for x, y in points if math.isfinite(y)])
    return None if knee is None else KneePoint(knee.x, knee.y)


def write_saturation(saturation: Saturation, run_dir: Path) -> Path:
    path = run_dir / FILE
    path.write_text(json.dumps(saturation.as_json(), indent=2) + "\n", encoding="utf-8")
    return path


def read_saturation(run_dir: Path) -> Saturation:
    """`run_dir`/saturation.json; ResultsError (one line) when it is missing or not one."""
    path = run_dir / FILE
    try:
        return Saturation.from_json(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise ResultsError(f"no {FILE} (not a `chainmark saturate` run folder)", path=str(run_dir)) from None
    except (ValueError, KeyError, TypeError) as exc:
        raise ResultsError(f"{FILE} is not a saturation document: {exc}", path=str(run_dir)) from None


def is_saturation(run_dir: Path) -> bool:
    return (run_dir / FILE).is_file()
