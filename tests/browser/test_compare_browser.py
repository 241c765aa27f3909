"""`chainmark compare` in headless Chromium: two real Anvil runs (1 s vs 2 s blocks) drawn, offline, escaped;
synthetic runs with lost writes and an invalid round drawn hatched and annotated."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bench.chains.ethereum.anvil import ManagedAnvil
from tests.runhelpers import ARTIFACTS, chainmark, only_run_dir, write_workload

pytestmark = [pytest.mark.browser]


LABEL = "<script>window.__pwned = 1</script>"
FAST = "1 s <b>blocks</b>"  # a run label with HTML in it: shown as text in tables and legends
WORKLOAD = f"""
name: compare-check
accounts: {{count: 10, seed: 5}}
target: {{confirm_grace: 10s}}
rounds:
  - label: warm
    warmup: true
    duration: 1s
    rate: {{type: fixed-rate, tps: 20}}
  - label: "{LABEL}"
    duration: 3s
    rate: {{type: fixed-rate, tps: 60}}
"""


def _run(tmp: Path, name: str, block_time: float) -> Path:
    workload = write_workload(tmp / "w.yaml", WORKLOAD)
    with ManagedAnvil(tmp / f"{name}-anvil.log", block_time=block_time) as node:
        result = chainmark("run", str(workload), "--target-url", node.url, "--out", str(tmp / name), "-q")
    assert result.returncode == 0, result.stderr
    return only_run_dir(tmp / name)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("compare-browser")
    return _run(tmp, "blocks-1s", 1.0), _run(tmp, "blocks-2s", 2.0)


@pytest.mark.anvil
def test_compare_two_anvil_runs(
    runs: tuple[Path, Path], tmp_path: Path, browser: Any, open_page: Any
) -> None:
    fast, slow = runs
    out = tmp_path / "cmp"
    result = chainmark("compare", f"{fast}={FAST}", f"{slow}=2 s blocks", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"comparison: {out / 'index.html'}\n"
    doc = json.loads((out / "comparison.json").read_text(encoding="utf-8"))
    steady = next(r for r in doc["rounds"] if r["label"] == LABEL)
    base, cand = steady["runs"]
    assert base["values"]["failure_rate"] == cand["values"]["failure_rate"] == 0.0
    assert cand["ratio"]["latency_s.p50"] > 1.2, "2 s blocks keep transactions waiting longer than 1 s blocks"
    # Same workload, client and chain id, but 1 s and 2 s blocks: two targets, so two groups of one.
    assert [g["runs"] for g in doc["groups"]] == [[FAST], ["2 s blocks"]]
    assert base["values"]["success_rate"] == cand["values"]["success_rate"] == 1.0

    gated = chainmark(
        "compare", str(fast), str(slow), "-o", str(tmp_path / "gated"), "--fail-if", "latency_s.p50>+10%"
    )
    assert gated.returncode == 3, gated.stderr
    assert gated.stderr.count("gate failed: latency_s.p50>+10%: ") == 1  # the warm-up round is not gated

    driver = browser  # selenium WebDriver
    page = open_page(out / "index.html")
    assert len(page.plots) == 2 + 2 * 2 and all(n > 0 for n in page.plots), (
        page.plots
    )  # bars, bars, CDF + series
    assert page.errors == []
    assert page.urls and all(u.startswith(("file://", "data:", "blob:")) for u in page.urls), page.urls
    # The round label with a script tag is shown as text, never run.
    assert driver.execute_script("return window.__pwned === undefined")
    headings = [h.text for h in driver.find_elements("css selector", "h3")]
    assert f"Round {LABEL}" in headings
    assert driver.find_elements("css selector", "td b, .legendtext tspan[style*='bold']") == []
    legend = [t.text for t in driver.find_elements("css selector", ".legendtext")]
    assert FAST in legend and "2 s blocks" in legend, legend
    cells = [td.text for td in driver.find_elements("css selector", "table.round td")]
    assert FAST in cells
    ARTIFACTS.mkdir(exist_ok=True)
    height = driver.execute_script("return document.body.scrollHeight")
    driver.set_window_size(1400, min(int(height) + 100, 8000))
    driver.save_screenshot(str(ARTIFACTS / "compare-report.png"))


def test_censored_and_invalid_rounds_drawn(tmp_path: Path, browser: Any, open_page: Any) -> None:
    from bench.report.compare import compare_runs
    from tests.report.synthetic_runs import make_run, mark_invalid

    base, cand = make_run(tmp_path, "base"), make_run(tmp_path, "cand", lost=5)
    mark_invalid(cand, "warm")
    out = tmp_path / "cmp"
    compare_runs([base, cand], out)
    page = open_page(out / "index.html")
    assert len(page.plots) == 2 + 2 * 2 and all(n > 0 for n in page.plots), page.plots
    assert page.errors == []
    texts = [t.text for t in browser.find_elements("css selector", ".annotation-text")]
    assert any(t.startswith("hatched: censored") for t in texts), texts
    assert any(t.startswith("left out (invalid round): cand round warm") for t in texts), texts
    assert browser.find_elements("css selector", "pattern")  # the censored bars' hatching
    legend = [t.text for t in browser.find_elements("css selector", ".legendtext")]
    assert any("87.5 % confirmed, the rest censored" in t for t in legend), legend
    ARTIFACTS.mkdir(exist_ok=True)
    height = browser.execute_script("return document.body.scrollHeight")
    browser.set_window_size(1400, min(int(height) + 100, 8000))
    browser.save_screenshot(str(ARTIFACTS / "compare-report-censored.png"))
