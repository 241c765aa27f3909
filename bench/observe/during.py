"""What watches the target while the rounds run: the block observer, the resource monitor (chainmark, the
node, the host) and the Prometheus scraper; what they saw is recorded however the rounds end."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator

from bench.clock import Clock
from bench.observe.blocks import BlockObserver
from bench.observe.mempool import SAMPLE_EVERY, MempoolWatchers
from bench.observe.prometheus import PrometheusScraper
from bench.observe.resources import ResourceMonitor, loopback_listener
from bench.observe.tips import TipWatchers
from bench.results.full_disk import quiet_when_full
from bench.results.store import RunStore
from bench.targets.url import Endpoint, redact_url
from bench.workload.spec import Prometheus


@contextlib.contextmanager
def watching(
    observer: BlockObserver,
    store: RunStore,
    clock: Clock,
    node_pid: int | Callable[[], int | None] | None,
    prometheus: Prometheus | None,
    tips: TipWatchers | None = None,
    mempool: MempoolWatchers | None = None,
) -> Iterator[None]:
    """Run the observer, the monitor, the scraper and (on a network) every node's tip watcher while the
    body runs; then stop them and record their modes."""
    sources: dict[str, int | Callable[[], int | None]] = {"chainmark": os.getpid()}
    if node_pid is not None:
        sources["node"] = node_pid
    monitor = ResourceMonitor(sources, clock, quiet_when_full(store.add_resources))
    monitor.start()
    scraper = None
    if prometheus is not None:
        scraper = PrometheusScraper(
            prometheus.url, prometheus.metrics, clock, quiet_when_full(store.add_metrics), prometheus.interval
        )
        scraper.start()
    observer.start()
    if tips is not None:
        tips.start()
    if mempool is not None:
        mempool.start()
    try:
        yield
    finally:
        observer.stop()
        if mempool is not None:
            mempool.stop()
            store.set_meta(
                mempool={
                    "sampled_every": SAMPLE_EVERY,
                    "followed": mempool.followed,
                    "nodes": len(mempool.probes),
                    "errors": mempool.errors,
                    "interval_s": mempool.interval,
                    "load": mempool.load(),
                }
            )
        if tips is not None:
            tips.stop()
            store.set_meta(
                node_tips={
                    "nodes": len(tips.feeds),
                    "interval_s": tips.interval,
                    "outages": tips.outages,
                    "load": tips.load(),
                }
            )
        monitor.stop()
        if scraper is not None:
            scraper.stop()
            store.set_meta(
                prometheus={
                    "url": redact_url(scraper.url),
                    "scrapes": scraper.scrapes,
                    "last_error": scraper.error,
                }
            )
        store.set_meta(observer=observer.mode)
        if observer.outages:  # a fault of the run's own took the node down, and the observer waited
            store.set_meta(observer_outages=observer.outages)


def local_node_pid(endpoint: Endpoint) -> int | None:
    """The pid of the process listening on a loopback endpoint's port (a node chainmark did not start)."""
    host_port = endpoint.base.split("://", 1)[1]
    host, _, port = host_port.rpartition(":")
    return loopback_listener(host, int(port)) if port.isdigit() else None
