"""The report's network parts from known inputs: each node's head lag over time, the propagation and
reliability tables (every value escaped), and the fault windows shaded only on time-series charts."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from bench.report.chain_figures import head_lag
from bench.report.figure_layout import layout
from bench.report.network_section import render_network, shade_faults
from bench.results.summary import RunSummary


def test_head_lag_counts_the_blocks_each_node_is_behind_the_highest() -> None:
    nodes = np.array([0, 1, 0, 0, 1, 1])
    heights = np.array([10, 10, 11, 12, 12, 11])  # node-1 then sees a replaced height 11: still at 12
    seen = np.array([1.0, 1.1, 2.0, 3.0, 3.5, 3.6])
    lag = head_lag(nodes, heights, seen)
    assert list(lag[0][0]) == [1.0, 1.1, 2.0, 3.0, 3.5, 3.6]
    assert list(lag[0][1]) == [0, 0, 0, 0, 0, 0]
    assert list(lag[1][0]) == [1.1, 2.0, 3.0, 3.5, 3.6]  # from its first sighting
    assert list(lag[1][1]) == [0, 1, 2, 0, 0]


FAULT = {
    "fault": 0,
    "node": 1,
    "action": "exec",
    "status": "failed",
    "detail": "exit 1; output: <script>alert(1)</script>",
    "started_s": 2.0,
    "ended_s": 3.5,
    "end_action": None,
    "windows_s": {"before": [0.0, 2.0], "during": [2.0, 3.5], "after": [3.5, 9.0]},
    "success_rate": {"before": 1.0, "during": 0.5, "after": None},
    "throughput_tps": {"before": 10.0, "during": None, "after": 9.5},
    "recovery_s": None,
    "recovery_reason": "less than 5 s of load before the fault to compare with",
    "reorgs": {"count": 0, "deepest": 0},
    "orphaned_at_nodes": {"node-2": 3},
    "lost_by_reason": {"connection": 4},
}


def test_the_reliability_table_escapes_what_the_user_supplied() -> None:
    html = render_network(RunSummary(workload="w", status="completed", faults=[FAULT]))
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<td>exec node-1</td><td>2</td><td>3.5</td><td>failed</td>" in html
    assert "100.0 % / 50.0 % / -" in html and "10 / - / 9.5" in html
    assert "none: less than 5 s of load before the fault to compare with" in html
    assert "node-2 held 3 off node-0&#x27;s chain" in html and "connection 4" in html
    assert render_network(RunSummary(workload="w", status="completed")) == ""


def test_the_reliability_table_says_what_a_restarted_node_had_lost_and_was_sent_again() -> None:
    killed = {
        **FAULT,
        "action": "kill",
        "node": 0,
        "resent": {"writes": 12, "refused_first": 9, "refused_again": 1},
    }
    html = render_network(RunSummary(workload="w", status="completed", faults=[killed, FAULT]))
    assert "<td>12 (9 refused while down, 1 refused again)</td>" in html
    assert "<td>connection 4</td><td>0</td>" in html  # the exec fault sent nothing again


def test_fault_windows_are_shaded_on_time_series_charts_only() -> None:
    timed = layout(go.Figure(), "t", "seconds since run start", "tx/s")
    other = layout(go.Figure(), "cdf", "latency (s)", "fraction")
    shade_faults([timed, other], RunSummary(workload="w", status="completed", faults=[FAULT]), 1.5)
    (shape,) = timed.layout.shapes
    assert (shape.x0, shape.x1) == (3.5, 5.0)  # the load started 1.5 s into the run
    assert other.layout.shapes == ()


def test_the_propagation_section_shows_the_mempool_sample_and_every_note() -> None:
    pool = {
        "sampled_every": 100,
        "followed": 3,
        "interval_s": 0.1,
        "nodes": [
            {
                "node": 0,
                "seen": 3,
                "delay_ms": {"p50": 0.0, "p99": 0.0, "max": 0.0},
                "after_send_ms": {"p50": 110.0, "p99": 290.0},
            },
            {
                "node": 1,
                "seen": 2,
                "delay_ms": {"p50": 4.5, "p99": 96.0, "max": 96.0},
                "after_send_ms": {"p50": 120.0, "p99": 380.0},
            },
        ],
        "watcher_load": {"per_s": {"0": 0.5, "1": 0.7}},
    }
    spread = {
        "blocks": 4,
        "interval_s": 0.1,
        "nodes": [{"node": 0, "blocks": 4, "delay_ms": {"p50": 0.0, "p99": 0.0, "max": 0.0}}],
        "watcher_load": {"per_s": {"0": 11.4}, "window_s": 12.0},
        "outages": {"1": ["at 3.000: <b>refused</b>"]},
        "mempool": pool,
    }
    html = render_network(RunSummary(workload="w", status="completed", propagation=spread))
    assert "one write in 100 (3 followed)" in html and "node-0 0.5/s, node-1 0.7/s" in html
    assert "<td>node-1</td><td>2</td><td>4</td><td>96</td><td>96</td><td>120</td><td>380</td>" in html
    # the watchers' load and the outages both shown (the outages once replaced the load note), escaped
    assert "node-0 11.4/s" in html and "&lt;b&gt;refused&lt;/b&gt;" in html and "<b>" not in html
