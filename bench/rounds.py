"""Runs one planned round, in this process or on a Locust cluster, behind one `RoundRunner` protocol.

A runner sends the round's pre-signed transactions at its rate controller's pace and stores every send
record as it goes; the session's block observer tells it (`included`) which of the round's positions it
saw in a block, which opens a closed loop's slots. `run` returns a frozen `RoundOutcome`. The local runner
drives Locust users in chainmark's process; the cluster runner shards the round among the live workers
(by sender account) and stores the records they stream back, with the worker that sent each.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

import numpy as np

from bench.chains.base import Wire
from bench.clock import Clock
from bench.load.cluster import ClusterMaster, ClusterRound, Shard
from bench.load.dispatch import (
    NO_BATCHES,
    Backlog,
    Batching,
    Dispatcher,
    OpenLoop,
    RoundCounters,
    make_dispatcher,
)
from bench.load.routes import PRIMARY, Route, node_of
from bench.load.runner import run_round
from bench.load.shard import shard_positions, split_users
from bench.observe.blocks import BlockObserver
from bench.plan.round import PlannedRound
from bench.results.store import RunStore
from bench.targets.url import Endpoint

START_LEAD_S = 0.5  # users are spawned before the round's t0, so the first send is not late
CLUSTER_START_LEAD_S = 1.0  # on a cluster the start message travels and the workers spawn users first
RAN_OUT = "the pre-signed pool ran out before the round's duration"


@dataclass(frozen=True, slots=True)
class RoundOutcome:
    """What running a round gave: how many of its transactions were sent, and the workers lost in it."""

    taken: int
    lost_workers: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class RoundProgress:
    """A round's live counts for the progress line."""

    label: str
    elapsed: float
    planned_s: float | None
    sent: int
    confirmed: int
    failed: int
    tps: float


@dataclass(frozen=True, slots=True)
class RoundContext:
    """What a runner uses of the session: where to send and in what bytes (the chain's wire), the clock,
    the store, the observer, and two callbacks: `check` raises what stopped the observer, `progress`
    shows the live counts."""

    endpoint: Endpoint
    wire: Wire
    clock: Clock
    store: RunStore
    observer: BlockObserver
    check: Callable[[], None]
    progress: Callable[[RoundProgress], None]
    routes: tuple[Route, ...] = ()  # several nodes (node 0's first): where `submit` spreads the load
    submit: str = PRIMARY  # bench.load.routes' policy
    # told (tx id, sent, error) of each batch of send records as they are stored (the mempool sample's start)
    sent: Callable[[list[tuple[int, float, str | None]]], None] | None = None

    def nodes(self, planned: PlannedRound) -> np.ndarray | None:
        """Each position of `planned`'s node to submit to (None: all to node 0, `endpoint`)."""
        return node_of(self.submit, len(self.routes), planned.senders)


class RoundRunner(Protocol):
    def run(self, planned: PlannedRound, first: int) -> RoundOutcome:
        """Send round `planned`, whose first transaction has id `first`; store its records as they come."""
        ...

    def included(self, tx_ids: list[int]) -> None:
        """The observer saw these transactions in a block (called from the observer's thread)."""
        ...

    def use_batches(self, batching: Batching) -> None:
        """How open-loop rounds leave: in batches, or one request per transaction (`NO_BATCHES`)."""
        ...


class _Runner(ABC):
    """What both runners share: the current round's counters, its inclusion bookkeeping, the progress line."""

    def __init__(self, context: RoundContext) -> None:
        self.context = context
        self.counters = RoundCounters()
        self._lock = threading.Lock()
        self._round: tuple[int, int, Dispatcher] | None = None  # (first tx id, count, dispatcher)
        self._last: tuple[float, int, float] = (0.0, 0, 0.0)  # progress: time, confirmed, tx/s
        self.batching = NO_BATCHES

    def use_batches(self, batching: Batching) -> None:
        self.batching = batching

    def included(self, tx_ids: list[int]) -> None:
        with self._lock:
            if self._round is None:
                return
            first, count, dispatcher = self._round
            ours = [tx_id - first for tx_id in tx_ids if first <= tx_id < first + count]
            self.counters.confirmed += len(ours)
            dispatcher.settled(len(ours))
            self._settled(ours)

    @abstractmethod
    def _settled(self, positions: list[int]) -> None:
        """These positions of the current round were seen in a block (called under the lock)."""

    def _begin(self, first: int, count: int, dispatcher: Dispatcher, t0: float) -> None:
        with self._lock:
            self.counters = RoundCounters()
            self._round = (first, count, dispatcher)
            self._last = (t0, 0, 0.0)

    def _end(self) -> None:
        with self._lock:
            self._round = None

    def _tick(self, planned: PlannedRound, t0: float) -> None:
        self.context.check()
        self._flush(planned)
        now = self.context.clock.now()
        last_time, last_confirmed, tps = self._last
        if now - last_time >= 1.0:
            tps = (self.counters.confirmed - last_confirmed) / (now - last_time)
            self._last = (now, self.counters.confirmed, tps)
        planned_s = planned.spec.duration
        if planned_s is None and planned.offsets is not None and len(planned.offsets):
            planned_s = float(planned.offsets[-1])
        self.context.progress(
            RoundProgress(
                planned.spec.label,
                max(0.0, now - t0),
                planned_s,
                self.counters.sent,
                self.counters.confirmed,
                self.counters.rejected,
                tps,
            )
        )

    @abstractmethod
    def run(self, planned: PlannedRound, first: int) -> RoundOutcome:
        """See `RoundRunner.run`."""

    @abstractmethod
    def _flush(self, planned: PlannedRound) -> None:
        """Store the send records collected since the last flush."""


