"""The Kneedle knee of a latency-throughput curve, and `--slo` expressions parsed and checked on a round."""

from __future__ import annotations

import math

import pytest

from bench.errors import WorkloadError
from bench.results.knee import Knee, kneedle
from bench.results.percentiles import AcceptedLatency
from bench.results.round_summary import RoundSummary
from bench.saturate.slo import Slo, broken, parse_slo


@pytest.mark.parametrize(
    ("points", "knee"),
    [
        # flat, then steep: the knee is where x_n - y_n is largest (x_n 0.733, y_n 0.25 at 1200)
        ([(100, 1.0), (200, 1.02), (400, 1.05), (800, 1.2), (1200, 2.0), (1600, 5.0)], Knee(1200, 2.0, 4)),
        # unsorted input: the index is the point's own
        ([(1600, 5.0), (100, 1.0), (1200, 2.0), (200, 1.02), (800, 1.2), (400, 1.05)], Knee(1200, 2.0, 2)),
        ([(1, 1.0), (2, 2.0), (3, 3.0)], None),  # a straight line has no bend
        ([(1, 1.0), (2, 1.1), (3, 1.05)], None),  # flat within 20 %: noise, not a knee
        ([(1, 1.0), (2, 5.0)], None),  # too few points
        ([(1, 1.0), (2, math.inf), (3, 2.0), (4, 9.0)], Knee(3, 2.0, 2)),  # a censored point is left out
    ],
)
def test_kneedle(points: list[tuple[float, float]], knee: Knee | None) -> None:
    assert kneedle(points) == knee


@pytest.mark.parametrize(
    ("expression", "slo"),
    [
        ("latency_s.p99<2s", Slo("latency_s.p99<2s", "latency_s.p99", "<", 2.0)),
        (" latency_s.p50 <= 500ms ", Slo("latency_s.p50 <= 500ms", "latency_s.p50", "<=", 0.5)),
        ("success_rate>99%", Slo("success_rate>99%", "success_rate", ">", 0.99)),
        ("failure_rate<0.01", Slo("failure_rate<0.01", "failure_rate", "<", 0.01)),
        (
            "by_kind.erc20.latency_s.p99<2s",
            Slo("by_kind.erc20.latency_s.p99<2s", "by_kind.erc20.latency_s.p99", "<", 2.0),
        ),
    ],
)
def test_parse_slo(expression: str, slo: Slo) -> None:
    assert parse_slo(expression) == slo


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("latency_s.p98<2s", "--slo 'latency_s.p98<2s': unknown metric 'latency_s.p98' (e.g. latency_s.p50,"),
        ("latency<2s", "--slo 'latency<2s': unknown metric 'latency' (e.g."),
        ("latency_s.p99<-2s", "--slo 'latency_s.p99<-2s': malformed, expected METRIC<VALUE or METRIC>VALUE"),
        ("latency_s.p99=2s", "--slo 'latency_s.p99=2s': malformed"),
        ("latency_s.p99<2 minutes", "--slo 'latency_s.p99<2 minutes': malformed"),
    ],
)
def test_parse_slo_refuses(expression: str, message: str) -> None:
    with pytest.raises(WorkloadError) as caught:
        parse_slo(expression)
    assert str(caught.value).startswith(message)


def _round(p99: float | None, censored_above: float | None = None, success: float = 1.0) -> RoundSummary:
    fraction = 1.0 if censored_above is None else 0.98
    latency = AcceptedLatency(p50=0.5, p99=p99, confirmed_fraction=fraction, censored_above_s=censored_above)
    return RoundSummary.from_json({"label": "s", "success_rate": success, "latency_s": latency.as_json()}, 0)


def test_broken_slos_name_the_value() -> None:
    slos = (parse_slo("latency_s.p99<2s"), parse_slo("success_rate>=99%"))
    assert broken(slos, _round(1.5)) == ()
    assert broken(slos, _round(2.5, success=0.5)) == (
        "latency_s.p99<2s: latency_s.p99 was 2.5",
        "success_rate>=99%: success_rate was 0.5",
    )
    assert broken(slos[:1], _round(None, censored_above=3.0)) == (
        "latency_s.p99<2s: latency_s.p99 was unbounded (censored: a write was never confirmed)",
    )
    assert broken((parse_slo("by_kind.erc20.latency_s.p99<2s"),), _round(1.0)) == (
        "by_kind.erc20.latency_s.p99<2s: by_kind.erc20.latency_s.p99 has no value",
    )
