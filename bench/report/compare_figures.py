"""Draws the comparison's Plotly figures from the comparison document and the runs' series (pure).

Every title states the unit and the window; every user-supplied string (run labels, round labels)
is HTML-escaped before Plotly sees it, since Plotly renders a subset of HTML in its text.

Truthful when writes are lost: a censored latency percentile is drawn at its lower bound
(censored_above_s), hatched and labelled "> X s", so it never looks like a healthy short bar; a round
its run marked invalid is left out of the headline bars (unless the comparison allows invalid rounds)
and named in a note under the chart; a CDF is over every accepted write and stops at the round's
confirmed fraction, the rest being censored.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from bench.results.comparison import format_censored
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
        entries = [r["runs"][i] for r in doc["rounds"]]
        values = [None if e["left_out"] else e["values"]["throughput_tps"] for e in entries]
        fig.add_trace(go.Bar(x=labels, y=values, name=_e(run["name"])))
    _left_out_note(fig, doc)
    return _layout(
        fig,
        "Confirmed throughput per round (tx/s, over each round's window of the blocks that carried it)",
        "round",
        "throughput (tx/s)",
    )


def latency_bars(doc: dict[str, Any]) -> go.Figure:
    """Grouped percentile bars; a censored one stands at its lower bound, hatched, labelled "> X s"."""
    fig = go.Figure()
    rounds = [_e(r["label"]) for r in doc["rounds"] for _ in PERCENTILE_KEYS]
    names = [p for _ in doc["rounds"] for p in PERCENTILE_NAMES]
    any_censored = False
    for i, run in enumerate(doc["runs"]):
        bars = [
            _latency_bar(r["runs"][i], f"latency_s.{key}") for r in doc["rounds"] for key in PERCENTILE_KEYS
        ]
        any_censored = any_censored or any(text for _, text in bars)
        fig.add_trace(
            go.Bar(
                x=[rounds, names],
                y=[y for y, _ in bars],
                text=[text for _, text in bars],
                textposition="outside",
                marker={"pattern": {"shape": ["/" if text else "" for _, text in bars]}},
                name=_e(run["name"]),
            )
        )
    if any_censored:
        _note(fig, "hatched: censored (writes never confirmed); the bar stops at the lower bound, > X s", 0)
    _left_out_note(fig, doc, 1 if any_censored else 0)
    return _layout(
        fig,
        "Confirmation latency percentiles per round (ms, every accepted write"
        + ("; hatched = censored)" if any_censored else ")"),
        "round / percentile",
        "latency (ms)",
    )


def _latency_bar(entry: dict[str, Any], metric: str) -> tuple[float | None, str]:
    """(height in ms, text): the value, or a censored value's lower bound with its "> X s" text."""
    if entry["left_out"]:
        return None, ""
    bound = entry["censored"].get(metric)
    if bound is not None:
        return _ms(bound["above_s"]), format_censored((bound["above_s"], bound["confirmed_fraction"]))
    return _ms(entry["values"][metric]), ""


def _left_out_note(fig: go.Figure, doc: dict[str, Any], line: int = 0) -> None:
    out = [
        f"{_e(e['run'])} round {_e(r['label'])}" for r in doc["rounds"] for e in r["runs"] if e["left_out"]
    ]
    if out:
        _note(fig, "left out (invalid round): " + ", ".join(out), line)


def _note(fig: go.Figure, text: str, line: int) -> None:
    """A line of text above the plot, under its title (`_layout` makes room for it)."""
    fig.add_annotation(
        text=text,
        xref="paper",
        yref="paper",
        x=0,
        y=1.0,
        yshift=8 + 18 * line,
        xanchor="left",
        yanchor="bottom",
        showarrow=False,
        font={"size": 11},
    )


def latency_cdfs(runs: Sequence[RunFolder], label: str) -> go.Figure:
    """Per run the CDF over every accepted write; it stops at the confirmed fraction (the rest is censored)."""
    fig = go.Figure()
    for run in runs:
        latency = run.latency_s.get(label)
        if latency is None or not len(latency):
            continue
        finite = latency[np.isfinite(latency)]  # sorted: the censored (+inf) ones come last
        if not len(finite):
            name = f"{_e(run.name)} (no write confirmed)"
            fig.add_trace(go.Scatter(x=[], y=[], name=name, mode="lines"))
            continue
        ranks = np.unique(np.linspace(0, len(finite) - 1, min(CDF_POINTS, len(finite))).round().astype(int))
        fraction = len(finite) / len(latency)
        name = _e(run.name) + (
            "" if fraction == 1 else f" ({fraction * 100:.1f} % confirmed, the rest censored)"
        )
        summary = run.round(label)
        if summary is not None and not summary.valid:
            name += " (invalid round)"
        fig.add_trace(
            go.Scatter(x=finite[ranks] * 1000.0, y=(ranks + 1) / len(latency), name=name, mode="lines")
        )
    return _layout(
        fig,
        f"Confirmation latency CDF, round {_e(label)} (ms, every accepted write; "
        "a curve below 1 ends where the unconfirmed writes begin)",
        "latency (ms)",
        "fraction of accepted writes",
    ).update_yaxes(range=[0, 1.02])  # the whole height, so a curve that stops short of 1 shows it


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
        margin={"l": 60, "r": 20, "t": 60 + 18 * len(fig.layout.annotations), "b": 50},
        barmode="group",
        legend={"orientation": "h", "y": -0.25},
    )
    return fig
