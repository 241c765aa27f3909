"""The run's clock: unix seconds read from a monotonic counter, so sends, blocks and latency share one timeline.

The engine's waits (for the first block, for the drain) sleep on the same clock, so a test's fake clock
that moves time on when slept makes them instant and deterministic.
"""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    """Anything that tells the time in unix seconds and waits on it (tests pass a fake one)."""

    def now(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class WallClock:
    """Unix time anchored once, then advanced by `perf_counter`: immune to wall-clock steps mid-run."""

    def __init__(self) -> None:
        self._unix0 = time.time()
        self._perf0 = time.perf_counter()

    def now(self) -> float:
        return self._unix0 + (time.perf_counter() - self._perf0)

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)  # looked up when called: under Locust's gevent patching this yields to greenlets
