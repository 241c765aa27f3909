"""The run report's network and reliability section: block propagation per node, and each fault with its
windows, success rates, throughput and recovery (summary.json `propagation` and `faults`), plus the fault
windows shaded on every time-series chart. Pure: returns HTML (every value escaped) or edits figures."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go

from bench.results.summary import RunSummary

TIME_AXIS = "seconds since run start"  # the x title every time-series chart of the run report has


def render_network(summary: RunSummary) -> str:
    """The section's HTML, or "" for a run on one node without faults."""
    parts = []
    if summary.propagation:
        parts.append(_propagation(summary.propagation))
    if summary.faults:
        parts.append(_faults(summary.faults))
    return "".join(parts)


def shade_faults(figures: Sequence[go.Figure], summary: RunSummary, zero_since_start: float | None) -> None:
    """Shade each fault's window (start to end, or to the load's end) on the run's time-series charts;
    `zero_since_start`: when the load started (the faults' zero), in seconds since the run started."""
    if not summary.faults or zero_since_start is None:
        return
    spans = []
    for fault in summary.faults:
        window = (fault.get("windows_s") or {}).get("during")
        if window and window[0] is not None and window[1] is not None:
            spans.append((zero_since_start + window[0], zero_since_start + window[1], _name(fault)))
    for fig in figures:
        title = fig.layout.xaxis.title.text or ""
        if TIME_AXIS not in title:
            continue
        for x0, x1, name in spans:
            fig.add_vrect(
                x0=x0,
                x1=max(x1, x0 + 0.05),
                fillcolor="#b00020",
                opacity=0.12,
                line_width=0,
                annotation_text=html.escape(name),
                annotation_position="top left",
            )


def _propagation(doc: dict[str, Any]) -> str:
    rows = "".join(
        f"<tr><td>node-{_e(n['node'])}</td><td>{_e(n['blocks'])}</td>"
        + "".join(f"<td>{_ms(n['delay_ms'].get(k))}</td>" for k in ("p50", "p99", "max"))
        + "</tr>"
        for n in doc.get("nodes", [])
    )
    outages = doc.get("outages") or {}
    note = ""
    load = doc.get("watcher_load") or {}
    if load.get("per_s"):
        rates = ", ".join(
            f"node-{node} {rate:g}/s"
            for node, rate in sorted(load["per_s"].items(), key=lambda kv: int(kv[0]))
        )
        note += f"<p>The tip watchers' own load on the nodes (RPC requests over {_e(load.get('window_s'))} s): {_e(rates)}.</p>"
    if outages:
        listed = "; ".join(f"node-{node}: {', '.join(times)}" for node, times in sorted(outages.items()))
        note += f"<p>Nodes that stopped answering their tip watcher (a fault, a crash): {_e(listed)}.</p>"
    levels = "".join(
        f"<tr><td>{_e(r['round'])}</td><td>{_e(r['writes'])}</td>"
        + "".join(
            f"<td>{_s(r[level].get('p50'))} / {_s(r[level].get('p99'))}</td>"
            for level in ("1", "majority", "all")
        )
        + "</tr>"
        for r in doc.get("confirmed_at_nodes") or []
    )
    if levels:
        nodes = (doc.get("confirmed_at_nodes") or [{}])[0].get("nodes")
        note += (
            f"<p>Confirmation latency at 1 of {_e(nodes)} nodes, a majority and all {_e(nodes)} (s, p50 / p99): "
            "when the k-th node was first seen holding the write's block minus its intended send time; a write "
            "some node was never seen holding is unbounded at that level (&gt;: a percentile that lands on one).</p>"
            '<div class="table-box"><table><tr><th>round</th><th>writes</th><th>1-of-n</th><th>majority</th>'
            f"<th>n-of-n</th></tr>{levels}</table></div>"
        )
    note += _mempool(doc.get("mempool"))
    return (
        "<h2>Block propagation</h2>"
        f"<p>Per node, when it was first seen holding each block minus when the first node was (ms), exact "
        f"percentiles over the {_e(doc.get('blocks'))} blocks of the observed window; resolution: the tip "
        f"watchers' poll interval, {_e(doc.get('interval_s'))} s.</p>"
        '<div class="table-box"><table><tr><th>node</th><th>blocks</th><th>p50</th><th>p99</th><th>max</th></tr>'
        f"{rows}</table></div>{note}"
    )


