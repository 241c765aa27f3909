"""Builds the comparison document (comparison.json) of several run folders against the first, the baseline.

Terms: a *run* is one run folder; the *baseline* is the first run given; a *candidate* is every other
run; a *group* is the runs that repeat one another (same workload name, same target client, chain id
and block interval, same round labels), summarised by mean and 95 % confidence interval per round and metric.
A difference between two groups is *significant* only when both intervals exist (n >= 2) and do
not overlap.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from bench.errors import WorkloadError
from bench.results.confidence import Interval, mean_interval
from bench.results.run_folder import RunFolder

COMPARISON_SCHEMA_VERSION = 1

# metric path -> (column heading with unit, scale from the stored unit to the shown unit)
METRICS: dict[str, tuple[str, float]] = {
    "throughput_tps": ("throughput (tx/s)", 1.0),
    "latency_s.p50": ("latency p50 (ms)", 1000.0),
    "latency_s.p90": ("latency p90 (ms)", 1000.0),
    "latency_s.p99": ("latency p99 (ms)", 1000.0),
    "latency_s.p999": ("latency p99.9 (ms)", 1000.0),
    "latency_s.max": ("latency max (ms)", 1000.0),
    "failure_rate": ("failure rate (%)", 100.0),
}

DEFINITIONS = {
    "throughput_tps": "confirmed transactions / the round's window_s (the blocks that carried the round), tx/s",
    "latency_s": "seen-in-block time minus intended send time over the round's confirmed transactions, "
    "exact nearest-rank percentiles, seconds (shown in ms)",
    "failure_rate": "(failed + timed_out) / sent over the round (shown in %)",
    "ratio": "candidate value / baseline value for the same round label",
    "interval": "mean and 95 % Student-t confidence interval over the runs of a group (none for a group of one)",
    "significant": "the two groups' 95 % intervals do not overlap",
}


def metric_value(round_summary: dict[str, Any], path: str) -> float | None:
    """The value at `path` ("throughput_tps", "latency_s.p99", "failure_rate") of one summary.json round.

    Raises KeyError when the path names no field; None when the field exists but has no value."""
    if path == "failure_rate":
        sent = round_summary.get("sent") or 0
        bad = sum(round_summary.get("failed", {}).values()) + (round_summary.get("timed_out") or 0)
        return bad / sent if sent else None
    node: Any = round_summary
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            raise KeyError(path)
        node = node[part]
    if node is None:
        return None
    if isinstance(node, bool) or not isinstance(node, int | float):
        raise KeyError(path)
    return float(node)


def ratio(value: float | None, base: float | None) -> float | None:
    """value / base, or None when either is missing or the base is zero."""
    if value is None or base is None or base == 0:
        return None
    return value / base


def check_comparable(runs: Sequence[RunFolder], *, force: bool) -> list[str]:
    """Raise WorkloadError when the runs differ in workload or round labels (unless `force`); return warnings."""
    if len(runs) < 2:
        raise WorkloadError(f"compare needs at least two run folders, got {len(runs)}")
    base = runs[0]
    warnings: list[str] = []
    for run in runs[1:]:
        problems = []
        if run.summary.get("workload") != base.summary.get("workload"):
            problems.append(
                f"workload {run.summary.get('workload')!r} differs from the baseline's {base.summary.get('workload')!r}"
            )
        if run.labels != base.labels:
            problems.append(f"round labels {run.labels} differ from the baseline's {base.labels}")
        if problems and not force:
            raise WorkloadError(f"{'; '.join(problems)} (pass --force to compare anyway)", path=str(run.path))
        warnings.extend(f"{run.name}: {p} (compared with --force)" for p in problems)
    for key, what in (("machine", "machine"), ("chainmark", "chainmark version")):
        values = {run.name: run.summary.get(key) for run in runs}
        if any(v != values[base.name] for v in values.values()):
            shown = "; ".join(f"{name}: {_describe(v)}" for name, v in values.items())
            warnings.append(f"the runs used different {what}s: {shown}")
    warnings.extend(
        f"{run.name}: run status is {run.summary.get('status')!r}, not 'completed'"
        for run in runs
        if run.summary.get("status") != "completed"
    )
    return warnings


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items())
    return str(value)


def round_labels(runs: Sequence[RunFolder]) -> list[str]:
    """Every round label of the runs, in the order they first appear (the baseline's first)."""
    return list(dict.fromkeys(label for run in runs for label in run.labels))


def group_key(run: RunFolder) -> tuple[Any, ...]:
    """Runs repeat one another on the same workload, node client, chain and block interval (from the
    blocks' own timestamps: a managed Anvil at 1 s and one at 2 s are different targets)."""
    target = run.summary.get("target", {})
    interval = None if run.block_interval_s is None else round(run.block_interval_s, 1)
    return (
        run.summary.get("workload"),
        target.get("client"),
        target.get("chain_id"),
        interval,
        tuple(run.labels),
    )


def group_runs(runs: Sequence[RunFolder]) -> list[list[RunFolder]]:
    """Runs that repeat one another, grouped in order of first appearance (the baseline's group first)."""
    groups: dict[tuple[Any, ...], list[RunFolder]] = {}
    for run in runs:
        groups.setdefault(group_key(run), []).append(run)
    return list(groups.values())


def significance(base: Interval | None, other: Interval | None) -> str:
    """'higher' / 'lower' (significant), 'overlap' (not significant), or why there is no verdict."""
    if base is None or other is None:
        return "no value"
    overlap = other.overlaps(base)
    if overlap is None:
        return "no interval (group of one)"
    if overlap:
        return "overlap"
    return "higher" if other.mean > base.mean else "lower"


def build_comparison(runs: Sequence[RunFolder], warnings: Sequence[str]) -> dict[str, Any]:
    """The comparison.json document (everything the HTML and Markdown show)."""
    groups = group_runs(runs)
    group_ids = {run.name: f"G{i + 1}" for i, group in enumerate(groups) for run in group}
    labels = round_labels(runs)
    return {
        "schema_version": COMPARISON_SCHEMA_VERSION,
        "baseline": runs[0].name,
        "warnings": list(warnings),
        "definitions": DEFINITIONS,
        "runs": [_run_entry(run, group_ids[run.name]) for run in runs],
        "rounds": [_round_entry(runs, label) for label in labels],
        "groups": [_group_entry(f"G{i + 1}", group) for i, group in enumerate(groups)],
        "group_stats": [_group_stats(groups, label) for label in labels],
    }


def _run_entry(run: RunFolder, group: str) -> dict[str, Any]:
    s = run.summary
    target = s.get("target", {})
    return {
        "name": run.name,
        "path": str(run.path),
        "group": group,
        "workload": s.get("workload"),
        "status": s.get("status"),
        "started": s.get("started"),
        "chainmark": s.get("chainmark"),
        "target": {k: target.get(k) for k in ("url", "client", "chain_id", "block_time_s") if k in target},
        "machine": s.get("machine", {}),
    }


def _values(round_summary: dict[str, Any] | None) -> dict[str, float | None]:
    if round_summary is None:
        return dict.fromkeys(METRICS)
    return {m: _finite(round_summary, m) for m in METRICS}


def _finite(round_summary: dict[str, Any], metric: str) -> float | None:
    """The metric's value, or None when the round lacks it or it is not a finite number."""
    try:
        value = metric_value(round_summary, metric)
    except KeyError:
        return None
    return value if value is not None and math.isfinite(value) else None


def _round_entry(runs: Sequence[RunFolder], label: str) -> dict[str, Any]:
    base = _values(runs[0].round(label))
    entries = []
    for run in runs:
        r = run.round(label)
        values = _values(r)
        entries.append(
            {
                "run": run.name,
                "present": r is not None,
                "window_s": r.get("window_s") if r else None,
                "values": values,
                "ratio": {m: ratio(values[m], base[m]) for m in METRICS},
            }
        )
    warmup = next((bool(r["warmup"]) for run in runs if (r := run.round(label)) is not None), False)
    return {"label": label, "warmup": warmup, "runs": entries}


def _group_entry(group_id: str, group: list[RunFolder]) -> dict[str, Any]:
    s = group[0].summary
    target = s.get("target", {})
    return {
        "id": group_id,
        "workload": s.get("workload"),
        "client": target.get("client"),
        "chain_id": target.get("chain_id"),
        "rounds": group[0].labels,
        "runs": [run.name for run in group],
    }


def _intervals(group: list[RunFolder], label: str) -> dict[str, Interval | None]:
    out: dict[str, Interval | None] = {}
    for m in METRICS:
        values = [v for run in group if (v := _values(run.round(label))[m]) is not None]
        out[m] = mean_interval(values) if values else None
    return out


def _group_stats(groups: list[list[RunFolder]], label: str) -> dict[str, Any]:
    intervals = [_intervals(g, label) for g in groups]
    base = intervals[0]
    return {
        "label": label,
        "groups": [
            {
                "group": f"G{i + 1}",
                "metrics": {m: iv.as_json() if iv else None for m, iv in ivs.items()},
                "vs_baseline_group": None if i == 0 else {m: significance(base[m], ivs[m]) for m in METRICS},
            }
            for i, ivs in enumerate(intervals)
        ],
    }
