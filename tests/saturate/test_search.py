"""The saturation search's stepping, table-tested against fake targets (a measure callback, no chain)."""

from __future__ import annotations

import pytest

from bench.saturate.search import (
    BRACKETED,
    INVALID,
    MAX_TPS,
    NONE_HELD,
    STEPS,
    Measured,
    SearchConfig,
    judge_step,
    next_rate,
    search,
)


def capped(limit: float, p99_at: float | None = None):  # type: ignore[no-untyped-def]
    """A fake target that confirms up to `limit` tx/s and loses the rest; with `p99_at`, its p99 latency
    breaks an SLO (reported as broken) from that rate on."""

    def measure(rate: float) -> Measured:
        confirmed = min(rate, limit)
        broken = ("latency_s.p99<2s: latency_s.p99 was 3",) if p99_at is not None and rate >= p99_at else ()
        return Measured(rate, confirmed, confirmed / rate, broken)

    return measure


@pytest.mark.parametrize(
    ("limit", "start", "max_tps", "rates", "found", "stop"),
    [
        # doubling from 100 to the first break at 800, then bisection to within 5 %; a step holds up to
        # 500 / 0.95 = 526.3 tx/s (its success rate is confirmed / offered)
        (500.0, 100.0, None, [100, 200, 400, 800, 600, 500, 550, 525], 525.0, BRACKETED),
        # a first step that does not hold: geometric steps down, then bisection (holds up to 31.58 tx/s)
        (30.0, 100.0, None, [100, 50, 25, 37.5, 31.2, 34.4, 32.8, 32.0], 31.2, BRACKETED),
        # every step holds up to --max-tps
        (10_000.0, 100.0, 300.0, [100, 200, 300], 300.0, MAX_TPS),
        # a start above --max-tps starts at the cap
        (10_000.0, 1_000.0, 300.0, [300], 300.0, MAX_TPS),
        # nothing holds down to 1 tx/s
        (0.0, 8.0, None, [8, 4, 2, 1], None, NONE_HELD),
    ],
)
def test_search_steps_then_bisects(
    limit: float, start: float, max_tps: float | None, rates: list[float], found: float | None, stop: str
) -> None:
    result = search(capped(limit), SearchConfig(start_tps=start, max_tps=max_tps))
    assert [s.measured.offered_tps for s in result.steps] == rates
    assert result.max_tps == found
    assert result.stop == stop
    if found is not None and stop == BRACKETED:
        broke = min(s.measured.offered_tps for s in result.steps if not s.held)
        assert found <= limit / 0.95 < broke <= found * 1.05


def test_an_slo_breaks_before_success_drops() -> None:
    result = search(capped(10_000.0, p99_at=700.0), SearchConfig(start_tps=100.0))
    assert result.max_tps is not None and 0.95 * 700 <= result.max_tps < 700
    broken = [s for s in result.steps if not s.held]
    assert all(s.reasons == ("latency_s.p99<2s: latency_s.p99 was 3",) for s in broken)


def test_confirmed_not_following_the_offered_rate_breaks_a_step() -> None:
    """A node that confirms everything eventually (success 100 %) but no faster than 250 tx/s."""

    def measure(rate: float) -> Measured:
        return Measured(rate, min(rate, 250.0), 1.0)

    result = search(measure, SearchConfig(start_tps=100.0))
    broke = min(s.measured.offered_tps for s in result.steps if not s.held)
    assert result.max_tps is not None and result.max_tps <= 250 / 0.9 < broke <= result.max_tps * 1.05
    assert "did not follow the offered" in next(s for s in result.steps if not s.held).reasons[0]


def test_an_invalid_step_ends_the_search_with_the_generator_finding() -> None:
    def measure(rate: float) -> Measured:
        invalid = "generator-cpu-bound: schedule lag p99 350 ms" if rate >= 400 else None
        return Measured(rate, rate, 1.0, invalid=invalid)

    result = search(measure, SearchConfig(start_tps=100.0))
    assert [s.measured.offered_tps for s in result.steps] == [100, 200, 400]
    assert result.stop == INVALID
    assert result.max_tps == 200
    assert result.finding.startswith(
        "the generator, not the node, limits this run: 400.0 tx/s offered, generator-cpu-bound: schedule lag "
        "p99 350 ms; try --workers"
    )


def test_the_step_budget_ends_an_unbracketed_search() -> None:
    result = search(capped(1e9), SearchConfig(start_tps=1.0, max_steps=3))
    assert [s.measured.offered_tps for s in result.steps] == [1, 2, 4]
    assert (result.stop, result.max_tps) == (STEPS, 4.0)


@pytest.mark.parametrize(
    ("held", "broke", "expected"),
    [
        (100.0, None, 200.0),
        (None, 100.0, 50.0),
        (100.0, 200.0, 150.0),
        (100.0, 105.0, BRACKETED),
        (100.0, 104.9, BRACKETED),
        (None, 1.0, NONE_HELD),
    ],
)
def test_next_rate(held: float | None, broke: float | None, expected: float | str) -> None:
    assert next_rate(held, broke, SearchConfig(start_tps=100.0)) == expected


@pytest.mark.parametrize(
    ("measured", "reasons"),
    [
        (Measured(100, 100, 1.0), ()),
        (Measured(100, 100, 0.94), ("success rate 94.0% < 95%",)),
        (Measured(100, 0, None), ("success rate nothing sent < 95%", "confirmed 0.0 tx/s did not follow")),
        (Measured(100, 85, 1.0, expected_tps=90.0), ()),  # 85 >= 0.9 x 90: a node keeping up over 11 blocks
        (Measured(100, 80, 1.0, expected_tps=90.0), ("confirmed 80.0 tx/s did not follow",)),
        (Measured(100, 100, 1.0, ("slo",)), ("slo",)),
    ],
)
def test_judge_step(measured: Measured, reasons: tuple[str, ...]) -> None:
    step = judge_step(measured, SearchConfig(start_tps=100.0))
    assert step.held is (not reasons)
    assert len(step.reasons) == len(reasons)
    assert all(got.startswith(want) for got, want in zip(step.reasons, reasons, strict=True))
