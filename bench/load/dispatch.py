"""Hands a round's pre-signed transactions to the sending users, in order, at the rate controller's pace.

`OpenLoop` (fixed-rate and every scheduled controller): transaction n is due at t0 + offsets[n], whatever earlier sends are doing;
its intended time is that due time, so a slow node or a slow generator shows up as latency and as
schedule lag, never as a quietly lower rate. `Backlog` (fixed-backlog): a transaction may go only
while fewer than `in_flight` are sent and not yet seen in a block; its intended time is when its
slot opened (`maximum-rate` is the same with a large bound; `fixed-concurrency` has no slot limit: its
users, one per client, each wait for their answer). Both only hand out positions; the users sleep and send.
The rate controller says which one a round gets, and its bound (`RateController.pacing`).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np

from bench.clock import Clock
from bench.workload.spec import Round

SendRecord = tuple[int, float, float, float | None, str | None]  # position, intended, sent, answered, error

BATCH_WINDOW_S = 0.001  # open loop: by default, transactions due within 1 ms of a batch's first leave with it
AUTO_BATCH = 100  # `target.batch: auto`: at most this many per request, where the node accepts batches


@dataclass(frozen=True, slots=True)
class Batching:
    """How open-loop sends leave: up to `size` per request (1: one each), those due within `window` s of
    the first together (bench.load.users)."""

    size: int = 1
    window: float = BATCH_WINDOW_S

    @property
    def on(self) -> bool:
        return self.size > 1


NO_BATCHES = Batching()


def previous_of_sender(senders: np.ndarray) -> np.ndarray:
    """For each position, the position of its sender's previous write in the round (-1: none, or a read)."""
    senders = np.asarray(senders, dtype=np.int64)
    previous = np.full(len(senders), -1, dtype=np.int64)
    order = np.lexsort((np.arange(len(senders)), senders))  # by sender, then position
    same = senders[order[1:]] == senders[order[:-1]]
    previous[order[1:][same]] = order[:-1][same]
    previous[senders < 0] = -1
    return previous


@dataclass
class RoundCounters:
    """Live counts of a round, read by the progress line."""

    sent: int = 0
    rejected: int = 0
    confirmed: int = 0
    in_flight_requests: int = 0
    records: list[SendRecord] = field(default_factory=list)


class OpenLoop:
    """fixed-rate: position n is due at `t0 + offsets[n]`."""

    def __init__(self, offsets: np.ndarray, t0: float) -> None:
        self.due = (t0 + offsets).tolist()
        self._next = 0
        self.end_time = self.due[-1] if self.due else t0

    def take(self, clock: Clock) -> tuple[int, float] | None:
        if self._next >= len(self.due):
            return None
        position = self._next
        self._next += 1
        return position, self.due[position]

    def take_batch(self, clock: Clock, window: float, cap: int) -> list[tuple[int, float]]:
        """The next position and those after it due within `window` of it, or already due (a generator
        behind its schedule catches up in batches), up to `cap`; each with its own intended time."""
        start = self._next
        if start >= len(self.due):
            return []
        limit = max(self.due[start] + window, clock.now())
        stop, end = start + 1, min(len(self.due), start + cap)
        while stop < end and self.due[stop] <= limit:
            stop += 1
        self._next = stop
        return [(p, self.due[p]) for p in range(start, stop)]

    def settled(self, count: int) -> None:
        """Open loop does not wait for confirmations."""

    @property
    def exhausted(self) -> bool:
        return self._next >= len(self.due)

    @property
    def taken(self) -> int:
        return self._next


class Backlog:
    """fixed-backlog: at most `in_flight` transactions sent and not yet seen in a block (or rejected)."""

    def __init__(self, count: int, in_flight: int, t0: float, deadline: float | None) -> None:
        self.count, self.in_flight, self.t0, self.deadline = count, in_flight, t0, deadline
        self._slots = threading.Semaphore(in_flight)
        self._next = 0
        self.outstanding = 0
        self.stopped = False

    def take(self, clock: Clock) -> tuple[int, float] | None:
        while not self._slots.acquire(timeout=0.1):
            if self._over(clock):
                return None
        if self._over(clock):
            self._slots.release()
            return None
        position = self._next
        self._next += 1
        self.outstanding += 1
        return position, max(clock.now(), self.t0)

    def settled(self, count: int) -> None:
        """`count` of this round's transactions were seen in a block or rejected: open their slots."""
        for _ in range(count):
            self.outstanding -= 1
            self._slots.release()

    def _over(self, clock: Clock) -> bool:
        if self._next >= self.count:
            return True
        if self.deadline is not None and clock.now() >= self.deadline:
            self.stopped = True
            return True
        return False

    @property
    def exhausted(self) -> bool:
        return self._next >= self.count or self.stopped

    @property
    def taken(self) -> int:
        return self._next


Dispatcher = OpenLoop | Backlog


def make_dispatcher(spec: Round, offsets: np.ndarray | None, count: int, t0: float) -> tuple[Dispatcher, int]:
    """The dispatcher the round's rate controller paces it with, and how many sending users it needs.

    Open loop: the schedule, `offsets` (with up to `senders` requests in flight, say the built-ins).
    Closed loop: the controller's slots, until the round's duration (if it has one) is over."""
    pacing = spec.rate.pacing(spec, count)
    if pacing.slots is None:
        assert offsets is not None, f"{spec.rate.kind} paces by a schedule but the plan drew none"
        return OpenLoop(offsets, t0), pacing.users
    deadline = t0 + spec.duration if spec.duration is not None else None
    return Backlog(count, pacing.slots, t0, deadline), pacing.users
