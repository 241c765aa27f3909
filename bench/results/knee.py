"""The knee of the latency-throughput curve by Kneedle (Satopää, Albrecht, Irwin, Raghavan, ICDCS-W 2011).

The curve is latency (y) against offered rate (x) of the steps, sorted by x. Latency rises slowly, then
steeply: a convex, increasing curve. Kneedle normalises both axes to [0, 1] and takes the point where the
normalised curve lies furthest below the diagonal, max(x_n - y_n): the rate after which latency grows
faster than throughput. No knee with fewer than 3 points with a finite latency, a flat x, a latency that
varies by less than FLAT (20 %) of its least value (the curve is flat within the noise: any "knee" there
would be noise), or when no point lies below the diagonal (the curve has no bend).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

FLAT = 0.20


@dataclass(frozen=True, slots=True)
class Knee:
    """The knee: its rate (x), its latency (y) and its index in the points as given."""

    x: float
    y: float
    index: int


def kneedle(points: Sequence[tuple[float, float]]) -> Knee | None:
    """The knee of the (x, y) points, convex increasing (see the module docstring), or None."""
    finite = sorted((x, y, i) for i, (x, y) in enumerate(points) if math.isfinite(x) and math.isfinite(y))
    if len(finite) < 3:
        return None
    xs, ys = [p[0] for p in finite], [p[1] for p in finite]
    x_span, y_span = xs[-1] - xs[0], max(ys) - min(ys)
    if x_span <= 0 or y_span <= FLAT * abs(min(ys)) or y_span <= 0:
        return None
    gaps = [(x - xs[0]) / x_span - (y - min(ys)) / y_span for x, y in zip(xs, ys, strict=True)]
    best = max(range(len(gaps)), key=gaps.__getitem__)
    if gaps[best] <= 0:
        return None
    x, y, index = finite[best]
    return Knee(x, y, index)
