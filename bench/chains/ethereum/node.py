"""Reads a node's identity (client, chain id, block gas limit) and the facts planning needs from it."""

from __future__ import annotations

from dataclasses import dataclass

from bench.errors import RpcError
from bench.targets.rpc import RpcClient


@dataclass(frozen=True, slots=True)
class NodeInfo:
    """Who the target is, recorded with every run."""

    client: str
    chain_id: int
    gas_limit: int
    gas_price: int
    block_number: int
    dev_accounts: tuple[str, ...]
    base_fee: int | None = None  # the latest block's baseFeePerGas; None: a node without EIP-1559
    priority_fee: int | None = None  # eth_maxPriorityFeePerGas; None: the node does not offer it


def read_node_info(rpc: RpcClient) -> NodeInfo:
    """Ask the node who it is; `dev_accounts` are the unlocked accounts it offers (may be empty)."""
    latest = rpc.call("eth_getBlockByNumber", "latest", False)
    try:
        accounts = tuple(rpc.call("eth_accounts"))
    except RpcError:  # a public node may refuse eth_accounts; then there is no dev account
        accounts = ()
    return NodeInfo(
        client=str(rpc.call("web3_clientVersion")),
        chain_id=int(rpc.call("eth_chainId"), 16),
        gas_limit=int(latest["gasLimit"], 16),
        gas_price=int(rpc.call("eth_gasPrice"), 16),
        block_number=int(latest["number"], 16),
        dev_accounts=accounts,
        base_fee=None if latest.get("baseFeePerGas") is None else int(latest["baseFeePerGas"], 16),
        priority_fee=_priority_fee(rpc),
    )


def _priority_fee(rpc: RpcClient) -> int | None:
    try:
        return int(rpc.call("eth_maxPriorityFeePerGas"), 16)
    except RpcError:
        return None
