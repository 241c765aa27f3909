"""Draws an open-loop round's arrival schedule: each transaction's intended send offset from the round's start.

Every open-loop controller is a rate function r(t) over the round. Transaction n is due when the
cumulative count C(t) = integral of r from 0 to t reaches n (so n = 0 is due at t = 0 where r(0) > 0),
for every n below C(duration). fixed-rate, step-rate and stepped traces are piecewise constant;
linear-rate and interpolated traces piecewise linear; poisson draws exponential gaps from its seed.
Offsets are absolute: the sender sleeps until t0 + offset, never for a relative gap.
"""

from __future__ import annotations

import math

import numpy as np

from bench.workload.spec import OPEN_LOOP, FixedRate, LinearRate, Poisson, Round, StepRate, Trace


def arrival_offsets(spec: Round, seed: int) -> np.ndarray | None:
    """Intended send offsets (s, ascending) of an open-loop round; None for a closed-loop one."""
    rate, duration = spec.rate, spec.duration
    if not isinstance(rate, OPEN_LOOP):
        return None
    if isinstance(rate, FixedRate):
        count = spec.planned_tx_count()
        assert count is not None
        return np.arange(count, dtype=np.float64) / rate.tps
    if isinstance(rate, Poisson):
        return _poisson(rate, spec.tx_count, duration, seed)
    assert duration is not None
    if isinstance(rate, LinearRate):
        return piecewise_offsets([0.0, duration], [rate.start_tps, rate.end_tps], "interpolate", duration)
    if isinstance(rate, StepRate):
        starts = np.concatenate([[0.0], np.cumsum([d for d, _ in rate.steps])[:-1]])
        return piecewise_offsets(list(starts), [tps for _, tps in rate.steps], "step", duration)
    assert isinstance(rate, Trace)
    times, rates = zip(*rate.points, strict=True)
    return piecewise_offsets(list(times), list(rates), rate.mode, duration)


def piecewise_offsets(times: list[float], rates: list[float], mode: str, duration: float) -> np.ndarray:
    """Arrivals of the rate function through points (times[i], rates[i]) on [0, duration].

    `mode` "step" holds rates[i] until times[i + 1]; "interpolate" moves linearly between points. After
    the last point the last rate holds; points past `duration` are cut."""
    t = np.asarray(times, dtype=np.float64)
    r = np.asarray(rates, dtype=np.float64)
    keep = t < duration
    t, r = t[keep], r[keep]
    if mode == "interpolate" and len(t) < len(times):  # end on the interpolated rate at `duration`
        r_end = float(np.interp(duration, np.asarray(times), np.asarray(rates)))
    else:
        r_end = float(r[-1])
    ends = np.append(t[1:], duration)
    end_rates = np.append(r[1:], r_end) if mode == "interpolate" else r.copy()
    widths = ends - t
    counts = widths * (r + end_rates) / 2  # trapezoids; equal ends for steps
    cumulative = np.concatenate([[0.0], np.cumsum(counts)])
    total = math.ceil(cumulative[-1] - 1e-9)
    n = np.arange(total, dtype=np.float64)
    segment = np.clip(np.searchsorted(cumulative, n, side="right") - 1, 0, len(t) - 1)
    need = n - cumulative[segment]
    r0 = r[segment]
    slope = (end_rates[segment] - r0) / widths[segment]
    with np.errstate(divide="ignore", invalid="ignore"):
        linear = need / r0
        root = np.sqrt(np.maximum(r0 * r0 + 2 * slope * need, 0.0))
        quadratic = (root - r0) / slope
    tau = np.where(np.abs(slope) < 1e-12, linear, quadratic)
    return np.minimum(t[segment] + tau, duration)


def _poisson(rate: Poisson, count: int | None, duration: float | None, seed: int) -> np.ndarray:
    rng = np.random.default_rng(rate.seed if rate.seed is not None else seed)
    if count is not None:
        gaps = rng.exponential(1.0 / rate.tps, size=count)
        return np.concatenate([[0.0], np.cumsum(gaps[:-1])])
    assert duration is not None
    expected = int(duration * rate.tps)
    gaps = rng.exponential(1.0 / rate.tps, size=expected + 10 * int(math.sqrt(expected) + 10))
    arrivals = np.concatenate([[0.0], np.cumsum(gaps)])
    return arrivals[arrivals < duration]
