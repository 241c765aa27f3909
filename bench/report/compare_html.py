"""Renders the comparison's self-contained HTML page (tables first, then Plotly charts; opens offline).

plotly.js is inlined once; every user-supplied string (run names, labels, client strings, warnings)
is HTML-escaped.
"""

from __future__ import annotations

import html
from typing import Any

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from bench.report.columns import COMPARED_COLUMNS
from bench.report.compare_cells import (
    format_cell,
    format_interval,
    format_verdict,
    groups_sentence,
    run_columns,
)
from bench.results.comparison import METRICS


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _table(head: list[str], rows: list[list[str]], css: str, marks: list[list[str]] | None = None) -> str:
    """A table of plain-text cells (every cell and heading escaped here); `marks` gives a cell's classes."""
    top = "<tr>" + "".join(f"<th>{_e(h)}</th>" for h in head) + "</tr>"
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="{_e(marks[i][j])}">{_e(c)}</td>' if marks and marks[i][j] else f"<td>{_e(c)}</td>"
            for j, c in enumerate(row)
        )
        + "</tr>"
        for i, row in enumerate(rows)
    )
    return f'<table class="{css}">{top}{body}</table>'


def render_comparison_html(doc: dict[str, Any], figures: list[go.Figure]) -> str:
    """The whole index.html."""
    workloads = ", ".join(sorted({str(r["workload"]) for r in doc["runs"]}))
    charts = "\n".join(
        f'<div class="chart">{fig.to_html(full_html=False, include_plotlyjs=False, config={"responsive": True})}</div>'
        for fig in figures
    )
    return _PAGE.format(
        title=_e(f"chainmark comparison: {workloads}"),
        plotlyjs=get_plotlyjs(),
        warnings=_warnings(doc["warnings"]),
        runs=_runs(doc),
        rounds="\n".join(_round(entry) for entry in doc["rounds"]),
        groups=_groups(doc),
        gates=_gates(doc),
        charts=charts,
        definitions="".join(f"<li><b>{_e(k)}</b>: {_e(v)}</li>" for k, v in doc["definitions"].items()),
    )


def _warnings(warnings: list[str]) -> str:
    if not warnings:
        return ""
    items = "".join(f"<li>{_e(w)}</li>" for w in warnings)
    return f'<div class="warnings"><h2>Warnings</h2><ul>{items}</ul></div>'


def _runs(doc: dict[str, Any]) -> str:
    rows = []
    for run in doc["runs"]:
        target, machine = run["target"], run["machine"]
        rows.append(
            [
                run["name"] + (" (baseline)" if run["name"] == doc["baseline"] else ""),
                run["group"],
                run["workload"],
                run["status"],
                f"{target.get('url', '')} - {target.get('client', '')}, chain id {target.get('chain_id', '')}",
                run["chainmark"],
                f"{machine.get('cpu', '')}, {machine.get('cores', '')} cores, {machine.get('os', '')}",
                run["path"],
            ]
        )
    head = ["Run", "Group", "Workload", "Status", "Target", "chainmark", "Machine", "Folder"]
    return _table(head, rows, "runs")


def _round(entry: dict[str, Any]) -> str:
    rows = [
        [run["run"], *(format_cell(run, m, i == 0) for m in METRICS)] for i, run in enumerate(entry["runs"])
    ]
    marks = [["", *(_marks(run, m) for m in METRICS)] for run in entry["runs"]]
    warm = " (warm-up)" if entry["warmup"] else ""
    note = entry["ratios_unavailable"]
    note_html = f'<p class="no-ratios">{_e(note)}</p>' if note else ""
    table = _table(run_columns(), rows, "round", marks)
    return f"<h3>Round {_e(entry['label'])}{warm}</h3>" + note_html + table


