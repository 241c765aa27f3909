"""Renders a saturation's self-contained HTML report: what it found, the steps' table, then the figures.

plotly.js is inlined once, so the file opens offline; every user-supplied string (workload and round
labels, node client, reasons) is HTML-escaped.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from plotly.offline import get_plotlyjs

from bench.report.saturation_figures import saturation_figures
from bench.results.saturation import KNEE_METHOD, Saturation


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def render_saturation_report(runs: Sequence[tuple[str, Saturation]], title: str) -> str:
    """The page for one saturation (a run's saturation.html) or several (`chainmark compare`)."""
    charts = "\n".join(
        f'<div class="chart">{fig.to_html(full_html=False, include_plotlyjs=False, config={"responsive": True})}</div>'
        for fig in saturation_figures(runs)
    )
    return _PAGE.format(
        title=_e(title),
        plotlyjs=get_plotlyjs(),
        findings="\n".join(_findings(name, sat) for name, sat in runs),
        steps="\n".join(_steps(name, sat) for name, sat in runs),
        knee=_e(KNEE_METHOD),
        charts=charts,
    )


def _findings(name: str, sat: Saturation) -> str:
    node = sat.target.get("node") or {}
    where = f"{sat.target.get('client', '?')}" + (
        f" ({node.get('name')} {node.get('version')})" if node else ""
    )
    rows = [
        ("run", name),
        ("workload / round scaled", f"{sat.workload} / {sat.round}"),
        ("target", where),
        ("machine", f"{sat.machine.get('cpu', '?')}, {sat.machine.get('cores', '?')} cores"),
        ("SLOs", ", ".join(sat.slos) or "none (success rate and following only)"),
        ("criteria", _criteria(sat)),
        ("maximum sustainable rate", "-" if sat.max_tps is None else f"{sat.max_tps:,.1f} tx/s"),
        ("knee (p50 / p99)", f"{_knee(sat.knee_p50)} / {_knee(sat.knee_p99)}"),
        ("finding", sat.finding),
    ]
    body = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows)
    return f'<table class="header">{body}</table>'


def _criteria(sat: Saturation) -> str:
    c = sat.config
    return (
        f"success >= {c.get('min_success', 0):.0%}, confirmed >= {c.get('follow', 0):.0%} of what a node "
        "keeping up shows over the blocks' window; "
        f"steps x{c.get('factor')}, bisection to {c.get('tolerance', 0):.0%}; "
        f"each step {sat.warmup_s:g} s warm-up + {sat.step_s:g} s measured"
    )


def _knee(knee: object) -> str:
    if knee is None:
        return "none"
    return f"{knee.offered_tps:,.1f} tx/s at {knee.latency_s:.3f} s"  # type: ignore[attr-defined]


def _steps(name: str, sat: Saturation) -> str:
    head = (
        "<tr><th>step</th><th>offered tx/s</th><th>sent tx/s</th><th>confirmed tx/s</th><th>success</th>"
        "<th>latency p50 s</th><th>p99 s</th><th>window s</th><th>node CPU (cores)</th><th>chainmark CPU (cores)</th>"
        "<th>verdict</th><th>held</th></tr>"
    )
    rows = []
    for s in sat.steps:
        verdict = "valid" if s.valid else "invalid: " + "; ".join(s.invalid_reasons)
        held = "yes" if s.held else "no: " + "; ".join(s.reasons)
        window = "-" if s.window_s is None else f"{s.window_s[1] - s.window_s[0]:.1f}"
        cells = [
            s.label,
            f"{s.offered_tps:,.1f}",
            f"{s.send_rate_tps:,.1f}",
            f"{s.confirmed_tps:,.1f}",
            "-" if s.success_rate is None else f"{s.success_rate:.1%}",
            _latency(s.latency_p50_s, s.censored_above_s),
            _latency(s.latency_p99_s, s.censored_above_s),
            window,
            _cores(s.node_cpu_cores),
            _cores(s.chainmark_cpu_cores),
            verdict,
            held,
        ]
        rows.append("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in cells) + "</tr>")
    return f'<h3>{_e(name)}</h3><table class="steps">{head}{"".join(rows)}</table>'


def _cores(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _latency(value: float | None, censored_above: float | None) -> str:
    if value is not None:
        return f"{value:.3f}"
    return f"> {censored_above:.2f}" if censored_above is not None else "-"


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }}
th, td {{ border: 1px solid #ccc; padding: 4px 8px; text-align: left; }}
th {{ background: #f3f3f3; }}
.chart {{ margin: 1em 0; }}
</style>
<script type="text/javascript">{plotlyjs}</script>
</head><body>
<h1>{title}</h1>
{findings}
<h2>Steps</h2>
<p>Each step: a warm-up round, then a measured round at the offered rate (the scaled round's shape), planned and signed
before its own clock. Confirmed throughput: confirmed transactions over the window of the blocks that
carried the measured round. Success: confirmed / sent. Latency: seen-in-block time minus intended send
time over every write the node accepted; one never confirmed counts as unbounded, so a percentile landing
on one is shown as "&gt; N s". Verdict: whether the round is a valid measurement of the target (not shaped
by the generator). CPU: the mean over the measured round, in cores (1.00 = one core busy). Held: the step met every criterion and SLO. Knee: {knee}.</p>
{steps}
<h2>Charts</h2>
{charts}
</body></html>
"""
