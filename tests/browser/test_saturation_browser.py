"""A saturation's report in headless Chromium: both figures drawn, offline, every user string escaped."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench.report.saturation_report import render_saturation_report
from tests.saturate.synthetic import HOSTILE, saturation

pytestmark = [pytest.mark.browser]


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
