"""Runs one round through a headless Locust `Environment` and local runner, inside chainmark's process."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import gevent
import numpy as np
from locust.env import Environment

from bench.chains.base import Wire
from bench.clock import Clock
from bench.load.dispatch import NO_BATCHES, Batching, Dispatcher, RoundCounters, previous_of_sender
from bench.load.routes import Route
from bench.load.users import SenderOrder, make_user_class
from bench.targets.url import Endpoint

TICK_S = 0.25
# Locust warns about fast spawning (ours is deliberate: users exist before the round's t0) and logs each
# user start; chainmark reports through its own progress line instead.
logging.getLogger("locust").setLevel(logging.ERROR)


def run_round(
    *,
    endpoint: Endpoint,
    wire: Wire,
    bodies: list[bytes],
    dispatcher: Dispatcher,
    counters: RoundCounters,
    clock: Clock,
    users: int,
    on_answered: Callable[[int, str | None], None],
    tick: Callable[[], None],
    batching: Batching = NO_BATCHES,
    ids: Sequence[int] = (),
    senders: np.ndarray | None = None,
    routes: Sequence[Route] = (),
    nodes: np.ndarray | None = None,
) -> dict[str, Any]:
    """Send the round; return Locust's statistics of its submissions. `tick` runs every 0.25 s meanwhile.
    With `batching.on` an open-loop round leaves in batches (bench.load.users), `ids` naming each
    position's request id. Where the wire needs each sender's writes in order, `senders` (each position's
    sender, -1 a read) says whose predecessor to wait for. On several nodes, `routes` are theirs (node 0's is
    `endpoint`'s) and `nodes` each position's (bench.load.routes)."""
    route = Route.of(endpoint)
    user_class = make_user_class(
        dispatcher=dispatcher,
        bodies=bodies,
        counters=counters,
        clock=clock,
        wire=wire,
        path=route.path,
        headers=route.headers,
        on_answered=staticmethod(on_answered),
        host=route.base,
        batching=batching,
        ids=ids,
        order=SenderOrder(previous_of_sender(senders)) if wire.in_order and senders is not None else None,
        routes=tuple(routes),
        nodes=None if nodes is None else nodes.tolist(),
    )
    env = Environment(user_classes=[user_class], host=endpoint.base)
    runner = env.create_local_runner()
    try:
        runner.start(users, spawn_rate=max(users * 20, 100), wait=False)
        while not (dispatcher.exhausted and counters.sent >= dispatcher.taken):
            gevent.sleep(TICK_S)
            tick()
    finally:
        runner.quit()
    return locust_stats(env, wire.request_name)


def locust_stats(env: Environment, request_name: str) -> dict[str, Any]:
    """Locust's statistics of the round's single submissions, with its batch requests' beside them."""
    stats = _entry_stats(env, request_name)
    batches = env.stats.entries.get((f"{request_name} batch", "POST"))
    if batches is not None and batches.num_requests:
        stats["batches"] = _entry_stats(env, f"{request_name} batch")
    return stats


def _entry_stats(env: Environment, request_name: str) -> dict[str, Any]:
    entry = env.stats.get(request_name, "POST")
    if not entry.num_requests:
        return {"num_requests": 0}
    return {
        "num_requests": entry.num_requests,
        "num_failures": entry.num_failures,
        "median_ms": entry.median_response_time,
        "p95_ms": entry.get_response_time_percentile(0.95),
        "p99_ms": entry.get_response_time_percentile(0.99),
        "avg_ms": entry.avg_response_time,
        "max_ms": entry.max_response_time,
        "rps": entry.total_rps,
        "note": f"Locust's own statistics of {request_name} (submission, not confirmation)",
    }
