"""Follows new blocks and matches their transaction ids to the run's submissions.

The chain's head feed (bench/chains/<family>/) pushes new heads where the node offers a subscription,
else the observer polls the head. For each new block only its transaction-id list is read (cheap for the
node); receipts are read later, after the measured window, so the observer does not steal the capacity
it measures. A block's `seen` time is when its head reached us.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bench.chains.base import BlockFacts, BlockRow, HeadFeed, InclusionRow
from bench.clock import Clock
from bench.errors import ChainmarkError, TargetError


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
        feed: HeadFeed,
        clock: Clock,
        on_block: Callable[[ObservedBlock], None],
        *,
        target: str,
        poll_interval: float = 0.1,
    ) -> None:
        self.feed, self.clock, self.on_block = feed, clock, on_block
        self.target, self.poll_interval = target, poll_interval
        self._watched: dict[bytes, int] = {}
        self._lock = threading.Lock()
        self.mode = ""
        self._failure: ObserverFailure | None = None
        self.last_block = -1
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

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
        self.last_block = self.feed.head()
        self._thread = threading.Thread(target=self._run, name="block-observer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        try:
            if self._follow_stream():
                return
            self.mode = "polling"
            while not self._stop.is_set():
                head = self.feed.head()
                if head > self.last_block:
                    self._catch_up(head, self.clock.now())
                self._stop.wait(self.poll_interval)
        except ChainmarkError as exc:
            self._failure = ObserverFailure(exc, self.clock.now())
        except (OSError, ValueError, KeyError) as exc:
            lost = TargetError(f"block observer lost {self.target}: {exc}")
            self._failure = ObserverFailure(lost, self.clock.now())

    def _follow_stream(self) -> bool:
        """Follow pushed heads; False (poll instead) when the node offers no subscription."""
        stream = self.feed.subscribe()
        if stream is None:
            return False
        self.mode = stream.mode
        try:
            while not self._stop.is_set():
                head = stream.next_head(0.2)
                if head is not None:
                    self._catch_up(head, self.clock.now())
        finally:
            stream.close()
        return True

    def _catch_up(self, head: int, seen: float) -> None:
        """Read every block after the last one read up to `head`; all get `seen` (when we learnt of them)."""
        numbers = list(range(self.last_block + 1, head + 1))
        for start in range(0, len(numbers), 50):
            chunk = numbers[start : start + 50]
            for block in self.feed.blocks(chunk, seen):
                self.on_block(self._observe(block))
            self.last_block = chunk[-1]

    def _observe(self, block: BlockFacts) -> ObservedBlock:
        inclusions = []
        with self._lock:
            for tx_id in block.tx_ids:
                run_id = self._watched.pop(tx_id, None)
                if run_id is not None:
                    inclusions.append((run_id, block.number, block.row[2]))
        return ObservedBlock(block.row, inclusions)
