"""Formats the comparison document as Markdown (comparison.md), ready to paste into a README or paper."""

from __future__ import annotations

import html
from typing import Any

from bench.report.columns import COMPARED_COLUMNS
from bench.report.compare_cells import (
    format_cell,
    format_interval,
    format_verdict,
    groups_sentence,
    run_columns,
)
from bench.results.comparison import METRICS

_MARKDOWN_SPECIALS = str.maketrans({c: "\\" + c for c in "\\`*[]|"})


def md_escape(value: object) -> str:
    """HTML-escape a user-supplied string, keep Markdown from formatting it, and keep it on one table line.

    A lone ">" stays readable ("> 12.4 s", "p99>+10%"): without "<" it starts no HTML tag, and an
    escaped string never begins a line here, so it cannot start a blockquote either."""
    text = html.escape(str(value), quote=False).replace("&gt;", ">").translate(_MARKDOWN_SPECIALS)
    return " ".join(text.split())


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return [*lines, ""]


def format_comparison_markdown(doc: dict[str, Any]) -> str:
    """The whole comparison.md text."""
    workloads = sorted({str(r["workload"]) for r in doc["runs"]})
    lines = [f"# chainmark comparison: {md_escape(', '.join(workloads))}", ""]
    lines.extend(f"> **Warning:** {md_escape(w)}" for w in doc["warnings"])
    if doc["warnings"]:
        lines.append("")
    lines.extend(_runs(doc))
    for entry in doc["rounds"]:
        lines.extend(_round(doc, entry))
    lines.extend(_groups(doc))
    lines.extend(_gates(doc))
    lines.extend(["## Definitions", ""])
    lines.extend(f"- **{name}**: {md_escape(text)}" for name, text in doc["definitions"].items())
    return "\n".join(lines) + "\n"


def _runs(doc: dict[str, Any]) -> list[str]:
    rows = []
    for run in doc["runs"]:
        target, machine = run["target"], run["machine"]
        rows.append(
            [
                md_escape(run["name"]) + (" (baseline)" if run["name"] == doc["baseline"] else ""),
                run["group"],
                md_escape(run["workload"]),
                md_escape(run["status"]),
                md_escape(f"{target.get('client', '')} (chain id {target.get('chain_id', '')})"),
                md_escape(run["chainmark"]),
                md_escape(f"{machine.get('cpu', '')}, {machine.get('cores', '')} cores"),
            ]
        )
    head = ["run", "group", "workload", "status", "target", "chainmark", "machine"]
    return ["## Runs", "", *_table(head, rows)]


def _round(doc: dict[str, Any], entry: dict[str, Any]) -> list[str]:
    title = f"## Round {md_escape(entry['label'])}" + (" (warm-up)" if entry["warmup"] else "")
    note = (
        "Each run over its own window of the round (the blocks that carried it); latency over every "
        "accepted write, a censored percentile shown as its lower bound (> X s); "
        "in parentheses the ratio to the baseline run."
    )
    rows = [
        [md_escape(run["run"]), *(md_escape(format_cell(run, m, i == 0)) for m in METRICS)]
        for i, run in enumerate(entry["runs"])
    ]
    unavailable = (
        [f"> **No ratios:** {md_escape(entry['ratios_unavailable'])}", ""]
        if entry["ratios_unavailable"]
        else []
    )
    return [title, "", note, "", *unavailable, *_table(run_columns(), rows)]


def _groups(doc: dict[str, Any]) -> list[str]:
    sentence = groups_sentence(doc)
    if sentence is not None:
        return ["## Repeat groups", "", md_escape(sentence), ""]
    lines = [
        "## Repeat groups",
        "",
        "Runs of the same workload, target client, chain id, block interval and rounds are repeats: mean "
        "and 95 % confidence interval (Student t) per group; a difference from the baseline group G1 is "
        "significant only when the intervals do not overlap. A group of one has no interval, nor has a "
        "metric censored in any run of a group; invalid rounds are left out unless --allow-invalid.",
        "",
    ]
    rows = [
        [
            g["id"],
            md_escape(f"{g['workload']} on {g['client']} (chain id {g['chain_id']})"),
            md_escape(", ".join(g["runs"])),
        ]
        for g in doc["groups"]
    ]
    lines.extend(_table(["group", "workload and target", "runs"], rows))
    for stats in doc["group_stats"]:
        lines.extend([f"### Round {md_escape(stats['label'])}", ""])
        rows = []
        for g in stats["groups"]:
            rows.append([g["group"], *(md_escape(format_interval(g["metrics"][m], m)) for m in METRICS)])
            if g["vs_baseline_group"] is not None:
                rows.append(
                    [
                        f"{g['group']} vs G1",
                        *(md_escape(format_verdict(g["vs_baseline_group"][m])) for m in METRICS),
                    ]
                )
        lines.extend(_table(["group", *(c.title for c in COMPARED_COLUMNS)], rows))
    return lines


def _gates(doc: dict[str, Any]) -> list[str]:
    if not doc.get("gates"):
        return []
    lines = ["## Gates", ""]
    for gate in doc["gates"]:
        verdict = "failed" if gate["failed"] else "passed"
        lines.append(f"- {md_escape(gate['expression'])}: **{verdict}**")
        lines.extend(f"  - {md_escape(line)}" for line in gate["failed"])
        lines.extend(f"  - note: {md_escape(line)}" for line in gate["notes"])
    return [*lines, ""]
