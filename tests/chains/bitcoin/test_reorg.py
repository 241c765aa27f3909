"""A real reorg on a 3-node litecoind regtest ring (127.0.0.1, never a mock), followed by the real Bitcoin head
feed and the block observer writing a run store.

node-2 is cut from its peers; both sides mine. Transactions: L only on the losing side (node-2), with a
conflicting spend L' of the same coin on the winning side, so L can never be re-included; R only on the
losing side, unconflicted, so it comes back to node-2's mempool and is re-included after the heal; S on
both sides. The observer follows node-2, so it reads the losing branch first; after the heal the longer
branch wins. The store then holds exactly the run's transactions in the final best chain's blocks
(read back with getblock), the orphaned blocks are recorded, and L is not confirmed.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bench.chains.bitcoin.heads import BitcoinHeads
from bench.chains.bitcoin.keys import hash160, p2wpkh_script, public_key_of
from bench.chains.bitcoin.kinds import transfer
from bench.chains.bitcoin.litecoind import RegtestNode
from bench.chains.bitcoin.network import ManagedNetwork, NetworkConfig
from bench.chains.bitcoin.signing import SpendJob, Utxo, sign_chain
from bench.clock import WallClock
from bench.observe.blocks import BlockObserver
from bench.observe.recording import store_block, store_reorg
from bench.results.store import RunStore
from bench.targets.url import parse_endpoint
from tests.chains.bitcoin.conftest import p2wpkh_address

pytestmark = pytest.mark.skipif(shutil.which("litecoind") is None, reason="litecoind is not installed")

FUNDER = 0xF00D  # a regtest key, worth nothing
SAT = 100_000_000
FEE_RATE = 20  # sat/vB: twice litecoind's minimum relay fee


def _poll(done: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def _coins(node: RegtestNode, address: str) -> list[Utxo]:
    """The address's mature coinbases, oldest first."""
    found = node.call("scantxoutset", "start", [f"addr({address})"])
    mature = [u for u in found["unspents"] if found["height"] - u["height"] >= 100]
    mature.sort(key=lambda u: u["height"])
    return [Utxo(bytes.fromhex(u["txid"])[::-1], u["vout"], round(u["amount"] * SAT)) for u in mature]


def _spend(coin: Utxo, to_secret: int, amount: int) -> tuple[str, bytes]:
    """A signed spend of `coin` paying `amount` to key `to_secret`: (raw hex, txid as the node shows it)."""
    to = p2wpkh_script(hash160(public_key_of(to_secret.to_bytes(32, "big"))))
    signed = sign_chain(SpendJob(FUNDER.to_bytes(32, "big"), coin, (transfer(to, amount, FEE_RATE),)))
    ((raw, txid),) = signed.txs
    return raw.hex(), txid[::-1]


def test_a_partition_reorg_leaves_only_the_best_chain_s_transactions_confirmed(tmp_path: Path) -> None:
    config = NetworkConfig(nodes=3, topology="ring")
    with ManagedNetwork(config, tmp_path / "net") as network:
        winner, loser = network.nodes[0], network.nodes[2]
        funder = p2wpkh_address(winner, FUNDER)
        miner = p2wpkh_address(winner, 0xB10C)
        network.mature(funder, blocks=103)
        coin_l, coin_r, coin_s = _coins(winner, funder)[:3]
        fork = int(loser.call("getblockcount"))

        store = RunStore(tmp_path / "results.sqlite", create=True)
        feed = BitcoinHeads(parse_endpoint(loser.url))
        observer = BlockObserver(
            feed,
            WallClock(),
            lambda block: store_block(store, block),
            target="node-2",
            on_reorg=lambda reorg: store_reorg(store, reorg),
            poll_interval=0.05,
        )
        txs = {
            "L": _spend(coin_l, 1, SAT),
            "L'": _spend(coin_l, 2, 2 * SAT),  # the same coin as L: L's conflict on the winning side
            "R": _spend(coin_r, 3, SAT),
            "S": _spend(coin_s, 4, SAT),
        }
        ids = {name: i for i, name in enumerate(txs)}
        observer.watch({txid: ids[name] for name, (_, txid) in txs.items()})
        observer.start()
        try:
            loser.set_network_active(False)
            _poll(lambda: [int(n.call("getconnectioncount")) for n in network.nodes] == [1, 1, 0])
            for name in ("L", "R", "S"):
                loser.call("sendrawtransaction", txs[name][0])
            for name in ("L'", "S"):
                winner.call("sendrawtransaction", txs[name][0])
            losing = loser.call("generatetoaddress", 2, miner)
            _poll(lambda: observer.last_block == fork + 2)
            winning = winner.call("generatetoaddress", 3, miner)

            loser.set_network_active(True)
            network.reconnect(2)
            network.wait_synced(winning[-1])
            _poll(lambda: "R" in _mempool_names(loser, txs))  # R is back in node-2's pool, L is not
            (again,) = loser.call("generatetoaddress", 1, miner)  # R re-included at a later height
            network.wait_synced(again)
            _poll(lambda: observer.last_block == fork + 4)
        finally:
            observer.stop()
        observer.settle()
        assert observer.failure() is None

        best = [winner.call("getblock", winner.call("getblockhash", n), 1) for n in range(fork + 1, fork + 5)]
        assert [b["hash"] for b in best] == [*winning, again]
        ours = {bytes.fromhex(t): n for b in best for t in b["tx"] for n in [b["height"]]}
        in_best = {ids[name]: ours[txid] for name, (_, txid) in txs.items() if txid in ours}
        assert in_best == {ids["L'"]: fork + 1, ids["S"]: fork + 1, ids["R"]: fork + 4}
        assert dict(store.query("SELECT tx, block FROM inclusions")) == in_best  # L is not confirmed
        blocks = store.query("SELECT number, tx_count FROM blocks ORDER BY number")
        assert blocks == [(b["height"], b["nTx"] - 1) for b in best]

        reorgs = store.reorgs()
        orphaned = {h for _, _, _, blocks_ in reorgs for _, h in blocks_}
        assert orphaned == set(losing)
        assert {f for _, f, _, _ in reorgs} == {fork} and max(d for _, _, d, _ in reorgs) == 2
        merkle = feed.merkle()
        assert merkle.seen == merkle.verified and merkle.mismatched == ()
        feed.close()
        store.close()


def _mempool_names(node: RegtestNode, txs: dict[str, tuple[str, bytes]]) -> set[str]:
    pool = {bytes.fromhex(t) for t in node.call("getrawmempool")}
    return {name for name, (_, txid) in txs.items() if txid in pool}
