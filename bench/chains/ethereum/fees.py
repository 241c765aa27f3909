"""The plan's fee rule: what each round's transactions offer, chosen before the clock for the base fee the run can drive.

Types 0 and 1 offer one gas price. A type-2 (EIP-1559) transaction offers a tip (`maxPriorityFeePerGas`)
and a fee cap (`maxFeePerGas`); it can be included only while the block's base fee is at most its cap.
Every transaction is signed before round 1, so the cap must cover the base fee when it is included, which
the run's own load raises. EIP-1559 raises the base fee by at most 1/8 a block (a full block), so after
`n` blocks it is at most `base x (9/8)^n`. The rule, for round k:

    fee cap = min(cap, base fee at plan time x (9/8)^n + tip)
    n       = PREPARE_BLOCKS + the blocks of rounds 1..k (each round's span / block time)
              + 2 x round k's gas / block gas limit (the blocks its backlog can fill after its span)

A round's span is its duration, else its last arrival offset, else 0 (a closed-loop round of `tx_count`:
its own gas bound is all there is). (9/8)^n, not the 2^(n/8) of issue 15's example: eight full blocks
raise the base fee 2.57 times, not 2. `cap` (`target.max_fee_gwei`) bounds what a long run's accounts are
funded with: a round whose cap binds can be priced out, which the unseen check then names (`priced-out`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

GWEI = 10**9
PREPARE_BLOCKS = 4  # funding and contract setup, between the plan's base fee and round 1
DEFAULT_MAX_FEE = 1_000 * GWEI


@dataclass(frozen=True, slots=True)
class Pricing:
    """How the plan prices its writes: the transaction type, the gas price of types 0 and 1, and for type 2
    the base fee at plan time, the tip and the fee cap's upper bound."""

    tx_type: int = 0
    gas_price: int = GWEI
    base_fee: int = 0
    priority_fee: int = GWEI
    max_fee: int = DEFAULT_MAX_FEE
    block_time: float = 1.0
    gas_limit: int = 30_000_000

    def fee_cap(self, blocks: int) -> int:
        """The gas price (types 0, 1) or fee cap (type 2) of a transaction included within `blocks` blocks."""
        if self.tx_type != 2:
            return self.gas_price
        return min(self.max_fee, _grown(self.base_fee, blocks, self.max_fee) + self.priority_fee)

    def span_blocks(self, span_s: float) -> int:
        """The blocks in `span_s` seconds of the run's clock."""
        return math.ceil(span_s / self.block_time)

    def drain_blocks(self, gas: int) -> int:
        """The blocks over half full that `gas` of a round's writes can fill (only those raise the base fee)."""
        return math.ceil(2 * gas / self.gas_limit)

    def record(self) -> dict[str, object]:
        out: dict[str, object] = {"tx_type": self.tx_type}
        if self.tx_type == 2:
            out |= {
                "base_fee_wei": self.base_fee,
                "priority_fee_wei": self.priority_fee,
                "max_fee_cap_wei": self.max_fee,
            }
        return out


def legacy(gas_price: int) -> Pricing:
    """Type-0 transactions at `gas_price` (a plan built without the node's base fee)."""
    return Pricing(0, gas_price)


def _grown(base: int, blocks: int, limit: int) -> int:
    """base x (9/8)^blocks rounded up (+1 wei at least a block, as EIP-1559 does), stopping once it passes `limit` (a long run's bound is astronomic)."""
    value = base
    for _ in range(blocks):
        value += max((value + 7) // 8, 1)  # EIP-1559 raises it by at least 1 wei
        if value > limit:
            return value
    return value
