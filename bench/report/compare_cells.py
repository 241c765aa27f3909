"""Formats the comparison's numbers as plain-text table cells (value with ratio, interval, verdict)."""

from __future__ import annotations

from typing import Any

from bench.results.comparison import METRICS


def format_number(value: float | None, metric: str) -> str:
    """`value` (stored unit) in the metric's shown unit, or "-" when there is none."""
    if value is None:
        return "-"
    scaled = value * METRICS[metric][1]
    return f"{scaled:,.2f}" if abs(scaled) < 100 else f"{scaled:,.1f}"


def format_cell(entry: dict[str, Any], metric: str, baseline: bool) -> str:
    """A run's value for one round, followed by its ratio to the baseline ("1.23 (0.95x)")."""
    if not entry["present"]:
        return "no such round"
    value = format_number(entry["values"][metric], metric)
    if baseline:
        return f"{value} (baseline)"
    r = entry["ratio"][metric]
    return f"{value} ({r:.2f}x)" if r is not None else value


def format_interval(interval: dict[str, Any] | None, metric: str) -> str:
    """ "mean [low, high]" for a group of several runs, "mean (n=1, no interval)" for a group of one."""
    if interval is None:
        return "-"
    mean = format_number(interval["mean"], metric)
    if interval["low"] is None:
        return f"{mean} (n=1, no interval)"
    low, high = format_number(interval["low"], metric), format_number(interval["high"], metric)
    return f"{mean} [{low}, {high}] (n={interval['n']})"


def format_verdict(verdict: str | None) -> str:
    return {
        None: "baseline group",
        "higher": "higher, significant",
        "lower": "lower, significant",
        "overlap": "not significant (intervals overlap)",
    }.get(verdict, str(verdict))


def run_columns() -> list[str]:
    """The side-by-side table's headings: run, then every metric with its unit."""
    return ["run", *(heading for heading, _ in METRICS.values())]
