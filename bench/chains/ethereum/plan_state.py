"""Where planning stands between two rounds: the random stream, whose turn it is to send, the contracts' state.

Signing a round takes the state it begins from and returns the state after it, and the plan keeps the
state each round began from: a round signed again (its senders' nonces moved back after an earlier round
left signed writes unsent) is then the same round, only renumbered. Nonces are not part of it: they are
the chain's, given by the node (before the plan and before a round is signed again).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bench.chains.ethereum.contract_plan import ContractState


@dataclass(frozen=True, slots=True)
class Stream:
    """The plan's random stream (numpy's PCG64) at one point, to resume drawing exactly there."""

    state: int
    inc: int
    has_uint32: int = 0
    uinteger: int = 0

    @classmethod
    def seeded(cls, seed: int) -> Stream:
        return cls.of(np.random.default_rng(seed))

    @classmethod
    def of(cls, rng: np.random.Generator) -> Stream:
        """Where `rng` stands now (it keeps drawing; the snapshot does not move)."""
        bits = rng.bit_generator.state
        return cls(bits["state"]["state"], bits["state"]["inc"], bits["has_uint32"], bits["uinteger"])

    def generator(self) -> np.random.Generator:
        """A generator that draws what the stream would draw next."""
        bits = np.random.PCG64()
        bits.state = {
            "bit_generator": "PCG64",
            "state": {"state": self.state, "inc": self.inc},
            "has_uint32": self.has_uint32,
            "uinteger": self.uinteger,
        }
        return np.random.Generator(bits)


@dataclass(frozen=True, slots=True)
class PlanState:
    """What the next round's draws start from: the random stream, the next sender of rounds whose accounts take
    turns (no `from:` choice), and the contracts' state (bench.chains.ethereum.contract_plan)."""

    stream: Stream
    turn: int = 0
    contracts: ContractState = field(default_factory=ContractState)
