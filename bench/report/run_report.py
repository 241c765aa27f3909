"""Renders one run's self-contained HTML report (tables first, then Plotly charts; opens offline).

Every figure states its window and units; every user-supplied string (workload text, labels, node
client) is HTML-escaped; plotly.js is inlined once, so the file needs no network.
"""

from __future__ import annotations

import html
import json
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from bench.report.round_text import (
    describe_timeouts,
    describe_unrecorded,
    describe_verdict,
    format_latency_ms,
    format_success,
    format_verdict,
)
from bench.results.series import RunSeries
from bench.results.stats import PERCENTILES, nearest_rank
from bench.urls import redact_text

LAG_WARN_S = 0.010
OFFSET_WARN_MS = 5.0
CDF_POINTS = 2000


def render_run_report(series: RunSeries, summary: dict[str, Any]) -> str:
    """The report of a run from its series (`bench.results.series`) and its summary.json `summary`."""
    meta = series.meta
    start = float(meta.get("started") or 0.0)
    figures = [
        _rates_figure(series, start),
        _latency_over_time_figure(series, start),
        _latency_cdf_figure(series, summary),
        _latency_histogram_figure(series, summary),
        _schedule_lag_figure(series, start),
        _failures_figure(series, start),
        _timeouts_figure(summary),
        _blocks_figure(series, start),
        _block_interval_figure(series, start),
        _resources_figure(series, start),
        _io_figure(series, start),
    ]
    if series.prometheus:
        figures.append(_prometheus_figure(series, start))
    charts = "\n".join(
        f'<div class="chart">{fig.to_html(full_html=False, include_plotlyjs=False, config={"responsive": True})}</div>'
        for fig in figures
    )
    title = f"chainmark run: {meta.get('workload', '')}"
    return _PAGE.format(
        title=_e(title),
        plotlyjs=get_plotlyjs(),
        header=_header(meta, summary),
        warnings=_warnings(meta, summary),
        rounds=_rounds_table(summary),
        charts=charts,
        workload=_e(redact_text(str(meta.get("workload_text", "")))),  # also a store of an older chainmark
    )


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _time(unix: object) -> str:
    if not isinstance(unix, int | float):
        return "-"
    from datetime import UTC, datetime

    return datetime.fromtimestamp(unix, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _header(meta: dict[str, Any], summary: dict[str, Any]) -> str:
    target, machine, plan = meta.get("target", {}), meta.get("machine", {}), meta.get("plan", {})
    versions = ", ".join(f"{k} {v}" for k, v in meta.get("versions", {}).items())
    rows = [
        ("Workload", f"{meta.get('workload', '')} ({meta.get('workload_path', '')})"),
        ("Status", meta.get("status", "")),
        (
            "Target",
            f"{target.get('url', '')} - {target.get('client', '')}, chain id {target.get('chain_id', '')}, "
            f"block gas limit {target.get('block_gas_limit', '')}"
            + (
                f", {_managed(target)}, block time {target['block_time_s']:g} s"
                if "block_time_s" in target
                else ""
            ),
        ),
        (
            "Machine",
            f"{machine.get('cpu', '')}, {machine.get('cores', '')} cores, {machine.get('memory_gib', '')} GiB, "
            f"{machine.get('os', '')}, Python {machine.get('python', '')}",
        ),
        ("Versions", versions),
        ("Seed", meta.get("seed", "")),
        ("Started / ended", f"{_time(meta.get('started'))} / {_time(meta.get('ended'))}"),
        (
            "Plan",
            f"{plan.get('tx_count', '-')} transactions signed before the clock started, in "
            f"{plan.get('signing_seconds', '-')} s on {plan.get('processes', '-')} processes; "
            f"gas price {plan.get('gas_price_wei', '-')} wei",
        ),
        ("Observer", f"{meta.get('observer', '-')}; {meta.get('verification', 'receipts not fetched')}"),
        ("Prometheus", _prometheus_line(meta.get("prometheus"))),
    ]
    if "workers" in meta:
        rows.append(("Workers", _workers_line(meta["workers"])))
    if meta.get("error"):
        rows.append(("Error", meta["error"]))
    return "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows)


def _managed(target: dict[str, Any]) -> str:
    """ "managed hardhat 2.29.1" (a run before chainmark named its managed node: "managed")."""
    node = target.get("node") or {}
    return " ".join(["managed", *(str(node[k]) for k in ("name", "version") if node.get(k))])


def _workers_line(workers: dict[str, Any]) -> str:
    """A distributed run's workers: clock offset from the master (round trip), and any that were lost."""
    nodes = workers.get("nodes", [])
    clocks = ", ".join(
        f"worker {n['index']} {n['offset_ms']:+.3f} ms (round trip {n['rtt_ms']:.3f} ms)"
        + (f", lost in round {n['lost_in_round']}" if n.get("lost_in_round") is not None else "")
        for n in nodes
    )
    return (
        f"{len(nodes)} Locust workers under a master in chainmark's process; clock offset from the master: "
        f"{clocks}; duplicate records received: {workers.get('duplicates_received', 0)}"
    )


def _prometheus_line(info: dict[str, Any] | None) -> str:
    if not info:
        return "not configured"
    error = f"; last error: {info['last_error']}" if info.get("last_error") else ""
    return f"{info.get('url')}: {info.get('scrapes', 0)} scrapes{error}"


def _warnings(meta: dict[str, Any], summary: dict[str, Any]) -> str:
    out = []
    if meta.get("status") != "completed":
        out.append(
            f"The run did not complete (status: {meta.get('status')}); figures cover what was recorded."
        )
    for n in meta.get("workers", {}).get("nodes", []):
        if abs(n["offset_ms"]) > OFFSET_WARN_MS:
            out.append(
                f"Worker {n['index']}'s clock is {n['offset_ms']:+.1f} ms off the master's (more than "
                f"{OFFSET_WARN_MS:g} ms); its send times were corrected by the estimate."
            )
    for r in summary["rounds"]:
        label = r["label"]
        if r["warmup"]:
            out.append(f"Round {label!r} is a warm-up: shown, but not a headline result.")
        lag = r["schedule_lag_s"].get("p99")
        if lag is not None and lag > LAG_WARN_S:
            out.append(
                f"Round {label!r}: the generator fell behind its schedule (schedule lag p99 {lag * 1000:.1f} ms, "
                f"max {r['schedule_lag_s']['max'] * 1000:.1f} ms); latency still counts from the intended time."
            )
        for sentence in (describe_timeouts(r), describe_unrecorded(r)):
            if sentence:
                out.append(f"Round {label!r}: {sentence}")
        out.extend(
            f"Round {label!r} is {s}" if s.startswith("invalid") else f"Round {label!r}: {s}"
            for s in describe_verdict(r)
        )
        if r["failed"]:
            out.append(f"Round {label!r}: failed transactions by reason: {json.dumps(r['failed'])}.")
        out.extend(f"Round {label!r}: {note}" for note in r.get("notes", []))
    if not out:
        return ""
    return (
        '<div class="warnings"><h2>Warnings</h2><ul>'
        + "".join(f"<li>{_e(w)}</li>" for w in out)
        + "</ul></div>"
    )


def _fmt(value: object, scale: float = 1.0, digits: int = 1) -> str:
    return "-" if not isinstance(value, int | float) else f"{value * scale:,.{digits}f}"


def _rounds_table(summary: dict[str, Any]) -> str:
    head = (
        "Round",
        "Success (%)",
        "Verdict",
        "Rate",
        "Sent",
        "Confirmed",
        "Failed",
        "Timed out",
        "Send rate (tx/s)",
        "Throughput (tx/s)",
        "Commit throughput (tx/s)",
        "Latency p50 (ms)",
        "p90",
        "p99",
        "p99.9",
        "max",
        "mean",
        "Window (s)",
        "Schedule lag p99 (ms)",
    )
    rows = []
    for r in summary["rounds"]:
        lat, window = r["latency_s"], r["window_s"]
        rate = ", ".join(f"{k}={v}" for k, v in r["controller"].items())
        cells = [
            r["label"] + (" (warm-up)" if r["warmup"] else ""),
            format_success(r),
            format_verdict(r),
            rate,
            r["sent"],
            r["confirmed"],
            sum(r["failed"].values()),
            r["timed_out"],
            _fmt(r["send_rate_tps"]),
            _fmt(r["throughput_tps"]),
            _fmt(r.get("commit_throughput_tps")),
            *_latency_cells(lat),
            _fmt(window[1] - window[0], 1, 2) if window else "-",
            _fmt(r["schedule_lag_s"]["p99"], 1000, 2),
        ]
        css = ' class="invalid"' if r.get("valid") is False else ""
        rows.append(f"<tr{css}>" + "".join(f"<td>{_e(c)}</td>" for c in cells) + "</tr>")
        parts = r.get("by_kind") or {}
        if r.get("reads") and not parts:
            parts = {"reads": r["reads"]}
        for kind, part in parts.items():
            rows.append(_part_row(r["label"], kind, part))
        for worker, part in (r.get("by_worker") or {}).items():
            rows.append(_worker_row(r["label"], worker, part))
    return "<tr>" + "".join(f"<th>{_e(h)}</th>" for h in head) + "</tr>" + "".join(rows)


def _part_row(label: str, kind: str, part: dict[str, Any]) -> str:
    """A kind of a mix on its own row: writes confirmed by blocks, reads answered (latency to the answer)."""
    lat = part["latency_s"]
    done = part["ok"] if "ok" in part else part["confirmed"]
    what = "read, answered" if "ok" in part else "write, confirmed"
    cells = [
        f"  \u21b3 {label}: {kind}",
        "-" if "ok" in part else format_success(part),
        "",
        what,
        part["sent"],
        done,
        sum(part["failed"].values()),
        part.get("timed_out", "-"),
        "-",
        _fmt(part["throughput_tps"]) if "throughput_tps" in part else "-",
        _fmt(part.get("commit_throughput_tps")),
        *_latency_cells(lat),
        "-",
        "-",
    ]
    return '<tr class="part">' + "".join(f"<td>{_e(c)}</td>" for c in cells) + "</tr>"


def _latency_cells(latency: dict[str, Any]) -> list[str]:
    """p50 ... mean in ms; a censored one (it lands on a write never confirmed) as "> N s"."""
    return [format_latency_ms(latency, k) for k in ("p50", "p90", "p99", "p999", "max", "mean")]


def _worker_row(label: str, worker: str, part: dict[str, Any]) -> str:
    """One worker's share of a distributed round: its sends and how far behind its schedule it was."""
    lag = part["schedule_lag_s"]
    cells = [
        f"  \u21b3 {label}: worker {worker}",
        "",
        "",
        f"schedule lag p50 {_fmt(lag['p50'], 1000, 2)} ms",
        part["sent"],
        *["-"] * 13,
        _fmt(lag["p99"], 1000, 2),
    ]
    return '<tr class="part">' + "".join(f"<td>{_e(c)}</td>" for c in cells) + "</tr>"


def _per_second(times: np.ndarray, start: float, end: float) -> tuple[np.ndarray, np.ndarray]:
    edges = np.arange(np.floor(start), np.ceil(end) + 1.0, 1.0)
    if len(edges) < 2:
        edges = np.array([np.floor(start), np.floor(start) + 1.0])
    counts, _ = np.histogram(times, bins=edges)
    return edges[:-1] - start, counts


def _rates_figure(series: RunSeries, start: float) -> go.Figure:
    sent, seen = series.sent, series.seen
    fig = go.Figure()
    if len(sent):
        end = max(sent.max(), seen.max() if len(seen) else 0.0)
        x, y = _per_second(sent, start, end)
        fig.add_trace(go.Scatter(x=x, y=y, name="send rate", mode="lines", line={"shape": "hv"}))
        x, y = _per_second(seen, start, end)
        fig.add_trace(go.Bar(x=x, y=y, name="confirmed throughput", opacity=0.6))
    return _layout(
        fig,
        "Send rate vs confirmed throughput (per 1 s bucket, whole run)",
        "seconds since run start",
        "transactions per second",
    )


def _latency_over_time_figure(series: RunSeries, start: float) -> go.Figure:
    fig = go.Figure()
    if len(series.confirmed_intended):
        second = np.floor(series.confirmed_intended - start).astype(np.int64)
        order = np.argsort(second, kind="stable")
        second, latency = second[order], series.confirmed_latency[order]
        keys, starts = np.unique(second, return_index=True)
        groups = [np.sort(g) for g in np.split(latency, starts[1:])]
        for name in ("p50", "p90", "p99"):
            num, den = PERCENTILES[name]
            values = [nearest_rank(g, num, den) for g in groups]
            fig.add_trace(
                go.Scatter(
                    x=keys, y=values, name=name, mode="lines", fill="tonexty" if name != "p50" else None
                )
            )
    if len(series.never_confirmed_intended):
        second, counts = np.unique(np.floor(series.never_confirmed_intended - start), return_counts=True)
        fig.add_trace(go.Bar(x=second, y=counts, name="accepted, never confirmed", opacity=0.5, yaxis="y2"))
        fig.update_layout(yaxis2={"title": "never confirmed (tx)", "overlaying": "y", "side": "right"})
    return _layout(
        fig,
        "Latency percentiles of confirmed writes, and accepted writes never confirmed, by intended send second",
        "intended send time, seconds since run start",
        "latency (s)",
    )


def _latency_cdf_figure(series: RunSeries, summary: dict[str, Any]) -> go.Figure:
    fig = go.Figure()
    for idx, r in enumerate(summary["rounds"]):
        latency = series.round_latency.get(idx, np.zeros(0))
        if not len(latency):
            continue
        probs = np.linspace(0, 1, min(CDF_POINTS, len(latency)))
        xs = np.quantile(latency, probs, method="inverted_cdf")
        # over every accepted write: the curve stops at the confirmed fraction, the rest never arrived
        share = r["latency_s"].get("confirmed_fraction") or 1.0
        fig.add_trace(go.Scatter(x=xs, y=probs * share, name=_e(r["label"]), mode="lines"))
    return _layout(
        fig,
        "Confirmation latency CDF per round, over every accepted write (a curve ending below 1: the rest "
        "were never confirmed)",
        "latency (s)",
        "fraction of accepted writes confirmed within",
    )


def _latency_histogram_figure(series: RunSeries, summary: dict[str, Any]) -> go.Figure:
    fig = go.Figure()
    for idx, r in enumerate(summary["rounds"]):
        latency = series.round_latency.get(idx, np.zeros(0))
        if not len(latency):
            continue
        counts, edges = np.histogram(latency, bins=min(200, max(10, int(np.sqrt(len(latency))))))
        fig.add_trace(go.Bar(x=(edges[:-1] + edges[1:]) / 2, y=counts, name=r["label"], opacity=0.6))
    return _layout(
        fig,
        "Confirmation latency histogram per round (each round's own window)",
        "latency (s)",
        "confirmed transactions per bin",
    )


def _schedule_lag_figure(series: RunSeries, start: float) -> go.Figure:
    fig = go.Figure()
    if len(series.lag):
        intended, lag = series.lag_intended, series.lag
        second = np.floor(intended - start).astype(np.int64)
        keys, starts = np.unique(second, return_index=True)
        groups = [np.sort(g) for g in np.split(lag, starts[1:])]
        for name in ("p50", "p99"):
            num, den = PERCENTILES[name]
            fig.add_trace(
                go.Scatter(
                    x=keys, y=[nearest_rank(g, num, den) * 1000 for g in groups], name=name, mode="lines"
                )
            )
        fig.add_trace(
            go.Scatter(
                x=keys, y=[g[-1] * 1000 for g in groups], name="max", mode="lines", line={"dash": "dot"}
            )
        )
    return _layout(
        fig,
        "Schedule lag (actual minus intended send time) by intended send second (whole run)",
        "intended send time, seconds since run start",
        "schedule lag (ms)",
    )


def _failures_figure(series: RunSeries, start: float) -> go.Figure:
    fig = go.Figure()
    if series.failures:
        end = max(float(times.max()) for times in series.failures.values())
        for reason, times in series.failures.items():
            x, y = _per_second(times, start, end)
            fig.add_trace(go.Bar(x=x, y=y, name=reason))
    return _layout(
        fig,
        "Failures per second by reason, by send time (whole run; none is good)",
        "seconds since run start",
        "failed transactions per second",
        barmode="stack",
    )


def _timeouts_figure(summary: dict[str, Any]) -> go.Figure:
    """Accepted writes never included, per round, by what the node said of them after the window."""
    rounds = summary["rounds"]
    reasons = sorted({k for r in rounds for k in (r.get("timed_out_by_reason") or {})})
    fig = go.Figure()
    for reason in reasons:
        counts = [(r.get("timed_out_by_reason") or {}).get(reason, 0) for r in rounds]
        fig.add_trace(go.Bar(x=[_e(r["label"]) for r in rounds], y=counts, name=reason))
    return _layout(
        fig,
        "Accepted transactions never included, by what the node said after the window (per round; none is good)",
        "round",
        "transactions",
        barmode="stack",
    )


def _block_interval_figure(series: RunSeries, start: float) -> go.Figure:
    blocks = series.blocks
    fig = go.Figure()
    if len(blocks.number) > 1:
        seen, stamp, gas_used, gas_limit = blocks.seen, blocks.timestamp, blocks.gas_used, blocks.gas_limit
        x = seen[1:] - start
        fig.add_trace(
            go.Scatter(x=x, y=np.diff(stamp), name="block interval by timestamps (s)", mode="lines+markers")
        )
        fig.add_trace(go.Scatter(x=x, y=np.diff(seen), name="block interval as seen (s)", mode="lines"))
        fig.add_trace(
            go.Scatter(
                x=seen - start,
                y=100 * gas_used / gas_limit,
                name="gas used (% of limit)",
                mode="lines",
                yaxis="y2",
            )
        )
        fig.update_layout(yaxis2={"title": "gas used (% of block limit)", "overlaying": "y", "side": "right"})
    return _layout(
        fig,
        "Block interval and gas used per block (every block seen during the run)",
        "block seen at, seconds since run start",
        "interval (s)",
    )


def _io_figure(series: RunSeries, start: float) -> go.Figure:
    fig = go.Figure()
    for source, r in series.resources.items():
        fig.add_trace(
            go.Scatter(x=r.t - start, y=r.read_bytes / 2**10, name=f"{source} disk read KiB/s", mode="lines")
        )
        fig.add_trace(
            go.Scatter(
                x=r.t - start, y=r.write_bytes / 2**10, name=f"{source} disk write KiB/s", mode="lines"
            )
        )
    if series.resources:
        first = next(iter(series.resources.values()))  # the host's network: the same in every source's rows
        for name, values in (("sent", first.net_sent_bytes), ("received", first.net_recv_bytes)):
            fig.add_trace(
                go.Scatter(
                    x=first.t - start,
                    y=values / 2**10,
                    name=f"host network {name} KiB/s",
                    mode="lines",
                    line={"dash": "dot"},
                )
            )
    return _layout(
        fig, "Disk I/O per process and host network, 1 s samples", "seconds since run start", "KiB per second"
    )


def _prometheus_figure(series: RunSeries, start: float) -> go.Figure:
    fig = go.Figure()
    for (name, labels), (t, value) in series.prometheus.items():
        fig.add_trace(go.Scatter(x=t - start, y=value, name=f"{name}{labels}", mode="lines"))
    return _layout(
        fig,
        "Node metrics scraped from its Prometheus endpoint (raw values, units as the node defines)",
        "seconds since run start",
        "value",
    )


def _blocks_figure(series: RunSeries, start: float) -> go.Figure:
    blocks = series.blocks
    fig = go.Figure()
    if len(blocks.number):
        number, seen, total, ours = blocks.number, blocks.seen, blocks.tx_count, blocks.ours
        fig.add_trace(
            go.Bar(
                x=seen - start,
                y=total,
                name="transactions per block",
                opacity=0.5,
                customdata=number,
                hovertemplate="block %{customdata}: %{y} tx<extra></extra>",
            )
        )
        fig.add_trace(go.Bar(x=seen - start, y=ours, name="this run's transactions", opacity=0.8))
    return _layout(
        fig,
        "Transactions per block (every block seen during the run)",
        "block seen at, seconds since run start",
        "transactions",
    )


def _resources_figure(series: RunSeries, start: float) -> go.Figure:
    fig = go.Figure()
    for source, r in series.resources.items():
        t, cpu, rss = r.t, r.cpu_percent, r.rss_bytes
        fig.add_trace(go.Scatter(x=t - start, y=cpu, name=f"{source} CPU %", mode="lines"))
        fig.add_trace(
            go.Scatter(
                x=t - start,
                y=rss / 2**20,
                name=f"{source} RSS MiB",
                mode="lines",
                line={"dash": "dot"},
                yaxis="y2",
            )
        )
    fig.update_layout(yaxis2={"title": "resident memory (MiB)", "overlaying": "y", "side": "right"})
    return _layout(
        fig,
        "CPU (% of one core) and memory per process, 1 s samples (funding to end of rounds)",
        "seconds since run start",
        "CPU (% of one core)",
    )


def _layout(fig: go.Figure, title: str, xtitle: str, ytitle: str, barmode: str = "overlay") -> go.Figure:
    fig.update_layout(
        title=title,
        xaxis_title=xtitle,
        yaxis_title=ytitle,
        template="plotly_white",
        height=420,
        margin={"l": 60, "r": 20, "t": 60, "b": 50},
        barmode=barmode,
        legend={"orientation": "h", "y": -0.2},
    )
    return fig


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }}
th, td {{ border: 1px solid #ccc; padding: 4px 8px; text-align: left; }}
th {{ background: #f3f3f3; }}
.warnings {{ background: #fff7e0; border: 1px solid #e0c060; padding: 0.5em 1em; }}
.chart {{ margin: 1em 0; }}
pre {{ background: #f6f6f6; padding: 1em; overflow-x: auto; }}
.table-box {{ max-width: 100%; overflow-x: auto; }}
.table-box table {{ margin: 0.5em 0; }}
.rounds td {{ white-space: nowrap; }}
tr.invalid td {{ color: #b00020; background: #fdecee; }}
</style>
<script type="text/javascript">{plotlyjs}</script>
</head><body>
<h1>{title}</h1>
<table class="header">{header}</table>
{warnings}
<h2>Rounds</h2>
<p>Success: confirmed / sent. Verdict: <i>valid</i>, or invalid with its reasons (see Warnings): an
invalid round's numbers were shaped by chainmark, not the target. Latency: seen-in-block time minus
intended send time, exact percentiles over every write the node accepted at submission; one never
confirmed counts as unbounded, so a percentile landing on one is shown as "&gt; N s" (N: the least any of
them was waited for); writes rejected at submission are failures, not latency. Throughput: confirmed
transactions over the window of the blocks that carried the round; commit throughput: confirmed
transactions from the round's first intended send to its last confirmation (Caliper's definition,
which a short round does not dilute with the block interval before its first send). Status from receipts fetched after
the measured window. Rows marked with an arrow are the kinds of a round's mix on their own; a read's
latency is its answer time minus its intended send time, its throughput answered reads per second.</p>
<div class="table-box"><table class="rounds">{rounds}</table></div>
<h2>Charts</h2>
{charts}
<h2>Workload</h2>
<pre>{workload}</pre>
</body></html>
"""
