"""The Bitcoin planner's internals, in-process (no node: the funder's coin is given): the mempool chain
limit check, the fan-out's amounts, every planned transaction's exact fee and its inputs (python-bitcoinlib
as the oracle, signatures included), consolidations' prepared inputs, and re-signing from chosen tips."""

from __future__ import annotations

import math

import pytest
from bitcoin.core import CTransaction

from bench.chains.bitcoin.keys import derive_keys
from bench.chains.bitcoin.plan import (
    DUST,
    SPLIT_SAT,
    BitcoinPlan,
    account_keys,
    build_plan,
    chain_limit_problem,
    resign_rounds,
)
from bench.chains.bitcoin.signing import Utxo
from bench.chains.bitcoin.tx import sha256d
from bench.errors import WorkloadError
from bench.workload import parse_workload
from tests.chains.bitcoin.test_bitcoin_signing import _check_input

FEE_RATE = 3
COIN = Utxo(sha256d(b"funder's coin"), 2, 50 * 10**8)
FUNDER_KEY = derive_keys(999, 1)[0]

MIXED = """
name: btc-plan
target: {chain: bitcoin}
accounts: {count: 5, seed: 3}
rounds:
  - label: mixed
    tx_count: 40
    rate: {type: fixed-rate, tps: 10}
    mix:
      - {tx: {kind: btc-transfer, amount: 20000}}
      - {tx: {kind: btc-payout, outputs: 3}}
      - {tx: {kind: btc-evidence, documents: 4}}
      - {tx: {kind: btc-consolidate, inputs: 4}}
  - {label: more, tx_count: 10, rate: {type: fixed-rate, tps: 10}, tx: {kind: btc-consolidate, inputs: 2}}
"""


def _plan(text: str = MIXED, coin: Utxo = COIN) -> tuple[BitcoinPlan, list[int]]:
    workload = parse_workload(text)
    keys = account_keys(derive_keys(workload.accounts.seed, workload.accounts.count), "rltc")
    asked: list[int] = []

    def coin_for(need: int) -> Utxo:
        asked.append(need)
        return coin

    return build_plan(workload, keys, (FUNDER_KEY, coin_for), FEE_RATE, 1), asked


def _rate(tps: float, count: int = 10) -> str:
    return f"""
name: limits
target: {{chain: bitcoin}}
accounts: {{count: {count}}}
rounds:
  - {{label: r, tx_count: 10, rate: {{type: fixed-rate, tps: {tps}}}, tx: {{kind: btc-transfer}}}}
  - {{label: closed, tx_count: 10, rate: {{type: fixed-backlog, in_flight: 500}}, tx: {{kind: btc-transfer}}}}
"""


@pytest.mark.parametrize(
    ("tps", "accounts", "limit", "block_time", "need"),
    [
        (20, 20, 25, 1.0, None),  # 2 unconfirmed per account
        (125, 10, 25, 1.0, None),  # exactly 25
        (126, 10, 25, 1.0, 11),  # 26: over
        (300, 10, 25, 1.0, 24),
        (300, 10, 500, 1.0, None),  # a managed network's raised limit
        (30, 10, 25, 5.0, 12),  # longer blocks chain more
    ],
)
def test_the_chain_limit_check_counts_a_late_block(
    tps: float, accounts: int, limit: int, block_time: float, need: int | None
) -> None:
    workload = parse_workload(_rate(tps, accounts))
    problem = chain_limit_problem(workload, accounts, limit, block_time)
    if need is None:
        assert problem is None
        return
    assert problem is not None
    per_sender = math.ceil(2 * tps * block_time / accounts)
    assert problem == (
        f"round 'r': {tps:g} tx/s over {accounts} accounts chains ~{per_sender} unconfirmed spends per "
        f"account across blocks {block_time:g} s apart, over the node's mempool limit of {limit}: "
        f"use accounts.count >= {need}"
    )


def _decoded(plan: BitcoinPlan) -> list[CTransaction]:
    raws = [plan.fanout, *(raw for raw, _ in plan.splits), *(raw for r in plan.rounds for raw in r.raw)]
    return [CTransaction.deserialize(raw) for raw in raws]


