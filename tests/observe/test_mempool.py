"""Following a sample of writes into a node's mempool (bench.observe.mempool), against a real Anvil whose
mining is switched off, so a sent transaction stays pending until the test mines it: the probe says held for
a pending transaction, not for an unknown one, and no longer to look for once mined; the watcher records when it first saw
each sampled write, only once it was sent and accepted."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from eth_account import Account

from bench.chains.ethereum.anvil import ManagedAnvil
from bench.chains.ethereum.heads import EthereumMempool
from bench.clock import WallClock
from bench.observe.mempool import SAMPLE_EVERY, MempoolWatchers, sample_ids
from bench.results.store import RunStore
from bench.targets.rpc import RpcClient
from bench.targets.url import parse_endpoint

pytestmark = pytest.mark.anvil

DEV_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"  # Anvil's first dev account


@pytest.fixture
def still(tmp_path: Path) -> Iterator[tuple[ManagedAnvil, RpcClient]]:
    with ManagedAnvil(tmp_path / "anvil.log", block_time=1.0) as node:
        rpc = RpcClient(parse_endpoint(node.url))
        rpc.call("evm_setIntervalMining", 0)
        rpc.call("evm_setAutomine", False)
        yield node, rpc
        rpc.close()


def _send(rpc: RpcClient, nonce: int) -> bytes:
    tx = {
        "to": "0x" + "11" * 20,
        "value": 1,
        "gas": 21000,
        "gasPrice": 10**10,
        "nonce": nonce,
        "chainId": 31337,
    }
    raw = Account.sign_transaction(tx, DEV_KEY).raw_transaction
    return bytes.fromhex(str(rpc.call("eth_sendRawTransaction", "0x" + raw.hex().removeprefix("0x")))[2:])


def test_the_probe_holds_a_pending_transaction_only(still: tuple[ManagedAnvil, RpcClient]) -> None:
    node, rpc = still
    pending = _send(rpc, 0)
    probe = EthereumMempool(parse_endpoint(node.url))
    assert probe.held([pending, b"\x22" * 32]) == [True, False]
    rpc.call("evm_mine")
    assert probe.held([pending]) == [None]  # mined: no longer in the pool, nor to be looked for there
    probe.close()


def test_the_watcher_records_each_sampled_write_once_sent(
    still: tuple[ManagedAnvil, RpcClient], tmp_path: Path
) -> None:
    node, rpc = still
    store = RunStore(tmp_path / "results.sqlite", create=True)
    hashes = [_send(rpc, n) for n in range(3)]
    # ids 0 and 100 sampled (1 in 100), 101 not; id 100's record says it was refused: never followed
    sample = sample_ids(0, [hashes[0], *[b""] * 99, hashes[1], hashes[2]])
    assert sorted(sample) == [0, SAMPLE_EVERY]
    clock = WallClock()
    probe = EthereumMempool(parse_endpoint(node.url))
    watchers = MempoolWatchers([(0, probe)], sample, clock, store, 0.05)
    watchers.start()
    time.sleep(0.2)
    assert store.query("SELECT COUNT(*) FROM mempool_seen") == [(0,)]  # nothing sent yet: nothing asked
    sent = clock.now()
    watchers.sent([(0, sent, None), (SAMPLE_EVERY, sent, "nonce too low"), (SAMPLE_EVERY + 1, sent, None)])
    deadline = time.monotonic() + 5
    while not store.query("SELECT COUNT(*) FROM mempool_seen")[0][0] and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)  # more polls: a write already seen is neither asked for nor recorded again
    watchers.stop()
    probe.close()
    rows = store.query("SELECT tx, node, seen FROM mempool_seen")
    assert [(tx, n) for tx, n, _ in rows] == [(0, 0)]
    assert sent <= rows[0][2] < sent + 1.0
    # one request found it, and none is made once every followed write was seen
    assert watchers.followed == 1 and watchers.load()["requests"] == {0: 1}
