"""What became of writes never seen in a block, asked of a real litecoind (regtest, 127.0.0.1, one node
without a block producer, so what enters its mempool stays there): pending, dropped and the UTXO analogue
of a nonce gap."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from bench.chains.base import Write
from bench.chains.bitcoin.funding import KeyFunder
from bench.chains.bitcoin.keys import derive_keys, hash160, p2wpkh_address, p2wpkh_script, public_key_of
from bench.chains.bitcoin.kinds import transfer
from bench.chains.bitcoin.network import ManagedNetwork, NetworkConfig
from bench.chains.bitcoin.signing import SpendJob, sign_chain
from bench.chains.bitcoin.unseen import check_unseen
from bench.results.reasons import DROPPED, NONCE_GAP, PENDING
from bench.targets.rpc import RpcClient
from bench.targets.url import parse_endpoint

pytestmark = pytest.mark.slow

KEY, OTHER = derive_keys(8080, 2)


@pytest.fixture(scope="module")
def rpc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RpcClient]:
    if shutil.which("litecoind") is None:
        pytest.skip("litecoind is not installed (Debian package litecoind)")
    with ManagedNetwork(NetworkConfig(nodes=1), tmp_path_factory.mktemp("unseen")) as network:
        network.mature(p2wpkh_address(public_key_of(KEY), "rltc"), 102)
        client = RpcClient(parse_endpoint(network.nodes[0].url))
        try:
            yield client
        finally:
            client.close()


def _writes(
    rpc: RpcClient, key: bytes, sender: str, first_id: int, length: int
) -> tuple[list[Write], list[bytes]]:
    """A signed chain of `length` transfers from `key`'s largest coin, as writes (display-order hashes)."""
    coin = KeyFunder(key).coin(rpc, "rltc", 0)
    to = p2wpkh_script(hash160(public_key_of(OTHER)))
    chain = sign_chain(SpendJob(key, coin, (transfer(to, 20_000, 2),) * length))
    return [Write(first_id + n, sender, n, txid[::-1]) for n, (_, txid) in enumerate(chain.txs)], [
        raw for raw, _ in chain.txs
    ]


def test_pending_dropped_and_a_gap_behind_a_missing_parent(rpc: RpcClient) -> None:
    writes, raws = _writes(rpc, KEY, "a", 0, 3)
    rpc.call("sendrawtransaction", raws[0].hex())  # in the mempool: pending
    # raws[1] never reached the node: dropped; raws[2] spends its change: behind a missing parent
    check = check_unseen(rpc, writes)
    assert check.rows == [(0, PENDING, True), (1, DROPPED, False), (2, NONCE_GAP, False)]
    assert check.pool == "getmempoolentry"


def test_a_write_behind_a_refused_one_is_a_gap(rpc: RpcClient) -> None:
    writes, _ = _writes(rpc, KEY, "b", 10, 2)
    refused, later = writes
    check = check_unseen(rpc, [Write(refused.tx_id, "b", 0, refused.hash, rejected=True), later])
    assert check.rows == [(11, NONCE_GAP, True)]
    assert check.as_json()["by_reason"] == {NONCE_GAP: 1}


def test_nothing_unseen_needs_no_question(rpc: RpcClient) -> None:
    assert check_unseen(rpc, []).rows == []


TIPS = """
name: tips
target: {chain: bitcoin}
accounts: {count: 3, seed: 4}
rounds:
  - {label: first, tx_count: 12, rate: {type: fixed-rate, tps: 3}, tx: {kind: btc-transfer}}
  - {label: second, tx_count: 6, rate: {type: fixed-rate, tps: 3}, tx: {kind: btc-transfer}}
"""


def test_each_account_s_tip_is_its_last_write_the_node_holds(rpc: RpcClient) -> None:
    """Account 0: two writes confirmed, a third in the mempool; account 1: one confirmed; account 2: none
    sent. The tips are 2, 0 and -1, and the re-signed round spends from them (the node accepts it)."""
    from bench.chains.bitcoin.plan import account_keys, build_plan, resign_rounds
    from bench.chains.bitcoin.tips import chain_tips
    from bench.workload import parse_workload

    mine_to = p2wpkh_address(public_key_of(OTHER), "rltc")
    rpc.call("generatetoaddress", 1, mine_to)  # what other tests left in the mempool: not our funder's coin
    keys = account_keys(derive_keys(4, 3), "rltc")
    funder = KeyFunder(KEY)
    plan = build_plan(parse_workload(TIPS), keys, (KEY, lambda need: funder.coin(rpc, "rltc", need)), 2, 1)
    first = plan.rounds[0]
    chains: dict[int, list[bytes]] = {}
    for p, sender in enumerate(first.senders.tolist()):
        chains.setdefault(sender, []).append(first.raw[p])
    rpc.call("sendrawtransaction", plan.fanout.hex())
    for raw in (chains[0][0], chains[0][1], chains[1][0]):
        rpc.call("sendrawtransaction", raw.hex())
    rpc.call("generatetoaddress", 1, mine_to)
    rpc.call("sendrawtransaction", chains[0][2].hex())
    assert chain_tips(rpc, plan) == [2, 0, -1]
    (second,) = resign_rounds(plan, [2, 0, -1], plan.rounds[1:], 1)
    for p in range(3):  # each account's first write of the re-signed round spends its tip
        (verdict,) = rpc.call("testmempoolaccept", [second.raw[p].hex()])
        assert verdict["allowed"], verdict
