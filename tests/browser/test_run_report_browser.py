"""The run report in real headless Chromium: no console errors, every chart drawn, no network, labels escaped."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench.chains.ethereum.anvil import ManagedAnvil
from tests.runhelpers import ARTIFACTS, chainmark, only_run_dir, write_workload

pytestmark = [pytest.mark.browser, pytest.mark.anvil]


WORKLOAD = """
name: browser-check
accounts: {count: 10, seed: 4}
rounds:
  - label: warm
    warmup: true
    duration: 2s
    rate: {type: fixed-rate, tps: 30}
  - label: "<script>window.__pwned = 1</script>"
    duration: 3s
    rate: {type: fixed-rate, tps: 80}
"""


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("browser")
    workload = write_workload(tmp / "w.yaml", WORKLOAD)
    with ManagedAnvil(tmp / "anvil.log") as node:
        result = chainmark("run", str(workload), "--target-url", node.url, "--out", str(tmp / "out"), "-q")
    assert result.returncode == 0, result.stderr
    return only_run_dir(tmp / "out")


def test_run_report_renders_offline_without_errors(run_dir: Path, browser: Any, open_page: Any) -> None:
    driver = browser  # selenium WebDriver
    page = open_page(run_dir / "report.html")
    assert len(page.plots) == 11 and all(n > 0 for n in page.plots), page.plots
    assert page.errors == []
    assert page.urls and all(u.startswith(("file://", "data:", "blob:")) for u in page.urls), page.urls
    # The round label with a script tag is shown as text, never run.
    assert driver.execute_script("return window.__pwned === undefined")
    assert "<script>window.__pwned = 1</script>" in driver.find_element("css selector", "table.rounds").text
    ARTIFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / "run-report.png"))


def test_round_table_scrolls_in_its_own_box_not_the_page(run_dir: Path, browser: Any, open_page: Any) -> None:
    before = browser.get_window_size()
    browser.set_window_size(700, 900)
    try:
        open_page(run_dir / "report.html")
        page_width, view_width, box_scroll, box_width = browser.execute_script(
            "const box = document.querySelector('.table-box');"
            "return [document.documentElement.scrollWidth, document.documentElement.clientWidth,"
            " box.scrollWidth, box.clientWidth];"
        )
    finally:
        browser.set_window_size(before["width"], before["height"])
    assert box_scroll > box_width, "the table is wider than a 700 px window"
    assert page_width <= view_width + 1, "yet the page itself does not scroll sideways"
