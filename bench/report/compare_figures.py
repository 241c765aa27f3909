"""Draws the comparison's Plotly figures from the comparison document and the runs' series (pure).

Every title states the unit and the window; every user-supplied string (run names, round labels)
is HTML-escaped before Plotly sees it, since Plotly renders a subset of HTML in its text.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from bench.results.run_folder import RunFolder

CDF_POINTS = 2000
PERCENTILE_KEYS = ("p50", "p90", "p99", "p999", "max")
PERCENTILE_NAMES = ("p50", "p90", "p99", "p99.9", "max")


def comparison_figures(doc: dict[str, Any], runs: Sequence[RunFolder]) -> list[go.Figure]:
    """Throughput bars, latency percentile bars, then per round: latency CDFs and confirmed per second."""
    labels = [r["label"] for r in doc["rounds"]]
    figures = [throughput_bars(doc), latency_bars(doc)]
    for label in labels:
        figures.append(latency_cdfs(runs, label))
        figures.append(throughput_series(runs, label))
    return figures


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def throughput_bars(doc: dict[str, Any]) -> go.Figure:
    fig = go.Figure()
    labels = [_e(r["label"]) for r in doc["rounds"]]
    for i, run in enumerate(doc["runs"]):
        values = [r["runs"][i]["values"]["throughput_tps"] for r in doc["rounds"]]
        fig.add_trace(go.Bar(x=labels, y=values, name=_e(run["name"])))
    return _layout(
        fig,
        "Confirmed throughput per round (tx/s, over each round's window of the blocks that carried it)",
        "round",
        "throughput (tx/s)",
    )


def latency_bars(doc: dict[str, Any]) -> go.Figure:
    fig = go.Figure()
    rounds = [_e(r["label"]) for r in doc["rounds"] for _ in PERCENTILE_KEYS]
    names = [p for _ in doc["rounds"] for p in PERCENTILE_NAMES]
    for i, run in enumerate(doc["runs"]):
        values = [
            _ms(r["runs"][i]["values"][f"latency_s.{key}"]) for r in doc["rounds"] for key in PERCENTILE_KEYS
        ]
        fig.add_trace(go.Bar(x=[rounds, names], y=values, name=_e(run["name"])))
    return _layout(
        fig,
        "Confirmation latency percentiles per round (ms, each round's confirmed transactions)",
        "round / percentile",
        "latency (ms)",
    )


def latency_cdfs(runs: Sequence[RunFolder], label: str) -> go.Figure:
    fig = go.Figure()
    for run in runs:
        latency = run.latency_s.get(label)
        if latency is None or not len(latency):
            continue
        probs = np.linspace(0, 1, min(CDF_POINTS, len(latency)))
        xs = np.quantile(latency, probs, method="inverted_cdf") * 1000.0
        fig.add_trace(go.Scatter(x=xs, y=probs, name=_e(run.name), mode="lines"))
    return _layout(
        fig,
        f"Confirmation latency CDF, round {_e(label)} (ms, the round's confirmed transactions)",
        "latency (ms)",
        "fraction of confirmed transactions",
    )


def throughput_series(runs: Sequence[RunFolder], label: str) -> go.Figure:
    fig = go.Figure()
    for run in runs:
        counts = run.confirmed_per_s.get(label)
        if counts is None or not len(counts):
            continue
        # Each bucket drawn as a step from its second to the next (the last one too).
        x, y = np.arange(len(counts) + 1), np.append(counts, counts[-1])
        fig.add_trace(go.Scatter(x=x, y=y, name=_e(run.name), mode="lines", line={"shape": "hv"}))
    return _layout(
        fig,
        f"Confirmed transactions per second, round {_e(label)} (1 s buckets of block sight time)",
        "seconds since the round's start",
        "confirmed tx/s",
    )


def _ms(value: float | None) -> float | None:
    return None if value is None else value * 1000.0


def _layout(fig: go.Figure, title: str, xtitle: str, ytitle: str) -> go.Figure:
    fig.update_layout(
        title=title,
        xaxis_title=xtitle,
        yaxis_title=ytitle,
        template="plotly_white",
        height=420,
        margin={"l": 60, "r": 20, "t": 60, "b": 50},
        barmode="group",
        legend={"orientation": "h", "y": -0.25},
    )
    return fig
