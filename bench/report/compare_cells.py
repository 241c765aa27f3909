"""Formats the comparison's numbers as plain text for the HTML and Markdown tables (value, ratio, interval, verdict).

A censored latency is shown as its lower bound, "> 12.4 s (censored)", never with a ratio; an invalid
round's value is marked "invalid: <codes>", with no ratio unless the comparison allowed invalid rounds.
"""

from __future__ import annotations

from typing import Any

from bench.report.columns import BY_KEY, COMPARED_COLUMNS
from bench.results.comparison import format_censored


def format_number(value: float | None, metric: str) -> str:
    """`value` (stored unit) in the metric's shown unit, or "-" when there is none."""
    if value is None:
        return "-"
    scaled = value * BY_KEY[metric].scale
    return f"{scaled:,.2f}" if abs(scaled) < 100 else f"{scaled:,.1f}"


def format_value(entry: dict[str, Any], metric: str) -> str:
    """A run's value for one round: the number, or "> 12.4 s" when it is censored."""
    bound = entry["censored"].get(metric)
    if bound is not None:
        return format_censored((bound["above_s"], bound["confirmed_fraction"]))
    return format_number(entry["values"][metric], metric)


def format_cell(entry: dict[str, Any], metric: str, baseline: bool) -> str:
    """A run's value for one round with what qualifies it: "1.23 (0.95x)", "> 12.4 s (censored)",
    "1.23 (invalid: generator-behind)", "1.23 (baseline)"."""
    if not entry["present"]:
        return "no such round"
    notes = []
    r, why = entry["ratio"][metric], entry["no_ratio"].get(metric)
    if baseline:
        notes.append("baseline")
    elif r is not None:
        notes.append(f"{r:.2f}x")
    elif why in ("baseline censored", "baseline invalid"):
        notes.append(f"no ratio: {why}")
    if metric in entry["censored"]:
        notes.append("censored")
    if entry["valid"] is False:
        notes.append("invalid: " + ", ".join(invalid_codes(entry)))
    value = format_value(entry, metric)
    return f"{value} ({'; '.join(notes)})" if notes else value


def invalid_codes(entry: dict[str, Any]) -> list[str]:
    return [str(r.get("code")) for r in entry["invalid_reasons"]] or ["unspecified"]


def format_interval(interval: dict[str, Any] | None, metric: str) -> str:
    """ "mean [low, high]" for a group of several runs, "mean (n=1, no interval)" for a group of one."""
    if interval is None:
        return "-"
    if interval.get("censored"):
        return f"censored in {interval['censored']} of {interval['n']} runs, no interval"
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
    return ["run", *(c.title for c in COMPARED_COLUMNS)]


def groups_sentence(doc: dict[str, Any]) -> str | None:
    """The whole repeat-groups section when every group holds one run; None when some group repeats."""
    if any(len(g["runs"]) > 1 for g in doc["groups"]):
        return None
    return (
        f"No two of the {len(doc['runs'])} runs repeat one another (same workload, target client, chain id, "
        "block interval and rounds), so there are no confidence intervals; repeat a run to get them."
    )
