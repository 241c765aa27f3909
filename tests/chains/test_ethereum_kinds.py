"""The Ethereum side of the contract kinds: keyed like the workload's registry, and builders pure in the state."""

from __future__ import annotations

import numpy as np
import pytest

from bench.chains.ethereum.contract_txs import plan_contracts
from bench.chains.ethereum.keys import address_of, derive_keys
from bench.chains.ethereum.kinds import ETHEREUM_KINDS, stateless, write_gas
from bench.chains.ethereum.plan_state import Stream
from bench.contracts import calls
from bench.workload import parse_workload
from bench.workload.contract_kinds import CONTRACT_KINDS, contract_tx

ACCOUNTS = [address_of(k) for k in derive_keys(4, 5)]
# Every kind once; the first kind naming a contract sizes its setup (6 records, 9 customers, 4 leaves, 4 products).
EVERY_KIND = """
name: every-kind
accounts: {count: 5, seed: 4}
rounds:
  - label: all
    tx_count: 10
    rate: {type: fixed-rate, tps: 10}
    mix:
      - {tx: {kind: kv-read, record_count: 6, field_length: 3}}
      - {tx: {kind: smallbank-amalgamate, customers: 9}}
      - {tx: {kind: evidence-batch, k: 4}}
      - {tx: {kind: trace-transfer, products: 4}}
      - {tx: {kind: erc20-transfer}}
      - {tx: {kind: erc20-balance}}
      - {tx: {kind: donothing}}
      - {tx: {kind: cpuheavy}}
      - {tx: {kind: ioheavy-write}}
      - {tx: {kind: ioheavy-scan}}
      - {tx: {kind: kv-update}}
      - {tx: {kind: kv-insert}}
      - {tx: {kind: kv-scan}}
      - {tx: {kind: kv-rmw}}
      - {tx: {kind: smallbank-balance}}
      - {tx: {kind: smallbank-deposit-checking}}
      - {tx: {kind: smallbank-send-payment}}
      - {tx: {kind: smallbank-transact-savings}}
      - {tx: {kind: smallbank-write-check}}
      - {tx: {kind: evidence-store}}
      - {tx: {kind: evidence-verify}}
      - {tx: {kind: trace-register}}
      - {tx: {kind: trace-history}}
"""
PLAN = plan_contracts(parse_workload(EVERY_KIND), ACCOUNTS[0], 0, ACCOUNTS, seed=4)
SELECTORS = {f.selector: f.contract for f in calls.FUNCTIONS}


def test_the_ethereum_registry_names_the_workloads_kinds() -> None:
    assert list(ETHEREUM_KINDS) == list(CONTRACT_KINDS)


@pytest.mark.parametrize("name", CONTRACT_KINDS)
def test_a_write_has_a_gas_limit_and_a_read_has_none(name: str) -> None:
    tx = contract_tx(name)
    assert (ETHEREUM_KINDS[name].gas is None) == tx.read
    if tx.read:
        with pytest.raises(ValueError, match=f"{name} is a read"):
            write_gas(tx)
    else:
        assert 21_000 < write_gas(tx) <= 3_000_000


@pytest.mark.parametrize("name", CONTRACT_KINDS)
def test_a_builder_calls_its_records_contract_and_is_pure_in_the_state(name: str) -> None:
    assert PLAN is not None and set(PLAN.addresses) == {k.contract for k in CONTRACT_KINDS.values()}
    tx = contract_tx(name)
    senders = np.full(6, -1 if tx.read else 2, dtype=np.int64)
    stream = Stream.seeded(9)
    one = ETHEREUM_KINDS[name].build(PLAN, PLAN.start, tx, senders.copy(), stream.generator())
    two = ETHEREUM_KINDS[name].build(PLAN, PLAN.start, tx, senders.copy(), stream.generator())
    assert (one.data, one.state, list(one.senders)) == (two.data, two.state, list(two.senders))
    assert len(one.data) == len(one.senders) == 6
    assert {SELECTORS[data[:4]] for data in one.data} == {tx.contract}
    assert (one.senders < 0).all() == tx.read


def test_stateful_builders_return_the_state_after_their_calls() -> None:
    assert PLAN is not None
    senders = np.zeros(3, dtype=np.int64)
    rng = Stream.seeded(1).generator()
    inserts = ETHEREUM_KINDS["kv-insert"].build(PLAN, PLAN.start, contract_tx("kv-insert"), senders, rng)
    assert PLAN.start.next_record == 6 and inserts.state.next_record == 9
    registered = ETHEREUM_KINDS["trace-register"].build(
        PLAN, inserts.state, contract_tx("trace-register"), senders, rng
    )
    assert registered.state.registered == 3 and registered.state.next_record == 9
    hops = ETHEREUM_KINDS["trace-transfer"].build(
        PLAN, registered.state, contract_tx("trace-transfer"), senders, rng
    )
    assert list(hops.senders) == [0, 0, 0], "account 0 registered every product in setup"
    assert hops.state.next_product == 3 and hops.state.custodians[3] == 0
    assert all(c != 0 for c in hops.state.custodians[:3]), "a hop never goes back to its sender"
    assert PLAN.start.custodians == (0, 0, 0, 0), "the state a batch started from is left as it was"


def test_a_stateless_builder_keeps_the_round_senders_and_the_state() -> None:
    assert PLAN is not None
    build = stateless(lambda plan, tx, senders, rng: [b"x"] * len(senders))
    senders = np.array([3, 1], dtype=np.int64)
    batch = build(PLAN, PLAN.start, contract_tx("donothing"), senders, Stream.seeded(1).generator())
    assert batch.state is PLAN.start and batch.senders is senders and batch.data == [b"x", b"x"]


@pytest.mark.parametrize("warm_up", ["none", "uint64", "uint32", "normal"])
def test_a_stream_snapshot_draws_what_the_generator_draws_next(warm_up: str) -> None:
    rng = np.random.default_rng(12)
    if warm_up == "uint64":
        rng.integers(0, 2**40, size=3)
    elif warm_up == "uint32":
        rng.integers(0, 7, size=1, dtype=np.int32)  # leaves half a 64-bit word buffered (has_uint32)
    elif warm_up == "normal":
        rng.standard_normal(5)
    again = Stream.of(rng).generator()
    assert (
        again.integers(0, 1000, size=20, dtype=np.int32).tolist()
        == rng.integers(0, 1000, size=20, dtype=np.int32).tolist()
    )
    assert again.random(5).tolist() == rng.random(5).tolist()
