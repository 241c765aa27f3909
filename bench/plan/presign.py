"""How many transactions a closed-loop round bounded by duration pre-signs (it cannot know its count)."""

from __future__ import annotations

import math

import numpy as np

from bench.workload.spec import FixedBacklog, FixedConcurrency, MaximumRate, Round

# It pre-signs this many per in-flight slot per second (enough for blocks every 0.25 s), and ends early,
# with a warning, if that runs out.
BACKLOG_PRESIGN_PER_SLOT_PER_S = 4


def closed_loop_count(spec: Round) -> int:
    """Transactions to sign for a closed-loop round: its tx_count, or enough for its duration."""
    count = spec.planned_tx_count()
    if count is not None:
        return count
    rate, duration = spec.rate, spec.duration
    assert duration is not None
    if isinstance(rate, FixedBacklog):
        return max(rate.in_flight, math.ceil(rate.in_flight * duration * BACKLOG_PRESIGN_PER_SLOT_PER_S))
    assert isinstance(rate, FixedConcurrency | MaximumRate)
    return max(1, math.ceil(rate.max_tps * duration))


def presign_count(spec: Round, offsets: np.ndarray | None = None) -> int:
    """How many transactions to sign for a round (open loop: one per scheduled arrival)."""
    return len(offsets) if offsets is not None else closed_loop_count(spec)
