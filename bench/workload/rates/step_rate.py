"""`step-rate`, open loop: a list of (duration, tps) steps run in order; the round lasts their total."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from bench.workload.limits import MAX_DURATION_S, MAX_TPS
from bench.workload.rates.base import OPEN_LOOP, Keys, Length, Loop, Pacing, TxCount, fields_json, scheduled
from bench.workload.reader import Reader
from bench.workload.schema_parts import DURATION, TPS_OR_ZERO

if TYPE_CHECKING:
    import numpy as np

    from bench.workload.spec import Round

STEPS = {
    "type": "array",
    "minItems": 1,
    "items": {
        "type": "object",
        "additionalProperties": False,
        "required": ["duration", "tps"],
        "properties": {"duration": DURATION, "tps": TPS_OR_ZERO},
    },
}


@dataclass(frozen=True, slots=True)
class StepRate:
    """Open loop: a list of (duration s, tps) steps, run in order; the round lasts their total."""

    steps: tuple[tuple[float, float], ...]
    kind: str = "step-rate"

    keys: ClassVar[Keys] = Keys(required={"steps": STEPS})
    loop: ClassVar[Loop] = OPEN_LOOP

    @classmethod
    def read(cls, fields: dict[str, Reader]) -> StepRate:
        steps = tuple(_step(step) for step in fields["steps"].sequence())
        if not steps:
            raise fields["steps"].fail("expected at least one step", shown=False)
        if not any(tps > 0 for _, tps in steps):
            raise fields["steps"].fail("at least one step needs tps > 0", shown=False)
        return cls(steps=steps)

    def length(self) -> Length:
        return Length(own=sum(d for d, _ in self.steps))

    def count(self, rnd: Round) -> TxCount:
        """Every step's duration times its rate (a round's shorter duration does not lower the estimate)."""
        return TxCount(math.ceil(sum(d * tps for d, tps in self.steps)), fixed=False)

    def offsets(self, rnd: Round, seed: int) -> np.ndarray:
        import numpy as np  # here, not at the top: validating a workload stays free of numpy

        from bench.workload.rates.piecewise import piecewise_offsets

        assert rnd.duration is not None
        starts = np.concatenate([[0.0], np.cumsum([d for d, _ in self.steps])[:-1]])
        return piecewise_offsets(list(starts), [tps for _, tps in self.steps], "step", rnd.duration)

    def pacing(self, rnd: Round, count: int) -> Pacing:
        return scheduled(rnd, count)

    def describe(self) -> dict[str, Any]:
        return fields_json(self)


def _step(step: Reader) -> tuple[float, float]:
    fields = step.mapping(("duration", "tps"))
    if "duration" not in fields or "tps" not in fields:
        raise step.fail("each step needs duration and tps, e.g. {duration: 10s, tps: 100}", shown=False)
    return fields["duration"].duration(MAX_DURATION_S), fields["tps"].non_negative(MAX_TPS)
