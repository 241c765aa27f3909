"""Arrivals of a piecewise rate function: when each transaction of an open-loop round is due.

A rate function r(t) through points (times[i], rates[i]) is held (`step`) or interpolated linearly
(`interpolate`) between them. Transaction n is due when the cumulative count C(t) = integral of r
from 0 to t reaches n (so n = 0 is due at t = 0 where r(0) > 0), for every n below C(duration):
linear-rate, step-rate and traces draw their schedules here.
"""

from __future__ import annotations

import math

import numpy as np


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
