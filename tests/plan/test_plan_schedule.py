"""Arrival schedules of the open-loop rate controllers: counts, shape, bounds and determinism (no clock)."""

from __future__ import annotations

import numpy as np
import pytest

from bench.plan.schedule import arrival_offsets, piecewise_offsets
from bench.workload import parse_workload
from bench.workload.spec import FixedBacklog, FixedConcurrency, Poisson, Round


def _round(rate: str, length: str = "duration: 10s") -> Round:
    return parse_workload(f"name: t\nrounds: [{{label: a, {length}, rate: {rate}}}]\n", "w.yaml").rounds[0]


def _per_second(offsets: np.ndarray, seconds: int) -> np.ndarray:
    return np.histogram(offsets, bins=np.arange(seconds + 1))[0]


@pytest.mark.parametrize(
    ("rate", "length", "count"),
    [
        ("{type: fixed-rate, tps: 50}", "duration: 10s", 500),
        ("{type: fixed-rate, tps: 50}", "tx_count: 7", 7),
        ("{type: linear-rate, start_tps: 10, end_tps: 110}", "duration: 10s", 600),
        ("{type: linear-rate, start_tps: 100, end_tps: 0}", "duration: 4s", 200),
        (
            "{type: step-rate, steps: [{duration: 2s, tps: 10}, {duration: 3s, tps: 100}]}",
            "warmup: false",
            320,
        ),
        (
            "{type: step-rate, steps: [{duration: 2s, tps: 10}, {duration: 3s, tps: 100}]}",
            "duration: 3s",
            120,
        ),
        ("{type: poisson, tps: 50, seed: 3}", "tx_count: 25", 25),
    ],
)
def test_counts_follow_the_integral_of_the_rate(rate: str, length: str, count: int) -> None:
    offsets = arrival_offsets(_round(rate, length), seed=1)
    assert offsets is not None
    assert len(offsets) == count
    assert offsets[0] == 0.0
    assert (np.diff(offsets) >= 0).all()


def test_fixed_rate_is_n_over_tps() -> None:
    offsets = arrival_offsets(_round("{type: fixed-rate, tps: 8}", "duration: 2s"), seed=1)
    np.testing.assert_allclose(offsets, np.arange(16) / 8)


def test_linear_rate_rises_second_by_second() -> None:
    offsets = arrival_offsets(
        _round("{type: linear-rate, start_tps: 0, end_tps: 200}", "duration: 10s"), seed=1
    )
    assert offsets is not None
    counts = _per_second(offsets, 10)
    expected = np.array([10, 30, 50, 70, 90, 110, 130, 150, 170, 190])  # integral of 20 t over each second
    assert np.abs(counts - expected).max() <= 1
    assert offsets.max() < 10


def test_step_rate_changes_exactly_at_the_step() -> None:
    offsets = arrival_offsets(
        _round(
            "{type: step-rate, steps: [{duration: 2s, tps: 10}, {duration: 2s, tps: 0}, {duration: 1s, tps: 4}]}",
            "warmup: false",
        ),
        seed=1,
    )
    assert offsets is not None
    np.testing.assert_allclose(offsets, [*(np.arange(20) / 10), 4.0, 4.25, 4.5, 4.75])


def test_interpolated_and_stepped_traces_differ_as_they_should() -> None:
    times, rates = [0.0, 10.0], [0.0, 100.0]
    stepped = piecewise_offsets(times, rates, "step", 20.0)
    interpolated = piecewise_offsets(times, rates, "interpolate", 20.0)
    # Step: nothing while the rate is 0, then 100 tps from t = 10 s.
    assert len(stepped) == 1000 and stepped[0] == pytest.approx(10.0)
    # Interpolate: a ramp 0 -> 100 over 10 s (500), then 100 tps held (1000).
    assert len(interpolated) == 1500
    assert _per_second(interpolated, 20)[15] == 100


def test_trace_cut_by_duration_ends_on_the_interpolated_rate() -> None:
    offsets = piecewise_offsets([0.0, 10.0], [0.0, 100.0], "interpolate", 5.0)
    assert len(offsets) == 125  # integral of 10 t from 0 to 5
    assert offsets.max() < 5.0


def test_poisson_is_seeded_and_has_the_mean_rate() -> None:
    spec = _round("{type: poisson, tps: 200}", "duration: 50s")
    first, again, other = (arrival_offsets(spec, seed=s) for s in (5, 5, 6))
    assert first is not None and again is not None and other is not None
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first[:100], other[:100])
    assert len(first) == pytest.approx(10_000, rel=0.05)
    gaps = np.diff(first)
    assert gaps.mean() == pytest.approx(1 / 200, rel=0.05)
    assert gaps.std() == pytest.approx(gaps.mean(), rel=0.1), "exponential gaps: std equals mean"
    explicit = _round("{type: poisson, tps: 200, seed: 9}", "duration: 5s")
    np.testing.assert_array_equal(arrival_offsets(explicit, seed=1), arrival_offsets(explicit, seed=2))
    assert isinstance(explicit.rate, Poisson)


@pytest.mark.parametrize(
    "rate",
    ["{type: fixed-backlog, in_flight: 5}", "{type: fixed-concurrency, clients: 3}", "{type: maximum-rate}"],
)
def test_closed_loop_has_no_schedule(rate: str) -> None:
    spec = _round(rate, "tx_count: 10")
    assert arrival_offsets(spec, seed=1) is None
    assert isinstance(spec.rate, FixedBacklog | FixedConcurrency) or spec.rate.kind == "maximum-rate"
