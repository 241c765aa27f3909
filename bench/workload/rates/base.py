"""The rate controller seam: the protocol each controller module implements, and the records it answers with.

A rate controller is a frozen record of a round's `rate:` fields that answers for that round at each stage:
  validation  `keys` (its YAML keys, each with its JSON Schema), `read` (the record from them, or a
              `WorkloadError` at file:line), `length` (how a round of it is bounded)
  planning    `count` (how many transactions the round signs, nothing drawn), `offsets` (open loop: each
              one's intended send offset from the round's start; closed loop: None)
  dispatch    `pacing` (how the load layer hands out the round's positions: by the schedule, or by slots)
  the store   `describe` (its fields as JSON, kept per round), `loop` (what the verdict reads back from that)
Nothing outside a controller's own module asks which controller it is: the stages call these.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, Self

from bench.workload.reader import Reader
from bench.workload.schema_parts import JsonSchema

if TYPE_CHECKING:
    import numpy as np
    from _typeshed import DataclassInstance

    from bench.workload.spec import Round


@dataclass(frozen=True, slots=True)
class Keys:
    """A controller's YAML keys beside `type`, each with the JSON Schema of its value; `required` ones must be
    given. The loader accepts exactly these, and `chainmark schema` publishes them, so the two cannot differ."""

    required: dict[str, JsonSchema] = dataclasses.field(default_factory=dict)
    optional: dict[str, JsonSchema] = dataclasses.field(default_factory=dict)

    @property
    def names(self) -> tuple[str, ...]:
        return (*self.required, *self.optional)


@dataclass(frozen=True, slots=True)
class Length:
    """How a round of the controller is bounded: by the controller's own length (`own` s: its steps, its
    trace; a round's duration may only cut it short), by a duration it cannot do without, or otherwise by
    exactly one of the round's duration or tx_count."""

    own: float | None = None
    needs_duration: bool = False


BY_THE_ROUND = Length()


@dataclass(frozen=True, slots=True)
class TxCount:
    """How many transactions a round signs, from the workload alone: `fixed` when the workload fixes how many
    are sent (a tx_count, a fixed rate over a duration), else a bound or an estimate (a rate's integral, a
    closed loop's pre-signed pool for its duration) the round may not use up."""

    n: int
    fixed: bool


@dataclass(frozen=True, slots=True)
class Pacing:
    """How the load layer hands out a round's positions, and to how many sending `users`: at the round's
    arrival offsets (`slots` None: open loop), or each while fewer than `slots` are taken and not yet settled
    (closed loop)."""

    users: int
    slots: int | None = None


@dataclass(frozen=True, slots=True)
class Loop:
    """Which loop a controller runs, as the verdict reads it back from a stored round's description (a run
    folder has no records, only that JSON): open (a schedule paces it, its lag is judged), or closed on the
    slot count its description holds under `bound`, a slot freed when its transaction is seen in a block,
    or when its submission is answered (`by_answer`)."""

    open: bool
    bound: str = ""
    by_answer: bool = False


OPEN_LOOP = Loop(open=True)


class RateController(Protocol):
    """What a rate controller module implements (see the module docstring for the stage of each member); a
    new controller is one module with such a record and one line in `registry.RATES`."""

    keys: ClassVar[Keys]
    loop: ClassVar[Loop]

    @property
    def kind(self) -> str:
        """Its name: the YAML `type:` and its key in the registry."""
        ...

    @classmethod
    def read(cls, fields: dict[str, Reader]) -> Self:
        """The controller from its `rate:` fields (the given ones of `keys`, all required ones among them)."""
        ...

    def length(self) -> Length:
        """How a round of it is bounded (checked by the loader, which also takes an own length as the duration)."""
        ...

    def count(self, rnd: Round) -> TxCount:
        """How many transactions the round signs, from the workload alone (the plan-size check draws nothing)."""
        ...

    def offsets(self, rnd: Round, seed: int) -> np.ndarray | None:
        """Intended send offsets (s, ascending) of an open-loop round, drawn from `seed` if random; else None."""
        ...

    def pacing(self, rnd: Round, count: int) -> Pacing:
        """How the round's `count` pre-signed transactions are handed out."""
        ...

    def describe(self) -> dict[str, Any]:
        """Its fields as JSON, as the run store keeps them per round (`type` and the round's own are added)."""
        ...


def scheduled(rnd: Round, count: int) -> Pacing:
    """Open loop's pacing: by the schedule, with up to the round's `senders` requests in flight."""
    return Pacing(users=min(rnd.senders, count))


def presign_pool(rnd: Round, max_tps: float) -> TxCount:
    """A closed loop's tx_count, or `max_tps` over its duration: the most it is expected to send in that time."""
    if rnd.tx_count is not None:
        return TxCount(rnd.tx_count, fixed=True)
    assert rnd.duration is not None
    return TxCount(max(1, math.ceil(max_tps * rnd.duration)), fixed=False)


def fields_json(rate: DataclassInstance) -> dict[str, Any]:
    """A controller's fields as JSON: every one but `kind`, the unset (None) ones left out."""
    return {
        name: value
        for name, value in dataclasses.asdict(rate).items()
        if name != "kind" and value is not None
    }
