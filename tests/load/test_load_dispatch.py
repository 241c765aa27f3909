"""bench.load.dispatch with a fake clock: open-loop due times, closed-loop slots, count and deadline.

Only `bench.load.dispatch` is imported here: `bench.load.users` and `bench.load.runner` import locust,
which monkey-patches the whole process.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from bench.load.dispatch import Backlog, OpenLoop, RoundCounters

ROOT = Path(__file__).resolve().parents[2]


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, t: float = 1000.0) -> None:
        self.t = t

    def now(self) -> float:
        return self.t


def test_dispatch_does_not_import_locust() -> None:
    """Checked in a fresh interpreter: other test files may have imported locust into this one."""
    code = "import sys, bench.load.dispatch; print(sorted(m for m in sys.modules if m.split('.')[0] in ('locust', 'gevent')))"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"


# ---- OpenLoop ------------------------------------------------------------------------------------------


def test_open_loop_hands_out_positions_in_order_at_absolute_due_times() -> None:
    clock = FakeClock(5.0)
    offsets = np.arange(5) / 4.0
    loop = OpenLoop(offsets, t0=100.0)
    assert loop.end_time == 101.0
    assert (loop.taken, loop.exhausted) == (0, False)
    got = []
    for expected_taken in range(1, 6):
        got.append(loop.take(clock))
        assert loop.taken == expected_taken
    assert got == [(0, 100.0), (1, 100.25), (2, 100.5), (3, 100.75), (4, 101.0)]
    assert loop.exhausted
    assert loop.take(clock) is None
    assert loop.take(clock) is None
    assert loop.taken == 5


@pytest.mark.parametrize("now", [0.0, 100.0, 1e9])
def test_open_loop_due_times_do_not_depend_on_the_clock(now: float) -> None:
    loop = OpenLoop(np.array([0.0, 0.1, 0.3]), t0=50.0)
    assert [loop.take(FakeClock(now)) for _ in range(4)] == [(0, 50.0), (1, 50.1), (2, 50.3), None]


def test_open_loop_settled_is_a_no_op() -> None:
    loop = OpenLoop(np.array([0.0, 1.0]), t0=0.0)
    loop.settled(5)
    assert loop.take(FakeClock()) == (0, 0.0)
    assert loop.taken == 1


def test_open_loop_empty() -> None:
    loop = OpenLoop(np.array([], dtype=np.float64), t0=7.0)
    assert loop.end_time == 7.0
    assert loop.exhausted
    assert loop.take(FakeClock()) is None
    assert loop.taken == 0


def test_open_loop_due_times_are_python_floats() -> None:
    loop = OpenLoop(np.arange(3) / 2.0, t0=1.0)
    taken = loop.take(FakeClock())
    assert taken is not None
    assert type(taken[0]) is int and type(taken[1]) is float


# ---- Backlog -------------------------------------------------------------------------------------------


def test_backlog_never_more_than_in_flight_before_settled() -> None:
    clock = FakeClock(10.0)
    backlog = Backlog(count=10, in_flight=3, t0=10.0, deadline=None)
    assert [backlog.take(clock) for _ in range(3)] == [(0, 10.0), (1, 10.0), (2, 10.0)]
    assert (backlog.taken, backlog.outstanding) == (3, 3)
    # all slots busy: the next take would wait; nothing settled means no slot (checked without waiting)
    assert not backlog._slots.acquire(blocking=False)
    clock.t = 12.5
    backlog.settled(2)
    assert backlog.outstanding == 1
    assert [backlog.take(clock) for _ in range(2)] == [(3, 12.5), (4, 12.5)]
    assert (backlog.taken, backlog.outstanding) == (5, 3)
    assert not backlog._slots.acquire(blocking=False)


def test_backlog_intended_time_is_not_before_t0() -> None:
    backlog = Backlog(count=2, in_flight=2, t0=50.0, deadline=None)
    assert backlog.take(FakeClock(49.0)) == (0, 50.0)
    assert backlog.take(FakeClock(51.0)) == (1, 51.0)


def test_backlog_respects_count() -> None:
    clock = FakeClock()
    backlog = Backlog(count=2, in_flight=5, t0=0.0, deadline=None)
    assert [backlog.take(clock) for _ in range(2)] == [(0, 1000.0), (1, 1000.0)]
    assert backlog.exhausted
    assert backlog.take(clock) is None
    assert backlog.take(clock) is None
    assert (backlog.taken, backlog.outstanding, backlog.stopped) == (2, 2, False)
    # the refused takes gave their slots back: 5 slots, 2 outstanding
    backlog.settled(2)
    assert all(backlog._slots.acquire(blocking=False) for _ in range(5))
    assert not backlog._slots.acquire(blocking=False)


def test_backlog_respects_deadline_with_a_free_slot() -> None:
    clock = FakeClock(0.0)
    backlog = Backlog(count=100, in_flight=4, t0=0.0, deadline=10.0)
    assert backlog.take(clock) == (0, 0.0)
    clock.t = 9.999
    assert backlog.take(clock) == (1, 9.999)
    assert not backlog.exhausted
    clock.t = 10.0
    assert backlog.take(clock) is None
    assert backlog.stopped and backlog.exhausted
    assert (backlog.taken, backlog.outstanding) == (2, 2)


def test_backlog_full_returns_none_at_deadline() -> None:
    """The one test that waits: a full backlog polls the deadline every 0.1 s."""
    clock = FakeClock(0.0)
    backlog = Backlog(count=100, in_flight=1, t0=0.0, deadline=5.0)
    assert backlog.take(clock) == (0, 0.0)
    clock.t = 5.0
    started = time.perf_counter()
    assert backlog.take(clock) is None
    assert time.perf_counter() - started < 1.0
    assert backlog.stopped and backlog.exhausted
    assert backlog.taken == 1


def test_backlog_zero_count_is_exhausted() -> None:
    backlog = Backlog(count=0, in_flight=2, t0=0.0, deadline=None)
    assert backlog.exhausted
    assert backlog.take(FakeClock()) is None


def test_round_counters_defaults_are_independent() -> None:
    a, b = RoundCounters(), RoundCounters()
    a.records.append((0, 1.0, 1.0, None, None))
    assert b.records == []
    assert (b.sent, b.rejected, b.confirmed, b.in_flight_requests) == (0, 0, 0, 0)


def test_a_batch_takes_what_is_due_within_the_window_up_to_the_cap_each_with_its_own_time() -> None:
    clock = FakeClock(100.0)
    offsets = np.array([0.0, 0.0004, 0.0009, 0.0011, 0.0050, 0.0051, 0.0052, 0.0053])
    loop = OpenLoop(offsets, 200.0)
    first = loop.take_batch(clock, 0.001, 10)
    assert [p for p, _ in first] == [0, 1, 2]  # 0.0011 is past the 1 ms window of position 0
    assert [t for _, t in first] == [200.0 + o for o in offsets[:3]]
    assert [p for p, _ in loop.take_batch(clock, 0.001, 10)] == [3]
    assert [p for p, _ in loop.take_batch(clock, 0.001, 2)] == [4, 5]  # the cap
    assert loop.taken == 6 and not loop.exhausted


def test_a_generator_behind_its_schedule_catches_up_in_batches_of_the_cap() -> None:
    clock = FakeClock(0.0)
    loop = OpenLoop(np.arange(10) * 0.1, 0.0)  # 100 ms apart: never within one window
    assert len(loop.take_batch(clock, 0.001, 4)) == 1  # on time: one at a time
    clock.t = 0.65  # behind: positions up to 0.6 s are due now
    assert [p for p, _ in loop.take_batch(clock, 0.001, 4)] == [1, 2, 3, 4]
    assert [p for p, _ in loop.take_batch(clock, 0.001, 4)] == [5, 6]
    clock.t = 5.0
    assert [p for p, _ in loop.take_batch(clock, 0.001, 100)] == [7, 8, 9]
    assert loop.take_batch(clock, 0.001, 100) == [] and loop.exhausted


def test_each_write_knows_its_sender_s_previous_write() -> None:
    from bench.load.dispatch import previous_of_sender

    senders = np.array([3, 1, 3, -1, 1, 1, 7, 3, -1])
    assert previous_of_sender(senders).tolist() == [-1, -1, 0, -1, 1, 4, -1, 2, -1]
    assert previous_of_sender(np.array([], dtype=np.int64)).tolist() == []
