"""The Locust user that sends pre-signed transactions: it takes a due position, sleeps until then, posts bytes.

A Locust `User` posting through geventhttpclient, the client under Locust's FastHttpUser, directly
(`NodeClient`: FastHttpSession's per-request wrapping cost about a third of a submission's CPU here). Every
submission is also a Locust request event named by the chain's wire (e.g. `eth_sendRawTransaction`), fired by
the user, so Locust's own statistics of submission latency are kept beside chainmark's confirmation latency.
The chain's wire reads each answer.

Batches (open loop, `batching.size` > 1, where the node accepts them): a user takes the next due position
and every later one due within `batching.window` of it (or already due, when the generator is behind), up
to `batching.size`, waits for the last one's due time (so none leaves early) and posts them as one
request (Locust's request name gets " batch"). Each transaction keeps its own intended time, its send
and answer times are the request's, and its error is its own answer's, matched by request id; an answer
for the whole request (one error, a lost connection) is each one's. Most of a submission's CPU is the
HTTP client's per-request work, so a batch of k costs about 1/k of it per transaction.

Several nodes (`routes`, issue 12's `target.submit`): each position leaves by its node's route
(`nodes[position]`, bench.load.routes), each node through its own `NodeClient`; a batch taken across
nodes leaves as one request per node, side by side.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import gevent
import numpy as np
from gevent.event import Event
from geventhttpclient import HTTPClient
from geventhttpclient.client import HEADER_CONTENT_LENGTH
from geventhttpclient.response import HTTPConnectionClosed, HTTPParseError, HTTPSocketPoolResponse
from locust import User, constant, task
from locust.exception import StopUser

from bench.chains.base import Wire
from bench.clock import Clock
from bench.load.dispatch import NO_BATCHES, Batching, Dispatcher, OpenLoop, RoundCounters
from bench.load.routes import Route, group_by_node

ANSWER_BLOCK = 65536  # bytes asked of the socket per read of an answer
CONNECT_TIMEOUT_S = NETWORK_TIMEOUT_S = 60.0  # as Locust's FastHttpUser: a stalled node is waited for


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


class NodeClient:
    """One node as a user posts to it: a keep-alive geventhttpclient connection pool and the route's path
    and headers. Leaner than Locust's FastHttpSession (which wraps the same client): no per-request response
    object, cookie jar or URL joining, so about a third less CPU per request here (README "Where a
    transaction's CPU goes"); the user fires Locust's request event itself. The request head is the one
    geventhttpclient builds, made once: each post only writes the body's length into it and takes a pooled
    connection. A node's plain answer is read here (`_plain_answer`); any other by geventhttpclient's own
    parser, from the bytes already read (it gives the connection back)."""

    def __init__(self, route: Route) -> None:
        self.path, self.headers = route.path, route.headers
        self.http = HTTPClient.from_url(
            route.base,
            concurrency=4,
            connection_timeout=CONNECT_TIMEOUT_S,
            network_timeout=NETWORK_TIMEOUT_S,
            insecure=True,  # as Locust's FastHttpUser: a node's TLS certificate is not checked
        )
        # two members of geventhttpclient's own (pinned in pyproject.toml): its pool, and the head it would send
        self._pool = self.http._connection_pool
        head = self.http._build_request("POST", self.path, body=b"-", headers=self.headers)
        before, length, after = head.partition(f"{HEADER_CONTENT_LENGTH}: 1\r\n")
        assert length, "geventhttpclient's request head names the body's length"
        self._head = (
            (before + f"{HEADER_CONTENT_LENGTH}: ").encode("latin-1"),
            ("\r\n" + after).encode("latin-1"),
        )

    def post(self, body: bytes) -> tuple[int, bytes | None, BaseException | None]:
        """(HTTP status, body, None), or (0, None, the error) when no answer came."""
        try:
            sock = self._pool.get_socket()
        except Exception as exc:
            return 0, None, exc
        try:
            sock.sendall(b"%s%d%s%s" % (self._head[0], len(body), self._head[1], body))
            status, read = _plain_answer(sock)
        except Exception as exc:
            self._pool.release_socket(sock)
            return 0, None, exc
        if status:
            self._pool.return_socket(sock)
            return status, read, None
        try:  # any other answer: geventhttpclient's parser, given what was read (it gives the socket back)
            response = HTTPSocketPoolResponse(sock, self._pool, method="POST", pre_buffered=read)
            return response.status_code, response.read(), None
        except Exception as exc:
            return 0, None, exc

    def close(self) -> None:
        self.http.close()


def _plain_answer(sock: Any) -> tuple[int, bytes]:
    """Read an answer's head from `sock`: (status, body) when it is a plain HTTP/1.1 answer of a final status
    with a Content-Length on a connection kept open (a node's usual answer; its body read here too), else
    (0, the bytes read so far) for geventhttpclient's parser to go on from."""
    data = sock.recv(ANSWER_BLOCK)
    end = data.find(b"\r\n\r\n")
    while end < 0:
        more = sock.recv(ANSWER_BLOCK)
        if not more:
            raise HTTPConnectionClosed("the node closed the connection before its answer's head")
        data += more
        end = data.find(b"\r\n\r\n")
    head = data[:end].lower()
    length_field = _field(head, b"\r\ncontent-length:")
    if (
        not head.startswith(b"http/1.1 ")
        or not b"200" <= head[9:12] <= b"599"
        or not length_field.strip().isdigit()
        or b"\r\ntransfer-encoding:" in head
        or b"close" in _field(head, b"\r\nconnection:")
    ):
        return 0, data
    length = int(length_field)
    body = data[end + 4 :]
    while len(body) < length:
        more = sock.recv(max(ANSWER_BLOCK, length - len(body)))
        if not more:
            raise HTTPConnectionClosed("the node closed the connection in the middle of its answer")
        body += more
    if len(body) != length:
        raise HTTPParseError(f"the answer is longer than its Content-Length ({len(body)} > {length})")
    return int(head[9:12]), body


def _field(head: bytes, name: bytes) -> bytes:
    """The value of the (lower-cased) head's field `name` (given as `\\r\\nname:`), or b"" without one."""
    at = head.find(name)
    if at < 0:
        return b""
    stop = head.find(b"\r\n", at + len(name))
    return head[at + len(name) : stop if stop > 0 else len(head)]


class Refused(Exception):
    """What Locust's statistics record of a refused submission (its reason)."""


class SenderUser(User):
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
        assert self.host is not None
        first = Route(self.host, self.path, self.headers)
        self.clients = [NodeClient(route) for route in (first, *self.routes[1:])]

    def on_stop(self) -> None:
        for client in self.clients:
            client.close()

    def _post(self, node: int, body: bytes) -> tuple[float, float, int, bytes | None, object]:
        """Post `body` to node `node`: (sent, answered, status, content, transport error)."""
        client = self.clients[node]
        sent = self.clock.now()
        status, content, error = client.post(body)
        return sent, self.clock.now(), status, content, error

    def _event(
        self, name: str, sent: float, answered: float, content: bytes | None, error: str | None
    ) -> None:
        self.environment.events.request.fire(
            request_type="POST",
            name=name,
            response_time=(answered - sent) * 1000.0,
            response_length=len(content) if content else 0,
            exception=None if error is None else Refused(error),
            context={},
        )

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
        node = self.nodes[position] if self.nodes is not None else 0
        counters.in_flight_requests += 1
        sent = self.clock.now()
        answered: float | None = None
        error: str | None = "connection: the request was not sent"
        try:
            sent, answered, status, content, transport = self._post(node, self.bodies[position])
            error = self.wire.answer_error(status, content, transport)
            self._event(self.wire.request_name, sent, answered, content, error)
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
        positions = [p for p, _ in items]
        if self.order is not None:
            self.order.wait(positions)
        counters.in_flight_requests += 1
        sent = self.clock.now()
        answered: float | None = None
        errors: list[str | None] = ["connection: the batch was not sent"] * len(items)
        try:
            body = wire.batch_body([bodies[p] for p in positions])
            sent, answered, status, content, transport = self._post(node, body)
            errors = wire.batch_errors([ids[p] for p in positions], status, content, transport)
            failed = sum(e is not None for e in errors)
            summary = f"{failed} of {len(items)} refused: {next(e for e in errors if e)}" if failed else None
            self._event(f"{wire.request_name} batch", sent, answered, content, summary)
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
