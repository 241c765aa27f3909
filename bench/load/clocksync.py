"""Estimates a worker's clock offset from the master's by round trips (NTP's formula), best sample first.

A sample is four times: the master sends at t0 (master clock), the worker receives at t1 and replies
at t2 (worker clock), the master receives at t3. offset = ((t1 - t0) + (t2 - t3)) / 2 is the worker's
clock minus the master's, exact when both legs take as long; its error is at most half the round
trip, so the sample with the smallest round trip is kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

OFFSET_WARN_S = 0.005


@dataclass(frozen=True, slots=True)
class ClockSample:
    t0: float
    t1: float
    t2: float
    t3: float

    @property
    def rtt(self) -> float:
        """Round trip minus the worker's own time between receipt and reply."""
        return (self.t3 - self.t0) - (self.t2 - self.t1)

    @property
    def offset(self) -> float:
        """Worker clock minus master clock, seconds."""
        return ((self.t1 - self.t0) + (self.t2 - self.t3)) / 2


def best_sample(samples: Sequence[ClockSample]) -> ClockSample:
    """The sample with the smallest round trip (its offset has the smallest error bound)."""
    if not samples:
        raise ValueError("no clock samples")
    return min(samples, key=lambda s: s.rtt)
