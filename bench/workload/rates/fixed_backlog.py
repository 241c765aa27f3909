"""`fixed-backlog`, closed loop: keeps `in_flight` transactions sent and not yet seen in a block."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from bench.workload.limits import MAX_SLOTS
from bench.workload.rates.base import BY_THE_ROUND, Keys, Length, Loop, Pacing, TxCount, fields_json
from bench.workload.reader import Reader
from bench.workload.schema_parts import SLOTS

if TYPE_CHECKING:
    from bench.workload.spec import Round

# A duration-bounded round pre-signs this many per in-flight slot per second (enough for blocks every
# 0.25 s), and ends early, with a warning, if that runs out.
BACKLOG_PRESIGN_PER_SLOT_PER_S = 4


@dataclass(frozen=True, slots=True)
class FixedBacklog:
    """Closed loop: keep `in_flight` transactions sent but not yet seen in a block."""

    in_flight: int
    kind: str = "fixed-backlog"

    keys: ClassVar[Keys] = Keys(required={"in_flight": SLOTS})
    loop: ClassVar[Loop] = Loop(open=False, bound="in_flight")

    @classmethod
    def read(cls, fields: dict[str, Reader]) -> FixedBacklog:
        return cls(in_flight=fields["in_flight"].integer(1, MAX_SLOTS))

    def length(self) -> Length:
        return BY_THE_ROUND

    def count(self, rnd: Round) -> TxCount:
        """Its tx_count, or a pool for its duration (it cannot know how fast blocks will free its slots)."""
        if rnd.tx_count is not None:
            return TxCount(rnd.tx_count, fixed=True)
        assert rnd.duration is not None
        pool = math.ceil(self.in_flight * rnd.duration * BACKLOG_PRESIGN_PER_SLOT_PER_S)
        return TxCount(max(self.in_flight, pool), fixed=False)

    def offsets(self, rnd: Round, seed: int) -> None:
        return None

    def pacing(self, rnd: Round, count: int) -> Pacing:
        """A slot per transaction not yet seen in a block, and no more users than slots."""
        return Pacing(users=min(rnd.senders, self.in_flight, count), slots=self.in_flight)

    def describe(self) -> dict[str, Any]:
        return fields_json(self)
