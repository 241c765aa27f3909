"""Follows new blocks and matches their transaction hashes to the run's submissions.

New heads come from `eth_subscribe("newHeads")` over websocket where the node offers it, else from
polling `eth_blockNumber`. For each new block only its transaction-hash list is read (cheap for the
node); receipts are fetched later, after the measured window (`fetch_receipts`), so the observer
does not steal the capacity it measures. A block's `seen` time is when its head reached us.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import websocket

from bench.clock import Clock
from bench.errors import ChainmarkError, RpcError, TargetError
from bench.targets.rpc import RpcClient
from bench.targets.url import Endpoint

BlockRow = tuple[int, int, float, int, int, int, int | None, int | None]
InclusionRow = tuple[int, int, float]


@dataclass(frozen=True, slots=True)
class ObservedBlock:
    """What the observer records of one block, and which watched transactions it carried."""

    row: BlockRow
    inclusions: list[InclusionRow]


@dataclass(frozen=True, slots=True)
class ObserverFailure:
    """What stopped the observer, and when (run clock)."""

    error: ChainmarkError
    at: float


class BlockObserver:
    """Runs in its own thread (a greenlet under Locust's gevent). It owns the watch set: other threads
    change it only through `watch` / `unwatch` (under its lock); `failure()` hands over what stopped it."""

    def __init__(
        self,
        endpoint: Endpoint,
        clock: Clock,
        on_block: Callable[[ObservedBlock], None],
        *,
        poll_interval: float = 0.1,
        use_websocket: bool = True,
    ) -> None:
        self.endpoint, self.clock, self.on_block = endpoint, clock, on_block
        self.poll_interval, self.use_websocket = poll_interval, use_websocket
        self._watched: dict[bytes, int] = {}
        self._lock = threading.Lock()
        self.mode = ""
        self._failure: ObserverFailure | None = None
        self.last_block = -1
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._rpc = RpcClient(endpoint, timeout=30.0)

    def watch(self, hashes: dict[bytes, int]) -> None:
        """Add transaction hashes (hash -> tx id) to look for in new blocks."""
        with self._lock:
            self._watched.update(hashes)

    def unwatch(self, hashes: Iterable[bytes]) -> None:
        """Stop looking for these hashes (a rejected write, one never sent)."""
        with self._lock:
            for h in hashes:
                self._watched.pop(h, None)

    @property
    def watching(self) -> int:
        """How many hashes are still looked for."""
        return len(self._watched)

    def failure(self) -> ObserverFailure | None:
        """What stopped the observer, if anything (it does not restart)."""
        return self._failure

    def start(self) -> None:
        self.last_block = int(self._rpc.call("eth_blockNumber"), 16)
        self._thread = threading.Thread(target=self._run, name="block-observer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._rpc.close()

    def _run(self) -> None:
        try:
            if self.use_websocket and self._follow_websocket():
                return
            self.mode = "polling"
            while not self._stop.is_set():
                head = int(self._rpc.call("eth_blockNumber"), 16)
                if head > self.last_block:
                    self._catch_up(head, self.clock.now())
                self._stop.wait(self.poll_interval)
        except ChainmarkError as exc:
            self._failure = ObserverFailure(exc, self.clock.now())
        except (OSError, ValueError, KeyError) as exc:
            lost = TargetError(f"block observer lost {self.endpoint.redacted}: {exc}")
            self._failure = ObserverFailure(lost, self.clock.now())

    def _follow_websocket(self) -> bool:
        """Follow newHeads; False (fall back to polling) when the node offers no websocket subscription."""
        try:
            ws = websocket.create_connection(self.endpoint.ws_url, timeout=5)
            ws.send(
                json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_subscribe", "params": ["newHeads"]})
            )
            answer = json.loads(ws.recv())
            if "result" not in answer:
                ws.close()
                return False
        except (OSError, websocket.WebSocketException, ValueError):
            return False
        self.mode = "websocket newHeads"
        ws.settimeout(0.2)
        try:
            while not self._stop.is_set():
                try:
                    message = ws.recv()
                except websocket.WebSocketTimeoutException:
                    continue
                except (OSError, websocket.WebSocketException) as exc:
                    raise TargetError(f"websocket to {self.endpoint.redacted} closed: {exc}") from exc
                seen = self.clock.now()
                head = json.loads(message).get("params", {}).get("result", {})
                if "number" in head:
                    self._catch_up(int(head["number"], 16), seen)
        finally:
            ws.close()
        return True

    def _catch_up(self, head: int, seen: float) -> None:
        """Read every block after the last one read up to `head`; all get `seen` (when we learnt of them)."""
        numbers = list(range(self.last_block + 1, head + 1))
        for start in range(0, len(numbers), 50):
            chunk = numbers[start : start + 50]
            blocks = self._rpc.batch("eth_getBlockByNumber", [[hex(n), False] for n in chunk])
            for block in blocks:
                if block is None:
                    raise RpcError("eth_getBlockByNumber", 0, "announced block not found")
                self.on_block(self._observe(block, seen))
            self.last_block = chunk[-1]

    def _observe(self, block: dict[str, object], seen: float) -> ObservedBlock:
        number = int(str(block["number"]), 16)
        hashes = block.get("transactions") or []
        assert isinstance(hashes, list)
        inclusions = []
        with self._lock:
            for tx_hash in hashes:
                tx_id = self._watched.pop(bytes.fromhex(str(tx_hash)[2:]), None)
                if tx_id is not None:
                    inclusions.append((tx_id, number, seen))
        return ObservedBlock(block_row(block, seen), inclusions)


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


def fetch_receipts(rpc: RpcClient, blocks: list[int], tx_ids: dict[bytes, int]) -> list[tuple[int, int, int]]:
    """Receipts (tx id, status, gas used) of the watched transactions in `blocks`, after the window."""
    out = []
    for number in blocks:
        try:
            receipts = rpc.call("eth_getBlockReceipts", hex(number))
        except RpcError:
            receipts = None
        if receipts is None:  # the node has no eth_getBlockReceipts: one receipt per transaction
            block = rpc.call("eth_getBlockByNumber", hex(number), False)
            ours = [h for h in block["transactions"] if bytes.fromhex(h[2:]) in tx_ids]
            receipts = rpc.batch("eth_getTransactionReceipt", [[h] for h in ours])
        for receipt in receipts:
            tx_id = tx_ids.get(bytes.fromhex(receipt["transactionHash"][2:]))
            if tx_id is not None:
                out.append((tx_id, int(receipt["status"], 16), int(receipt["gasUsed"], 16)))
    return out
