"""Draws a round's arrival schedule: each transaction's intended send offset from the round's start (open loop).

The round's rate controller draws it (`bench.workload.rates`: fixed-rate n / tps, piecewise rate
functions, seeded poisson gaps); a closed-loop round has none. Offsets are absolute: the sender sleeps
until t0 + offset, never for a relative gap.
"""

from __future__ import annotations

import numpy as np

from bench.workload.rates.piecewise import piecewise_offsets
from bench.workload.spec import Round

__all__ = ["arrival_offsets", "piecewise_offsets"]


def arrival_offsets(spec: Round, seed: int) -> np.ndarray | None:
    """Intended send offsets (s, ascending) of an open-loop round; None for a closed-loop one."""
    return spec.rate.offsets(spec, seed)
