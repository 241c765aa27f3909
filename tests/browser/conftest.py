"""Headless Chromium for the browser tests (Debian's chromium + chromedriver), and one way to load a page and read it."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
FLAGS = (
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
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if CHROMIUM is None or DRIVER is None:
        skip = pytest.mark.skip(reason="chromium and chromedriver are not installed (make browser-deps)")
        for item in items:
            if item.get_closest_marker("browser"):
                item.add_marker(skip)


@dataclass(frozen=True)
class Page:
    """What a loaded page showed: drawn elements per plot div, SEVERE console entries, requested URLs."""

    plots: list[int]
    errors: list[Any]
    urls: list[str]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=str(DRIVER)), options=options)
    yield driver
    driver.quit()


@pytest.fixture
def open_page(browser: Any) -> Callable[[Path], Page]:
    """Load a local file and report its plots, console errors and every network request it made."""

    def load(path: Path) -> Page:
        browser.get(path.as_uri())
        browser.implicitly_wait(5)
        plots = browser.execute_script(
            "return Array.from(document.querySelectorAll('.js-plotly-plot')).map("
            "d => d.querySelectorAll('svg.main-svg').length + d.querySelectorAll('canvas').length)"
        )
        errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
        messages = [json.loads(e["message"])["message"] for e in browser.get_log("performance")]
        urls = [m["params"]["request"]["url"] for m in messages if m["method"] == "Network.requestWillBeSent"]
        return Page(plots, errors, urls)

    return load
