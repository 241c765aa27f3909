"""The Locust user that sends pre-signed transactions: it takes a due position, sleeps until then, posts bytes.

FastHttpUser (geventhttpclient) is Locust's lean HTTP client: about 5x the requests per core of
HttpUser here. Every submission is also a Locust request event named by the chain's wire (e.g.
`eth_sendRawTransaction`), so Locust's own statistics of submission latency are kept beside
chainmark's confirmation latency. The chain's wire reads each answer.
"""

from __future__ import annotations

from collections.abc import Callable

import gevent
from locust import constant, task
from locust.contrib.fasthttp import FastHttpUser
from locust.exception import StopUser

from bench.chains.base import Wire
from bench.clock import Clock
from bench.load.dispatch import Dispatcher, RoundCounters


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

    @task
    def send_next(self) -> None:
        item = self.dispatcher.take(self.clock)
        if item is None:
            raise StopUser()
        position, intended = item
        delay = intended - self.clock.now()
        if delay > 0:
            gevent.sleep(delay)
        counters = self.counters
        counters.in_flight_requests += 1
        sent = self.clock.now()
        answered: float | None = None
        error: str | None = None
        try:
            with self.client.request(
                "POST",
                self.path,
                data=self.bodies[position],  # type: ignore[arg-type]  # bytes go out as they are
                headers=self.headers,
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
            self.on_answered(position, error)


def make_user_class(**bound: object) -> type[SenderUser]:
    """A concrete SenderUser subclass with a round's dispatcher, bodies, counters, clock, wire, path and headers."""
    return type("RoundSender", (SenderUser,), {"abstract": False, **bound})
