"""A planned round, whatever the chain: its transactions in send order, decided and signed before the clock.

The chain's planner (bench/chains/<family>/) fills it; the load path, the observer and the results read
it without knowing what the payload bytes mean: the chain's wire turns a payload into the request sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bench.workload.spec import Round


@dataclass(frozen=True, slots=True)
class PlannedRound:
    """One round's transactions in send order: kind, sender account, nonce, payload, hash, intended offset.

    A write's payload is its signed raw transaction and its hash (the chain's transaction id) is watched
    for in blocks; a read's payload is the chain's request fragment, its hash, sender and nonce empty (-1).
    A nonce is the write's place in its sender's chain of writes (an account nonce, or the position of a
    spend in a chain of UTXO spends)."""

    index: int
    spec: Round
    senders: np.ndarray
    nonces: np.ndarray
    raw: list[bytes] = field(repr=False)
    hashes: list[bytes] = field(repr=False)
    offsets: np.ndarray | None  # seconds after round start (open loop); None for closed loop
    kinds: np.ndarray  # index into spec.mix, per transaction

    @property
    def count(self) -> int:
        return len(self.raw)

    def kind_name(self, position: int) -> str:
        return self.spec.mix[int(self.kinds[position])].tx.kind

    def is_read(self, position: int) -> bool:
        return self.spec.mix[int(self.kinds[position])].tx.read

    def reads(self) -> np.ndarray:
        """Per transaction, whether it is a read (answered by the node, never in a block)."""
        return np.array([m.tx.read for m in self.spec.mix], dtype=bool)[self.kinds]

    @property
    def write_share(self) -> float:
        """The fraction of the round's transactions that are writes (1 for an empty round)."""
        return 1.0 - float(self.reads().mean()) if self.count else 1.0
