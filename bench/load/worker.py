"""The worker side of a distributed run: joins a chainmark master on Locust and sends the shards it gets.

A worker plans nothing: it receives each round's shard (positions, offsets, pre-built bodies), waits
for the round's start message, sends on its own absolute schedule with Locust users, and streams its
records back every 0.25 s in the master's clock. See `bench.load.messages` for the protocol.
"""

from __future__ import annotations

import logging
import signal
import time
from dataclasses import dataclass, field
from typing import Any

import gevent
import greenlet
import numpy as np
from locust.env import Environment
from locust.runners import WorkerRunner

from bench.chains.base import Wire
from bench.chains.registry import chain_family
from bench.clock import WallClock
from bench.errors import RunError
from bench.load import messages
from bench.load.dispatch import Backlog, Batching, Dispatcher, OpenLoop, RoundCounters, previous_of_sender
from bench.load.routes import Route
from bench.load.users import SenderOrder, make_user_class

logging.getLogger("locust").setLevel(logging.ERROR)


@dataclass
class _Shard:
    """A round's shard as its chunks arrive (in order: Locust's connection keeps message order)."""

    positions: list[int] = field(default_factory=list)
    offsets: list[float] = field(default_factory=list)
    reads: list[bool] = field(default_factory=list)
    bodies: list[bytes] = field(default_factory=list)
    senders: list[int] | None = field(default_factory=list)  # None: the master sent none
    nodes: list[int] | None = field(default_factory=list)  # each position's node; None: all to node 0


