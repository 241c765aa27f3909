"""Following an Ethereum node's head: `eth_subscribe("newHeads")` over websocket where the node offers
it, else polling `eth_blockNumber`; each new block is read without its transactions' bodies
(`eth_getBlockByNumber(n, false)`: only the hash list, cheap for the node), with its hash and its
parent's, which the observer follows across reorgs.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import websocket

from bench.chains.base import BlockFacts, BlockRow
from bench.errors import RpcError, TargetError
from bench.targets.rpc import RpcClient
from bench.targets.url import Endpoint


class EthereumHeads:
    """The observer's view of an Ethereum node, over connections of its own."""

    def __init__(self, endpoint: Endpoint, *, use_websocket: bool = True) -> None:
        self.endpoint, self.use_websocket = endpoint, use_websocket
        self._rpc = RpcClient(endpoint, timeout=30.0)

    def head(self) -> int:
        return int(self._rpc.call("eth_blockNumber"), 16)

    def blocks(self, numbers: Sequence[int], seen: float) -> list[BlockFacts]:
        out = []
        for block in self._rpc.batch("eth_getBlockByNumber", [[hex(n), False] for n in numbers]):
            if block is None:
                raise RpcError("eth_getBlockByNumber", 0, "announced block not found")
            hashes = block.get("transactions") or []
            ids = [bytes.fromhex(str(h)[2:]) for h in hashes]
            out.append(
                BlockFacts(block_row(block, seen), ids, _hex(block["hash"]), _hex(block["parentHash"]))
            )
        return out

    def hashes(self, numbers: Sequence[int]) -> list[bytes | None]:
        """Each height's block hash on the node's best chain, in one batch (None past its head)."""
        params = [[hex(n), False] for n in numbers]
        # one height (a tip watcher's usual ask) as a plain call: a node that refuses batches answers it too
        blocks = (
            [self._rpc.call("eth_getBlockByNumber", *params[0])]
            if len(params) == 1
            else self._rpc.batch("eth_getBlockByNumber", params)
        )
        return [None if b is None else _hex(b["hash"]) for b in blocks]

    def subscribe(self) -> NewHeads | None:
        return NewHeads.open(self.endpoint) if self.use_websocket else None

    def close(self) -> None:
        self._rpc.close()


class NewHeads:
    """A `newHeads` subscription over websocket."""

    mode = "websocket newHeads"

    def __init__(self, endpoint: Endpoint, ws: websocket.WebSocket) -> None:
        self.endpoint, self._ws = endpoint, ws

    @classmethod
    def open(cls, endpoint: Endpoint) -> NewHeads | None:
        """Subscribe; None (the observer polls) when the node offers no websocket subscription."""
        try:
            # websocket-client checks a text frame's UTF-8 in pure Python (a head message names every
            # transaction of its block: 9 us per transaction at 2,000 tx/s here); decoding it checks it too
            ws = websocket.create_connection(endpoint.ws_url, timeout=5, skip_utf8_validation=True)
            ws.send(
                json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_subscribe", "params": ["newHeads"]})
            )
            answer = json.loads(ws.recv())
            if "result" not in answer:
                ws.close()
                return None
        except (OSError, websocket.WebSocketException, ValueError):
            return None
        return cls(endpoint, ws)

    def next_head(self, timeout: float) -> int | None:
        self._ws.settimeout(timeout)
        try:
            message = self._ws.recv()
        except websocket.WebSocketTimeoutException:
            return None
        except (OSError, websocket.WebSocketException) as exc:
            raise TargetError(f"websocket to {self.endpoint.redacted} closed: {exc}") from exc
        head = json.loads(message).get("params", {}).get("result", {})
        return int(head["number"], 16) if "number" in head else None

    def close(self) -> None:
        self._ws.close()


def _hex(value: object) -> bytes:
    return bytes.fromhex(str(value)[2:])


def block_row(block: dict[str, object], seen: float) -> BlockRow:
    """The store's row of a block (an `eth_getBlockByNumber` answer) that reached us at `seen`."""
    hashes = block.get("transactions") or []
    assert isinstance(hashes, list)
    base_fee = block.get("baseFeePerGas")
    size = block.get("size")
    return (
        int(str(block["number"]), 16),
        int(str(block["timestamp"]), 16),
        seen,
        len(hashes),
        int(str(block["gasUsed"]), 16),
        int(str(block["gasLimit"]), 16),
        int(str(base_fee), 16) if base_fee is not None else None,
        int(str(size), 16) if size is not None else None,
    )


class EthereumMempool:
    """Which of some transaction hashes a node holds pending: one `eth_getTransactionByHash` batch per ask;
    None for one it already holds mined (`blockNumber` set): it is no longer to be looked for in the pool."""

    def __init__(self, endpoint: Endpoint) -> None:
        self._rpc = RpcClient(endpoint, timeout=10.0)

    def held(self, hashes: Sequence[bytes]) -> list[bool | None]:
        found = self._rpc.batch("eth_getTransactionByHash", [["0x" + h.hex()] for h in hashes])
        return [
            None if isinstance(tx, dict) and tx.get("blockNumber") is not None else tx is not None
            for tx in found
        ]

    def close(self) -> None:
        self._rpc.close()
