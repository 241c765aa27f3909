"""`maximum-rate`, closed loop: as fast as the node accepts, with at most `max_outstanding` not yet in a block."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from bench.workload.limits import MAX_SLOTS, MAX_TPS
from bench.workload.rates.base import (
    BY_THE_ROUND,
    Keys,
    Length,
    Loop,
    Pacing,
    TxCount,
    fields_json,
    presign_pool,
)
from bench.workload.reader import Reader, given
from bench.workload.schema_parts import SLOTS, TPS

if TYPE_CHECKING:
    from bench.workload.spec import Round


@dataclass(frozen=True, slots=True)
class MaximumRate:
    """Closed loop: as fast as the node accepts, with at most `max_outstanding` sent and not yet in a block."""

    max_outstanding: int = 10_000
    max_tps: float = 5_000.0  # sizes the pre-signed pool of a duration-bounded round
    kind: str = "maximum-rate"

    keys: ClassVar[Keys] = Keys(optional={"max_outstanding": SLOTS, "max_tps": TPS})
    loop: ClassVar[Loop] = Loop(open=False, bound="max_outstanding")

    @classmethod
    def read(cls, fields: dict[str, Reader]) -> MaximumRate:
        return cls(
            **given(
                fields,
                {
                    "max_outstanding": lambda r: r.integer(1, MAX_SLOTS),
                    "max_tps": lambda r: r.positive(MAX_TPS),
                },
            )
        )

    def length(self) -> Length:
        return BY_THE_ROUND

    def count(self, rnd: Round) -> TxCount:
        return presign_pool(rnd, self.max_tps)

    def offsets(self, rnd: Round, seed: int) -> None:
        return None

    def pacing(self, rnd: Round, count: int) -> Pacing:
        """fixed-backlog's slots with a large bound."""
        return Pacing(users=min(rnd.senders, self.max_outstanding, count), slots=self.max_outstanding)

    def describe(self) -> dict[str, Any]:
        return fields_json(self)
