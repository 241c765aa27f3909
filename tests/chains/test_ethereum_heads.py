"""The Ethereum head feed on a real Anvil (127.0.0.1): blocks carry their hash and parent hash as the node
has them, `hashes` answers the best chain's (None past the head), and a reorg made with Anvil's own
snapshot and revert is followed by the observer: the orphaned block is recorded and the store keeps only
the final best chain's inclusions."""

from __future__ import annotations

import time
from collections.abc import Callable

from bench.chains.ethereum.anvil import ManagedAnvil
from bench.chains.ethereum.heads import EthereumHeads
from bench.clock import WallClock
from bench.observe.blocks import BlockObserver, ObservedBlock, Reorg
from bench.targets.rpc import RpcClient
from bench.targets.url import parse_endpoint


def _poll(done: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def _block(rpc: RpcClient, number: int) -> dict[str, object]:
    block = rpc.call("eth_getBlockByNumber", hex(number), False)
    assert isinstance(block, dict)
    return block


def test_blocks_and_hashes_are_the_node_s(anvil: ManagedAnvil, rpc: RpcClient) -> None:
    rpc.call("evm_setIntervalMining", 0)
    rpc.call("anvil_mine", 3)
    head = int(rpc.call("eth_blockNumber"), 16)
    feed = EthereumHeads(parse_endpoint(anvil.url), use_websocket=False)
    try:
        facts = feed.blocks([head - 1, head], 1.0)
        hashes = feed.hashes([head - 1, head, head + 1])
    finally:
        feed.close()
    node = [_block(rpc, n) for n in (head - 1, head)]
    assert [f.hash.hex() for f in facts] == [str(b["hash"])[2:] for b in node]
    assert [f.parent.hex() for f in facts] == [str(b["parentHash"])[2:] for b in node]
    assert facts[1].parent == facts[0].hash
    assert hashes == [facts[0].hash, facts[1].hash, None]


def test_a_reverted_block_is_orphaned_and_its_transaction_confirmed_only_where_it_ended(
    anvil: ManagedAnvil, rpc: RpcClient
) -> None:
    rpc.call("evm_setIntervalMining", 0)
    sender, receiver = rpc.call("eth_accounts")[:2]
    inclusions: dict[int, int] = {}
    reorgs: list[Reorg] = []

    def on_block(block: ObservedBlock) -> None:
        inclusions.update({tx: number for tx, number, _ in block.inclusions})

    def on_reorg(reorg: Reorg) -> None:
        reorgs.append(reorg)
        for tx in reorg.unconfirmed:
            inclusions.pop(tx)

    feed = EthereumHeads(parse_endpoint(anvil.url), use_websocket=False)
    observer = BlockObserver(
        feed, WallClock(), on_block, target="anvil", on_reorg=on_reorg, poll_interval=0.02
    )
    observer.start()
    try:
        fork = observer.last_block
        snapshot = rpc.call("evm_snapshot")
        tx = rpc.call("eth_sendTransaction", {"from": sender, "to": receiver, "value": "0x1"})
        observer.watch({bytes.fromhex(tx[2:]): 7})
        rpc.call("evm_mine")
        _poll(lambda: inclusions == {7: fork + 1})
        lost = _block(rpc, fork + 1)["hash"]
        rpc.call("evm_revert", snapshot)
        time_of_lost = int(str(_block(rpc, fork)["timestamp"]), 16) + 100
        rpc.call("evm_mine", time_of_lost)  # a different block at the same height
        rpc.call("evm_mine", time_of_lost + 1)
        _poll(lambda: observer.last_block == fork + 2 and bool(reorgs))
    finally:
        observer.stop()
    observer.settle()
    feed.close()
    assert observer.failure() is None
    assert [(r.fork, r.depth, [h.hex() for _, h in r.orphaned]) for r in reorgs] == [
        (fork, 1, [str(lost)[2:]])
    ]
    best = {
        bytes.fromhex(str(h)[2:]): n for n in (fork + 1, fork + 2) for h in _block(rpc, n)["transactions"]
    }
    where = best.get(bytes.fromhex(tx[2:]))
    assert inclusions == ({} if where is None else {7: where})  # Anvil's revert drops it: None
    assert observer.watching == (1 if where is None else 0)  # looked for again
