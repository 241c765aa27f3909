"""The master side of a distributed run: a Locust MasterRunner in chainmark's process that hands each
worker its shard of a round, starts the round, and collects the workers' send records.

Terms (see `bench.load.messages` for the messages): a worker is *live* while Locust's master hears
its heartbeats; one that misses them (Locust's `heartbeat_liveness`) is *lost*, for good: its records
received so far are kept, the round ends when the live workers are done, and later rounds are
sharded among the live workers only. Worker indexes are Locust's (0, 1, ... in order of connection).
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import gevent
import greenlet
import numpy as np
from gevent.event import Event
from locust.env import Environment
from locust.runners import STATE_MISSING, MasterRunner

from bench.chains.base import Wire
from bench.clock import Clock
from bench.errors import RunError
from bench.load import messages
from bench.load.clocksync import ClockSample, best_sample
from bench.load.dispatch import NO_BATCHES, Batching
from bench.load.routes import Route
from bench.load.runner import TICK_S, locust_stats
from bench.targets.url import Endpoint

logging.getLogger("locust").setLevel(logging.ERROR)

PING_SAMPLES = 10
PING_TIMEOUT_S = 2.0
SHARD_TIMEOUT_S = 60.0

ClusterRecord = tuple[int, float, float, float | None, str | None, int]
"""position, intended, sent, answered, error (master clock), worker index."""


@dataclass(frozen=True, slots=True)
class Shard:
    """What one worker sends in a round: its positions, their intended offsets and JSON-RPC bodies."""

    worker: int
    positions: np.ndarray
    offsets: np.ndarray  # zeros in a closed-loop round
    reads: np.ndarray  # bool per position
    bodies: list[bytes] = field(repr=False)
    senders: np.ndarray | None = None  # each position's sender (-1 a read), for a wire that needs order
    nodes: np.ndarray | None = None  # each position's node to submit to (None: all to node 0)


@dataclass
class WorkerNode:
    """A connected worker as the master sees it."""

    index: int
    client_id: str
    clock: ClockSample | None = None
    lost_at: float | None = None
    lost_in_round: int | None = None

    @property
    def offset(self) -> float:
        """Estimated worker clock minus master clock, seconds (0 before the clocks are compared)."""
        return self.clock.offset if self.clock is not None else 0.0

    @property
    def rtt(self) -> float:
        return self.clock.rtt if self.clock is not None else 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "id": self.client_id,
            "offset_ms": round(self.offset * 1000, 3),
            "rtt_ms": round(self.rtt * 1000, 3),
            "lost_at": self.lost_at,
            "lost_in_round": self.lost_in_round,
        }


@dataclass
class ClusterRound:
    """How a round went on the cluster: who was lost, what each worker sent, Locust's statistics."""

    assigned: dict[int, int]
    sent: dict[int, int] = field(default_factory=dict)
    done: set[int] = field(default_factory=set)
    lost: dict[int, float] = field(default_factory=dict)  # worker index -> when the master noticed
    cpu_s: float = 0.0
    ran_out: set[int] = field(default_factory=set)  # closed loop: workers whose shard ran out early
    stats: dict[str, Any] = field(default_factory=dict)