class LocalRunner(_Runner):
    """Sends a round from Locust users in chainmark's own process."""

    def __init__(self, context: RoundContext) -> None:
        super().__init__(context)
        self._first = 0

    def run(self, planned: PlannedRound, first: int) -> RoundOutcome:
        ctx, spec = self.context, planned.spec
        ctx.observer.watch({h: first + i for i, h in enumerate(planned.hashes) if h})
        bodies = [ctx.wire.body(planned, i, first + i) for i in range(planned.count)]
        reads = planned.reads().tolist()  # the answered callback's lookup, made before the clock
        t0 = ctx.clock.now() + START_LEAD_S
        dispatcher, users = make_dispatcher(spec, planned.offsets, planned.count, t0)
        self._first = first
        self._begin(first, planned.count, dispatcher, t0)
        ctx.store.update_round(planned.index, started=t0, load={"users": users, "processes": 1})

        def answered(position: int, error: str | None) -> None:
            """A rejected write will never be in a block, and a read is done once answered: free its slot."""
            if error is not None:
                ctx.observer.unwatch([planned.hashes[position]])
            if error is not None or reads[position]:
                dispatcher.settled(1)

        cpu_before = time.process_time()
        stats = run_round(
            endpoint=ctx.endpoint,
            wire=ctx.wire,
            bodies=bodies,
            dispatcher=dispatcher,
            counters=self.counters,
            clock=ctx.clock,
            users=users,
            on_answered=answered,
            tick=lambda: self._tick(planned, t0),
            batching=self.batching,
            ids=range(first, first + planned.count),
            senders=planned.senders,
            routes=ctx.routes,
            nodes=ctx.nodes(planned),
        )
        self._flush(planned)
        self._end()
        ctx.store.update_round(
            planned.index, ended=ctx.clock.now(), generator_cpu_s=time.process_time() - cpu_before
        )
        ctx.store.add_rpc_stats(planned.index, ctx.wire.request_name, stats)
        ctx.observer.unwatch(planned.hashes[dispatcher.taken :])
        notes = []
        if dispatcher.taken < planned.count:
            notes.append(f"sent {dispatcher.taken} of {planned.count} pre-signed transactions")
        if isinstance(dispatcher, Backlog) and not dispatcher.stopped and spec.duration is not None:
            notes.append(RAN_OUT)
        ctx.store.update_round(planned.index, notes=notes)
        return RoundOutcome(dispatcher.taken)

    def _settled(self, positions: list[int]) -> None:
        """Nothing more to do here: `included` has settled this process's own dispatcher."""

    def _flush(self, planned: PlannedRound) -> None:
        records, self.counters.records = self.counters.records, []
        if records:
            first = self._first
            self.context.store.add_sends((first + p, i, s, a, e) for p, i, s, a, e in records)
            if self.context.sent is not None:
                self.context.sent([(first + p, s, e) for p, _, s, _, e in records])


