"""Reads one round's per-transaction rows from the run store into aligned arrays."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from bench.results.store import RunStore


@dataclass(frozen=True, slots=True)
class RoundData:
    """Per-transaction arrays of one round, aligned by row (NaN where a time does not exist)."""

    intended: np.ndarray
    sent: np.ndarray
    answered: np.ndarray
    errors: list[str | None]
    included_seen: np.ndarray
    block: np.ndarray
    status: np.ndarray  # 1 ok, 0 reverted, -1 receipt not fetched
    kinds: list[str]
    reads: np.ndarray  # True for a read (eth_call / eth_getBalance ...): answered, never in a block
    unseen: list[str | None]  # what the node said after the window of a write never seen in a block
    next_nonce: np.ndarray  # True where that write's nonce was its sender's next one on chain
    gas_used: np.ndarray  # from its receipt; NaN where none was fetched

    @property
    def rejected(self) -> np.ndarray:
        """Rows refused at submission (with a reason)."""
        return np.array([e is not None for e in self.errors], dtype=bool)

    def only(self, mask: np.ndarray) -> RoundData:
        """The rows where `mask` is true."""

        def pick(values: list[Any]) -> list[Any]:
            return [v for v, keep in zip(values, mask, strict=True) if keep]

        return RoundData(
            self.intended[mask],
            self.sent[mask],
            self.answered[mask],
            pick(self.errors),
            self.included_seen[mask],
            self.block[mask],
            self.status[mask],
            pick(self.kinds),
            self.reads[mask],
            pick(self.unseen),
            self.next_nonce[mask],
            self.gas_used[mask],
        )


def load_round(store: RunStore, round_idx: int) -> RoundData:
    rows = store.query(
        "SELECT s.intended, s.sent, s.answered, s.error, i.seen, i.block, r.status, t.kind, length(t.hash) = 0, "
        "u.reason, u.next_nonce, r.gas_used "
        "FROM txs t JOIN sends s ON s.tx = t.id LEFT JOIN inclusions i ON i.tx = t.id "
        "LEFT JOIN receipts r ON r.tx = t.id LEFT JOIN unseen u ON u.tx = t.id "
        "WHERE t.round = ? ORDER BY s.intended",
        (round_idx,),
    )
    col = list(zip(*rows, strict=True)) if rows else [()] * 12

    def floats(values: tuple[Any, ...]) -> np.ndarray:
        return np.array([np.nan if v is None else v for v in values], dtype=np.float64)

    return RoundData(
        intended=floats(col[0]),
        sent=floats(col[1]),
        answered=floats(col[2]),
        errors=list(col[3]),
        included_seen=floats(col[4]),
        block=np.array([-1 if v is None else v for v in col[5]], dtype=np.int64),
        status=np.array([-1 if v is None else v for v in col[6]], dtype=np.int64),
        kinds=list(col[7]),
        reads=np.array(col[8], dtype=bool),
        unseen=list(col[9]),
        next_nonce=np.array([bool(v) for v in col[10]], dtype=bool),
        gas_used=floats(col[11]),
    )
