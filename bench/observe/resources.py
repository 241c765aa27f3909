"""Samples processes' resource use each second (CPU, memory, disk I/O) and the host's network, with psutil.

Sources are named processes: the managed node (with its children) and chainmark's own process, so a
report can show whether the node or the load generator was the bottleneck (a source may be a function
giving the pid at each sample: a node a fault restarted is followed in its new process), plus `host`, the whole
machine (memory in use, disk I/O of all devices), which tells a saturated machine from a busy process.
CPU is in percent of one core (200 = two cores busy); byte counters are per-interval deltas.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import psutil

from bench.clock import Clock

ResourceRow = tuple[
    float, str, float, int, int, int, int, int
]  # t, source, cpu %, rss, read, write, net tx, rx


class ResourceMonitor:
    """A thread (a greenlet under gevent) that calls `on_rows` with one row per source per interval."""

    def __init__(
        self,
        sources: dict[str, int | Callable[[], int | None]],
        clock: Clock,
        on_rows: Callable[[list[ResourceRow]], None],
        interval: float = 1.0,
    ) -> None:
        self.sources, self.clock, self.on_rows, self.interval = sources, clock, on_rows, interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last: dict[str, tuple[float, float, int, int, int]] = {}  # t, cpu, read, write, pid
        self._net: tuple[int, int] | None = None
        self._host: tuple[float, float, int, int] | None = None

    def start(self) -> None:
        self._sample()  # baseline for the first deltas
        self._thread = threading.Thread(target=self._run, name="resource-monitor", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            rows = self._sample()
            if rows:
                self.on_rows(rows)

    def _sample(self) -> list[ResourceRow]:
        now = self.clock.now()
        net = psutil.net_io_counters()
        net_now = (net.bytes_sent, net.bytes_recv) if net else (0, 0)
        sent, recv = (net_now[0] - self._net[0], net_now[1] - self._net[1]) if self._net else (0, 0)
        self._net = net_now
        rows = []
        for name, source in self.sources.items():
            pid = source() if callable(source) else source
            usage = _usage(pid) if pid is not None else None
            if pid is None or usage is None:
                continue
            cpu, rss, read, write = usage
            last = self._last.get(name)
            self._last[name] = (now, cpu, read, write, pid)
            # a new process (a restarted node): its first sample is a baseline
            if last is None or now <= last[0] or last[4] != pid:
                continue
            cpu_percent = 100.0 * (cpu - last[1]) / (now - last[0])
            rows.append((now, name, round(cpu_percent, 2), rss, read - last[2], write - last[3], sent, recv))
        busy, used, read, write = _host_usage()
        last_host, self._host = self._host, (now, busy, read, write)
        if last_host is not None and now > last_host[0]:
            cpu_percent = 100.0 * (busy - last_host[1]) / (now - last_host[0])
            rows.append(
                (
                    now,
                    "host",
                    round(cpu_percent, 2),
                    used,
                    read - last_host[2],
                    write - last_host[3],
                    sent,
                    recv,
                )
            )
        return rows


def _host_usage() -> tuple[float, int, int, int]:
    """The machine's busy CPU seconds (all cores), memory in use, and bytes read and written on all disks."""
    times = psutil.cpu_times()._asdict()
    # guest time is already in user time on Linux; stolen time counts as busy (the machine cannot have it)
    busy = sum(times.values()) - sum(times.get(k, 0.0) for k in ("idle", "iowait", "guest", "guest_nice"))
    disks = psutil.disk_io_counters()
    read, write = (disks.read_bytes, disks.write_bytes) if disks else (0, 0)
    return busy, psutil.virtual_memory().used, read, write


def _usage(pid: int) -> tuple[float, int, int, int] | None:
    """CPU seconds, RSS, bytes read and written of `pid` and its children; None once it is gone."""
    try:
        process = psutil.Process(pid)
        family = [process, *process.children(recursive=True)]
    except psutil.Error:
        return None
    cpu = 0.0
    rss = read = write = 0
    for member in family:
        try:
            with member.oneshot():
                times = member.cpu_times()
                cpu += times.user + times.system
                rss += member.memory_info().rss
                try:
                    io = member.io_counters()
                    read, write = read + io.read_bytes, write + io.write_bytes
                except (psutil.AccessDenied, AttributeError):
                    pass
        except psutil.Error:
            continue
    return cpu, rss, read, write


def loopback_listener(host: str, port: int) -> int | None:
    """The pid listening on a loopback `host:port` (a node on this machine given by URL), if visible."""
    if host not in ("127.0.0.1", "localhost", "::1", "[::1]"):
        return None
    try:
        for conn in psutil.net_connections(kind="tcp"):
            if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port and conn.pid:
                return int(conn.pid)
    except psutil.Error:
        return None
    return None
