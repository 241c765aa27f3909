"""`chainmark compare` of two real Anvil runs (1 s vs 2 s blocks) in headless Chromium: drawn, offline, escaped."""

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

LABEL = "<script>window.__pwned = 1</script>"
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


def test_compare_two_anvil_runs(runs: tuple[Path, Path], tmp_path: Path, browser: object) -> None:
    fast, slow = runs
    out = tmp_path / "cmp"
    result = chainmark("compare", str(fast), str(slow), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"comparison: {out / 'index.html'}\n"
    doc = json.loads((out / "comparison.json").read_text(encoding="utf-8"))
    steady = next(r for r in doc["rounds"] if r["label"] == LABEL)
    base, cand = steady["runs"]
    assert base["values"]["failure_rate"] == cand["values"]["failure_rate"] == 0.0
    assert cand["ratio"]["latency_s.p50"] > 1.2, "2 s blocks keep transactions waiting longer than 1 s blocks"
    # Same workload, client and chain id: one group of two runs (an interval, n = 2).
    assert [g["runs"] for g in doc["groups"]] == [[fast.name, slow.name]]

    gated = chainmark(
        "compare", str(fast), str(slow), "-o", str(tmp_path / "gated"), "--fail-if", "latency_s.p50>+10%"
    )
    assert gated.returncode == 3, gated.stderr
    assert gated.stderr.count("gate failed: latency_s.p50>+10%: ") == 1  # the warm-up round is not gated

    driver = browser  # selenium WebDriver
    driver.get((out / "index.html").as_uri())  # type: ignore[attr-defined]
    driver.implicitly_wait(5)  # type: ignore[attr-defined]
    plots = driver.execute_script(  # type: ignore[attr-defined]
        "return Array.from(document.querySelectorAll('.js-plotly-plot')).map("
        "d => d.querySelectorAll('svg.main-svg').length + d.querySelectorAll('canvas').length)"
    )
    assert len(plots) == 2 + 2 * 2 and all(n > 0 for n in plots), plots  # bars, bars, CDF + series per round
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]  # type: ignore[attr-defined]
    assert errors == []
    requests = [json.loads(e["message"])["message"] for e in driver.get_log("performance")]  # type: ignore[attr-defined]
    urls = [m["params"]["request"]["url"] for m in requests if m["method"] == "Network.requestWillBeSent"]
    assert urls and all(u.startswith(("file://", "data:", "blob:")) for u in urls), urls
    # The round label with a script tag is shown as text, never run.
    assert driver.execute_script("return window.__pwned === undefined")  # type: ignore[attr-defined]
    headings = [h.text for h in driver.find_elements("css selector", "h3")]  # type: ignore[attr-defined]
    assert f"Round {LABEL}" in headings
    ARTIFACTS.mkdir(exist_ok=True)
    height = driver.execute_script("return document.body.scrollHeight")  # type: ignore[attr-defined]
    driver.set_window_size(1400, min(int(height) + 100, 8000))  # type: ignore[attr-defined]
    driver.save_screenshot(str(ARTIFACTS / "compare-report.png"))  # type: ignore[attr-defined]