class ClusterMaster:
    """Listens for workers on `bind_host:bind_port`; `clock` is the run's clock (the master's)."""

    def __init__(self, bind_host: str, bind_port: int, clock: Clock) -> None:
        self.clock, self.port = clock, bind_port
        self.env = Environment(user_classes=[])
        try:
            self.runner: MasterRunner = self.env.create_master_runner(bind_host, bind_port)
        except SystemExit as exc:  # Locust exits when the port is taken
            raise RunError(f"cannot listen for workers on {bind_host}:{bind_port}: address in use") from exc
        self.nodes: dict[int, WorkerNode] = {}
        self.records: list[ClusterRecord] = []
        self.duplicates = 0
        self._seen: set[tuple[int, int]] = set()
        self._round: ClusterRound | None = None
        self._round_index = -1
        self._pongs: dict[int, tuple[float, float, float, float]] = {}
        self._pong_event = Event()
        self._ready: set[tuple[int, int]] = set()  # (round, worker) whose shard has fully arrived
        self._settled: dict[int, int] = {}  # worker index -> settled count not yet forwarded
        self.runner.register_message(messages.PONG, self._on_pong)
        self.runner.register_message(messages.RECORDS, self._on_records)
        self.runner.register_message(messages.DONE, self._on_done)
        self.runner.register_message(messages.READY, self._on_ready)
        # Ctrl-C must reach the engine: a KeyboardInterrupt landing in Locust's listener greenlet is swallowed.
        # Cancelling gevent's handler leaves SIGINT at SIG_DFL, so the one before it is put back on close.
        self._sigint_before = signal.getsignal(signal.SIGINT)
        self._sigint = gevent.signal_handler(
            signal.SIGINT, gevent.kill, greenlet.getcurrent(), KeyboardInterrupt
        )

    def wait_for_workers(self, count: int, timeout: float) -> None:
        """Return once `count` workers are connected; RunError naming what is missing after `timeout`."""
        deadline = self.clock.now() + timeout
        while self.runner.worker_count < count:
            if self.clock.now() > deadline:
                raise RunError(
                    f"only {self.runner.worker_count} of {count} workers connected within {timeout:g} s "
                    f"(start them with `chainmark worker --master HOST:{self.runner.master_bind_port}`)"
                )
            gevent.sleep(0.05)
        for client in self.runner.clients.ready:
            index = self.runner.get_worker_index(client.id)
            self.nodes[index] = WorkerNode(index, client.id)

    def sync_clocks(self) -> None:
        """Estimate each worker's clock offset: the min-round-trip sample of `PING_SAMPLES` pings."""
        for node in self.nodes.values():
            samples = []
            for _ in range(PING_SAMPLES):
                self._pong_event.clear()
                self.runner.send_message(messages.PING, {"t0": self.clock.now()}, client_id=node.client_id)
                if not self._pong_event.wait(PING_TIMEOUT_S):
                    raise RunError(
                        f"worker {node.index} did not answer a clock ping within {PING_TIMEOUT_S:g} s"
                    )
                samples.append(ClockSample(*self._pongs[node.index]))
            node.clock = best_sample(samples)

    @property
    def live(self) -> list[WorkerNode]:
        """Workers not lost, by index."""
        return [n for _, n in sorted(self.nodes.items()) if n.lost_at is None]

    def refresh(self) -> list[WorkerNode]:
        """Mark the workers Locust no longer hears from as lost (between rounds); return the live ones."""
        for node in self.live:
            if not self._alive(node):
                node.lost_at = self.clock.now()
        if not self.live:
            raise RunError("every worker was lost; the run cannot go on")
        return self.live

    def send_shards(self, round_index: int, shards: Sequence[Shard]) -> None:
        """Send each worker its shard of round `round_index`, in chunks of `SHARD_CHUNK` positions, and
        return once every live one has it all (so the round's t0 is not spent unpacking)."""
        for shard in shards:
            node = self.nodes[shard.worker]
            count = len(shard.positions)
            chunks = max(1, -(-count // messages.SHARD_CHUNK))
            for chunk in range(chunks):
                part = slice(chunk * messages.SHARD_CHUNK, (chunk + 1) * messages.SHARD_CHUNK)
                data = {
                    "round": round_index,
                    "chunk": chunk,
                    "chunks": chunks,
                    "positions": shard.positions[part].tolist(),
                    "offsets": shard.offsets[part].tolist(),
                    "reads": shard.reads[part].tolist(),
                    "bodies": shard.bodies[part],
                    "senders": None if shard.senders is None else shard.senders[part].tolist(),
                    "nodes": None if shard.nodes is None else shard.nodes[part].tolist(),
                }
                self.runner.send_message(messages.SHARD, data, client_id=node.client_id)
                gevent.sleep(0)
        deadline = self.clock.now() + SHARD_TIMEOUT_S
        waiting = {s.worker for s in shards}
        while missing := waiting - {w for r, w in self._ready if r == round_index}:
            if self.clock.now() > deadline:
                raise RunError(
                    f"workers {sorted(missing)} did not confirm round {round_index}'s shard "
                    f"within {SHARD_TIMEOUT_S:g} s"
                )
            gevent.sleep(0.01)
            waiting &= {n.index for n in self.live if self._alive(n)}  # a lost worker is noticed later

    def run_round(
        self,
        round_index: int,
        shards: Sequence[Shard],
        t0: float,
        users: Sequence[int],
        endpoint: Endpoint,
        wire: Wire,
        tick: Callable[[], None],
        slots: Sequence[int] | None = None,
        duration: float | None = None,
        batching: tuple[Batching, int] = (NO_BATCHES, 0),
        routes: Sequence[Route] = (),
    ) -> ClusterRound:
        """Start the round at `t0` (master clock) on every shard's worker and wait until each is done or lost.

        Open loop without `slots`; closed loop with each worker's `slots` (and the round's `duration`),
        its slots freed by `settle`. `batching` is (how open-loop sends leave, the round's first tx id:
        position p's request id is first + p). On several nodes, `routes` are theirs (each shard says
        which node each of its positions goes to)."""
        route = Route.of(endpoint)
        self.env.stats.reset_all()
        state = ClusterRound(assigned={s.worker: len(s.positions) for s in shards})
        self._round, self._round_index = state, round_index
        self._settled = {}
        for k, (shard, count) in enumerate(zip(shards, users, strict=True)):
            node = self.nodes[shard.worker]
            start = {
                "round": round_index,
                "t0": t0,
                "offset": node.offset,
                "users": count,
                "slots": None if slots is None else slots[k],
                "duration": duration,
                "chain": wire.family,
                "base": route.base,
                "path": route.path,
                "headers": route.headers,
                "routes": [r.as_json() for r in routes],
                "batch_size": batching[0].size,
                "batch_window": batching[0].window,
                "first_id": batching[1],
            }
            self.runner.send_message(messages.START, start, client_id=node.client_id)
        next_tick = self.clock.now() + TICK_S
        try:
            while not all(w in state.done or w in state.lost for w in state.assigned):
                gevent.sleep(messages.SETTLE_INTERVAL_S)
                self._forward_settled(round_index)
                if self.clock.now() >= next_tick:
                    next_tick += TICK_S
                    self._notice_losses(state, round_index)
                    tick()
        finally:
            self._round = None
        state.stats = locust_stats(self.env, wire.request_name)
        return state

    def settle(self, worker: int, count: int) -> None:
        """`count` of `worker`'s transactions of the running round were seen in a block (forwarded soon)."""
        self._settled[worker] = self._settled.get(worker, 0) + count

    def _forward_settled(self, round_index: int) -> None:
        pending, self._settled = self._settled, {}
        for worker, count in pending.items():
            node = self.nodes[worker]
            if node.lost_at is None:
                self.runner.send_message(
                    messages.SETTLED, {"round": round_index, "count": count}, client_id=node.client_id
                )

    def take_records(self) -> list[ClusterRecord]:
        """The records received since the last call."""
        records, self.records = self.records, []
        return records

    def _alive(self, node: WorkerNode) -> bool:
        client = self.runner.clients.get(node.client_id)
        return client is not None and client.state != STATE_MISSING

    def _notice_losses(self, state: ClusterRound, round_index: int) -> None:
        for node in self.live:
            if not self._alive(node):
                node.lost_at = self.clock.now()
                if node.index in state.assigned and node.index not in state.done:
                    node.lost_in_round = round_index
                    state.lost[node.index] = node.lost_at
        if not self.live:
            raise RunError("every worker was lost; the run cannot go on")

    def _on_pong(self, environment: Environment, msg: Any) -> None:
        received = self.clock.now()
        data = msg.data
        self._pongs[self.runner.get_worker_index(msg.node_id)] = (
            data["t0"],
            data["t1"],
            data["t2"],
            received,
        )
        self._pong_event.set()

    def _on_records(self, environment: Environment, msg: Any) -> None:
        data, state = msg.data, self._round
        worker = int(data["worker"])
        if state is None or data["round"] != self._round_index:
            return  # a late message of a finished round
        for position, intended, sent, answered, error in data["records"]:
            key = (data["round"], position)
            if key in self._seen:
                self.duplicates += 1
                continue
            self._seen.add(key)
            self.records.append((position, intended, sent, answered, error, worker))
            state.sent[worker] = state.sent.get(worker, 0) + 1

    def _on_ready(self, environment: Environment, msg: Any) -> None:
        self._ready.add((int(msg.data["round"]), int(msg.data["worker"])))

    def _on_done(self, environment: Environment, msg: Any) -> None:
        data, state = msg.data, self._round
        if state is None or data["round"] != self._round_index:
            return
        state.done.add(int(data["worker"]))
        state.cpu_s += float(data["cpu_s"])
        if data["ran_out"]:
            state.ran_out.add(int(data["worker"]))

    def close(self) -> None:
        """Tell the workers to quit and stop listening."""
        self._sigint.cancel()
        signal.signal(signal.SIGINT, self._sigint_before or signal.SIG_DFL)
        self.runner.quit()
        self.runner.server.close(linger=0)
