"""Renders one run's self-contained HTML report (tables first, then Plotly charts; opens offline).

The page is assembled here from its parts: the header (bench.report.run_header), the warnings
(run_warnings), the round table (round_table), the network and reliability tables (network_section) and
the figures (run_figures, chain_figures). Every
figure states its window and units; every user-supplied string (workload text, labels, node client) is
HTML-escaped; plotly.js is inlined once, so the file needs no network.
"""

from __future__ import annotations

import html

from plotly.offline import get_plotlyjs

from bench.report.chain_figures import chain_figures
from bench.report.chain_text import describe_chain, latency_depth
from bench.report.network_section import render_network, shade_faults
from bench.report.round_table import render_round_table
from bench.report.run_figures import transaction_figures
from bench.report.run_header import render_header
from bench.report.run_warnings import render_errors, render_warnings
from bench.results.series import RunSeries
from bench.results.summary import RunSummary
from bench.urls import redact_text


def render_run_report(series: RunSeries, summary: RunSummary) -> str:
    """The report of a run from its series (`bench.results.series`) and its summary."""
    meta = series.meta
    start = float(meta.get("started") or 0.0)
    figures = [*transaction_figures(series, summary, start), *chain_figures(series, start)]
    zero = (meta.get("faults") or {}).get("zero")
    shade_faults(figures, summary, None if zero is None else float(zero) - start)
    charts = "\n".join(
        f'<div class="chart">{fig.to_html(full_html=False, include_plotlyjs=False, config={"responsive": True})}</div>'
        for fig in figures
    )
    title = f"chainmark run: {meta.get('workload', '')}"
    return _PAGE.format(
        title=_e(title),
        plotlyjs=get_plotlyjs(),
        header=render_header(meta) + _chain_row(summary),
        errors=render_errors(summary),
        warnings=render_warnings(meta, summary),
        depth=_e(latency_depth(summary).capitalize()),
        rounds=render_round_table(summary),
        network=render_network(summary),
        charts=charts,
        workload=_e(redact_text(str(meta.get("workload_text", "")))),  # also a store of an older chainmark
    )


def _chain_row(summary: RunSummary) -> str:
    """The header's row on the observed chain (confirmation depth, reorgs, block checks), if any."""
    notes = [n.text for n in describe_chain(summary) if not n.error]
    return f"<tr><th>Chain</th><td>{_e('; '.join(notes))}</td></tr>" if notes else ""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }}
th, td {{ border: 1px solid #ccc; padding: 4px 8px; text-align: left; }}
th {{ background: #f3f3f3; }}
.warnings {{ background: #fff7e0; border: 1px solid #e0c060; padding: 0.5em 1em; }}
.errors {{ background: #fdecee; border: 1px solid #b00020; color: #b00020; padding: 0.5em 1em; }}
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
{errors}
{warnings}
<h2>Rounds</h2>
<p>Success: confirmed / sent. Verdict: <i>valid</i>, or invalid with its reasons (see Warnings): an
invalid round's numbers were shaped by chainmark, not the target. {depth}: seen-in-block time (of the
block that made the write's block `confirmations` deep) minus intended send time, exact percentiles over every write the node accepted at submission; one never
confirmed counts as unbounded, so a percentile landing on one is shown as "&gt; N s" (N: the least any of
them was waited for); writes rejected at submission are failures, not latency. Throughput: confirmed
transactions over the window of the blocks that carried the round; commit throughput: confirmed
transactions from the round's first intended send to its last confirmation (Caliper's definition,
which a short round does not dilute with the block interval before its first send). Status from receipts fetched after
the measured window. Rows marked with an arrow are the kinds of a round's mix on their own; a read's
latency is its answer time minus its intended send time, its throughput answered reads per second.</p>
<div class="table-box"><table class="rounds">{rounds}</table></div>
{network}
<h2>Charts</h2>
{charts}
<h2>Workload</h2>
<pre>{workload}</pre>
</body></html>
"""