def test_the_fan_out_pays_each_account_what_its_chains_spend_and_no_more_than_asked() -> None:
    plan, asked = _plan()
    fan = CTransaction.deserialize(plan.fanout)
    assert fan.GetTxid() == plan.fanout_txid
    assert [(i.prevout.hash, i.prevout.n) for i in fan.vin] == [(COIN.txid, COIN.vout)]
    keys = account_keys(derive_keys(3, 5), "rltc")
    paid = [(o.nValue, bytes(o.scriptPubKey)) for o in fan.vout]
    assert [script for _, script in paid[:-1]] == keys.scripts  # one output per account, then change
    assert sum(v for v, _ in paid[:-1]) == plan.funding_sat
    fee = COIN.amount - sum(v for v, _ in paid)
    assert fee == FEE_RATE * ((fan.calc_weight() + 3) // 4)
    (need,) = asked  # the funder is asked once, for the outputs, the fan-out's fee bound and least change
    assert need >= plan.funding_sat + fee + DUST


def test_every_planned_transaction_pays_exactly_its_fee_rate_and_verifies() -> None:
    plan, _ = _plan()
    values = {(COIN.txid, COIN.vout): COIN.amount}
    txs = _decoded(plan)
    for tx in txs:
        for n, out in enumerate(tx.vout):
            values[(tx.GetTxid(), n)] = out.nValue
    for tx in txs:
        spent = [values[(i.prevout.hash, i.prevout.n)] for i in tx.vin]
        assert sum(spent) - sum(o.nValue for o in tx.vout) == FEE_RATE * ((tx.calc_weight() + 3) // 4)
        assert all(o.nValue >= DUST for o in tx.vout if o.nValue)  # every spendable output above dust
        owner = bytes(tx.vout[-1].scriptPubKey)  # the change goes back to the signer
        if tx.GetTxid() != plan.fanout_txid:
            for index, amount in enumerate(spent):
                _check_input(tx, index, amount, owner)


def test_a_consolidation_spends_its_chain_s_change_and_k_minus_1_split_outputs() -> None:
    plan, _ = _plan()
    splits = {txid: CTransaction.deserialize(raw) for raw, txid in plan.splits}
    seen_split_outputs: set[tuple[bytes, int]] = set()
    consolidations = 0
    for planned in plan.rounds:
        for p in range(planned.count):
            if planned.kind_name(p) != "btc-consolidate":
                continue
            consolidations += 1
            tx = CTransaction.deserialize(planned.raw[p])
            k = 4 if planned.index == 0 else 2
            assert (len(tx.vin), len(tx.vout)) == (k, 1)
            prepared = [(i.prevout.hash, i.prevout.n) for i in tx.vin[1:]]
            assert all(txid in splits and splits[txid].vout[n].nValue == SPLIT_SAT for txid, n in prepared)
            assert not seen_split_outputs & set(prepared), "a prepared output is spent once"
            seen_split_outputs |= set(prepared)
    assert consolidations > 10
    # each split pays exactly what its account's consolidations take, plus its change
    assert sum(len(s.vout) - 1 for s in splits.values()) == len(seen_split_outputs)


def test_a_coin_too_small_is_one_clear_error() -> None:
    with pytest.raises(
        WorkloadError, match=r"the funder's largest coin \(50000 sat\) cannot fund 5 accounts"
    ):
        _plan(coin=Utxo(COIN.txid, 0, 50_000))


def test_too_many_consolidations_for_one_split_are_refused() -> None:
    text = MIXED.replace("accounts: {count: 5, seed: 3}", "accounts: {count: 1, seed: 3}").replace(
        "tx_count: 10, rate: {type: fixed-rate, tps: 10}, tx: {kind: btc-consolidate, inputs: 2}",
        "tx_count: 2100, rate: {type: fixed-rate, tps: 10}, tx: {kind: btc-consolidate, inputs: 2}",
    )
    with pytest.raises(
        WorkloadError, match=r"btc-consolidate: an account needs \d+ prepared inputs, over the 2000"
    ):
        _plan(text)


def test_re_signing_starts_each_chain_from_the_tip_it_is_given() -> None:
    plan, _ = _plan()
    later = plan.rounds[1:]
    tips = [1, -1, 0, 3, -1]
    old_changes = [list(c) for c in plan.changes]
    (fresh,) = resign_rounds(plan, tips, later, 1)
    assert fresh.count == later[0].count and list(fresh.senders) == list(later[0].senders)
    assert list(fresh.kinds) == list(later[0].kinds)
    first: dict[int, int] = {}
    for p, sender in enumerate(fresh.senders.tolist()):
        first.setdefault(sender, p)
    for account, p in first.items():
        tx = CTransaction.deserialize(fresh.raw[p])
        tip = tips[account]
        start = old_changes[account][tip] if tip >= 0 else plan.starts[account]
        assert (tx.vin[0].prevout.hash, tx.vin[0].prevout.n) == (start.txid, start.vout)
        assert fresh.nonces[p] == tip + 1  # its place in the chain follows the tip
        assert len(plan.changes[account]) == tip + 1 + int((fresh.senders == account).sum())
    assert fresh.hashes != later[0].hashes
