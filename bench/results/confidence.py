"""Computes the mean of repeated measurements with its 95 % Student-t confidence interval.

No scipy: the two-sided 95 % critical values t(0.975, df) for df 1..30 are tabulated below, and the
normal 1.96 is used above 30 degrees of freedom.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

T_975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip
Z_975 = 1.96


def t_critical(df: int) -> float:
    """The two-sided 95 % critical value of Student's t with `df` degrees of freedom (df >= 1)."""
    if df < 1:
        raise ValueError(f"degrees of freedom must be >= 1, got {df}")
    return T_975[df - 1] if df <= len(T_975) else Z_975


@dataclass(frozen=True, slots=True)
class Interval:
    """The mean of `n` values and its 95 % confidence interval (`low`/`high` are None when n < 2)."""

    mean: float
    n: int
    low: float | None = None
    high: float | None = None

    def overlaps(self, other: Interval) -> bool | None:
        """Whether the two intervals overlap; None when either has no interval (a group of one)."""
        if self.low is None or self.high is None or other.low is None or other.high is None:
            return None
        return self.low <= other.high and other.low <= self.high

    def as_json(self) -> dict[str, float | int | None]:
        return {"mean": self.mean, "low": self.low, "high": self.high, "n": self.n}


def mean_interval(values: Sequence[float]) -> Interval:
    """Mean and 95 % Student-t interval (mean ± t · s / √n, s with n − 1 in the denominator)."""
    if not values:
        raise ValueError("no values")
    n = len(values)
    mean = math.fsum(values) / n
    if n < 2:
        return Interval(mean, n)
    s = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1))
    half = t_critical(n - 1) * s / math.sqrt(n)
    return Interval(mean, n, mean - half, mean + half)
