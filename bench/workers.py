"""The Locust cluster's workers before round 1: waiting for them, their clock offsets, and their record."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bench.load.clocksync import OFFSET_WARN_S
from bench.load.cluster import ClusterMaster
from bench.results.store import RunStore


@dataclass(frozen=True, slots=True)
class Cluster:
    """A distributed run's Locust master, and how many workers to wait for (and how long)."""

    master: ClusterMaster
    expect: int
    timeout: float


def join_workers(cluster: Cluster, say: Callable[[str], None]) -> None:
    """Wait for the cluster's workers and estimate their clock offsets, before the clock starts."""
    master, expect = cluster.master, cluster.expect
    say(f"waiting for {expect} workers (Locust master on port {master.port})")
    master.wait_for_workers(expect, cluster.timeout)
    master.sync_clocks()
    worst = max(master.live, key=lambda n: abs(n.offset))
    say(
        f"{expect} workers connected; largest clock offset {worst.offset * 1000:+.3f} ms "
        f"(worker {worst.index}, round trip {worst.rtt * 1000:.3f} ms)"
    )
    for node in master.live:
        if abs(node.offset) > OFFSET_WARN_S:
            say(
                f"warning: worker {node.index}'s clock is {node.offset * 1000:+.1f} ms off the master's "
                f"(more than {OFFSET_WARN_S * 1000:g} ms); send times are corrected by it"
            )


def record_workers(master: ClusterMaster, store: RunStore) -> None:
    """The workers as the run's metadata keeps them (count, duplicates, each one's clock and losses)."""
    store.set_meta(
        workers={
            "count": len(master.nodes),
            "duplicates_received": master.duplicates,
            "nodes": [n.as_json() for _, n in sorted(master.nodes.items())],
        }
    )