def _mempool(doc: dict[str, Any] | None) -> str:
    if not doc or not doc.get("nodes"):
        return ""
    rows = "".join(
        f"<tr><td>node-{_e(n['node'])}</td><td>{_e(n['seen'])}</td>"
        + "".join(f"<td>{_ms(n['delay_ms'].get(k))}</td>" for k in ("p50", "p99", "max"))
        + "".join(f"<td>{_ms(n['after_send_ms'].get(k))}</td>" for k in ("p50", "p99"))
        + "</tr>"
        for n in doc["nodes"]
    )
    load = (doc.get("watcher_load") or {}).get("per_s") or {}
    rates = ", ".join(
        f"node-{node} {rate:g}/s" for node, rate in sorted(load.items(), key=lambda kv: int(kv[0]))
    )
    return (
        f"<p>Mempool propagation: one write in {_e(doc.get('sampled_every'))} ({_e(doc.get('followed'))} "
        "followed) looked for in every node's mempool from its send, at the poll interval of "
        f"{_e(doc.get('interval_s'))} s; per node, the writes seen there (one that reached a node only in a "
        "block is not), and when (ms) after the first node seen holding each and after its send. Their own "
        f"load (RPC requests): {_e(rates or 'none')}.</p>"
        '<div class="table-box"><table><tr><th>node</th><th>seen</th><th>p50</th><th>p99</th><th>max</th>'
        f"<th>after send p50</th><th>after send p99</th></tr>{rows}</table></div>"
    )


def _faults(faults: list[dict[str, Any]]) -> str:
    head = (
        "<tr><th>fault</th><th>applied at (s)</th><th>ended at (s)</th><th>status</th>"
        "<th>success before / during / after</th><th>throughput before / during / after (tx/s)</th>"
        "<th>recovery (s)</th><th>reorgs at node-0 (deepest); blocks other nodes held off its chain</th><th>never confirmed (by reason)</th><th>sent again after</th><th>detail</th></tr>"
    )
    rows = []
    for f in faults:
        success = f.get("success_rate") or {}
        tps = f.get("throughput_tps") or {}
        recovery = f.get("recovery_s")
        if recovery is None:
            shown = f"none: {f.get('recovery_reason')}"
        else:
            parts = f.get("recovery_parts_s") or {}
            shown = (
                f"{recovery:g} (throughput back {_num(parts.get('throughput_back_s'))}, "
                f"node at tip {_num(parts.get('node_at_tip_s'))})"
            )
        reorgs = f.get("reorgs") or {}
        off = f.get("orphaned_at_nodes") or {}
        branches = "".join(f"; {node} held {n} off node-0's chain" for node, n in sorted(off.items()))
        lost = f.get("lost_by_reason") or {}
        resent = f.get("resent") or {}
        again = (
            f"{resent['writes']} ({resent.get('refused_first', 0)} refused while down, "
            f"{resent.get('refused_again', 0)} refused again)"
            if resent.get("writes")
            else "0"
        )
        rows.append(
            "<tr>"
            f"<td>{_e(_name(f))}</td><td>{_num(f.get('started_s'))}</td><td>{_num(f.get('ended_s'))}</td>"
            f"<td>{_e(f.get('status'))}</td>"
            f"<td>{' / '.join(_pct(success.get(w)) for w in ('before', 'during', 'after'))}</td>"
            f"<td>{' / '.join(_num(tps.get(w)) for w in ('before', 'during', 'after'))}</td>"
            f"<td>{_e(shown)}</td>"
            f"<td>{_e(reorgs.get('count', 0))} ({_e(reorgs.get('deepest', 0))}){_e(branches)}</td>"
            f"<td>{_e(', '.join(f'{k} {v}' for k, v in lost.items()) or '0')}</td>"
            f"<td>{_e(again)}</td>"
            f"<td>{_e(f.get('detail', ''))}</td>"
            "</tr>"
        )
    return (
        "<h2>Reliability</h2>"
        "<p>Each fault with its windows on the run clock, in seconds since the load started: before (from the "
        "load's start or the previous fault's end), during (until the step that gave the node back was done), "
        "after (until the next fault or the load's end). Success: writes intended in the window that were "
        "confirmed / writes intended in it. Throughput (tx/s), in whole blocks: the writes of the window's "
        "blocks after its first, over the time from its first block to its last (a window of fewer than 2 "
        "blocks: what it confirmed over its length). Recovery: from the fault's end until the next 5 s confirm "
        "at least 90 % of the before window's throughput and the faulted node is back at the network's tip. "
        "Sent again: the writes a restarted node-0 had lost (refused while it was down, or held and lost with "
        "its unsaved state), sent once more when it answered; their latency counts from their intended time. "
        "The fault windows are shaded on the charts.</p>"
        f'<div class="table-box"><table>{head}{"".join(rows)}</table></div>'
    )


def _name(fault: dict[str, Any]) -> str:
    end = f" -> {fault['end_action']}" if fault.get("end_action") else ""
    return f"{fault.get('action')}{end} node-{fault.get('node')}"


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f} %"


def _s(value: float | None) -> str:
    return "&gt;" if value is None else f"{value:.3f}"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"
