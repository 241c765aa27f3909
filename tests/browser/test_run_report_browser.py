"""The run report in real headless Chromium: no console errors, every chart drawn, no network, labels escaped."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.targets.anvil import ManagedAnvil
from tests.runhelpers import ARTIFACTS, chainmark, only_run_dir, write_workload

pytestmark = [pytest.mark.browser, pytest.mark.anvil]

CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
if CHROMIUM is None or DRIVER is None:
    pytest.skip("chromium and chromedriver are not installed (make browser-deps)", allow_module_level=True)

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


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1400,1000",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=str(DRIVER)), options=options)
    yield driver
    driver.quit()


def test_run_report_renders_offline_without_errors(run_dir: Path, browser: object) -> None:
    driver = browser  # selenium WebDriver
    driver.get((run_dir / "report.html").as_uri())  # type: ignore[attr-defined]
    driver.implicitly_wait(5)  # type: ignore[attr-defined]
    plots = driver.execute_script(  # type: ignore[attr-defined]
        "return Array.from(document.querySelectorAll('.js-plotly-plot')).map("
        "d => d.querySelectorAll('svg.main-svg').length + d.querySelectorAll('canvas').length)"
    )
    assert len(plots) == 10 and all(n > 0 for n in plots), plots
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]  # type: ignore[attr-defined]
    assert errors == []
    requests = [json.loads(e["message"])["message"] for e in driver.get_log("performance")]  # type: ignore[attr-defined]
    urls = [m["params"]["request"]["url"] for m in requests if m["method"] == "Network.requestWillBeSent"]
    assert urls and all(u.startswith(("file://", "data:", "blob:")) for u in urls), urls
    # The round label with a script tag is shown as text, never run.
    assert driver.execute_script("return window.__pwned === undefined")  # type: ignore[attr-defined]
    assert "<script>window.__pwned = 1</script>" in driver.find_element("css selector", "table.rounds").text  # type: ignore[attr-defined]
    ARTIFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / "run-report.png"))  # type: ignore[attr-defined]
