"""Builds the comparison document (comparison.json) of several run folders against the first, the baseline.

Terms: a *run* is one run folder, named by its label; the *baseline* is the first run given; a
*candidate* is every other run; a *group* is the runs that repeat one another (same workload name,
same target client, chain id and block interval, same round labels), summarised by mean and 95 %
confidence interval per round and metric. A difference between two groups is *significant* only
when both intervals exist (n >= 2) and do not overlap.

A latency percentile is *censored* when it lands on an accepted write that was never confirmed:
its value is unbounded (math.inf from `metric_value`), known only to exceed the round's
`censored_above_s`; it has no ratio and no interval. A round with `valid: false` is *left out*
(of ratios, the headline charts, group intervals and gates) unless the comparison allows invalid rounds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from bench.errors import WorkloadError
from bench.results.confidence import Interval, mean_interval
from bench.results.round_summary import RoundSummary
from bench.results.run_folder import RunFolder
from bench.results.summary import RunSummary
from bench.results.verdict import Finding

COMPARISON_SCHEMA_VERSION = 2  # 1 had no success_rate, censoring, validity or run labels

# The metrics compared, by their summary.json path (how the tables head and scale them: bench.report.columns).
METRICS = (
    "success_rate",
    "throughput_tps",
    "latency_s.p50",
    "latency_s.p90",
    "latency_s.p99",
    "latency_s.p999",
    "latency_s.max",
    "failure_rate",
)
CENSORABLE = ("p50", "p90", "p99", "p999", "max", "mean")  # the latency keys that can land on a lost write

DEFINITIONS = {
    "run name": "the run's label: given with --labels or RUN_DIR=LABEL, otherwise the client name and "
    "version when every run's client differs, otherwise the shortest distinct folder name",
    "success_rate": "confirmed / sent writes over the round (shown in %)",
    "throughput_tps": "confirmed transactions / the round's window_s (the blocks that carried the round), tx/s",
    "latency_s": "seen-in-block time minus intended send time over every write the node accepted, "
    "exact nearest-rank percentiles, seconds (shown in ms); a write never confirmed counts as unbounded",
    "censored": "a percentile that lands on an unconfirmed write: shown as '> X s', X the time every "
    "unconfirmed write of the round waited at least (censored_above_s); no ratio, no interval",
    "failure_rate": "(failed + timed_out) / sent over the round (shown in %)",
    "ratio": "candidate value / baseline value for the same round label",
    "invalid": "a round its run marked valid: false (invalid_reasons): left out of ratios, the headline "
    "charts, the group intervals and the gates unless --allow-invalid",
    "interval": "mean and 95 % Student-t confidence interval over the runs of a group (none for a group of one)",
    "significant": "the two groups' 95 % intervals do not overlap",
}


def metric_value(round_summary: RoundSummary, path: str) -> float | None:
    """The value at `path` ("throughput_tps", "latency_s.p99", "by_kind.erc20.latency_s.p99") of a round,
    a field path of its summary.json form, or `failure_rate`.

    math.inf for a censored latency (see the module docstring). Raises KeyError when the path names
    no field; None when the field exists but has no value."""
    if path == "failure_rate":
        return round_summary.failure_rate
    parent, leaf = _field(round_summary.as_json(), path)
    node = parent[leaf]
    if node is None:
        return math.inf if _censored_at(parent, leaf) is not None else None
    if isinstance(node, bool) or not isinstance(node, int | float):
        raise KeyError(path)
    return float(node)


def censored(round_summary: RoundSummary, path: str) -> tuple[float | None, float] | None:
    """(censored_above_s, confirmed_fraction) when the latency at `path` is censored, else None."""
    try:
        parent, leaf = _field(round_summary.as_json(), path)
    except KeyError:
        return None
    return _censored_at(parent, leaf)


def _censored_at(parent: dict[str, Any], leaf: str) -> tuple[float | None, float] | None:
    """`censored` of the field `leaf` of the JSON object `parent` (a latency's percentiles)."""
    fraction = parent.get("confirmed_fraction")
    if leaf not in CENSORABLE or parent[leaf] is not None or not isinstance(fraction, int | float):
        return None
    if fraction >= 1:
        return None  # nothing unconfirmed: a null is simply no data
    bound = parent.get("censored_above_s")
    return (float(bound) if isinstance(bound, int | float) else None), float(fraction)


def _field(doc: dict[str, Any], path: str) -> tuple[dict[str, Any], str]:
    """The JSON object holding the last part of `path`, and that part; KeyError when the path names no field."""
    *parents, leaf = path.split(".")
    node: Any = doc
    for part in parents:
        if not isinstance(node, dict) or part not in node:
            raise KeyError(path)
        node = node[part]
    if not isinstance(node, dict) or leaf not in node:
        raise KeyError(path)
    return node, leaf


def format_censored(bound: tuple[float | None, float]) -> str:
    """ "> 12.4 s" (or "> ? s" when the run did not say how long its unconfirmed writes waited)."""
    above, _fraction = bound
    return f"> {seconds_text(above)} s" if above is not None else "> ? s"


def seconds_text(value: float) -> str:
    """Seconds as the run report shows a censored bound (bench.report.round_text): one decimal."""
    return f"{value:,.1f}"


def _reasons(round_summary: RoundSummary) -> tuple[Finding, ...]:
    return round_summary.verdict.invalid if round_summary.verdict is not None else ()


def invalid_details(round_summary: RoundSummary) -> str:
    """The reasons the round is invalid, in one line."""
    return "; ".join(f.detail or f.code for f in _reasons(round_summary)) or "no reason given"


def left_out(round_summary: RoundSummary | None, allow_invalid: bool) -> bool:
    """Whether the round is left out of ratios, headline charts, intervals and gates."""
    return round_summary is not None and not allow_invalid and not round_summary.valid


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
    warnings: list[str] = [w for run in runs for w in run.warnings]
    for run in runs[1:]:
        problems = []
        if run.summary.workload != base.summary.workload:
            problems.append(
                f"workload {run.summary.workload!r} differs from the baseline's {base.summary.workload!r}"
            )
        if run.labels != base.labels:
            problems.append(f"round labels {run.labels} differ from the baseline's {base.labels}")
        if problems and not force:
            raise WorkloadError(f"{'; '.join(problems)} (pass --force to compare anyway)", path=str(run.path))
        warnings.extend(f"{run.name}: {p} (compared with --force)" for p in problems)
    for what, values in (
        ("machines", {run.name: run.summary.machine for run in runs}),
        ("chainmark versions", {run.name: run.summary.chainmark for run in runs}),
        ("latency bases", {run.name: latency_basis(run.summary) for run in runs}),
    ):
        if any(v != values[base.name] for v in values.values()):
            shown = "; ".join(f"{name}: {_describe(v)}" for name, v in values.items())
            warnings.append(f"the runs used different {what}: {shown}")
    warnings.extend(
        f"{run.name}: run status is {run.summary.status!r}, not 'completed'"
        for run in runs
        if run.summary.status != "completed"
    )
    return warnings


def latency_basis(summary: RunSummary) -> str:
    """What a run's latency runs to: inclusion or k-deep, at node 0 or at k of n nodes (`target.confirm_at`)."""
    depth = "inclusion" if summary.confirmations == 1 else f"{summary.confirmations}-deep"
    at = next((r.latency_at for r in summary.rounds if r.latency_at), None)
    return f"{depth} at {at or 'node 0'}"


def validity_warnings(runs: Sequence[RunFolder], *, allow_invalid: bool) -> list[str]:
    """One warning per invalid round: which run and round, why, and what the comparison did with it."""
    out = []
    for i, run in enumerate(runs):
        for r in run.summary.rounds:
            if r.valid:
                continue
            where = f"{run.name}: round {r.label!r} is invalid ({invalid_details(r)})"
            if allow_invalid:
                out.append(f"{where}; compared anyway (--allow-invalid)")
                continue
            tail = "; it is the baseline's, so this round has no ratios" if i == 0 else ""
            out.append(
                f"{where}; left out of ratios, headline charts, group intervals and gates"
                f"{tail} (pass --allow-invalid to keep it)"
            )
    return out


def _describe(value: object) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items())
    return str(value)


