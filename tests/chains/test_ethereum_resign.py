"""Re-signing later rounds (a lost worker, a closed loop cut short): the same calls as the plan, new nonces.

The planner's `resign` is what the engine calls after a round left signed writes unsent; a fake node answers
its one question (each account's pending nonce), so the whole path is checked in-process.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import numpy as np
import pytest
import rlp as rlp_ref
from eth_abi import decode

from bench.chains.ethereum.connector import EthereumPlanner
from bench.chains.ethereum.plan import Plan, build_plan
from bench.chains.ethereum.plan_state import PlanState, Stream
from bench.plan.round import PlannedRound
from bench.targets.rpc import RpcClient
from bench.workload import parse_workload

STATEFUL = """
name: resign-contracts
accounts: {count: 6, seed: 17}
rounds:
  - label: first
    tx_count: 60
    rate: {type: fixed-rate, tps: 60}
    mix:
      - {tx: {kind: kv-insert, record_count: 10, field_length: 4}}
      - {tx: {kind: kv-read, record_count: 10, field_length: 4}}
      - {tx: {kind: trace-transfer, products: 5}}
      - {tx: {kind: trace-register}}
      - {tx: {kind: erc20-transfer}}
      - {tx: {kind: transfer}}
  - label: closed
    duration: 1s
    rate: {type: fixed-backlog, in_flight: 3}
    mix:
      - {tx: {kind: kv-insert, record_count: 10, field_length: 4}}
      - {tx: {kind: trace-transfer, products: 5}}
      - {tx: {kind: evidence-verify, k: 4}}
  - label: hot
    tx_count: 40
    rate: {type: fixed-rate, tps: 40}
    from: {distribution: zipfian}
    mix:
      - {tx: {kind: trace-transfer, products: 5}}
      - {tx: {kind: trace-register}}
      - {tx: {kind: kv-insert, record_count: 10, field_length: 4}}
  - label: last
    tx_count: 30
    rate: {type: fixed-rate, tps: 30}
    tx: {kind: ycsb, workload: D, record_count: 10, field_length: 4}
"""


class FakeNode:
    """Answers `eth_getTransactionCount` (pending) with the nonces it was given, in account order."""

    def __init__(self, nonces: Sequence[int]) -> None:
        self.nonces = list(nonces)

    def batch(self, method: str, params_list: Sequence[Sequence[Any]]) -> list[Any]:
        assert method == "eth_getTransactionCount" and len(params_list) == len(self.nonces)
        return [hex(n) for n in self.nonces]


def _resign(plan: Plan, start: int, nonces: Sequence[int]) -> list[PlannedRound]:
    planner = EthereumPlanner(cast(RpcClient, FakeNode(nonces)))
    return planner.resign(plan, plan.rounds[start:])


def _nonces_before(plan: Plan, start: int) -> list[int]:
    """Each account's next nonce when round `start` begins, as the plan has it (setup and earlier rounds sent)."""
    count = len(plan.addresses)
    nonces = [0] * count
    nonces[0] = len(plan.setup)
    for r in plan.rounds[:start]:
        for sender in r.senders[r.senders >= 0]:
            nonces[int(sender)] += 1
    return nonces


def _fields(raw: bytes) -> list[bytes]:
    """A legacy transaction's RLP fields: nonce, gas price, gas, to, value, data, v, r, s."""
    return cast(list[bytes], rlp_ref.decode(raw))


@pytest.fixture(scope="module")
def plan() -> Plan:
    return build_plan(parse_workload(STATEFUL), chain_id=31337, gas_price=10**9, processes=1)


@pytest.mark.parametrize("start", [1, 2, 3])
def test_resigning_from_the_planned_nonces_gives_the_planned_bytes(plan: Plan, start: int) -> None:
    """Nothing was lost: the node's nonces are the plan's, so every re-signed round is byte for byte the plan's."""
    again = _resign(plan, start, _nonces_before(plan, start))
    assert [r.index for r in again] == [r.index for r in plan.rounds[start:]]
    for before, after in zip(plan.rounds[start:], again, strict=True):
        assert np.array_equal(after.kinds, before.kinds), before.spec.label
        assert np.array_equal(after.senders, before.senders), before.spec.label
        assert np.array_equal(after.nonces, before.nonces), before.spec.label
        assert after.raw == before.raw, before.spec.label
        assert after.hashes == before.hashes, before.spec.label


def test_resigning_after_a_lost_worker_moves_only_the_nonces(plan: Plan) -> None:
    """Round 1 left writes unsent: the node's nonces are lower, and later rounds keep their calls, only renumbered."""
    nonces = _nonces_before(plan, 2)
    lower = [max(n - 1 - a % 3, 0) for a, n in enumerate(nonces)]
    again = _resign(plan, 2, lower)
    for before, after in zip(plan.rounds[2:], again, strict=True):
        assert np.array_equal(after.senders, before.senders), before.spec.label
        shift = np.array([lower[s] - nonces[s] if s >= 0 else 0 for s in before.senders])
        assert np.array_equal(after.nonces, before.nonces + shift), before.spec.label
        for position, (old, new) in enumerate(zip(before.raw, after.raw, strict=True)):
            if before.senders[position] < 0:
                assert new == old, "a read is the same eth_call"
                continue
            old_fields, new_fields = _fields(old), _fields(new)
            assert new_fields[1:6] == old_fields[1:6], f"{before.spec.label}[{position}]: same call"
            assert int.from_bytes(new_fields[0], "big") == int(after.nonces[position])


def _custody_hops(rounds: Sequence[PlannedRound]) -> list[tuple[int, bytes, bytes]]:
    """(sender, product id, receiver address) of every custody hop, in plan order."""
    hops = []
    for r in rounds:
        for position, raw in enumerate(r.raw):
            if r.kind_name(position) == "trace-transfer":
                product, to, _ = decode(["bytes32", "address", "string"], _fields(raw)[5][4:])
                hops.append((int(r.senders[position]), bytes(product), bytes.fromhex(to[2:])))
    return hops


def test_every_re_signed_custody_hop_is_sent_by_the_products_custodian(plan: Plan) -> None:
    """What the chain checks (Traceability reverts NotCustodian): the rounds before, then the re-signed ones."""
    again = _resign(plan, 1, [max(n - 1, 0) for n in _nonces_before(plan, 1)])
    custodian: dict[bytes, int] = {}
    accounts = {a: i for i, a in enumerate(plan.addresses)}
    for sender, product, to in _custody_hops([*plan.rounds[:1], *again]):
        assert sender == custodian.get(product, 0), "account 0 registered the products in setup"
        custodian[product] = accounts[to]
    assert len(custodian) == 5


def test_the_plan_keeps_the_state_each_round_began_from(plan: Plan) -> None:
    assert plan.contracts is not None and len(plan.starts) == len(plan.rounds)
    assert plan.starts[0] == PlanState(Stream.seeded(17), 0, plan.contracts.start)
    inserts = [int(np.sum(r.kinds == _entry(r, "kv-insert"))) for r in plan.rounds]
    records = [s.contracts.next_record for s in plan.starts]
    assert records == [10 + sum(inserts[:k]) for k in range(len(plan.rounds))]
    assert records[-1] > records[0], "the rounds insert records"


def _entry(planned: PlannedRound, kind: str) -> int:
    return next((i for i, e in enumerate(planned.spec.mix) if e.tx.kind == kind), -1)
