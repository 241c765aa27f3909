"""After the load's node was killed and started again from an older state: the writes it lost, sent again.

A node started again from its last state dump (the managed Anvil with `--state`) has lost the blocks mined
after that dump and the writes its pool held, and it refused every write sent while it was down. The plan's
pre-signed nonces would then leave each of those senders' later writes queued behind the gap for the rest
of the run, so what the run measured after the restart would be the plan, not the node. chainmark does what
a client does when its node comes back: once the node answers again, it sends again, once, every write that
was sent before then (accepted and lost, or refused for the connection) and whose nonce is at or above its
sender's next nonce on the node's chain: the same signed bytes (the same transaction id), in nonce order.

Latency still counts from each write's intended time, so the outage is in it. A write refused the first time
and held the second counts as accepted (the refusal stays in the store's `resends`), since the chain's blocks
hold it; one refused again keeps its first refusal. Two passes: one when the send records of the writes sent
before the restart are in the store (they are flushed every 0.25 s), and a later one for records that came
later (a worker's) and writes refused on a connection the node had dropped. A write lost again by a later
restart is sent again after that one too. Where two writes hold one sender's nonce (a round signed again
after an earlier one left writes unsent), the later round's is the one sent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bench.chains.base import ChainPlan, Recovery
from bench.clock import Clock
from bench.errors import ChainmarkError
from bench.plan.round import PlannedRound
from bench.results.store import RunStore

PASSES_S = (0.5, 3.0)  # after the node answers again: when each pass looks for lost writes
RECORDS_WAIT_S = 0.5  # a send record is in the store this long after the send (flushed every 0.25 s)
CHUNK = 500  # writes sent again per request (each request's outcome is recorded before the next)
# the refusal reason's prefix when the node could not be reached (bench.chains' wires)
CONNECTION = "connection"


@dataclass(frozen=True, slots=True)
class Resent:
    """What the passes after one restart sent again."""

    writes: int  # sent again
    refused_first: int  # of them, refused the first time (the node was down)
    refused_again: int  # of them, refused this time too (their first outcome stands)
    error: str | None = None  # what stopped a pass, if anything (the other pass still ran)

    def describe(self) -> str:
        again = f"; {self.refused_again} refused again" if self.refused_again else ""
        stopped = f"; a pass stopped: {self.error}" if self.error else ""
        if not self.writes:
            return f"no write to send again{stopped}"
        return (
            f"sent again {self.writes} writes the node had lost "
            f"({self.refused_first} of them refused while it was down){again}{stopped}"
        )


@dataclass(frozen=True, slots=True)
class Down:
    """When the load's node was taken down (run clock): `began` when the step that took it down started
    (from then on a refusal for the connection is the outage's), `gone` when that step was done and the old
    process was gone. A write the old process accepted before `gone` may be lost with it: a managed Anvil is
    let run a few 50 ms slices between its stop and its kill (to finish its state dump), and answers the
    writes that reached it meanwhile."""

    began: float
    gone: float


@dataclass(frozen=True, slots=True)
class Lost:
    """Where to find the writes a restarted node may have lost, and how to follow them again."""

    store: RunStore
    plan: ChainPlan
    planned: Mapping[int, PlannedRound]  # each round as last signed, by index
    recovery: Recovery
    watch: Callable[[dict[bytes, int]], None]  # the observer looks for these again
    unwatch: Callable[[list[bytes]], None]
    # told of the refused writes the node now holds (the runner counted them as refused)
    held: Callable[[list[int]], None]


def resend_lost(lost: Lost, clock: Clock, down: Down) -> Resent:
    """The passes after the load's node, taken `down`, answers again (now): each sends
    again the writes it finds lost (see the module's text). A pass that fails does not stop the next."""
    ready = clock.now()
    totals, error = [0, 0, 0], None
    for at in PASSES_S:
        clock.sleep(max(0.0, ready + at - clock.now()))
        try:
            counts = _pass(lost, clock, down)
        except ChainmarkError as exc:
            error = str(exc).splitlines()[0]
            continue
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
    return Resent(totals[0], totals[1], totals[2], error)


def _pass(lost: Lost, clock: Clock, down: Down) -> tuple[int, int, int]:
    """One pass: the writes accepted before the old process was gone, or refused for the connection since
    it began to go down, whose nonce is at or above their sender's next one on the node's chain, and not
    sent again since then."""
    cutoff = clock.now() - RECORDS_WAIT_S  # every send before this is in the store
    rows = lost.store.query(
        "SELECT t.id, t.round, t.seq, t.sender, t.nonce, t.hash, s.error FROM txs t JOIN sends s ON s.tx = t.id "
        "LEFT JOIN resends r ON r.tx = t.id AND r.at >= ? WHERE length(t.hash) > 0 AND r.tx IS NULL "
        "AND s.sent < ? AND ((s.error IS NULL AND s.sent < ?) OR (s.error LIKE ? AND s.answered >= ?))",
        (down.began, cutoff, down.gone, CONNECTION + "%", down.began),
    )
    if not rows:
        return 0, 0, 0
    nonces = lost.recovery.next_nonces(lost.plan)
    latest: dict[tuple[int, int], tuple[Any, ...]] = {}  # (sender, nonce) -> its write of the latest round
    for row in rows:
        key = (row[3], row[4])
        if row[4] >= nonces[row[3]] and (key not in latest or latest[key][1] < row[1]):
            latest[key] = row
    writes = sorted(latest.values(), key=lambda r: (r[4], r[0]))
    counts = [0, 0, 0]
    for start in range(0, len(writes), CHUNK):
        chunk = writes[start : start + CHUNK]
        refused = {bytes(r[5]): r[0] for r in chunk if r[6] is not None}
        lost.watch(refused)  # before the send: a block may hold them before the answer comes
        reasons = lost.recovery.resend([lost.planned[r[1]].raw[r[2]] for r in chunk])
        at = clock.now()
        lost.store.add_resends([(r[0], at, r[6], reason) for r, reason in zip(chunk, reasons, strict=True)])
        again = [bytes(r[5]) for r, reason in zip(chunk, reasons, strict=True) if r[6] is not None and reason]
        lost.unwatch(again)
        lost.held([r[0] for r, reason in zip(chunk, reasons, strict=True) if r[6] is not None and not reason])
        counts[0] += len(chunk)
        counts[1] += len(refused)
        counts[2] += sum(1 for reason in reasons if reason is not None)
    return counts[0], counts[1], counts[2]
