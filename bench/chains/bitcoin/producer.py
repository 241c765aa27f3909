"""Produces one block every `interval` seconds on the managed network's producer nodes, on an absolute schedule.

A slot is one intended block: slot n is due at `t0 + n * interval` (never "sleep `interval` after the last
block", so the time a `generatetoaddress` takes does not accumulate as drift). Producers take the slots in
turn (`[0]`: node-0 mines every block; `[0, 1, 2]`: round-robin). A slot missed by a whole interval or more
(a stalled node) is skipped, not caught up in a burst. Each attempt is recorded, with its block hash or the
node's error: a failed attempt is data, and the producer goes on with the next slot.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from bench.chains.bitcoin.litecoind import RegtestNode
from bench.clock import Clock, WallClock
from bench.errors import TargetError
from bench.targets.rpc import RpcClient


@dataclass(frozen=True, slots=True)
class ProducedBlock:
    """One slot's attempt: which node, when it was due and answered (clock seconds), and its block or error."""

    slot: int
    node: int
    intended: float
    at: float
    block_hash: str | None
    error: str | None = None


def next_slot(slot: int, t0: float, interval: float, now: float) -> int:
    """The slot after `slot`: the next one, unless `now` is a whole interval or more past it (then the
    latest slot already due, so missed slots are skipped)."""
    return max(slot + 1, math.floor((now - t0) / interval))


class BlockProducer:
    """A thread mining a block per slot with `generatetoaddress`; `stop()` ends it and keeps the records.

    Node k mines to `addresses[k % len(addresses)]`. The thread owns its RPC connections and its records;
    `blocks()` reads a copy under the lock."""

    def __init__(
        self,
        nodes: Sequence[RegtestNode],
        addresses: Sequence[str],
        interval: float,
        producers: Sequence[int] = (0,),
        clock: Clock | None = None,
    ) -> None:
        if interval <= 0 or not addresses or not producers:
            raise ValueError("a producer needs an interval > 0, an address and a producer node")
        self.nodes, self.addresses, self.interval = tuple(nodes), tuple(addresses), interval
        self.producers, self.clock = tuple(producers), clock or WallClock()
        self._records: list[ProducedBlock] = []
        self._failure: BaseException | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="block-producer", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 35.0) -> tuple[ProducedBlock, ...]:
        """Stop after the attempt under way (if any); safe to call twice. Returns every record."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        return self.blocks()

    def blocks(self) -> tuple[ProducedBlock, ...]:
        with self._lock:
            return tuple(self._records)

    def failure(self) -> BaseException | None:
        """What ended the thread other than `stop()` (a bug, not a node's error), if anything."""
        return self._failure

    def _run(self) -> None:
        clients: dict[int, RpcClient] = {}
        try:
            t0, slot = self.clock.now(), 1
            while not self._stop.wait(max(0.0, t0 + slot * self.interval - self.clock.now())):
                node = self.producers[(slot - 1) % len(self.producers)]
                rpc = clients.get(node) or clients.setdefault(node, self.nodes[node].client())
                self._record(self._produce(rpc, slot, node, t0 + slot * self.interval))
                slot = next_slot(slot, t0, self.interval, self.clock.now())
        except Exception as exc:  # kept for failure(): the thread must not die silently
            self._failure = exc
        finally:
            for rpc in clients.values():
                rpc.close()

    def _produce(self, rpc: RpcClient, slot: int, node: int, intended: float) -> ProducedBlock:
        address = self.addresses[node % len(self.addresses)]
        try:
            (block_hash,) = rpc.call("generatetoaddress", 1, address)
        except TargetError as exc:
            return ProducedBlock(slot, node, intended, self.clock.now(), None, str(exc))
        return ProducedBlock(slot, node, intended, self.clock.now(), str(block_hash))

    def _record(self, record: ProducedBlock) -> None:
        with self._lock:
            self._records.append(record)
