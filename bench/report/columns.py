"""Defines once every column of the round tables: the terminal summary, the run report's round table and
the comparison's tables (HTML and Markdown) all take their headings, units and cells from `COLUMNS`.

A column is one figure of a round: its `key` is the figure's summary.json path where it has one (the
path `chainmark compare --fail-if` names too), its `header` and `unit` make the heading, `value` reads it
from the typed round summary (in the stored unit: seconds, a fraction) and `format` writes it. A table
narrower or more detailed than the rest says so on the column (`terminal`, `report`, `report_format`);
the comparison writes its numbers in the shown unit (`scale`) with their ratios (bench.report.compare_cells).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bench.report.round_text import format_latency_ms, format_success, format_verdict
from bench.results.comparison import METRICS
from bench.results.percentiles import Censored, Percentiles
from bench.results.round_summary import RoundSummary

Figure = float | int | str | Censored | None


@dataclass(frozen=True, slots=True)
class Column:
    """One figure of a round and how every table heads and writes it."""

    key: str  # its summary.json path ("latency_s.p99"), or a name for a figure that has none ("label")
    header: str  # what it is, in lower case: "latency p99"
    unit: str  # the unit it is shown in: "ms", "tx/s", "%", "s"; "" for a count or a word
    value: Callable[[RoundSummary], Figure]  # read from the round, in the stored unit
    format: Callable[[Figure], str]  # how the run's tables write the value
    scale: float = 1.0  # from the stored unit to the shown one (1000 for s -> ms)
    terminal: str = ""  # the terminal's narrower heading, when it is not the header
    report: str = ""  # the run report's heading, when it is not the title
    report_format: Callable[[Figure], str] | None = None  # the run report's cell, when it shows more

    @property
    def title(self) -> str:
        """ "latency p99 (ms)": the heading with its unit, as the comparison's tables show it."""
        return f"{self.header} ({self.unit})" if self.unit else self.header

    @property
    def terminal_heading(self) -> str:
        return self.terminal or self.header

    @property
    def report_heading(self) -> str:
        return self.report or self.title[:1].upper() + self.title[1:]

    def text(self, round_summary: RoundSummary) -> str:
        """The cell of the terminal's table."""
        return self.format(self.value(round_summary))

    def report_text(self, round_summary: RoundSummary) -> str:
        """The cell of the run report's table."""
        return (self.report_format or self.format)(self.value(round_summary))


def _plain(value: Figure) -> str:
    return str(value)


def _count(value: Figure) -> str:
    return f"{value:,}"


def _number(scale: float = 1.0, digits: int = 1) -> Callable[[Figure], str]:
    """A number in the shown unit, with thousands separators and `digits` decimals; "-" when there is none."""

    def write(value: Figure) -> str:
        return "-" if not isinstance(value, int | float) else f"{value * scale:,.{digits}f}"

    return write


def _label(r: RoundSummary) -> str:
    return r.label + (" (warm-up)" if r.warmup else "")


def _controller(r: RoundSummary) -> str:
    return ", ".join(f"{k}={v}" for k, v in r.controller.items())


def _window(r: RoundSummary) -> float | None:
    return r.window_s[1] - r.window_s[0] if r.window_s else None


def _latency(pick: Callable[[Percentiles], float | None]) -> Callable[[RoundSummary], Figure]:
    """A latency percentile of the round; Censored where it lands on a write never confirmed."""
    return lambda r: r.latency_s.censorable(pick(r.latency_s))


def _latency_column(
    key: str, name: str, pick: Callable[[Percentiles], float | None], terminal: str
) -> Column:
    return Column(
        f"latency_s.{key}",
        f"latency {name}",
        "ms",
        _latency(pick),
        format_latency_ms,
        scale=1000.0,
        terminal=terminal,
        report=name if key != "p50" else "",  # the report heads the latency columns once, on p50
    )


COLUMNS: tuple[Column, ...] = (  # every column, in the run report's order
    Column("label", "round", "", _label, _plain),
    Column(
        "success_rate",
        "success rate",
        "%",
        lambda r: r.success_rate,
        format_success,
        scale=100.0,
        terminal="success",
        report="Success (%)",
    ),
    Column("verdict", "verdict", "", lambda r: format_verdict(r.verdict), _plain),
    Column("controller", "rate", "", _controller, _plain),
    Column("sent", "sent", "", lambda r: r.sent, _count, report_format=_plain),
    Column("confirmed", "confirmed", "", lambda r: r.confirmed, _count, report_format=_plain),
    Column("failed", "failed", "", lambda r: sum(r.failed.values()), _count, report_format=_plain),
    Column("timed_out", "timed out", "", lambda r: r.timed_out, _count, report_format=_plain),
    Column("send_rate_tps", "send rate", "tx/s", lambda r: r.send_rate_tps, _number(), terminal="send tx/s"),
    Column(
        "throughput_tps",
        "throughput",
        "tx/s",
        lambda r: r.throughput_tps,
        _number(),
        terminal="throughput tx/s",
    ),
    Column(
        "commit_throughput_tps", "commit throughput", "tx/s", lambda r: r.commit_throughput_tps, _number()
    ),
    Column("gas_per_s", "gas per second", "gas/s", lambda r: r.gas_per_s, _number(digits=0)),
    Column("gas_used_p50", "gas per tx p50", "gas", lambda r: r.gas_used_p50, _number(digits=0)),
    _latency_column("p50", "p50", lambda lat: lat.p50, "p50 ms"),
    _latency_column("p90", "p90", lambda lat: lat.p90, "p90 ms"),
    _latency_column("p99", "p99", lambda lat: lat.p99, "p99 ms"),
    _latency_column("p999", "p99.9", lambda lat: lat.p999, "p99.9 ms"),
    _latency_column("max", "max", lambda lat: lat.max, "max ms"),
    _latency_column("mean", "mean", lambda lat: lat.mean, "mean ms"),
    Column("window", "window", "s", _window, _number(digits=2)),
    Column(
        "schedule_lag_s.p99",
        "schedule lag p99",
        "ms",
        lambda r: r.schedule_lag_s.p99,
        _number(1000.0),
        scale=1000.0,
        terminal="lag p99 ms",
        report_format=_number(1000.0, 2),
    ),
    Column("failure_rate", "failure rate", "%", lambda r: r.failure_rate, _number(100.0), scale=100.0),
)
BY_KEY = {column.key: column for column in COLUMNS}


def columns(*keys: str) -> tuple[Column, ...]:
    """The columns named by `keys`, in that order (KeyError names one that is not defined)."""
    return tuple(BY_KEY[key] for key in keys)


TERMINAL_COLUMNS = columns(
    "label",
    "success_rate",
    "sent",
    "confirmed",
    "failed",
    "timed_out",
    "send_rate_tps",
    "throughput_tps",
    "latency_s.p50",
    "latency_s.p99",
    "latency_s.max",
    "schedule_lag_s.p99",
    "verdict",
)
REPORT_COLUMNS = tuple(c for c in COLUMNS if c.key != "failure_rate")
COMPARED_COLUMNS = columns(*METRICS)  # the metrics of comparison.json, in its order
