"""Scrapes chosen metrics from a node's Prometheus endpoint each interval (Geth, Besu, Nethermind expose one).

Only the text exposition format's sample lines are read: `name{label="v",...} value [timestamp]`;
comments, histograms' and summaries' structure lines are plain samples too and are kept only if
their name is one asked for.
"""

from __future__ import annotations

import math
import re
import threading
import urllib.request
from collections.abc import Callable

from bench.clock import Clock

MetricRow = tuple[float, str, str, float]  # t, metric name, labels, value

_SAMPLE = re.compile(r"^([A-Za-z_:][A-Za-z0-9_:]*)(\{[^}]*\})?\s+(\S+)")


def parse_samples(text: str, names: frozenset[str]) -> list[tuple[str, str, float]]:
    """(name, labels, value) of every sample line in `text` whose metric name is in `names`."""
    out = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = _SAMPLE.match(line)
        if match is None or match.group(1) not in names:
            continue
        try:
            value = float(match.group(3))
        except ValueError:
            continue
        if math.isfinite(value):
            out.append((match.group(1), match.group(2) or "", value))
    return out


class PrometheusScraper:
    """A thread that scrapes `url` every `interval` s; `error` keeps the last failure (scraping is best effort)."""

    def __init__(
        self,
        url: str,
        names: tuple[str, ...],
        clock: Clock,
        on_rows: Callable[[list[MetricRow]], None],
        interval: float = 1.0,
    ) -> None:
        self.url, self.names, self.clock, self.on_rows = url, frozenset(names), clock, on_rows
        self.interval = interval
        self.error: str | None = None
        self.scrapes = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="prometheus-scraper", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.scrape_once()
            self._stop.wait(self.interval)

    def scrape_once(self) -> None:
        try:
            with urllib.request.urlopen(self.url, timeout=self.interval * 2) as response:
                text = response.read().decode("utf-8", errors="replace")
        except (OSError, ValueError) as exc:
            self.error = f"prometheus scrape failed: {exc}"
            return
        now = self.clock.now()
        rows = [(now, name, labels, value) for name, labels, value in parse_samples(text, self.names)]
        self.scrapes += 1
        if rows:
            self.on_rows(rows)