class ClusterRunner(_Runner):
    """Sends a round from the workers of a Locust cluster, sharded by sender account.

    Open loop: each worker follows its share of the schedule. Closed loop: each worker gets its share of
    the slots (and of the users), and the master forwards what its observer sees settle."""

    def __init__(
        self, context: RoundContext, cluster: ClusterMaster, record_workers: Callable[[], None]
    ) -> None:
        super().__init__(context)
        self.cluster, self.record_workers = cluster, record_workers
        self._first = 0
        self._recorded: set[int] = set()  # positions of the current round with a send record
        self._owner = np.zeros(0, dtype=np.int64)  # worker index per position of the current round

    def run(self, planned: PlannedRound, first: int) -> RoundOutcome:
        ctx, count = self.context, planned.count
        ctx.observer.watch({h: first + i for i, h in enumerate(planned.hashes) if h})
        shards, owner = self._shards(planned, first)
        self.cluster.send_shards(planned.index, shards)
        t0 = ctx.clock.now() + CLUSTER_START_LEAD_S
        local, users = make_dispatcher(planned.spec, planned.offsets, count, t0)  # the single-process limits
        slots = None
        if isinstance(local, Backlog):  # fixed-concurrency has a slot per transaction: a worker's whole shard
            shares = split_users(local.in_flight, len(shards))
            slots = [
                len(s.positions) if local.in_flight >= count else n
                for s, n in zip(shards, shares, strict=True)
            ]
        self._first, self._recorded, self._owner = first, set(), owner
        # settles nothing itself: the workers hold the slots, and `_settled` forwards what is seen
        self._begin(first, count, OpenLoop(np.zeros(count), t0), t0)
        user_shares = split_users(max(users, 1), len(shards))
        ctx.store.update_round(
            planned.index, started=t0, load={"users": sum(user_shares), "processes": len(shards)}
        )
        cpu_before = time.process_time()
        outcome = self.cluster.run_round(
            planned.index,
            shards,
            t0,
            user_shares,
            ctx.endpoint,
            ctx.wire,
            tick=lambda: self._tick(planned, t0),
            slots=slots,
            duration=planned.spec.duration,
            batching=(self.batching, first),
            routes=ctx.routes,
        )
        self._flush(planned)
        self._end()
        ctx.store.update_round(
            planned.index,
            ended=ctx.clock.now(),
            generator_cpu_s=time.process_time() - cpu_before + outcome.cpu_s,
        )
        ctx.store.add_rpc_stats(planned.index, ctx.wire.request_name, outcome.stats)
        ctx.observer.unwatch(h for position, h in enumerate(planned.hashes) if position not in self._recorded)
        ctx.store.update_round(planned.index, notes=self._notes(planned, outcome, t0))
        self.record_workers()
        return RoundOutcome(len(self._recorded), tuple(sorted(outcome.lost)))

    def _settled(self, positions: list[int]) -> None:
        """Closed loop on workers: their slots open when the master's observer sees their transactions."""
        for worker, n in zip(*np.unique(self._owner[positions], return_counts=True), strict=True):
            self.cluster.settle(int(worker), int(n))

    def _flush(self, planned: PlannedRound) -> None:
        """Store the records the workers streamed in, exactly as the local runner stores its own."""
        records = self.cluster.take_records()
        if not records:
            return
        for position, _, _, _, error, _ in records:
            self._recorded.add(position)
            self.counters.sent += 1
            if error is not None:
                self.counters.rejected += 1
                self.context.observer.unwatch([planned.hashes[position]])
        first = self._first
        self.context.store.add_worker_sends((first + p, i, s, a, e, w) for p, i, s, a, e, w in records)
        if self.context.sent is not None:
            self.context.sent([(first + p, s, e) for p, _, s, _, e, _ in records])

    def _shards(self, planned: PlannedRound, first: int) -> tuple[list[Shard], np.ndarray]:
        """Split the round among the live workers (by sender account); also the worker of each position."""
        offsets = planned.offsets if planned.offsets is not None else np.zeros(planned.count)
        reads = planned.reads()
        live = self.cluster.refresh()
        owner = np.zeros(planned.count, dtype=np.int64)
        nodes = self.context.nodes(planned)
        shards = []
        for node, owned in zip(live, shard_positions(planned.senders, len(live)), strict=True):
            owner[owned] = node.index
            bodies = [self.context.wire.body(planned, int(p), first + int(p)) for p in owned]
            shards.append(
                Shard(
                    node.index,
                    owned,
                    offsets[owned],
                    reads[owned],
                    bodies,
                    planned.senders[owned],
                    None if nodes is None else nodes[owned],
                )
            )
        return shards, owner

    def _notes(self, planned: PlannedRound, outcome: ClusterRound, t0: float) -> list[str]:
        """The round's notes: lost workers with how much of their share they sent, and what was not sent."""
        notes = [
            f"worker {w} lost at {datetime.fromtimestamp(at, UTC).strftime('%H:%M:%S.%f')[:-3]} UTC "
            f"({at - t0:.1f} s into the round): {outcome.sent.get(w, 0)} of its {outcome.assigned[w]} "
            "transactions sent; the rest were not sent"
            for w, at in sorted(outcome.lost.items())
        ]
        if len(self._recorded) < planned.count:
            notes.append(f"sent {len(self._recorded)} of {planned.count} pre-signed transactions")
        if outcome.ran_out:
            notes.append(RAN_OUT)
        return notes
