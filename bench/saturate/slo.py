"""`--slo` expressions: a bound on one summary metric of a step's measured round, e.g. `latency_s.p99<2s`.

    METRIC<VALUE[UNIT]  or  METRIC>VALUE[UNIT]     (also <= and >=)

METRIC is a field path of a summary.json round, as in `compare --fail-if` (`latency_s.p99`,
`latency_s.p50`, `success_rate`, `throughput_tps`, `schedule_lag_s.p99`, `by_kind.erc20.latency_s.p99`)
or `failure_rate`. UNIT: `s` or `ms` for times (metrics in seconds), `%` for rates (0..1); none: as stored.
A censored latency (a write never confirmed) is unbounded: it breaks every `<` SLO on it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from bench.errors import WorkloadError
from bench.results.comparison import metric_value
from bench.results.round_summary import RoundSummary

FORM = "METRIC<VALUE or METRIC>VALUE with an optional unit s, ms or % (e.g. 'latency_s.p99<2s', 'success_rate>99%')"
_SLO = re.compile(
    r"^\s*(?P<metric>[A-Za-z_]\w*(?:\.[\w-]+)*)\s*(?P<op><=|>=|<|>)\s*"
    r"(?P<value>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)\s*(?P<unit>ms|s|%)?\s*$"
)
_SCALE = {None: 1.0, "s": 1.0, "ms": 0.001, "%": 0.01}
EXAMPLES = "latency_s.p50, latency_s.p99, latency_s.max, success_rate, throughput_tps, failure_rate"


@dataclass(frozen=True, slots=True)
class Slo:
    """One SLO: it holds when the metric's value is `op` `bound` (in the metric's own unit)."""

    expression: str
    metric: str
    op: str
    bound: float

    def holds(self, value: float) -> bool:
        return {"<": value < self.bound, "<=": value <= self.bound, ">": value > self.bound}.get(
            self.op, value >= self.bound
        )


def parse_slo(expression: str) -> Slo:
    """One `--slo`; WorkloadError (exit 2) when it is malformed or names a metric no round summary has."""
    match = _SLO.match(expression)
    if match is None:
        raise WorkloadError(f"--slo {expression!r}: malformed, expected {FORM}")
    slo = Slo(expression.strip(), match["metric"], match["op"], float(match["value"]) * _SCALE[match["unit"]])
    # a kind's figures (by_kind.KIND.FIELD) exist once the round ran: their FIELD is checked here
    kind = re.match(r"^by_kind\.[^.]+\.(.+)$", slo.metric)
    try:
        metric_value(RoundSummary.from_json({}, 0), kind[1] if kind else slo.metric)
    except KeyError:
        raise WorkloadError(
            f"--slo {expression!r}: unknown metric {slo.metric!r} (e.g. {EXAMPLES})"
        ) from None
    return slo


def broken(slos: tuple[Slo, ...], round_summary: RoundSummary) -> tuple[str, ...]:
    """One sentence per SLO the round breaks (a missing value breaks it: it cannot be shown to hold)."""
    out = []
    for slo in slos:
        try:
            value = metric_value(round_summary, slo.metric)
        except KeyError:
            value = None
        if value is None:
            out.append(f"{slo.expression}: {slo.metric} has no value")
        elif not slo.holds(value):
            shown = (
                "unbounded (censored: a write was never confirmed)" if math.isinf(value) else f"{value:.6g}"
            )
            out.append(f"{slo.expression}: {slo.metric} was {shown}")
    return tuple(out)
