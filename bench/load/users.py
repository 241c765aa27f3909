"""The Locust user that sends pre-signed transactions: it takes a due position, sleeps until then, posts bytes.

FastHttpUser (geventhttpclient) is Locust's lean HTTP client: about 5x the requests per core of
HttpUser here. Every submission is also a Locust request event named by the chain's wire (e.g.
`eth_sendRawTransaction`), so Locust's own statistics of submission latency are kept beside
chainmark's confirmation latency. The chain's wire reads each answer.

Batches (open loop, `batching.size` > 1, where the node accepts them): a user takes the next due position
and every later one due within `batching.window` of it (or already due, when the generator is behind), up
to `batching.size`, waits for the last one's due time (so none leaves early) and posts them as one
request (Locust's request name gets " batch"). Each transaction keeps its own intended time, its send
and answer times are the request's, and its error is its own answer's, matched by request id; an answer
for the whole request (one error, a lost connection) is each one's. Most of a submission's CPU is the
HTTP client's per-request work, so a batch of k costs about 1/k of it per transaction.

Several nodes (`routes`, issue 12's `target.submit`): each position leaves by its node's route
(`nodes[position]`, bench.load.routes), each node through its own Locust HTTP session; a batch taken across
nodes leaves as one request per node, side by side.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import gevent
import numpy as np
from gevent.event import Event
from locust import constant, task
from locust.contrib.fasthttp import FastHttpSession, FastHttpUser
from locust.exception import StopUser

from bench.chains.base import Wire
from bench.clock import Clock
from bench.load.dispatch import NO_BATCHES, Batching, Dispatcher, OpenLoop, RoundCounters
from bench.load.routes import Route, group_by_node


class SenderOrder:
    """Holds a write until its sender's previous write has been answered, for a chain whose node refuses a
    spend that arrives before its parent (`Wire.in_order`); a batch may carry both, in order. Positions
    are taken in order, so a predecessor is always taken first and a wait always ends."""

    def __init__(self, previous: np.ndarray) -> None:
        self.previous = previous.tolist()
        self.answered = bytearray(len(self.previous))
        self._waiting: dict[int, Event] = {}

    def wait(self, positions: list[int]) -> None:
        first = positions[0]
        for p in positions:
            q = self.previous[p]
            if q >= 0 and q < first and not self.answered[q]:
                event = self._waiting.get(q)
                if event is None:
                    event = self._waiting[q] = Event()
                event.wait()

    def done(self, position: int) -> None:
        self.answered[position] = 1
        event = self._waiting.pop(position, None)
        if event is not None:
            event.set()


class SenderUser(FastHttpUser):
    """Abstract: `make_user_class` binds a round's dispatcher, bodies, counters and wire to a subclass."""

    abstract = True
    wait_time = constant(0)
    dispatcher: Dispatcher
    bodies: list[bytes]
    counters: RoundCounters
    clock: Clock
    wire: Wire
    path: str = "/"
    headers: dict[str, str] = {}  # noqa: RUF012 - replaced per subclass, never mutated
    on_answered: Callable[[int, str | None], None]  # position, error (None: accepted)
    batching: Batching = NO_BATCHES  # at most `size` transactions per request (1: no batches)
    ids: Sequence[int] = ()  # each position's JSON-RPC request id, to match batched answers
    order: SenderOrder | None = None  # the chain needs each sender's writes answered in order
    routes: Sequence[Route] = ()  # several nodes: route k is node k's (route 0 is `host`, `path`, `headers`)
    nodes: Sequence[int] | None = None  # each position's node (None: all to node 0)

    def on_start(self) -> None:
        # one HTTP session per node, made like Locust's own `client` (node 0's)
        self.sessions: list[tuple[FastHttpSession, str, dict[str, str]]] = [
            (self.client, self.path, self.headers)
        ]
        for route in self.routes[1:]:
            session = FastHttpSession(
                base_url=route.base,
                request_event=self.environment.events.request,
                network_timeout=self.network_timeout,
                connection_timeout=self.connection_timeout,
                max_redirects=self.max_redirects,
                max_retries=self.max_retries,
                insecure=self.insecure,
                concurrency=self.concurrency,
                user=self,
            )
            self.sessions.append((session, route.path, route.headers))

    @task
    def send_next(self) -> None:
        dispatcher = self.dispatcher
        batching = self.batching
        if batching.on and isinstance(dispatcher, OpenLoop):
            items = dispatcher.take_batch(self.clock, batching.window, batching.size)
            if not items:
                raise StopUser()
            if self.nodes is not None and len(items) > 1:
                groups = group_by_node(items, self.nodes)
                if len(groups) > 1:  # one request per node, side by side (not one node's after another's)
                    gevent.joinall([gevent.spawn(self._send_group, node, group) for node, group in groups])
                else:
                    self._send_group(*groups[0])
                return
            if len(items) > 1:
                self._send_batch(items, 0)
                return
            position, intended = items[0]
        else:
            item = dispatcher.take(self.clock)
            if item is None:
                raise StopUser()
            position, intended = item
        self._send_one(position, intended)

    def _send_group(self, node: int, group: list[tuple[int, float]]) -> None:
        if len(group) > 1:
            self._send_batch(group, node)
        else:
            self._send_one(*group[0])

    def _send_one(self, position: int, intended: float) -> None:
        delay = intended - self.clock.now()
        if delay > 0:
            gevent.sleep(delay)
        if self.order is not None:
            self.order.wait([position])
        counters = self.counters
        client, path, headers = self.sessions[self.nodes[position] if self.nodes is not None else 0]
        counters.in_flight_requests += 1
        sent = self.clock.now()
        answered: float | None = None
        error: str | None = None
        try:
            with client.request(
                "POST",
                path,
                data=self.bodies[position],  # type: ignore[arg-type]  # bytes go out as they are
                headers=headers,
                name=self.wire.request_name,
                catch_response=True,
            ) as response:
                answered = self.clock.now()  # the answer is in; reading it is not part of its latency
                error = self.wire.answer_error(
                    response.status_code, response.content, getattr(response, "error", None)
                )
                if error is not None:
                    response.failure(error)
        finally:
            if answered is None:
                answered = self.clock.now()
            counters.in_flight_requests -= 1
            counters.sent += 1
            counters.records.append((position, intended, sent, answered, error))
            if error is not None:
                counters.rejected += 1
            if self.order is not None:
                self.order.done(position)
            self.on_answered(position, error)

    def _send_batch(self, items: list[tuple[int, float]], node: int) -> None:
        delay = items[-1][1] - self.clock.now()
        if delay > 0:
            gevent.sleep(delay)
        counters, wire, bodies, ids = self.counters, self.wire, self.bodies, self.ids
        client, path, headers = self.sessions[node]
        positions = [p for p, _ in items]
        if self.order is not None:
            self.order.wait(positions)
        counters.in_flight_requests += 1
        sent = self.clock.now()
        answered: float | None = None
        errors: list[str | None] = ["connection: the batch was not sent"] * len(items)
        try:
            with client.request(
                "POST",
                path,
                data=wire.batch_body([bodies[p] for p in positions]),  # type: ignore[arg-type]
                headers=headers,
                name=f"{wire.request_name} batch",
                catch_response=True,
            ) as response:
                answered = self.clock.now()
                errors = wire.batch_errors(
                    [ids[p] for p in positions],
                    response.status_code,
                    response.content,
                    getattr(response, "error", None),
                )
                failed = sum(e is not None for e in errors)
                if failed:
                    response.failure(f"{failed} of {len(items)} refused: {next(e for e in errors if e)}")
        finally:
            if answered is None:
                answered = self.clock.now()
            counters.in_flight_requests -= 1
            counters.sent += len(items)
            records = counters.records
            for (position, intended), error in zip(items, errors, strict=True):
                records.append((position, intended, sent, answered, error))
                if error is not None:
                    counters.rejected += 1
                if self.order is not None:
                    self.order.done(position)
                self.on_answered(position, error)


def make_user_class(**bound: object) -> type[SenderUser]:
    """A concrete SenderUser subclass with a round's dispatcher, bodies, counters, clock, wire, path and headers."""
    return type("RoundSender", (SenderUser,), {"abstract": False, **bound})
