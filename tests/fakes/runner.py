"""A fake round runner for the engine's tests: sends a planned round to a fake node on the run clock.

It does what bench.rounds' runners do for the engine, without Locust: watches the round's hashes, paces
each send at its intended time (open loop) by sleeping on the clock (which mines the blocks due), stores
one send record per submission through the store's `add_sends` as the local runner does, and returns a
`RoundOutcome`. A round ends once the block after its last send is mined and read. `short` makes a round
send fewer than planned and report lost workers, as a cluster round that lost one does.

bench.rounds imports Locust: tests/engine/conftest.py imports it first with gevent's patching off.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from bench.load.dispatch import Batching
from bench.plan.round import PlannedRound
from bench.rounds import RoundContext, RoundOutcome, RoundProgress
from tests.fakes.chain import FakeNode


@dataclass(frozen=True, slots=True)
class Short:
    """Round ends after `taken` of its transactions, with these workers lost."""

    taken: int
    lost_workers: tuple[int, ...] = ()


class FakeRunner:
    """A `bench.rounds.RoundRunner` whose transport is `FakeNode.handle`."""

    def __init__(self, context: RoundContext, node: FakeNode, short: Mapping[int, Short]) -> None:
        self.context, self.node, self.short = context, node, short
        self.included_ids: list[int] = []  # what the engine told it was seen in a block
        self.sent_bodies: dict[int, bytes] = {}  # tx id -> the request bytes sent
        self._lock = threading.Lock()

    def run(self, planned: PlannedRound, first: int) -> RoundOutcome:
        ctx = self.context
        self.node.step(f"round {planned.index}")
        ctx.observer.watch({h: first + i for i, h in enumerate(planned.hashes) if h})
        t0 = ctx.clock.now()
        ctx.store.update_round(planned.index, started=t0, load={"users": 1, "processes": 1})
        short = self.short.get(planned.index, Short(planned.count))
        offsets = planned.offsets if planned.offsets is not None else np.zeros(planned.count)
        for position in range(short.taken):
            intended = t0 + float(offsets[position])
            ctx.clock.sleep(max(0.0, intended - ctx.clock.now()))
            self._send(planned, position, first + position, intended)
        ctx.clock.sleep(self.node.next_block_at() - ctx.clock.now())  # the block after the last send
        ctx.store.update_round(planned.index, ended=ctx.clock.now())
        ctx.observer.unwatch(planned.hashes[short.taken :])
        ctx.progress(RoundProgress(planned.spec.label, ctx.clock.now() - t0, None, short.taken, 0, 0, 0.0))
        self.node.log.append(f"round {planned.index} done")
        return RoundOutcome(short.taken, short.lost_workers)

    def _send(self, planned: PlannedRound, position: int, tx_id: int, intended: float) -> None:
        ctx = self.context
        body = ctx.wire.body(planned, position, tx_id)
        sent = ctx.clock.now()
        status, content = self.node.handle(body)
        error = ctx.wire.answer_error(status, content, None)
        self.sent_bodies[tx_id] = body
        ctx.store.add_sends([(tx_id, intended, sent, ctx.clock.now(), error)])
        if error is not None:
            ctx.observer.unwatch([planned.hashes[position]])
        ctx.check()

    def included(self, tx_ids: list[int]) -> None:
        with self._lock:
            self.included_ids.extend(tx_ids)

    def use_batches(self, batching: Batching) -> None:
        self.batching = batching  # the engine's choice, for tests to read (the fake sends one at a time)


class FakeRunners:
    """The factory `run_workload` takes (`runner=`); keeps the runner it made for the test to read."""

    def __init__(self, node: FakeNode, short: Mapping[int, Short] | None = None) -> None:
        self.node, self.short = node, dict(short or {})
        self.made: list[FakeRunner] = []

    def __call__(self, context: RoundContext) -> FakeRunner:
        self.made.append(FakeRunner(context, self.node, self.short))
        return self.made[-1]

    @property
    def runner(self) -> FakeRunner:
        (one,) = self.made
        return one
