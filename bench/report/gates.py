"""Parses `--fail-if` gate expressions and checks every candidate run against the baseline with them.

A gate is `METRIC<-N%` or `METRIC>+N%`, optionally followed by `@LABEL`:

    throughput_tps<-5%          fail when a candidate's throughput is more than 5 % below the baseline's
    latency_s.p99>+10%@steady   fail when p99 latency of round "steady" is more than 10 % above the baseline's

METRIC is a field path of a summary.json round (`throughput_tps`, `latency_s.p99`, ...) or
`failure_rate`; without `@LABEL` every round that is not a warm-up is checked.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bench.errors import WorkloadError
from bench.results.comparison import metric_value
from bench.results.run_folder import RunFolder

FORM = "METRIC<-N% or METRIC>+N%, optionally @LABEL (e.g. throughput_tps<-5%, latency_s.p99>+10%@steady)"
_GATE = re.compile(
    r"^\s*(?P<metric>[A-Za-z_]\w*(?:\.\w+)*)\s*(?P<op>[<>])\s*(?P<pct>[+-]?\d+(?:\.\d+)?)\s*%\s*"
    r"(?:@(?P<label>.+?))?\s*$"
)


@dataclass(frozen=True, slots=True)
class Gate:
    """One `--fail-if` expression: fail when the change of `metric` vs the baseline is `op` `percent`."""

    expression: str
    metric: str
    op: str
    percent: float
    label: str | None = None

    def crossed(self, change_pct: float) -> bool:
        return change_pct < self.percent if self.op == "<" else change_pct > self.percent


def parse_gate(expression: str) -> Gate:
    """Parse one gate; WorkloadError names the expression and the accepted form when it is malformed."""
    match = _GATE.match(expression)
    if match is None:
        raise WorkloadError(f"--fail-if {expression!r}: malformed gate, expected {FORM}")
    return Gate(
        expression=expression.strip(),
        metric=match["metric"],
        op=match["op"],
        percent=float(match["pct"]),
        label=match["label"],
    )


def check_gates(gates: Sequence[Gate], runs: Sequence[RunFolder]) -> list[str]:
    """One line per gate crossed by a candidate (runs[1:]) in a round, relative to the baseline runs[0]."""
    base = runs[0]
    failed = []
    for gate in gates:
        labels = _labels(gate, base)
        for run in runs[1:]:
            for label in labels:
                line = _check(gate, base, run, label)
                if line is not None:
                    failed.append(line)
    return failed


def _labels(gate: Gate, base: RunFolder) -> list[str]:
    if gate.label is not None:
        if gate.label not in base.labels:
            raise WorkloadError(
                f"--fail-if {gate.expression!r}: the baseline has no round {gate.label!r} "
                f"(rounds: {', '.join(base.labels)})"
            )
        return [gate.label]
    return [str(r["label"]) for r in base.summary.get("rounds", []) if not r.get("warmup")]


def _check(gate: Gate, base: RunFolder, run: RunFolder, label: str) -> str | None:
    where = f"{gate.expression}: {run.name} round {label!r}"
    base_round, run_round = base.round(label), run.round(label)
    if base_round is None or run_round is None:
        return None  # only reachable with --force; the table shows the missing round
    try:
        base_value, value = metric_value(base_round, gate.metric), metric_value(run_round, gate.metric)
    except KeyError as exc:
        raise WorkloadError(
            f"--fail-if {gate.expression!r}: unknown metric {gate.metric!r} "
            "(e.g. throughput_tps, latency_s.p50, latency_s.p99, latency_s.max, failure_rate)"
        ) from exc
    if base_value is None or value is None:
        missing = "baseline" if base_value is None else "candidate"
        return f"{where}: {gate.metric} has no value in the {missing}, cannot check the gate"
    change = _change_pct(value, base_value)
    if not gate.crossed(change):
        return None
    return f"{where}: {gate.metric} {value:.6g} vs baseline {base_value:.6g} ({change:+.1f} %)"


def _change_pct(value: float, base: float) -> float:
    if base == 0:
        return 0.0 if value == 0 else math.copysign(math.inf, value)
    return (value - base) / abs(base) * 100.0
