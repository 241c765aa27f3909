"""Gives every figure of the run report one look: title, axis titles, white template, legend below."""

from __future__ import annotations

import plotly.graph_objects as go


def layout(fig: go.Figure, title: str, xtitle: str, ytitle: str, barmode: str = "overlay") -> go.Figure:
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
