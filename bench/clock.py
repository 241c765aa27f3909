"""The run's clock: unix seconds read from a monotonic counter, so sends, blocks and latency share one timeline."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    """Anything that tells the time in unix seconds (tests pass a fake one)."""

    def now(self) -> float: ...


class WallClock:
    """Unix time anchored once, then advanced by `perf_counter`: immune to wall-clock steps mid-run."""

    def __init__(self) -> None:
        self._unix0 = time.time()
        self._perf0 = time.perf_counter()

    def now(self) -> float:
        return self._unix0 + (time.perf_counter() - self._perf0)
