"""Draws the run report's figures of its transactions (pure: series and summary in, Plotly figures out):
send rate and throughput, latency over time, per round its CDF and histogram, schedule lag, failures
and the writes never included.

Every figure states its window and units; round labels are HTML-escaped before Plotly sees them.
"""

from __future__ import annotations

import html

import numpy as np
import plotly.graph_objects as go

from bench.report.figure_layout import layout as _layout
from bench.results.series import RunSeries
from bench.results.stats import PERCENTILES, nearest_rank
from bench.results.summary import RunSummary

CDF_POINTS = 2000


def transaction_figures(series: RunSeries, summary: RunSummary, start: float) -> list[go.Figure]:
    """The figures in the report's order; `start` is the run's start (unix s), the time axes' zero."""
    return [
        _rates_figure(series, start),
        _latency_over_time_figure(series, start),
        _latency_cdf_figure(series, summary),
        _latency_histogram_figure(series, summary),
        _schedule_lag_figure(series, start),
        _failures_figure(series, start),
        _timeouts_figure(summary),
    ]


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


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
    _base_fee_trace(fig, series, start)
    return _layout(
        fig,
        "Send rate vs confirmed throughput (per 1 s bucket, whole run), and the base fee of each block",
        "seconds since run start",
        "transactions per second",
    )


def _base_fee_trace(fig: go.Figure, series: RunSeries, start: float) -> None:
    """Each block's base fee (gwei, right axis) at its sight time, where the blocks had one."""
    blocks = series.blocks
    has = ~np.isnan(blocks.base_fee)
    if not has.any():
        return
    fig.add_trace(
        go.Scatter(
            x=blocks.seen[has] - start,
            y=blocks.base_fee[has] / 1e9,
            name="base fee (gwei)",
            mode="lines+markers",
            line={"shape": "hv"},
            yaxis="y2",
            customdata=blocks.number[has],
            hovertemplate="block %{customdata}: base fee %{y} gwei<extra></extra>",
        )
    )
    fig.update_layout(yaxis2={"title": "base fee (gwei)", "overlaying": "y", "side": "right"})


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


def _latency_cdf_figure(series: RunSeries, summary: RunSummary) -> go.Figure:
    fig = go.Figure()
    for idx, r in enumerate(summary.rounds):
        latency = series.round_latency.get(idx, np.zeros(0))
        if not len(latency):
            continue
        probs = np.linspace(0, 1, min(CDF_POINTS, len(latency)))
        xs = np.quantile(latency, probs, method="inverted_cdf")
        # over every accepted write: the curve stops at the confirmed fraction, the rest never arrived
        share = r.latency_s.confirmed_fraction or 1.0
        fig.add_trace(go.Scatter(x=xs, y=probs * share, name=_e(r.label), mode="lines"))
    return _layout(
        fig,
        "Confirmation latency CDF per round, over every accepted write (a curve ending below 1: the rest "
        "were never confirmed)",
        "latency (s)",
        "fraction of accepted writes confirmed within",
    )


def _latency_histogram_figure(series: RunSeries, summary: RunSummary) -> go.Figure:
    fig = go.Figure()
    for idx, r in enumerate(summary.rounds):
        latency = series.round_latency.get(idx, np.zeros(0))
        if not len(latency):
            continue
        counts, edges = np.histogram(latency, bins=min(200, max(10, int(np.sqrt(len(latency))))))
        fig.add_trace(go.Bar(x=(edges[:-1] + edges[1:]) / 2, y=counts, name=r.label, opacity=0.6))
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


def _timeouts_figure(summary: RunSummary) -> go.Figure:
    """Accepted writes never included, per round, by what the node said of them after the window."""
    rounds = summary.rounds
    reasons = sorted({k for r in rounds for k in r.timed_out_by_reason})
    fig = go.Figure()
    for reason in reasons:
        counts = [r.timed_out_by_reason.get(reason, 0) for r in rounds]
        fig.add_trace(go.Bar(x=[_e(r.label) for r in rounds], y=counts, name=reason))
    return _layout(
        fig,
        "Accepted transactions never included, by what the node said after the window (per round; none is good)",
        "round",
        "transactions",
        barmode="stack",
    )
