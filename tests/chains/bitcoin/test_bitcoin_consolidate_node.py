"""Planned consolidations against a real litecoind (the conftest's 3-node ring on 127.0.0.1, no producer):
once the fan-out and the splits are mined, each account's first consolidation (k inputs -> 1) is accepted
by the node's own `testmempoolaccept` at exactly its fee."""

from __future__ import annotations

import shutil

import pytest

from bench.chains.bitcoin.funding import KeyFunder
from bench.chains.bitcoin.keys import derive_keys, p2wpkh_address, public_key_of
from bench.chains.bitcoin.network import ManagedNetwork
from bench.chains.bitcoin.plan import account_keys, build_plan
from bench.chains.bitcoin.tx import display_id
from bench.targets.rpc import RpcClient
from bench.targets.url import parse_endpoint
from bench.workload import parse_workload

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("litecoind") is None, reason="litecoind is not installed"),
]

FUNDER = derive_keys(5151, 1)[0]
WORKLOAD = """
name: consolidate-node
target: {chain: bitcoin}
accounts: {count: 6, seed: 21}
rounds:
  - {label: c, tx_count: 18, rate: {type: fixed-rate, tps: 6}, tx: {kind: btc-consolidate, inputs: 6}}
"""


def test_the_first_consolidation_of_every_account_is_accepted_by_the_node(ring: ManagedNetwork) -> None:
    node = ring.nodes[0]
    ring.mature(p2wpkh_address(public_key_of(FUNDER), "rltc"))
    rpc = RpcClient(parse_endpoint(node.url))
    try:
        workload = parse_workload(WORKLOAD)
        keys = account_keys(derive_keys(21, 6), "rltc")
        funder = KeyFunder(FUNDER)
        plan = build_plan(workload, keys, (FUNDER, lambda need: funder.coin(rpc, "rltc", need)), 2, 1)
        for raw in [plan.fanout, *(raw for raw, _ in plan.splits)]:
            rpc.call("sendrawtransaction", raw.hex())
        ring.mature(p2wpkh_address(public_key_of(FUNDER), "rltc"), 101)  # mines them, on every node
        assert len(plan.splits) == 6
        (planned,) = plan.rounds
        firsts = [planned.raw[p] for p in range(6)]  # senders go round-robin: positions 0-5 are accounts 0-5
        for raw in firsts:
            (verdict,) = rpc.call("testmempoolaccept", [raw.hex()])
            assert verdict["allowed"], verdict
            decoded = rpc.call("decoderawtransaction", raw.hex())
            assert (len(decoded["vin"]), len(decoded["vout"])) == (6, 1)
            assert verdict["txid"] == decoded["txid"]
            spent = sum(
                round(float(rpc.call("gettxout", i["txid"], i["vout"])["value"]) * 10**8)
                for i in decoded["vin"]
            )
            fee = spent - round(float(decoded["vout"][0]["value"]) * 10**8)
            assert fee == 2 * decoded["vsize"]
        assert display_id(plan.fanout_txid) in node.call("getblock", node.call("getblockhash", 102), 1)["tx"]
    finally:
        rpc.close()
