"""The plan's fee rule (bench.chains.ethereum.fees) and a type-2 plan's transactions, decoded by eth-account."""

from __future__ import annotations

from dataclasses import replace

import pytest
import rlp as rlp_ref
from eth_account import Account

from bench.chains.ethereum.connector import choose_pricing
from bench.chains.ethereum.fees import DEFAULT_MAX_FEE, PREPARE_BLOCKS, Pricing, legacy
from bench.chains.ethereum.keys import checksum
from bench.chains.ethereum.node import NodeInfo
from bench.chains.ethereum.plan import build_plan
from bench.workload import parse_workload
from bench.workload.spec import Target

GWEI = 10**9


def _eip1559_bound(base: int, blocks: int) -> int:
    """The highest base fee `blocks` full blocks can reach from `base` (EIP-1559: +1/8, at least 1 wei)."""
    for _ in range(blocks):
        base += max(base // 8, 1)
    return base


@pytest.mark.parametrize("base", [0, 7, 10**9, 123_456_789_012])
@pytest.mark.parametrize("blocks", [0, 1, 8, 30])
def test_the_fee_cap_covers_a_run_of_full_blocks(base: int, blocks: int) -> None:
    pricing = Pricing(2, base_fee=base, priority_fee=GWEI, max_fee=10**30)
    assert pricing.fee_cap(blocks) >= _eip1559_bound(base, blocks) + GWEI
    assert pricing.fee_cap(blocks) <= (base + 8) * 9**blocks // 8**blocks + GWEI, "no more than rounding up"


def test_the_fee_cap_stops_at_the_workloads_bound() -> None:
    pricing = Pricing(2, base_fee=GWEI, priority_fee=GWEI, max_fee=50 * GWEI)
    assert pricing.fee_cap(1_000_000) == 50 * GWEI
    assert pricing.fee_cap(0) == 2 * GWEI


def test_types_0_and_1_offer_their_gas_price() -> None:
    assert legacy(3).fee_cap(100) == 3
    assert Pricing(1, gas_price=5, base_fee=GWEI).fee_cap(100) == 5


WORKLOAD = """\
name: t
accounts: {count: 3}
rounds:
  - {label: a, duration: 4s, rate: {type: fixed-rate, tps: 3}}
  - {label: b, tx_count: 5, rate: {type: fixed-rate, tps: 1}, tx: {value_wei: 9}}
  - {label: c, tx_count: 4, rate: {type: fixed-backlog, in_flight: 2}}
"""


def test_a_type_2_plan_prices_each_round_for_the_blocks_up_to_its_end() -> None:
    pricing = Pricing(
        2, base_fee=GWEI, priority_fee=2 * GWEI, max_fee=10**30, block_time=1.0, gas_limit=1_000_000
    )
    plan = build_plan(parse_workload(WORKLOAD), chain_id=31337, gas_price=GWEI, processes=1, pricing=pricing)
    # a: 4 s of blocks; b: 4 s more (offsets 0..4); c: closed loop, no span; each + 2 x its gas / limit
    drains = [-(-2 * 12 * 21_000 // 1_000_000), 1, 1]
    blocks = [PREPARE_BLOCKS + 4 + drains[0], PREPARE_BLOCKS + 8 + drains[1], PREPARE_BLOCKS + 8 + drains[2]]
    assert plan.fee_caps == tuple(pricing.fee_cap(n) for n in blocks)
    assert plan.fee_caps[0] < plan.fee_caps[1] == plan.fee_caps[2]
    for planned, cap in zip(plan.rounds, plan.fee_caps, strict=True):
        for sender, raw in zip(planned.senders.tolist(), planned.raw, strict=True):
            assert raw[0] == 2
            fields = rlp_ref.decode(raw[1:])
            assert int.from_bytes(fields[2], "big") == 2 * GWEI
            assert int.from_bytes(fields[3], "big") == cap
            assert fields[8] == []  # the access list
            assert Account.recover_transaction(raw) == checksum(plan.addresses[sender])
    need = [0, 0, 0]
    for planned, cap in zip(plan.rounds, plan.fee_caps, strict=True):
        for sender in planned.senders.tolist():
            need[sender] += 21_000 * cap + planned.spec.mix[0].tx.value_wei
    assert plan.funding_wei == [n * 11 // 10 for n in need], "funded for the fee cap, not the gas price"
    assert plan.record()["tx_type"] == 2
    assert plan.record()["fee_cap_wei"] == list(plan.fee_caps)


def test_a_type_1_plan_is_eip_2930_at_the_gas_price() -> None:
    plan = build_plan(parse_workload(WORKLOAD), chain_id=5, gas_price=7, processes=1, pricing=Pricing(1, 7))
    assert plan.fee_caps == (7, 7, 7)
    for raw in plan.rounds[0].raw:
        assert raw[0] == 1 and int.from_bytes(rlp_ref.decode(raw[1:])[2], "big") == 7


NODE = NodeInfo("anvil/v1.7.1", 31337, 100_000_000, 2 * GWEI, 5, (), base_fee=GWEI, priority_fee=GWEI)


@pytest.mark.parametrize(
    ("target", "node", "expected"),
    [
        (Target(), NODE, (2, 4 * GWEI, GWEI, GWEI, DEFAULT_MAX_FEE)),
        (Target(), replace(NODE, base_fee=None), (0, 4 * GWEI, 0, GWEI, DEFAULT_MAX_FEE)),  # Ganache (berlin)
        (Target(tx_type=0, gas_price_wei=7), NODE, (0, 7, GWEI, GWEI, DEFAULT_MAX_FEE)),
        (Target(tx_type=2, priority_fee_wei=3, max_fee_wei=9 * GWEI), NODE, (2, 4 * GWEI, GWEI, 3, 9 * GWEI)),
        (Target(), replace(NODE, priority_fee=None, gas_price=1), (2, GWEI, GWEI, GWEI, DEFAULT_MAX_FEE)),
        (
            Target(),
            replace(NODE, priority_fee=10**6),
            (2, 4 * GWEI, GWEI, GWEI, DEFAULT_MAX_FEE),
        ),  # tip >= 1 gwei
    ],
)
def test_the_pricing_is_the_workloads_else_the_nodes(
    target: Target, node: NodeInfo, expected: tuple[int, ...]
) -> None:
    p = choose_pricing(target, node)
    assert (p.tx_type, p.gas_price, p.base_fee, p.priority_fee, p.max_fee) == expected
    assert (p.gas_limit, p.block_time) == (node.gas_limit, target.block_time)
