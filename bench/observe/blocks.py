"""Follows the chain's best chain block by block, across reorgs, and matches its transactions to the run's.

The chain's head feed (bench/chains/<family>/) pushes new heads where the node offers a subscription,
else the observer polls the head. For each new block only its transaction-id list, hash and parent hash
are read (cheap for the node); receipts are read later, after the measured window, so the observer does
not steal the capacity it measures. A block's `seen` time is when its head reached us.

Terms: the observer *holds* the hash of every height it read. A block whose parent is not the hash held
for the height below starts a *reorg*: the observer finds the *fork* (the highest height whose held hash
is still on the node's best chain), *orphans* every held block above it (their matched transactions go
back to the watch set) and reads the winning branch's blocks by number. A transaction is *confirmed* once
the block that makes its including block `confirmations` deep is seen (1: the including block itself);
its inclusion names the including block and that later block's `seen`. A reorg at or below a confirmed
transaction's depth takes its confirmation back. `settle()`, after the window, re-checks every held
height against the node's final best chain, so only blocks on it count.

A node the run itself takes down (a fault: `outage()` says so) is waited for: the observer connects again
until it answers, and first takes back, as a reorg, the held blocks the node no longer has (one restarted
from an older state lost its last blocks). Losing the node at any other time stops the observer.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from bench.chains.base import BlockFacts, BlockRow, HeadFeed, InclusionRow
from bench.clock import Clock
from bench.errors import ChainmarkError, TargetError

CHUNK = 50  # blocks read per batch
HASH_CHUNK = 500  # heights per `hashes` query


@dataclass(frozen=True, slots=True)
class ObservedBlock:
    """A block of the best chain as the observer records it, and the watched transactions it confirmed
    (included in it, or in the block `confirmations - 1` below it)."""

    row: BlockRow
    inclusions: list[InclusionRow]


@dataclass(frozen=True, slots=True)
class Reorg:
    """One reorg the observer followed: when (run clock), the fork height, the orphaned blocks (height,
    hash) and the transactions whose confirmation it took back (their inclusions no longer hold)."""

    at: float
    fork: int
    orphaned: tuple[tuple[int, bytes], ...]
    unconfirmed: tuple[int, ...]

    @property
    def depth(self) -> int:
        return len(self.orphaned)


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
        on_reorg: Callable[[Reorg], None] = lambda _r: None,
        confirmations: int = 1,
        poll_interval: float = 0.1,
        outage: Callable[[], bool] = lambda: False,
    ) -> None:
        self.feed, self.clock, self.on_block, self.on_reorg = feed, clock, on_block, on_reorg
        self.outage = outage  # True while a fault of the run's own keeps the node from answering
        self.outages = 0  # how often the node was lost and waited for (during an outage)
        self._streamed = False  # a subscription was open once: poll only where there never was one
        self.target, self.poll_interval, self.confirmations = target, poll_interval, confirmations
        self._watched: dict[bytes, int] = {}
        self._held: dict[int, bytes] = {}  # height -> hash of the block read there
        self._matched: dict[int, list[tuple[bytes, int]]] = {}  # height -> (hash, tx id) of watched txs in it
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
        """How many transactions are not confirmed yet: never seen in a block, or not deep enough."""
        with self._lock:
            return len(self._watched) + len(self._shallow())

    def shallow(self) -> list[int]:
        """The tx ids seen in a block of the best chain that is not `confirmations` deep yet."""
        with self._lock:
            return self._shallow()

    def failure(self) -> ObserverFailure | None:
        """What stopped the observer, if anything (it does not restart)."""
        return self._failure

    def start(self) -> None:
        self.last_block = self.feed.head()
        (start_hash,) = self.feed.hashes([self.last_block])
        if start_hash is not None:
            self._held[self.last_block] = start_hash
        self._thread = threading.Thread(target=self._run, name="block-observer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def settle(self) -> None:
        """After the window (the observer stopped): re-check every held height against the node's best
        chain now, and follow any change as a reorg, so only blocks on the final best chain count."""
        heights = sorted(self._held)
        best: list[bytes | None] = []
        for start in range(0, len(heights), HASH_CHUNK):
            best.extend(self.feed.hashes(heights[start : start + HASH_CHUNK]))
        changed = [h for h, b in zip(heights, best, strict=True) if b != self._held[h]]
        if not changed:
            return
        now = self.clock.now()
        self._orphan_above(changed[0] - 1, now)
        on_best = [h for h, b in zip(heights, best, strict=True) if h >= changed[0] and b is not None]
        self._read(on_best, now)

    def _run(self) -> None:
        """Follow the heads until stopped; an error during an outage is waited out (then `_resync`)."""
        lost_once = False
        while not self._stop.is_set():
            try:
                if lost_once:
                    self._resync()
                    lost_once = False
                self._follow()
                return
            except ChainmarkError as exc:
                failure = exc
            except (OSError, ValueError, KeyError) as exc:
                failure = TargetError(f"block observer lost {self.target}: {exc}")
            if not isinstance(failure, TargetError) or not self.outage():  # a full disk is no outage
                self._failure = ObserverFailure(failure, self.clock.now())
                return
            self.outages += not lost_once
            lost_once = True
            self._stop.wait(self.poll_interval)

    def _follow(self) -> None:
        if self._follow_stream():
            return
        self.mode = "polling"
        while not self._stop.is_set():
            head = self.feed.head()
            if head > self.last_block:
                self._catch_up(head, self.clock.now())
            self._stop.wait(self.poll_interval)

    def _resync(self) -> None:
        """Back after an outage: the held blocks the node no longer has on its best chain are orphaned (a
        node restarted from an older state has lost its last blocks; their transactions are looked for again)."""
        if not self._held:
            return
        fork = self._fork_point(self.last_block)
        if fork < self.last_block:
            self._orphan_above(fork, self.clock.now())

    def _follow_stream(self) -> bool:
        """Follow pushed heads; False (poll instead) when the node offers no subscription."""
        stream = self.feed.subscribe()
        if stream is None:
            if self._streamed and self.outage():  # not back yet: subscribe again when it is
                raise TargetError(f"no subscription on {self.target} yet")
            return False
        self._streamed = True
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
        self._read(list(range(self.last_block + 1, head + 1)), seen)

    def _read(self, numbers: Sequence[int], seen: float) -> None:
        for start in range(0, len(numbers), CHUNK):
            for block in self.feed.blocks(numbers[start : start + CHUNK], seen):
                self._take(block, seen)

    def _take(self, block: BlockFacts, seen: float) -> None:
        """Add a block of the best chain on top of the held ones; first follow the reorg it shows, if any
        (its parent is not the block held below it): orphan the lost branch, read the winning one."""
        number = block.number
        below = self._held.get(number - 1)
        if below is not None and block.parent != below:
            fork = self._fork_point(number - 1)
            self._orphan_above(fork, seen)
            self._read(list(range(fork + 1, number)), seen)
            if self._held.get(number - 1) != block.parent:  # the chain moved again meanwhile
                self._read([number], seen)
                return
        self._held[number] = block.hash
        self.last_block = number
        self.on_block(ObservedBlock(block.row, self._match(block, seen)))

    def _match(self, block: BlockFacts, seen: float) -> list[InclusionRow]:
        """Pop the block's watched transactions; answer those this block confirms (k deep now)."""
        with self._lock:
            mine = [(h, self._watched.pop(h)) for h in block.tx_ids if h in self._watched]
            if mine:
                self._matched[block.number] = mine
            deep = block.number - self.confirmations + 1
            return [(tx_id, deep, seen) for _, tx_id in self._matched.get(deep, [])]

    def _fork_point(self, top: int) -> int:
        """The highest held height at or below `top` whose block is still on the node's best chain (one
        below the lowest held height if none is)."""
        low = min(self._held)
        while top >= low:
            start = max(low, top - 31)
            heights = list(range(start, top + 1))
            best = self.feed.hashes(heights)
            for height, found in reversed(list(zip(heights, best, strict=True))):
                if found is not None and found == self._held.get(height):
                    return height
            top = start - 1
        return low - 1

    def _orphan_above(self, fork: int, at: float) -> None:
        """Drop every held block above `fork`: their watched transactions are looked for again, and
        every confirmation that counted on them is taken back."""
        tip, k = self.last_block, self.confirmations
        orphaned = tuple((h, self._held.pop(h)) for h in range(fork + 1, tip + 1) if h in self._held)
        if not orphaned:
            return
        with self._lock:
            unconfirmed = tuple(
                tx_id for n in range(fork - k + 2, tip - k + 2) for _, tx_id in self._matched.get(n, [])
            )
            for height, _ in orphaned:
                self._watched.update(self._matched.pop(height, []))
        self.last_block = fork
        self.on_reorg(Reorg(at, fork, orphaned, unconfirmed))

    def _shallow(self) -> list[int]:
        """Under the lock: tx ids in held blocks not yet `confirmations` deep."""
        first = self.last_block - self.confirmations + 2
        return [tx_id for n in range(first, self.last_block + 1) for _, tx_id in self._matched.get(n, [])]
