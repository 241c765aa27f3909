"""`linear-rate`, open loop: the rate moves linearly from `start_tps` to `end_tps` over the round's duration."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from bench.workload.limits import MAX_TPS
from bench.workload.rates.base import OPEN_LOOP, Keys, Length, Loop, Pacing, TxCount, fields_json, scheduled
from bench.workload.reader import Reader
from bench.workload.schema_parts import TPS_OR_ZERO

if TYPE_CHECKING:
    import numpy as np

    from bench.workload.spec import Round


@dataclass(frozen=True, slots=True)
class LinearRate:
    """Open loop: the rate moves linearly from `start_tps` to `end_tps` over the round."""

    start_tps: float
    end_tps: float
    kind: str = "linear-rate"

    keys: ClassVar[Keys] = Keys(required={"start_tps": TPS_OR_ZERO, "end_tps": TPS_OR_ZERO})
    loop: ClassVar[Loop] = OPEN_LOOP

    @classmethod
    def read(cls, fields: dict[str, Reader]) -> LinearRate:
        start, end = fields["start_tps"].non_negative(MAX_TPS), fields["end_tps"].non_negative(MAX_TPS)
        if start == end == 0:
            raise fields["end_tps"].fail("start_tps and end_tps cannot both be 0")
        return cls(start_tps=start, end_tps=end)

    def length(self) -> Length:
        """A ramp is a rate over time: without a duration it has no slope."""
        return Length(needs_duration=True)

    def count(self, rnd: Round) -> TxCount:
        """The integral of the ramp: the mean rate times the duration."""
        assert rnd.duration is not None
        return TxCount(math.ceil(rnd.duration * (self.start_tps + self.end_tps) / 2), fixed=False)

    def offsets(self, rnd: Round, seed: int) -> np.ndarray:
        from bench.workload.rates.piecewise import piecewise_offsets  # numpy: only when planning

        assert rnd.duration is not None
        return piecewise_offsets(
            [0.0, rnd.duration], [self.start_tps, self.end_tps], "interpolate", rnd.duration
        )

    def pacing(self, rnd: Round, count: int) -> Pacing:
        return scheduled(rnd, count)

    def describe(self) -> dict[str, Any]:
        return fields_json(self)
