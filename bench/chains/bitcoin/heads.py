"""Following a Bitcoin Core node's tip: `getblockcount` polled (Bitcoin Core offers no push subscription
over JSON-RPC; its ZMQ notifications need a build option and a socket of their own), each new block read
with `getblock HASH 1` (its txid list, its hash and its parent's, not the transactions); the best chain's
hashes re-read in one `getblockhash` batch. Every block's Merkle root is recomputed
from its txids by bench.kernels (`merkle_root(..., "bitcoin")`) and compared with the header, so the
core's kernels check themselves on real chain data in every run.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bench.chains.base import BlockFacts, BlockRow
from bench.errors import TargetError
from bench.targets.rpc import RpcClient
from bench.targets.url import Endpoint

MAX_BLOCK_WEIGHT = 4_000_000  # BIP141's consensus limit: a block's weight is its "gas" here


@dataclass(frozen=True, slots=True)
class MerkleCount:
    """How many observed blocks had their Merkle root recomputed, and which did not match their header."""

    seen: int
    verified: int
    mismatched: tuple[int, ...]  # block heights

    def as_json(self) -> dict[str, object]:
        return {
            "seen": self.seen,
            "merkle_verified": self.verified,
            "merkle_mismatched": list(self.mismatched),
        }


class BitcoinHeads:
    """The observer's view of a Bitcoin Core node, over a connection of its own."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self._rpc = RpcClient(endpoint, timeout=30.0)
        self._lock = threading.Lock()
        self._seen, self._verified = 0, 0
        self._mismatched: list[int] = []

    def head(self) -> int:
        return int(self._rpc.call("getblockcount"))

    def blocks(self, numbers: Sequence[int], seen: float) -> list[BlockFacts]:
        hashes = self._rpc.batch("getblockhash", [[n] for n in numbers])
        out = []
        for block in self._rpc.batch("getblock", [[h, 1] for h in hashes]):
            if block is None:
                raise TargetError(f"{self.endpoint.redacted}: an announced block is not found")
            txids = [bytes.fromhex(t) for t in block["tx"]]  # display order, as the node names them
            self._check_merkle(block, txids)
            parent = bytes.fromhex(block.get("previousblockhash", ""))  # genesis has none
            out.append(BlockFacts(block_row(block, seen), txids, bytes.fromhex(block["hash"]), parent))
        return out

    def hashes(self, numbers: Sequence[int]) -> list[bytes | None]:
        """`getblockhash` of each height in one batch (display order, as `blocks` names them)."""
        tip = self.head()
        known = [n for n in numbers if 0 <= n <= tip]
        found = dict(zip(known, self._rpc.batch("getblockhash", [[n] for n in known]), strict=True))
        return [bytes.fromhex(found[n]) if n in found else None for n in numbers]

    def subscribe(self) -> None:
        return None

    def merkle(self) -> MerkleCount:
        with self._lock:
            return MerkleCount(self._seen, self._verified, tuple(self._mismatched))

    def close(self) -> None:
        self._rpc.close()

    def _check_merkle(self, block: dict[str, Any], txids: list[bytes]) -> None:
        from bench.kernels import merkle_root  # numba: loaded once the first block arrives

        root = merkle_root([t[::-1] for t in txids], "bitcoin")[::-1].hex()
        with self._lock:
            self._seen += 1
            if root == block["merkleroot"]:
                self._verified += 1
            else:
                self._mismatched.append(int(block["height"]))


def block_row(block: dict[str, Any], seen: float) -> BlockRow:
    """The store's row of a `getblock HASH 1` answer that reached us at `seen`: its transactions less the
    coinbase (the block's own reward, no one's load), and its weight in the gas columns."""
    return (
        int(block["height"]),
        int(block["time"]),
        seen,
        int(block["nTx"]) - 1,
        int(block["weight"]),
        MAX_BLOCK_WEIGHT,
        None,
        int(block["size"]),
    )


NOT_IN_MEMPOOL = -5  # Bitcoin Core's RPC_INVALID_ADDRESS_OR_KEY: getmempoolentry of a txid not there


class BitcoinMempool:
    """Which of some txids (display order) a node's mempool holds: one `getmempoolentry` batch per ask (error
    -5: not there, yet or any more: a spend mined there left its mempool; any other error raises)."""

    def __init__(self, endpoint: Endpoint) -> None:
        self._rpc = RpcClient(endpoint, timeout=10.0)

    def held(self, hashes: Sequence[bytes]) -> list[bool | None]:
        found = self._rpc.batch_or_none("getmempoolentry", [[h.hex()] for h in hashes], NOT_IN_MEMPOOL)
        return [entry is not None for entry in found]

    def close(self) -> None:
        self._rpc.close()