def round_labels(runs: Sequence[RunFolder]) -> list[str]:
    """Every round label of the runs, in the order they first appear (the baseline's first)."""
    return list(dict.fromkeys(label for run in runs for label in run.labels))


def group_key(run: RunFolder) -> tuple[Any, ...]:
    """Runs repeat one another on the same workload, node client, chain and block interval (from the
    blocks' own timestamps: a managed Anvil at 1 s and one at 2 s are different targets)."""
    target = run.summary.target
    interval = None if run.block_interval_s is None else round(run.block_interval_s, 1)
    return (
        run.summary.workload,
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


def significance(base: dict[str, Any] | None, other: dict[str, Any] | None) -> str:
    """'higher' / 'lower' (significant), 'overlap' (not significant), or why there is no verdict."""
    if base is None or other is None:
        return "no value"
    if base.get("censored") or other.get("censored"):
        return "no verdict (censored)"
    if base["low"] is None or other["low"] is None:
        return "no interval (group of one)"
    if base["low"] <= other["high"] and other["low"] <= base["high"]:
        return "overlap"
    return "higher" if other["mean"] > base["mean"] else "lower"


def build_comparison(
    runs: Sequence[RunFolder], warnings: Sequence[str], *, allow_invalid: bool = False
) -> dict[str, Any]:
    """The comparison.json document (everything the HTML and Markdown show)."""
    groups = group_runs(runs)
    group_ids = {run.name: f"G{i + 1}" for i, group in enumerate(groups) for run in group}
    labels = round_labels(runs)
    return {
        "schema_version": COMPARISON_SCHEMA_VERSION,
        "baseline": runs[0].name,
        "allow_invalid": allow_invalid,
        "warnings": list(warnings),
        "definitions": DEFINITIONS,
        "runs": [_run_entry(run, group_ids[run.name]) for run in runs],
        "rounds": [_round_entry(runs, label, allow_invalid) for label in labels],
        "groups": [_group_entry(f"G{i + 1}", group) for i, group in enumerate(groups)],
        "group_stats": [_group_stats(groups, label, allow_invalid) for label in labels],
    }


def _run_entry(run: RunFolder, group: str) -> dict[str, Any]:
    s = run.summary
    return {
        "name": run.name,
        "path": str(run.path),
        "group": group,
        "workload": s.workload,
        "status": s.status,
        "started": s.started,
        "chainmark": s.chainmark,
        "target": {
            k: s.target.get(k) for k in ("url", "client", "chain_id", "block_time_s") if k in s.target
        },
        "machine": s.machine,
    }


def _values(round_summary: RoundSummary | None) -> dict[str, float | None]:
    if round_summary is None:
        return dict.fromkeys(METRICS)
    return {m: _finite(round_summary, m) for m in METRICS}


def _finite(round_summary: RoundSummary, metric: str) -> float | None:
    """The metric's value, or None when the round lacks it, it is censored, or it is not a finite number."""
    try:
        value = metric_value(round_summary, metric)
    except KeyError:
        return None
    return value if value is not None and math.isfinite(value) else None


def _censored(round_summary: RoundSummary | None) -> dict[str, dict[str, float | None]]:
    if round_summary is None:
        return {}
    out = {}
    for m in METRICS:
        bound = censored(round_summary, m)
        if bound is not None:
            out[m] = {"above_s": bound[0], "confirmed_fraction": bound[1]}
    return out


def _no_ratio(
    metric: str, mine: dict[str, Any], base: dict[str, Any], mine_out: bool, base_out: bool
) -> str | None:
    """Why a run has no ratio for `metric` (invalid or censored on either side), or None."""
    if base_out:
        return "baseline invalid"
    if mine_out:
        return "invalid"
    if metric in mine:
        return "censored"
    if metric in base:
        return "baseline censored"
    return None


def _round_entry(runs: Sequence[RunFolder], label: str, allow_invalid: bool) -> dict[str, Any]:
    base = runs[0].round(label)
    entries = [_run_round(run.name, run.round(label), base, allow_invalid) for run in runs]
    warmup = next((r.warmup for run in runs if (r := run.round(label)) is not None), False)
    unavailable = (
        f"no ratios: the baseline {runs[0].name}'s round is invalid ({invalid_details(base)})"
        if base is not None and left_out(base, allow_invalid)
        else None
    )
    return {"label": label, "warmup": warmup, "ratios_unavailable": unavailable, "runs": entries}


def _run_round(
    name: str, r: RoundSummary | None, base: RoundSummary | None, allow_invalid: bool
) -> dict[str, Any]:
    """One run's entry in a round: values, censored bounds, verdict, and ratios to the baseline's round."""
    values, cens, out = _values(r), _censored(r), left_out(r, allow_invalid)
    base_values, base_censored, base_out = _values(base), _censored(base), left_out(base, allow_invalid)
    why = {m: w for m in METRICS if (w := _no_ratio(m, cens, base_censored, out, base_out))}
    return {
        "run": name,
        "present": r is not None,
        "valid": None if r is None else r.valid,
        "invalid_reasons": [] if r is None else [f.as_json() for f in _reasons(r)],
        "flags": [] if r is None or r.verdict is None else [f.as_json() for f in r.verdict.flags],
        "left_out": out,
        "window_s": list(r.window_s) if r is not None and r.window_s else None,
        "confirmed_fraction": r.latency_s.confirmed_fraction if r is not None else None,
        "values": values,
        "censored": cens,
        "ratio": {m: None if m in why else ratio(values[m], base_values[m]) for m in METRICS},
        "no_ratio": why,
    }


def _group_entry(group_id: str, group: list[RunFolder]) -> dict[str, Any]:
    s = group[0].summary
    return {
        "id": group_id,
        "workload": s.workload,
        "client": s.target.get("client"),
        "chain_id": s.target.get("chain_id"),
        "rounds": group[0].labels,
        "runs": [run.name for run in group],
    }


def _intervals(group: list[RunFolder], label: str, allow_invalid: bool) -> dict[str, dict[str, Any] | None]:
    """Per metric the group's interval (Interval.as_json), or {"censored": k, "n": n} when k runs are censored."""
    rounds = [r for run in group if (r := run.round(label)) is not None and not left_out(r, allow_invalid)]
    out: dict[str, dict[str, Any] | None] = {}
    for m in METRICS:
        cut = sum(1 for r in rounds if censored(r, m) is not None)
        values = [v for r in rounds if (v := _finite(r, m)) is not None]
        if cut:
            out[m] = {"mean": None, "low": None, "high": None, "n": len(values) + cut, "censored": cut}
        else:
            out[m] = _interval(values)
    return out


def _interval(values: list[float]) -> dict[str, Any] | None:
    iv: Interval | None = mean_interval(values) if values else None
    return iv.as_json() if iv else None


def _group_stats(groups: list[list[RunFolder]], label: str, allow_invalid: bool) -> dict[str, Any]:
    intervals = [_intervals(g, label, allow_invalid) for g in groups]
    base = intervals[0]
    return {
        "label": label,
        "groups": [
            {
                "group": f"G{i + 1}",
                "metrics": ivs,
                "vs_baseline_group": None if i == 0 else {m: significance(base[m], ivs[m]) for m in METRICS},
            }
            for i, ivs in enumerate(intervals)
        ],
    }
