"""The saturation figures (pure: saturation records -> Plotly figures), for one run or several overlaid.

Offered vs confirmed throughput, and the L-curve: latency p50 and p99 against confirmed throughput, the
knee marked. Every point is one step's measured round: confirmed throughput over the window of the blocks
that carried it, latency over every write the node accepted. A censored percentile (it lands on a write
never confirmed) is drawn at its lower bound with an open marker and "> N s". Run names and round labels
are HTML-escaped before Plotly sees them, since Plotly renders a subset of HTML in its text.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import plotly.graph_objects as go

from bench.report.figure_layout import layout
from bench.results.saturation import Saturation


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def saturation_figures(runs: Sequence[tuple[str, Saturation]]) -> list[go.Figure]:
    """The two figures, one trace group per (name, saturation)."""
    return [offered_figure(runs), l_curve_figure(runs)]


def offered_figure(runs: Sequence[tuple[str, Saturation]]) -> go.Figure:
    fig = go.Figure()
    top = max((s.offered_tps for _, sat in runs for s in sat.steps), default=1.0)
    fig.add_trace(
        go.Scatter(x=[0, top], y=[0, top], mode="lines", name="confirmed = offered", line={"dash": "dot"})
    )
    for name, sat in runs:
        steps = sorted(sat.steps, key=lambda s: s.offered_tps)
        fig.add_trace(
            go.Scatter(
                x=[s.offered_tps for s in steps],
                y=[s.confirmed_tps for s in steps],
                mode="lines+markers",
                name=_e(name),
                text=[_e(_hover(s.label, s.held, s.reasons)) for s in steps],
                marker={"symbol": ["circle" if s.held else "x" for s in steps], "size": 9},
            )
        )
        if sat.max_tps is not None:
            fig.add_vline(
                x=sat.max_tps,
                line_dash="dash",
                annotation_text=_e(f"{name}: max {sat.max_tps:,.1f} tx/s"),
            )
    step_s = ", ".join(sorted({f"{sat.step_s:g} s" for _, sat in runs}))
    return layout(
        fig,
        f"Offered vs confirmed throughput<br><sup>each step's measured round of {step_s}; confirmed over the "
        "window of the blocks that carried it; x: the step did not hold</sup>",
        "offered rate (tx/s)",
        "confirmed throughput (tx/s)",
    )


def l_curve_figure(runs: Sequence[tuple[str, Saturation]]) -> go.Figure:
    fig = go.Figure()
    for name, sat in runs:
        steps = sorted(sat.steps, key=lambda s: s.confirmed_tps)
        for pct, attr, dash in (("p50", "latency_p50_s", "solid"), ("p99", "latency_p99_s", "dash")):
            ys, symbols, text = [], [], []
            for s in steps:
                value = getattr(s, attr)
                censored = value is None and s.censored_above_s is not None
                ys.append(s.censored_above_s if censored else value)
                symbols.append("circle-open" if censored else "circle")
                bound = f" (censored: > {s.censored_above_s:.2f} s)" if censored else ""
                text.append(_e(f"{s.label}: offered {s.offered_tps:,.1f} tx/s{bound}"))
            fig.add_trace(
                go.Scatter(
                    x=[s.confirmed_tps for s in steps],
                    y=ys,
                    mode="lines+markers",
                    name=_e(f"{name} latency {pct}"),
                    text=text,
                    line={"dash": dash},
                    marker={"symbol": symbols, "size": 8},
                )
            )
        _mark_knee(fig, name, sat)
    return layout(
        fig,
        "Latency vs throughput (L-curve)<br><sup>each step's measured round: confirmation latency over every "
        "accepted write, open markers censored (drawn at their lower bound); star: the knee (Kneedle)</sup>",
        "confirmed throughput (tx/s)",
        "confirmation latency (s)",
    )


def _mark_knee(fig: go.Figure, name: str, sat: Saturation) -> None:
    for pct, knee in (("p50", sat.knee_p50), ("p99", sat.knee_p99)):
        if knee is None:
            continue
        confirmed = next((s.confirmed_tps for s in sat.steps if s.offered_tps == knee.offered_tps), None)
        if confirmed is None:
            continue
        fig.add_trace(
            go.Scatter(
                x=[confirmed],
                y=[knee.latency_s],
                mode="markers+text",
                marker={"symbol": "star", "size": 16},
                name=_e(f"{name} knee ({pct})"),
                text=[_e(f"knee {pct}: {knee.offered_tps:,.1f} tx/s offered")],
                textposition="top center",
            )
        )


def _hover(label: str, held: bool, reasons: Sequence[str]) -> str:
    return f"{label}: held" if held else f"{label}: did not hold: {'; '.join(reasons)}"
