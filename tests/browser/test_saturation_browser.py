"""A saturation's report in headless Chromium: both figures drawn, offline, every user string escaped."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench.report.saturation_report import render_saturation_report
from bench.results.saturation import KneePoint, Saturation, StepRecord

pytestmark = [pytest.mark.browser]

HOSTILE = "<script>window.__pwned = 1</script>"


def _step(
    label: str, offered: float, confirmed: float, p50: float | None, p99: float | None, held: bool
) -> StepRecord:
    return StepRecord(
        label=label,
        offered_tps=offered,
        confirmed_tps=confirmed,
        send_rate_tps=offered,
        success_rate=1.0 if held else 0.8,
        latency_p50_s=p50,
        latency_p99_s=p99,
        censored_above_s=None if p99 is not None else 4.0,
        window_s=(0.0, 11.0),
        valid=True,
        invalid_reasons=(),
        held=held,
        reasons=() if held else (f"success rate 80.0% < 95% {HOSTILE}",),
    )


def saturation(name: str) -> Saturation:
    steps = (
        _step(f"step-01-100tps{HOSTILE}", 100, 91, 0.5, 1.0, True),
        _step("step-02-200tps", 200, 182, 0.52, 1.02, True),
        _step("step-03-400tps", 400, 360, 0.9, 1.9, True),
        _step("step-04-800tps", 800, 500, 3.0, None, False),
    )
    return Saturation(
        workload=name,
        round=HOSTILE,
        step_s=10.0,
        warmup_s=3.0,
        slos=(f"latency_s.p99<2s{HOSTILE}",),
        config={"min_success": 0.95, "follow": 0.9, "factor": 2.0, "tolerance": 0.05},
        steps=steps,
        max_tps=400.0,
        stop="bracketed",
        finding=f"maximum sustainable rate 400.0 tx/s {HOSTILE}",
        knee_p50=KneePoint(400.0, 0.9),
        knee_p99=None,
        target={"client": HOSTILE, "node": {"name": "anvil", "version": "1.7.1"}},
        machine={"cpu": "AMD EPYC", "cores": 2},
    )


def test_saturation_report_draws_offline_and_escapes(tmp_path: Path, browser: Any, open_page: Any) -> None:
    page_file = tmp_path / "saturation.html"
    runs = [(f"run {HOSTILE}", saturation("transfer")), ("<b>second</b>", saturation("transfer"))]
    page_file.write_text(render_saturation_report(runs, f"chainmark saturate: {HOSTILE}"), encoding="utf-8")
    page = open_page(page_file)
    assert len(page.plots) == 2 and all(n > 0 for n in page.plots), page.plots
    assert page.errors == []
    assert page.urls and all(u.startswith(("file://", "data:", "blob:")) for u in page.urls), page.urls
    assert browser.execute_script("return window.__pwned === undefined")
    text = browser.find_element("tag name", "body").text
    assert HOSTILE in text  # shown as text, not run
    assert "maximum sustainable rate" in text and "400.0 tx/s" in text
    titles = browser.execute_script(
        "return Array.from(document.querySelectorAll('.gtitle')).map(t => t.textContent)"
    )
    assert any(t.startswith("Offered vs confirmed throughput") and "10 s" in t for t in titles), titles
    assert any(t.startswith("Latency vs throughput (L-curve") for t in titles), titles
    axes = browser.execute_script(
        "return Array.from(document.querySelectorAll('.xtitle, .ytitle')).map(t => t.textContent)"
    )
    assert {"offered rate (tx/s)", "confirmed throughput (tx/s)", "confirmation latency (s)"} <= set(axes)
    legend = browser.execute_script(
        "return Array.from(document.querySelectorAll('.legendtext')).map(t => t.textContent)"
    )
    assert "<b>second</b> knee (p50)" in legend, legend
