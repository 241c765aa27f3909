"""The Ethereum side of the contract kinds: keyed like the workload's registry, and builders pure in the state."""

from __future__ import annotations

import hashlib
import sys

import numpy as np
import pytest

from bench.chains.ethereum.contract_txs import plan_contracts
from bench.chains.ethereum.keys import address_of, derive_keys
from bench.chains.ethereum.kinds import ETHEREUM_KINDS, stateless, write_gas
from bench.chains.ethereum.plan import Plan, build_plan
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
      - {tx: {kind: storage-write}}
      - {tx: {kind: fill-block}}
      - {tx: {kind: revert}}
      - {tx: {kind: erc721-mint}}
      - {tx: {kind: erc721-transfer}}
      - {tx: {kind: amm-swap}}
      - {tx: {kind: amm-add-liquidity}}
      - {tx: {kind: logs-read}}
      - {tx: {kind: estimate-gas}}
"""
PLAN = plan_contracts(parse_workload(EVERY_KIND), ACCOUNTS[0], 0, ACCOUNTS, seed=4)
SELECTORS: dict[bytes, set[str]] = {}  # one selector may name a function of several contracts (balanceOf)
for _f in calls.FUNCTIONS:
    SELECTORS.setdefault(_f.selector, set()).add(_f.contract)


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
    if ETHEREUM_KINDS[name].request:  # a JSON-RPC request of its own (eth_getLogs, eth_estimateGas)
        assert all(data.startswith(b'"method":"eth_') for data in one.data)
        assert all(PLAN.addresses[tx.contract].hex().encode() in data for data in one.data)
    else:
        assert all(tx.contract in SELECTORS[data[:4]] for data in one.data)
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


# Every kind in one round, stateful kinds again in later rounds (a `from:` choice, a closed loop, shortcuts).
EVERY_KIND_ROUNDS = """
name: all-kinds
accounts: {count: 7, seed: 9}
rounds:
  - label: one
    tx_count: 300
    rate: {type: fixed-rate, tps: 100}
    mix:
      - {tx: {kind: erc20-transfer, amount: 3, to: {distribution: zipfian}}}
      - {tx: {kind: erc20-balance}}
      - {tx: {kind: donothing}}
      - {tx: {kind: cpuheavy}}
      - {tx: {kind: ioheavy-write, n: 3}}
      - {tx: {kind: ioheavy-scan, n: 3}}
      - {tx: {kind: kv-read, record_count: 20, field_length: 4}}
      - {tx: {kind: kv-update, record_count: 20, field_length: 4}}
      - {tx: {kind: kv-insert, record_count: 20, field_length: 4}}
      - {tx: {kind: kv-scan, record_count: 20, field_length: 4, max_scan: 5}}
      - {tx: {kind: kv-rmw, record_count: 20, field_length: 4}}
      - {tx: {kind: smallbank-amalgamate, customers: 30}}
      - {tx: {kind: smallbank-balance, customers: 30}}
      - {tx: {kind: smallbank-deposit-checking, customers: 30}}
      - {tx: {kind: smallbank-send-payment, customers: 30}}
      - {tx: {kind: smallbank-transact-savings, customers: 30}}
      - {tx: {kind: smallbank-write-check, customers: 30, amount: 7}}
      - {tx: {kind: evidence-store}}
      - {tx: {kind: evidence-batch, k: 8}}
      - {tx: {kind: evidence-verify, k: 8}}
      - {tx: {kind: trace-register}}
      - {tx: {kind: trace-transfer, products: 10}}
      - {tx: {kind: trace-history, products: 10}}
      - {tx: {kind: transfer}}
      - {tx: {kind: balance-read}}
  - label: two
    tx_count: 120
    rate: {type: fixed-backlog, in_flight: 4}
    from: {distribution: hotspot}
    mix:
      - {tx: {kind: kv-insert, record_count: 20, field_length: 4}}
      - {tx: {kind: trace-transfer, products: 10}}
      - {tx: {kind: trace-register}}
      - {tx: {kind: cpuheavy, n: 33}}
  - label: three
    duration: 1s
    rate: {type: fixed-backlog, in_flight: 3}
    tx: {kind: ycsb, workload: E, record_count: 20, field_length: 4}
  - label: four
    tx_count: 50
    rate: {type: poisson, tps: 50}
    tx: {kind: smallbank, customers: 30}
  - label: five
    tx_count: 40
    rate: {type: fixed-rate, tps: 50}
    tx: {kind: trace-transfer, products: 10}
"""
# The digest the plan had before contract kinds became records (chainmark at efeabd1): a refactor of the
# kinds or of the planning state must not change one signed byte.
EVERY_KIND_DIGEST = "af1c2cd606912d5be50356fdd37ba1dd086d113f245b7304e2e15ad5329a3e00"


def _digest(plan: Plan) -> str:
    h = hashlib.sha256()
    for raw, tx_hash in plan.setup:
        h.update(raw + tx_hash)
    for r in plan.rounds:
        h.update(r.senders.tobytes() + r.nonces.tobytes() + r.kinds.tobytes())
        h.update(b"" if r.offsets is None else r.offsets.tobytes())
        for raw, tx_hash in zip(r.raw, r.hashes, strict=True):
            h.update(raw + tx_hash)
    h.update(repr(plan.funding_wei).encode())
    return h.hexdigest()


def test_a_plan_of_every_kind_signs_the_bytes_it_always_signed() -> None:
    plan = build_plan(parse_workload(EVERY_KIND_ROUNDS), chain_id=31337, gas_price=10**9, processes=1)
    assert sys.byteorder == "little", "the digest hashes the arrays' native bytes"
    assert _digest(plan) == EVERY_KIND_DIGEST
