"""Mempool propagation on a network of several nodes, from a sample of the run's writes (issue 12).

One write in `SAMPLE_EVERY` (by transaction id: 1 %, never all) is followed into every node's mempool: once
its send record is in (the runners report each flush of them, `sent`), one watcher per node asks its node, at
the observer's poll interval, which of the sampled writes it holds (one batched request per poll: Bitcoin's
`getmempoolentry`, Ethereum's `eth_getTransactionByHash`; a chain's `MempoolProbe`), and records when the node
was first seen holding each (store table `mempool_seen`). A write is followed at a node until it was seen there
or for `FOLLOW_S` after its send; one that reached a node only inside a block is not a mempool arrival (the
tip watchers record the block's). The watchers' own requests are counted, like the tip watchers'. Resolution:
the poll interval between nodes; from the send, the runner's record flush (every 0.25 s) plus the poll interval
(a write mined sooner than that may be seen in no mempool).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence

from bench.chains.base import MempoolProbe
from bench.clock import Clock
from bench.errors import ChainmarkError
from bench.observe.tips import request_load
from bench.results.store import RunStore

SAMPLE_EVERY = 100  # one write in this many (by tx id) is followed into every mempool
FOLLOW_S = 60.0  # a sampled write is looked for at a node for this long after its send
CHUNK = 500  # sampled writes asked of a node per request (nodes cap a batch: geth at 1,000 calls)


class MempoolWatchers:
    """Watchers of the sampled writes (`hashes`: tx id -> its hash) in `probes` (node index -> probe)."""

    def __init__(
        self,
        probes: Sequence[tuple[int, MempoolProbe]],
        hashes: dict[int, bytes],
        clock: Clock,
        store: RunStore,
        interval: float,
    ) -> None:
        self.probes, self.hashes, self.clock, self.store, self.interval = (
            probes,
            hashes,
            clock,
            store,
            interval,
        )
        self._lock = threading.Lock()
        self._sent: dict[int, float] = {}  # sampled tx id -> its send time, once its record is in
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.requests: dict[int, int] = {index: 0 for index, _ in probes}
        self.errors: dict[int, dict[str, object]] = {}  # per node: failed asks and the last error
        self.started = self.stopped = 0.0

    def sent(self, records: Iterable[tuple[int, float, str | None]]) -> None:
        """(tx id, sent, error) of writes just recorded (a runner's thread): the sampled, accepted ones are
        followed from now on."""
        chosen = [(tx, at) for tx, at, error in records if tx in self.hashes and error is None]
        if chosen:
            with self._lock:
                self._sent.update(chosen)

    @property
    def followed(self) -> int:
        """How many sampled writes were sent, accepted, and so followed."""
        with self._lock:
            return len(self._sent)

    def load(self) -> dict[str, object]:
        return request_load(self.requests, self.started, self.stopped)

    def start(self) -> None:
        self.started = self.clock.now()
        for index, probe in self.probes:
            thread = threading.Thread(
                target=self._watch, args=(index, probe), daemon=True, name=f"pool-{index}"
            )
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=10)
        self.stopped = self.clock.now()

    def _watch(self, index: int, probe: MempoolProbe) -> None:
        done: set[int] = set()  # seen in its pool, or known there mined: no longer asked for
        while not self._stop.wait(self.interval):
            now = self.clock.now()
            with self._lock:
                wanted = [tx for tx, at in self._sent.items() if tx not in done and now - at < FOLLOW_S]
            for start in range(0, len(wanted), CHUNK):
                part = wanted[start : start + CHUNK]
                try:
                    self.requests[index] += 1
                    held = probe.held([self.hashes[tx] for tx in part])
                except (ChainmarkError, OSError, ValueError, KeyError, TypeError) as exc:
                    # a node down (a fault) or one that cannot answer: counted, asked again next poll
                    failed = self.errors.setdefault(index, {"count": 0, "last": ""})
                    failed["count"] = int(str(failed["count"])) + 1
                    failed["last"] = str(exc)
                    break
                seen = self.clock.now()
                rows = [(tx, index, seen) for tx, here in zip(part, held, strict=True) if here]
                done.update(tx for tx, here in zip(part, held, strict=True) if here is not False)
                if rows:
                    self.store.add_mempool_seen(rows)


def sample_ids(first: int, hashes: Sequence[bytes]) -> dict[int, bytes]:
    """The sampled writes of a round whose first tx id is `first` (a read has an empty hash)."""
    start = -first % SAMPLE_EVERY
    return {first + i: hashes[i] for i in range(start, len(hashes), SAMPLE_EVERY) if hashes[i]}
