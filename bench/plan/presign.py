"""How many transactions a closed-loop round bounded by duration pre-signs (it cannot know its count)."""

from __future__ import annotations

import numpy as np

from bench.workload.rates.fixed_backlog import BACKLOG_PRESIGN_PER_SLOT_PER_S
from bench.workload.spec import Round

__all__ = ["BACKLOG_PRESIGN_PER_SLOT_PER_S", "closed_loop_count", "presign_count"]


def closed_loop_count(spec: Round) -> int:
    """Transactions to sign for a closed-loop round: its tx_count, or its controller's pool for its duration."""
    return spec.rate.count(spec).n


def presign_count(spec: Round, offsets: np.ndarray | None = None) -> int:
    """How many transactions to sign for a round (open loop: one per scheduled arrival)."""
    return len(offsets) if offsets is not None else closed_loop_count(spec)
