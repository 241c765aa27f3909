"""`fixed-concurrency`, closed loop: `clients` senders, each sending its next tx when its previous one is answered."""

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
class FixedConcurrency:
    """Closed loop: `clients` senders, each sending its next tx when its previous submission is answered."""

    clients: int
    max_tps: float = 2_000.0  # sizes the pre-signed pool of a duration-bounded round
    kind: str = "fixed-concurrency"

    keys: ClassVar[Keys] = Keys(required={"clients": SLOTS}, optional={"max_tps": TPS})
    loop: ClassVar[Loop] = Loop(open=False, bound="clients", by_answer=True)

    @classmethod
    def read(cls, fields: dict[str, Reader]) -> FixedConcurrency:
        return cls(
            clients=fields["clients"].integer(1, MAX_SLOTS),
            **given(fields, {"max_tps": lambda r: r.positive(MAX_TPS)}),
        )

    def length(self) -> Length:
        return BY_THE_ROUND

    def count(self, rnd: Round) -> TxCount:
        return presign_pool(rnd, self.max_tps)

    def offsets(self, rnd: Round, seed: int) -> None:
        return None

    def pacing(self, rnd: Round, count: int) -> Pacing:
        """One user per client, each waiting for its answer: no slot limit beyond the users themselves."""
        return Pacing(users=min(self.clients, count), slots=count)

    def describe(self) -> dict[str, Any]:
        return fields_json(self)
