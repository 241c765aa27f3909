"""`chainmark run --suite acceptance` on a real Anvil capped at 30 transfers a second (its block gas limit):
at a maximum it sustains every criterion passes (exit 0); at a claimed maximum over three times its limit
the stress test's success rate fails (exit 3), each criterion printed pass or fail."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from bench.results.saturation import write_saturation
from tests.runhelpers import chainmark, write_workload
from tests.saturate.synthetic import saturation

pytestmark = [pytest.mark.anvil, pytest.mark.slow]

CAPPED = """
name: capped-transfer
target: {block_time: 1s, gas_limit: 630000, confirm_grace: 10s}
accounts: {count: 30, seed: 9}
rounds:
  - label: steady
    duration: 5s
    rate: {type: fixed-rate, tps: 8}
"""


def _acceptance(tmp_path: Path, max_tps: float) -> tuple[int, list[str], dict[str, object]]:
    workload = write_workload(tmp_path / "capped.yaml", CAPPED)
    sat_dir = tmp_path / "sat"
    sat_dir.mkdir()
    sat = dataclasses.replace(
        saturation("capped-transfer"), round="steady", max_tps=max_tps, workload_path=str(workload)
    )
    write_saturation(sat, sat_dir)
    out = tmp_path / "out"
    result = chainmark(
        "run",
        "--suite",
        "acceptance",
        "--from-saturation",
        str(sat_dir),
        "--stress-duration",
        "5s",
        "--stability-duration",
        "10s",
        "--out",
        str(out),
        "-q",
        timeout=400,
    )
    (suite,) = out.iterdir()
    doc = json.loads((suite / "acceptance.json").read_text(encoding="utf-8"))
    assert (suite / "acceptance.html").is_file() and sorted(doc["runs"]) == ["spike", "stability", "stress"]
    return result.returncode, result.stdout.splitlines(), doc


def test_acceptance_passes_at_a_sustainable_maximum(tmp_path: Path) -> None:
    status, lines, doc = _acceptance(tmp_path, 20.0)
    verdicts = [line.split(":")[0] for line in lines if line.startswith(("PASS", "FAIL"))]
    assert verdicts == ["PASS stress", "PASS spike", "PASS stability", "PASS stability"], lines
    assert status == 0 and doc["passed"] is True


def test_acceptance_fails_at_an_overclaimed_maximum(tmp_path: Path) -> None:
    status, lines, doc = _acceptance(tmp_path, 100.0)
    assert any(line.startswith("FAIL stress: success rate >= 95%: ") for line in lines), lines
    assert status == 3 and doc["passed"] is False
