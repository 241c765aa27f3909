"""Reading nonces again mid-run (a saturation step's plan, re-signing): the node must count what it holds.

Ganache 7 answers `eth_getTransactionCount(.., "pending")` with its `latest` count while its pool still holds
the sender's writes, so a plan read then reuses nonces the pool already has (seen: "the tx doesn't have the
correct nonce. account has nonce of: 1005 tx has nonce of: 1001" in a saturation search's next step).
`settle_nonces` waits for such a node's pool to be in blocks, and reads a node that counts its pool at once.
"""

from __future__ import annotations

from contextlib import ExitStack, closing
from pathlib import Path

import pytest

from bench.chains.ethereum.anvil import ManagedAnvil, find_anvil
from bench.chains.ethereum.connector import read_nonces, settle_nonces
from bench.chains.ethereum.ganache import ManagedGanache
from bench.targets.rpc import RpcClient
from bench.targets.url import parse_endpoint

pytestmark = [pytest.mark.anvil, pytest.mark.slow]

WRITES = 12


def _send(rpc: RpcClient) -> bytes:
    """WRITES value transfers from the node's first dev account into its pool; that account's address."""
    dev = rpc.call("eth_accounts")[0]
    for _ in range(WRITES):
        rpc.call("eth_sendTransaction", {"from": dev, "to": dev, "value": "0x1", "gas": "0x5208"})
    return bytes.fromhex(dev[2:])


def test_ganache_s_pending_nonce_leaves_out_its_pool_and_settle_waits_for_the_blocks(tmp_path: Path) -> None:
    node = ManagedGanache(tmp_path / "ganache.log", block_time=2.0, gas_limit=30_000_000)
    with ExitStack() as stack:
        stack.enter_context(node)
        rpc = stack.enter_context(closing(RpcClient(parse_endpoint(node.url))))
        dev = _send(rpc)
        head = int(rpc.call("eth_blockNumber"), 16)
        held = read_nonces(rpc, [dev], "pending")
        if held == [WRITES]:
            pytest.skip("a block came between the sends and the read: nothing held to show")
        assert held == read_nonces(rpc, [dev], "latest") == [0], "pending does not count the pool"
        assert settle_nonces(rpc, [dev], timeout=0.0) is False, "no block yet: not settled"
        assert settle_nonces(rpc, [dev], timeout=20.0) is True
        assert read_nonces(rpc, [dev], "pending") == [WRITES], "every write the pool held is counted"
        assert int(rpc.call("eth_blockNumber"), 16) >= head + 2, "a block took them, a later one left them"


def test_a_node_whose_pending_nonce_counts_its_pool_is_read_without_waiting(tmp_path: Path) -> None:
    anvil = ManagedAnvil(tmp_path / "anvil.log", block_time=30.0, gas_limit=30_000_000, binary=find_anvil())
    with ExitStack() as stack:
        stack.enter_context(anvil)
        rpc = stack.enter_context(closing(RpcClient(parse_endpoint(anvil.url))))
        dev = _send(rpc)
        head = int(rpc.call("eth_blockNumber"), 16)
        assert settle_nonces(rpc, [dev], timeout=20.0) is True
        assert int(rpc.call("eth_blockNumber"), 16) == head, "it did not wait for a block"
        assert read_nonces(rpc, [dev], "pending") == [WRITES] and read_nonces(rpc, [dev], "latest") == [0]
