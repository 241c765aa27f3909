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
later (a worker's) and writes refused on a connection the node had dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bench.chains.base import ChainPlan, Recovery
from bench.clock import Clock
from bench.plan.round import PlannedRound
from bench.results.store import RunStore

PASSES_S = (0.5, 3.0)  # after the node answers again: when each pass looks for lost writes
RECORDS_WAIT_S = 0.5  # a send record is in the store this long after the send (flushed every 0.25 s)
CONNECTION = (
    "connection"  # the refusal reason's prefix when the node could not be reached (bench.chains wires)
)


@dataclass(frozen=True, slots=True)
class Resent:
    """What the passes after one restart sent again."""

    writes: int  # sent again
    refused_first: int  # of them, refused the first time (the node was down)
    refused_again: int  # of them, refused this time too (their first outcome stands)

    def describe(self) -> str:
        if not self.writes:
            return "no write to send again"
        again = f"; {self.refused_again} refused again" if self.refused_again else ""
        return (
            f"sent again {self.writes} writes the node had lost "
            f"({self.refused_first} of them refused while it was down){again}"
        )


def resend_lost(
    store: RunStore,
    plan: ChainPlan,
    planned: Mapping[int, PlannedRound],
    recovery: Recovery,
    watch: Callable[[dict[bytes, int]], None],
    clock: Clock,
) -> Resent:
    """The passes after the load's node answers again (now, on `clock`): each sends again the writes it
    finds lost (see the module's text); `watch` gives the observer back those it had stopped looking for."""
    ready = clock.now()
    totals = [0, 0, 0]
    for at in PASSES_S:
        clock.sleep(max(0.0, ready + at - clock.now()))
        one = _pass(store, plan, planned, recovery, watch, clock, ready)
        totals = [
            a + b for a, b in zip(totals, (one.writes, one.refused_first, one.refused_again), strict=True)
        ]
    return Resent(*totals)


def _pass(
    store: RunStore,
    plan: ChainPlan,
    planned: Mapping[int, PlannedRound],
    recovery: Recovery,
    watch: Callable[[dict[bytes, int]], None],
    clock: Clock,
    ready: float,
) -> Resent:
    cutoff = clock.now() - RECORDS_WAIT_S  # every send before this is in the store
    rows = store.query(
        "SELECT t.id, t.round, t.seq, t.sender, t.nonce, t.hash, s.error FROM txs t JOIN sends s ON s.tx = t.id "
        "LEFT JOIN resends r ON r.tx = t.id WHERE length(t.hash) > 0 AND r.tx IS NULL AND s.sent < ? "
        "AND ((s.error IS NULL AND s.sent < ?) OR s.error LIKE ?)",
        (cutoff, ready, CONNECTION + "%"),
    )
    if not rows:
        return Resent(0, 0, 0)
    nonces = recovery.next_nonces(plan)
    lost = sorted((r for r in rows if r[4] >= nonces[r[3]]), key=lambda r: (r[4], r[0]))
    if not lost:
        return Resent(0, 0, 0)
    reasons = recovery.resend([planned[r[1]].raw[r[2]] for r in lost])
    at = clock.now()
    store.add_resends([(r[0], at, r[6], reason) for r, reason in zip(lost, reasons, strict=True)])
    watch({bytes(r[5]): r[0] for r, reason in zip(lost, reasons, strict=True) if r[6] and reason is None})
    return Resent(
        len(lost),
        sum(1 for r in lost if r[6] is not None),
        sum(1 for reason in reasons if reason is not None),
    )
