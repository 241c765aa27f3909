"""Renders the acceptance suite's page: the maximum it was derived from, then every criterion, pass or fail."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def render_acceptance_report(doc: dict[str, Any]) -> str:
    """The page of an acceptance.json document (every user string escaped; no script, so it opens anywhere)."""
    sat = doc["saturation"]
    rows = []
    for c in doc["criteria"]:
        run = doc["runs"].get(c["test"])
        link = f'<a href="{_e(Path(run).name)}/report.html">run report</a>' if run else ""
        verdict = "PASS" if c["passed"] else "FAIL"
        rows.append(
            f'<tr class="{verdict.lower()}"><td>{_e(c["test"])}</td><td>{_e(c["criterion"])}</td>'
            f"<td>{verdict}</td><td>{_e(c['detail'])}</td><td>{link}</td></tr>"
        )
    overall = "every criterion passed" if doc["passed"] else "a criterion failed"
    return _PAGE.format(
        workload=_e(sat["workload"]),
        round=_e(sat["round"]),
        max_tps=_e(f"{sat['max_tps']:,.1f}"),
        saturation=_e(sat["path"]),
        overall=overall,
        rows="".join(rows),
    )


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>chainmark acceptance: {workload}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }}
th, td {{ border: 1px solid #ccc; padding: 4px 8px; text-align: left; }}
th {{ background: #f3f3f3; }}
tr.fail td {{ color: #b00020; background: #fdecee; }}
tr.pass td:nth-child(3) {{ color: #1b5e20; font-weight: bold; }}
</style></head><body>
<h1>chainmark acceptance: {workload} (round {round})</h1>
<p>Derived from the saturation in {saturation}: maximum sustainable rate {max_tps} tx/s. Stress: the
maximum for its duration, success rate (confirmed / sent) at least 95 %. Spike: twice the maximum for 10 s,
success rate at least 75 %. Stability: 20 % of the maximum; latency flat (the least-squares drift of the
p50 confirmation latency of each tenth of the round, over the round, at most 50 % of its p50 or one block
interval, whichever is larger) and chainmark's own resident memory flat (its least-squares growth over the
round at most 10 % of its median or 32 MiB, whichever is larger). Result: <b>{overall}</b>.</p>
<table><tr><th>test</th><th>criterion</th><th>result</th><th>measured (bound)</th><th></th></tr>{rows}</table>
</body></html>
"""
