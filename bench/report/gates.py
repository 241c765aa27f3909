"""Parses `--fail-if` gate expressions and checks every candidate run against the baseline with them.

A gate is `METRIC<-N%` or `METRIC>+N%`, optionally followed by `@LABEL`:

    throughput_tps<-5%          fail when a candidate's throughput is more than 5 % below the baseline's
    latency_s.p99>+10%@steady   fail when p99 latency of round "steady" is more than 10 % above the baseline's

METRIC is a field path of a summary.json round (`success_rate`, `throughput_tps`, `latency_s.p99`, ...)
or `failure_rate`; without `@LABEL` every round that is not a warm-up is checked.

A censored latency (it lands on a write never confirmed) is unbounded: a `>` gate on it fails (the
line says it is censored, above how many seconds, and the confirmed fraction); a `<` gate cannot be
crossed by it and passes, with a note saying so. A censored baseline against a finite candidate is a
change of -100 %; both censored cannot be checked, which fails the gate, as does a missing value.
Invalid rounds (`valid: false`, on either side) are left out unless `allow_invalid`; a gate with
nothing valid left to check fails and says so.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bench.errors import WorkloadError
from bench.results.comparison import censored, format_censored, invalid_details, left_out, metric_value
from bench.results.round_summary import RoundSummary
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


@dataclass(frozen=True, slots=True)
class GateResult:
    """One gate checked: a line per crossing (or check that could not be made), a note per censored pass."""

    gate: Gate
    failed: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {"expression": self.gate.expression, "failed": list(self.failed), "notes": list(self.notes)}


def check_gates(
    gates: Sequence[Gate], runs: Sequence[RunFolder], *, allow_invalid: bool = False
) -> list[GateResult]:
    """Check every candidate (runs[1:]) in every gated round against the baseline runs[0]."""
    return [_check_gate(gate, runs, allow_invalid) for gate in gates]


def _check_gate(gate: Gate, runs: Sequence[RunFolder], allow_invalid: bool) -> GateResult:
    base = runs[0]
    failed: list[str] = []
    notes: list[str] = []
    checked, skipped = 0, []
    labels = _labels(gate, base)
    _known_metric(gate, [r for label in labels if (r := base.round(label)) is not None])
    for run in runs[1:]:
        for label in labels:
            base_round, run_round = base.round(label), run.round(label)
            if base_round is None or run_round is None:
                continue  # only reachable with --force; the table shows the missing round
            pairs = ((base, base_round), (run, run_round))
            invalid = [
                f"{r.name} round {label!r} invalid ({invalid_details(x)})"
                for r, x in pairs
                if left_out(x, allow_invalid)
            ]
            skipped.extend(invalid)
            if invalid:
                continue
            checked += 1
            found = _check(gate, run.name, label, base_round, run_round)
            if found is not None:
                (notes if found[0] == "note" else failed).append(found[1])
    if not checked and skipped:
        failed.append(
            f"{gate.expression}: nothing valid left to check (left out: {'; '.join(dict.fromkeys(skipped))}); "
            "pass --allow-invalid to check invalid rounds"
        )
    return GateResult(gate, tuple(failed), tuple(notes))


def _value(round_summary: RoundSummary, metric: str) -> float | None:
    """The metric's value; None also when this round lacks the field (`_known_metric` caught typos)."""
    try:
        return metric_value(round_summary, metric)
    except KeyError:
        return None


def _known_metric(gate: Gate, base_rounds: list[RoundSummary]) -> None:
    """WorkloadError (exit 2) when the gate's metric is a field of no gated round of the baseline, even an
    invalid one: a typo is bad input, never "nothing valid left to check"."""
    for round_summary in base_rounds:
        try:
            metric_value(round_summary, gate.metric)
        except KeyError:
            continue
        return
    if base_rounds:
        raise WorkloadError(
            f"--fail-if {gate.expression!r}: unknown metric {gate.metric!r} (e.g. success_rate, "
            "throughput_tps, latency_s.p50, latency_s.p99, latency_s.max, failure_rate)"
        )


def _labels(gate: Gate, base: RunFolder) -> list[str]:
    if gate.label is not None:
        if gate.label not in base.labels:
            raise WorkloadError(
                f"--fail-if {gate.expression!r}: the baseline has no round {gate.label!r} "
                f"(rounds: {', '.join(base.labels)})"
            )
        return [gate.label]
    return [r.label for r in base.summary.rounds if not r.warmup]


def _check(
    gate: Gate, name: str, label: str, base_round: RoundSummary, run_round: RoundSummary
) -> tuple[str, str] | None:
    """("failed", line) when the candidate crosses the gate or it cannot be checked, ("note", line) when it
    passed on a censored value, None when it passed."""
    where = f"{gate.expression}: {name} round {label!r}"
    base_value, value = _value(base_round, gate.metric), _value(run_round, gate.metric)
    if base_value is None or value is None:
        missing = "baseline" if base_value is None else "candidate"
        return "failed", f"{where}: {gate.metric} has no value in the {missing}, cannot check the gate"
    shown = f"{gate.metric} {_shown(run_round, gate.metric, value)} vs baseline {_shown(base_round, gate.metric, base_value)}"
    change = _change_pct(value, base_value)
    if change is None:
        return "failed", f"{where}: {shown}: both censored, cannot check the gate"
    if gate.crossed(change):
        return "failed", f"{where}: {shown} ({_change_text(change)})"
    if math.isinf(value) or math.isinf(base_value):
        return "note", f"{where}: passed with a censored value: {shown} ({_change_text(change)})"
    return None


def _change_text(change: float) -> str:
    return "unbounded increase" if change == math.inf else f"{change:+.1f} %"


def _shown(round_summary: RoundSummary, metric: str, value: float) -> str:
    """The value for a gate line; a censored one as "censored (> 12.4 s, 85.0 % of accepted writes confirmed)"."""
    bound = censored(round_summary, metric)
    if bound is None:
        return f"{value:.6g}"
    return f"censored ({format_censored(bound)}, {bound[1] * 100:.1f} % of accepted writes confirmed)"


def _change_pct(value: float, base: float) -> float | None:
    """Relative change in %; an unbounded (censored) value is +inf, an unbounded baseline -100 %, both None."""
    if math.isinf(value) and math.isinf(base):
        return None
    if math.isinf(base):
        return -100.0
    if base == 0:
        return 0.0 if value == 0 else math.copysign(math.inf, value)
    return (value - base) / abs(base) * 100.0
