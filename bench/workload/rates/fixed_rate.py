"""`fixed-rate`, open loop: transaction n is due at the round's start + n / tps, whatever earlier sends are doing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from bench.workload.limits import MAX_TPS
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
from bench.workload.reader import Reader
from bench.workload.schema_parts import TPS

if TYPE_CHECKING:
    import numpy as np

    from bench.workload.spec import Round


@dataclass(frozen=True, slots=True)
class FixedRate:
    """Open loop: tx n is due at round start + n / tps, whatever earlier sends are doing."""

    tps: float
    kind: str = "fixed-rate"

    keys: ClassVar[Keys] = Keys(required={"tps": TPS})
    loop: ClassVar[Loop] = OPEN_LOOP

    @classmethod
    def read(cls, fields: dict[str, Reader]) -> FixedRate:
        return cls(tps=fields["tps"].positive(MAX_TPS))

    def length(self) -> Length:
        return BY_THE_ROUND

    def count(self, rnd: Round) -> TxCount:
        """Its tx_count, or its duration times the rate (at least one): the workload fixes it either way."""
        if rnd.tx_count is not None:
            return TxCount(rnd.tx_count, fixed=True)
        assert rnd.duration is not None
        return TxCount(max(1, round(rnd.duration * self.tps)), fixed=True)

    def offsets(self, rnd: Round, seed: int) -> np.ndarray:
        import numpy as np  # here, not at the top: validating a workload stays free of numpy

        return np.arange(self.count(rnd).n, dtype=np.float64) / self.tps

    def pacing(self, rnd: Round, count: int) -> Pacing:
        return scheduled(rnd, count)

    def describe(self) -> dict[str, Any]:
        return fields_json(self)
