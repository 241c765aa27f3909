"""Draws the run report's figures of the chain and the machine (pure: series in, Plotly figures out):
transactions per block, block interval and gas, CPU and memory, disk and network I/O, each node's head lag
on a network, and the node's Prometheus metrics when it was scraped.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from bench.report.figure_layout import layout as _layout
from bench.results.series import RunSeries


def chain_figures(series: RunSeries, start: float) -> list[go.Figure]:
    """The figures in the report's order; `start` is the run's start (unix s), the time axes' zero."""
    figures = [
        _blocks_figure(series, start),
        _block_interval_figure(series, start),
        _resources_figure(series, start),
        _io_figure(series, start),
    ]
    if len(np.unique(series.tips[0])) > 1:
        figures.append(_head_lag_figure(series, start))
    if series.prometheus:
        figures.append(_prometheus_figure(series, start))
    return figures


def head_lag(
    nodes: np.ndarray, heights: np.ndarray, seen: np.ndarray
) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Per node, at each tip sighting (in `seen` order): how many blocks it was behind the highest node.

    A node's height at t is the highest block it was seen holding by t (a reorg's replaced heights do not
    lower it); the network's is the highest of any node."""
    current: dict[int, int] = {int(n): -1 for n in np.unique(nodes)}
    out: dict[int, tuple[list[float], list[int]]] = {n: ([], []) for n in current}
    for node, height, t in zip(nodes, heights, seen, strict=True):
        current[int(node)] = max(current[int(node)], int(height))
        top = max(current.values())
        for n, h in current.items():
            if h >= 0:
                out[n][0].append(float(t))
                out[n][1].append(top - h)
    return {n: (np.asarray(x), np.asarray(y)) for n, (x, y) in out.items()}


def _head_lag_figure(series: RunSeries, start: float) -> go.Figure:
    fig = go.Figure()
    for node, (t, lag) in sorted(head_lag(*series.tips).items()):
        fig.add_trace(go.Scatter(x=t - start, y=lag, name=f"node-{node}", mode="lines", line_shape="hv"))
    return _layout(
        fig,
        "Head lag per node: blocks behind the highest node, at each tip seen (tip watchers, whole run)",
        "seconds since run start",
        "blocks behind",
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
