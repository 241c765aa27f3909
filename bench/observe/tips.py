"""Follows every node's tip on a network of several nodes: block propagation as the nodes saw it.

One watcher per node (its own thread and connection) polls the node's head at the observer's interval
and, for each new height, asks the block hashes of the node's best chain there (one cheap batched call),
recording when that node was first seen holding each block. The block observer (bench.observe.blocks)
still follows the primary node alone for confirmations; these rows say how far behind the others were.
A block a node reorganises away is replaced by the hash the node later holds at that height: when its head
moves, the heights below it are walked back until the node holds what it held (a healed node's branch). A node
that stops answering (killed, stopped by a fault) is polled on: each outage's start is recorded, and the
blocks it fetches once it is back are rows like any other.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from bench.chains.base import HeadFeed
from bench.clock import Clock
from bench.errors import ChainmarkError
from bench.results.store import RunStore

TipRow = tuple[int, int, bytes, float]  # node index, height, block hash, first seen at that node


def request_load(requests: dict[int, int], started: float, stopped: float) -> dict[str, object]:
    """What watchers asked of each node: requests in all and per second over the watched window."""
    span = max(stopped - started, 1e-9)
    return {
        "requests": dict(requests),
        "per_s": {k: round(n / span, 2) for k, n in requests.items()},
        "window_s": round(span, 3),
    }


class TipWatchers:
    """Watchers of `feeds` (node index -> feed); started and stopped around the observed window."""

    def __init__(
        self, feeds: Sequence[tuple[int, HeadFeed]], clock: Clock, store: RunStore, interval: float
    ) -> None:
        self.feeds, self.clock, self.store, self.interval = feeds, clock, store, interval
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        # when a node stopped answering (a fault, a crash), each time; its watcher keeps polling it
        self.outages: dict[int, list[str]] = {}
        # the watchers' own load on each node: RPC requests made (a head poll, a batch of hashes)
        self.requests: dict[int, int] = {index: 0 for index, _ in feeds}
        self.started = self.stopped = 0.0

    def load(self) -> dict[str, object]:
        return request_load(self.requests, self.started, self.stopped)

    def start(self) -> None:
        self.started = self.clock.now()
        for index, feed in self.feeds:
            last = feed.head()
            thread = threading.Thread(
                target=self._watch, args=(index, feed, last), daemon=True, name=f"tip-{index}"
            )
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        """Stop after two more polls: the drain ends as soon as the observer sees the last write's block,
        and a watcher polled just before it would otherwise never record that block at its node."""
        self.clock.sleep(2 * self.interval)
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=10)
        self.stopped = self.clock.now()

    def _replaced(
        self, index: int, feed: HeadFeed, held: dict[int, bytes], below: int, seen: float
    ) -> list[TipRow]:
        """Heights from `below` down whose block the node replaced (it reorganised onto a longer chain, as a
        healed node does): walked back one height at a time until the node holds what it held."""
        rows: list[TipRow] = []
        number = below
        while number in held:
            self.requests[index] += 1
            (block,) = feed.hashes([number])
            if block is None or block == held[number]:
                break
            held[number] = block
            rows.append((index, number, block, seen))
            number -= 1
        return rows

    def _watch(self, index: int, feed: HeadFeed, last: int) -> None:
        held: dict[int, bytes] = {}
        down = False
        while not self._stop.wait(self.interval):
            try:
                self.requests[index] += 1
                head = feed.head()
                if head < last:  # a shorter best chain after a reorg: heights above it are gone
                    last = head
                if head == last:
                    down = False
                    continue
                seen = self.clock.now()
                numbers = list(range(last + 1, head + 1))
                rows: list[TipRow] = []
                self.requests[index] += 1
                for number, block in zip(numbers, feed.hashes(numbers), strict=True):
                    if block is not None and held.get(number) != block:
                        held[number] = block
                        rows.append((index, number, block, seen))
                rows += self._replaced(index, feed, held, last, seen)
                self.store.add_node_tips(rows)
                last, down = head, False
            except (ChainmarkError, OSError, ValueError) as exc:  # a node killed or stopped by a fault
                if not down:
                    self.outages.setdefault(index, []).append(f"at {self.clock.now():.3f}: {exc}")
                down = True
