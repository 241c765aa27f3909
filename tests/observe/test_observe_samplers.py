"""The resource monitor and the Prometheus scraper, against real processes and a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from bench.clock import WallClock
from bench.observe.prometheus import PrometheusScraper, parse_samples
from bench.observe.resources import ResourceMonitor, ResourceRow, loopback_listener

EXPOSITION = """# HELP chain_head_block The current head block
# TYPE chain_head_block gauge
chain_head_block 42
txpool_pending{pool="main"} 7
txpool_pending{pool="side"} 1.5e3
txpool_queued 3
weird_metric NaN
process_cpu_seconds_total 12.5 1700000000000
"""


def test_parse_samples_keeps_only_named_finite_samples() -> None:
    names = frozenset({"chain_head_block", "txpool_pending", "weird_metric", "process_cpu_seconds_total"})
    assert parse_samples(EXPOSITION, names) == [
        ("chain_head_block", "", 42.0),
        ("txpool_pending", '{pool="main"}', 7.0),
        ("txpool_pending", '{pool="side"}', 1500.0),
        ("process_cpu_seconds_total", "", 12.5),
    ]


def test_scraper_collects_rising_values(metrics_server: str) -> None:
    rows: list[tuple[float, str, str, float]] = []
    scraper = PrometheusScraper(
        metrics_server, ("chainmark_test_counter",), WallClock(), rows.extend, interval=0.05
    )
    scraper.start()
    deadline = time.monotonic() + 10
    while len(rows) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    scraper.stop()
    assert len(rows) >= 3 and scraper.error is None
    assert [r[1] for r in rows] == ["chainmark_test_counter"] * len(rows)
    values = [r[3] for r in rows]
    assert values == sorted(values) and values[0] >= 1


def test_scraper_failure_is_recorded_not_raised() -> None:
    scraper = PrometheusScraper(
        "http://127.0.0.1:9/metrics", ("x",), WallClock(), lambda rows: None, interval=0.1
    )
    scraper.scrape_once()
    assert scraper.error is not None and scraper.error.startswith("prometheus scrape failed:")


def test_resource_monitor_sees_a_busy_process() -> None:
    busy = subprocess.Popen(
        [sys.executable, "-c", "import time\nt=time.time()\nwhile time.time()-t<20: pass"]
    )
    rows: list[ResourceRow] = []
    try:
        monitor = ResourceMonitor({"busy": busy.pid}, WallClock(), rows.extend, interval=0.2)
        monitor.start()
        deadline = time.monotonic() + 10
        while len([r for r in rows if r[1] == "busy"]) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        monitor.stop()
    finally:
        busy.kill()
        busy.wait()
    # each interval has a row for the process and one for the whole machine (source "host")
    mine, host = [r for r in rows if r[1] == "busy"], [r for r in rows if r[1] == "host"]
    assert len(mine) >= 3 and len(host) == len(mine) and len(rows) == len(mine) + len(host)
    assert max(r[2] for r in mine) > 30, "a spinning process uses a good part of a core"
    assert all(r[3] > 1_000_000 for r in mine), "its resident memory is measured"
    assert max(r[2] for r in host) > 30, "the machine is at least as busy as the process on it"
    assert all(h[3] > m[3] for h, m in zip(host, mine, strict=True)), "the machine's memory in use holds it"


def test_loopback_listener_finds_this_process() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    try:
        assert loopback_listener("127.0.0.1", server.server_address[1]) == os.getpid()
        assert loopback_listener("10.0.0.1", server.server_address[1]) is None
    finally:
        server.server_close()
