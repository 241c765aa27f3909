"""`poisson`, open loop: exponential gaps between arrivals at a mean of `tps`, drawn from a seed."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from bench.workload.limits import MAX_SEED, MAX_TPS
from bench.workload.rates.base import (
    BY_THE_ROUND,
    OPEN_LOOP,
    Keys,
    Length,
    Loop,
    Pacing,
    TxCount,
    fields_json,
    scheduled,
)
from bench.workload.reader import Reader, given
from bench.workload.schema_parts import SEED, TPS

if TYPE_CHECKING:
    import numpy as np

    from bench.workload.spec import Round


@dataclass(frozen=True, slots=True)
class Poisson:
    """Open loop: exponential inter-arrival times at a mean of `tps`, drawn from `seed`."""

    tps: float
    seed: int | None = None  # None: derived from the workload's seed and the round's position
    kind: str = "poisson"

    keys: ClassVar[Keys] = Keys(required={"tps": TPS}, optional={"seed": SEED})
    loop: ClassVar[Loop] = OPEN_LOOP

    @classmethod
    def read(cls, fields: dict[str, Reader]) -> Poisson:
        return cls(
            tps=fields["tps"].positive(MAX_TPS), **given(fields, {"seed": lambda r: r.integer(0, MAX_SEED)})
        )

    def length(self) -> Length:
        return BY_THE_ROUND

    def count(self, rnd: Round) -> TxCount:
        """Its tx_count (fixed), or the mean rate times the duration (the draw decides the actual count)."""
        if rnd.tx_count is not None:
            return TxCount(rnd.tx_count, fixed=True)
        assert rnd.duration is not None
        return TxCount(math.ceil(rnd.duration * self.tps), fixed=False)

    def offsets(self, rnd: Round, seed: int) -> np.ndarray:
        """`tx_count` arrivals, or every arrival before the duration; from the rate's own seed when it has one."""
        import numpy as np  # here, not at the top: validating a workload stays free of numpy

        rng = np.random.default_rng(self.seed if self.seed is not None else seed)
        if rnd.tx_count is not None:
            gaps = rng.exponential(1.0 / self.tps, size=rnd.tx_count)
            return np.concatenate([[0.0], np.cumsum(gaps[:-1])])
        assert rnd.duration is not None
        expected = int(rnd.duration * self.tps)
        gaps = rng.exponential(1.0 / self.tps, size=expected + 10 * int(math.sqrt(expected) + 10))
        arrivals = np.concatenate([[0.0], np.cumsum(gaps)])
        return arrivals[arrivals < rnd.duration]

    def pacing(self, rnd: Round, count: int) -> Pacing:
        return scheduled(rnd, count)

    def describe(self) -> dict[str, Any]:
        return fields_json(self)