def _marks(entry: dict[str, Any], metric: str) -> str:
    """A cell's classes: "censored" (a lower bound, not a value), "invalid" (the round is marked invalid)."""
    return " ".join(
        name
        for name, on in (("censored", metric in entry["censored"]), ("invalid", entry["valid"] is False))
        if on
    )


def _groups(doc: dict[str, Any]) -> str:
    sentence = groups_sentence(doc)
    if sentence is not None:
        return f'<p class="groups">{_e(sentence)}</p>'
    rows = [
        [g["id"], f"{g['workload']} on {g['client']} (chain id {g['chain_id']})", ", ".join(g["runs"])]
        for g in doc["groups"]
    ]
    parts = [_GROUPS_INTRO, _table(["Group", "Workload and target", "Runs"], rows, "groups")]
    for stats in doc["group_stats"]:
        rows = []
        for g in stats["groups"]:
            rows.append([g["group"], *(format_interval(g["metrics"][m], m) for m in METRICS)])
            if g["vs_baseline_group"] is not None:
                rows.append(
                    [f"{g['group']} vs G1", *(format_verdict(g["vs_baseline_group"][m]) for m in METRICS)]
                )
        parts.append(f"<h3>Round {_e(stats['label'])}</h3>")
        parts.append(_table(["Group", *(c.title for c in COMPARED_COLUMNS)], rows, "group-stats"))
    return "\n".join(parts)


def _gates(doc: dict[str, Any]) -> str:
    if not doc.get("gates"):
        return ""
    items = []
    for gate in doc["gates"]:
        verdict = "failed" if gate["failed"] else "passed"
        lines = [*gate["failed"], *(f"note: {n}" for n in gate["notes"])]
        sub = "".join(f"<li>{_e(line)}</li>" for line in lines)
        items.append(
            f"<li>{_e(gate['expression'])}: <b>{verdict}</b>" + (f"<ul>{sub}</ul>" if sub else "") + "</li>"
        )
    return f'<h2>Gates</h2><ul class="gates">{"".join(items)}</ul>'


_GROUPS_INTRO = """<p>Runs of the same workload, target client, chain id, block interval and rounds are repeats:
mean and 95 % confidence interval (Student t) per group, in the units above. A difference from the
baseline group G1 is called significant only when the intervals do not overlap; a group of one has no
interval, nor has a metric censored in any run of a group. Invalid rounds are left out unless
<code>--allow-invalid</code>.</p>"""

_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }}
th, td {{ border: 1px solid #ccc; padding: 4px 8px; text-align: left; }}
th {{ background: #f3f3f3; }}
.warnings {{ background: #fff7e0; border: 1px solid #e0c060; padding: 0.5em 1em; }}
td.censored {{ background: #fdecea; font-weight: 600; }}
td.invalid {{ color: #777; font-style: italic; }}
.no-ratios {{ color: #a33; }}
.chart {{ margin: 1em 0; }}
</style>
<script type="text/javascript">{plotlyjs}</script>
</head><body>
<h1>{title}</h1>
{warnings}
<h2>Runs</h2>
<p>The first run is the baseline; every ratio is candidate / baseline for the same round label.</p>
{runs}
<h2>Rounds side by side</h2>
<p>Success rate in % (confirmed / sent); throughput in tx/s over each round's own window (the blocks
that carried it); latency in ms (seen-in-block time minus intended send time, exact percentiles over
every write the node accepted; one never confirmed counts as unbounded, so a percentile that lands on
it is <i>censored</i> and shown as "&gt; X s", X the time every unconfirmed write waited at least);
failure rate in % ((failed + timed out) / sent). In parentheses: the ratio to the baseline run (none
for a censored value), and "invalid: codes" for a round its run marked invalid (left out of ratios,
headline charts and gates unless <code>--allow-invalid</code>).</p>
{rounds}
<h2>Repeat groups</h2>
{groups}
{gates}
<h2>Charts</h2>
{charts}
<h2>Definitions</h2>
<ul>{definitions}</ul>
</body></html>
"""
