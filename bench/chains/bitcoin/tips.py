"""Finds each account's real chain tip on the node: the position of its last planned write the node holds.

An account's writes form one chain (write n spends write n-1's change), so what the node holds of it is a
prefix: some confirmed, then some in its mempool. The tip is the highest position whose transaction is in
the mempool (`getrawmempool`, one call), or else the one whose change output is unspent in the confirmed
UTXO set (`scantxoutset` over every account's address, one call); -1 when the node holds none of them. Two
calls whatever the plan's size, where `gettxout` per position would cost one call per planned write.
"""

from __future__ import annotations

from bench.chains.bitcoin.plan import BitcoinPlan
from bench.chains.bitcoin.tx import display_id
from bench.targets.rpc import RpcClient


def chain_tips(rpc: RpcClient, plan: BitcoinPlan) -> list[int]:
    """Per account (in plan order), the chain position of its last write the node holds, or -1."""
    pool = set(rpc.call("getrawmempool"))
    scan = rpc.call("scantxoutset", "start", [f"addr({a})" for a in plan.addresses])
    unspent = {(str(u["txid"]), int(u["vout"])) for u in scan.get("unspents", [])}
    tips = []
    for changes in plan.changes:
        tip = -1
        for n, change in enumerate(changes):
            txid = display_id(change.txid)
            if txid in pool or (txid, change.vout) in unspent:
                tip = n
        tips.append(tip)
    return tips