class Worker:
    """One worker process: a Locust WorkerRunner plus chainmark's shard and round handlers."""

    def __init__(self, master_host: str, master_port: int) -> None:
        self.clock = WallClock()
        self.env = Environment(user_classes=[])
        try:
            self.runner: WorkerRunner = self.env.create_worker_runner(master_host, master_port)
        except ConnectionError as exc:
            raise RunError(f"worker: no chainmark master answered at {master_host}:{master_port}") from exc
        self.shards: dict[int, _Shard] = {}
        self.dispatchers: dict[int, Dispatcher] = {}  # the running round's, for SETTLED
        self.runner.register_message(messages.PING, self._on_ping)
        self.runner.register_message(messages.SHARD, self._on_shard)
        self.runner.register_message(messages.START, self._on_start)
        self.runner.register_message(messages.SETTLED, self._on_settled)

    @property
    def index(self) -> int:
        return int(self.runner.worker_index)

    def wait(self) -> None:
        """Serve the master until it says quit (or stops sending heartbeats); Ctrl-C ends it too."""
        before = signal.getsignal(signal.SIGINT)
        handler = gevent.signal_handler(signal.SIGINT, gevent.kill, greenlet.getcurrent(), KeyboardInterrupt)
        try:
            self.runner.greenlet.join()
        finally:
            handler.cancel()  # which leaves SIGINT at SIG_DFL: put back the handler it replaced
            signal.signal(signal.SIGINT, before or signal.SIG_DFL)

    def _on_ping(self, environment: Environment, msg: Any) -> None:
        received = self.clock.now()
        self.runner.send_message(
            messages.PONG, {"t0": msg.data["t0"], "t1": received, "t2": self.clock.now()}
        )

    def _on_shard(self, environment: Environment, msg: Any) -> None:
        data = msg.data
        shard = self.shards.setdefault(data["round"], _Shard())
        shard.positions += data["positions"]
        shard.offsets += data["offsets"]
        shard.reads += data["reads"]
        shard.bodies += data["bodies"]
        if data["senders"] is None or shard.senders is None:
            shard.senders = None
        else:
            shard.senders += data["senders"]
        if data.get("nodes") is None or shard.nodes is None:
            shard.nodes = None
        else:
            shard.nodes += data["nodes"]
        if data["chunk"] == data["chunks"] - 1:
            self.runner.send_message(messages.READY, {"round": data["round"], "worker": self.index})

    def _on_start(self, environment: Environment, msg: Any) -> None:
        gevent.spawn(self._run_round, msg.data)

    def _on_settled(self, environment: Environment, msg: Any) -> None:
        dispatcher = self.dispatchers.get(msg.data["round"])
        if dispatcher is not None:
            dispatcher.settled(int(msg.data["count"]))

    def _run_round(self, data: dict[str, Any]) -> None:
        shard = self.shards.pop(data["round"], _Shard())
        offset = float(data["offset"])
        t0 = float(data["t0"]) + offset
        dispatcher: Dispatcher
        if data["slots"] is None:
            dispatcher = OpenLoop(np.asarray(shard.offsets, dtype=np.float64), t0)
        else:
            deadline = t0 + float(data["duration"]) if data["duration"] is not None else None
            dispatcher = Backlog(len(shard.positions), int(data["slots"]), t0, deadline)
        self.dispatchers[data["round"]] = dispatcher
        reads = shard.reads

        def answered(position: int, error: str | None) -> None:
            """A rejected write never reaches a block and a read is done once answered: free its slot."""
            if error is not None or reads[position]:
                dispatcher.settled(1)

        counters = RoundCounters()
        wire = chain_family(data["chain"]).wire
        user_class = make_user_class(
            dispatcher=dispatcher,
            bodies=shard.bodies,
            counters=counters,
            clock=self.clock,
            wire=wire,
            path=data["path"],
            headers=data["headers"],
            on_answered=staticmethod(answered),
            host=data["base"],
            batching=Batching(int(data["batch_size"]), float(data["batch_window"])),
            ids=[int(data["first_id"]) + p for p in shard.positions],
            order=self._order(wire, shard),
            routes=tuple(Route.from_json(r) for r in data.get("routes") or ()),
            nodes=shard.nodes,
        )
        user_class.__name__ = f"RoundSender{data['round']}"
        self.env.user_classes = [user_class]
        cpu_before = time.process_time()
        users = min(int(data["users"]), len(shard.positions))
        try:
            if users:
                self.runner.spawn_users({user_class.__name__: users})
            while not (dispatcher.exhausted and counters.sent >= dispatcher.taken):
                gevent.sleep(messages.RECORD_INTERVAL_S)
                self._send_records(data["round"], counters, shard.positions, offset)
        finally:
            self.dispatchers.pop(data["round"], None)
            self._send_records(data["round"], counters, shard.positions, offset)
            self.runner.user_greenlets.kill(block=True)
            self.runner._send_stats()  # Locust's request statistics of the round reach the master first
            self.runner.send_message(
                messages.DONE,
                {
                    "round": data["round"],
                    "worker": self.index,
                    "sent": counters.sent,
                    "cpu_s": time.process_time() - cpu_before,
                    "ran_out": isinstance(dispatcher, Backlog)
                    and not dispatcher.stopped
                    and data["duration"] is not None,
                },
            )

    @staticmethod
    def _order(wire: Wire, shard: _Shard) -> SenderOrder | None:
        """Each sender's writes answered in order, where the chain needs it (its shard holds whole senders)."""
        if not wire.in_order or shard.senders is None:
            return None
        return SenderOrder(previous_of_sender(np.asarray(shard.senders, dtype=np.int64)))

    def _send_records(
        self, round_index: int, counters: RoundCounters, positions: list[int], offset: float
    ) -> None:
        records, counters.records = counters.records, []
        if not records:
            return
        rows = [
            [positions[p], i - offset, s - offset, None if a is None else a - offset, e]
            for p, i, s, a, e in records
        ]
        self.runner.send_message(
            messages.RECORDS, {"round": round_index, "worker": self.index, "records": rows}
        )


def run_worker(master_host: str, master_port: int) -> None:
    """Join the master at `master_host:master_port` and serve it until it ends the run."""
    Worker(master_host, master_port).wait()
