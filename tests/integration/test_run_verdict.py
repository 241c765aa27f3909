"""A round the generator could not keep on schedule is invalid, says why, and fails `run --strict`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.chains.ethereum.anvil import ManagedAnvil
from tests.runhelpers import chainmark, only_run_dir, read_summary, write_workload

pytestmark = [pytest.mark.anvil, pytest.mark.slow]

# 120,000 tx/s offered from one process sending one request per transaction, while busy loops hold every
# core: the schedule slips, and the cause is on chainmark's side (the machine). Without the busy loops the
# lean send path (about 25,000 requests per CPU-second here) now outruns what Anvil accepts one request at a
# time (about 8,000/s), so a slip would be the node's (`node-slow-to-accept`, a flag), not the generator's.
OVERDRIVEN = """
name: overdriven
target:
  url: {url}
  batch: off
accounts:
  count: 50
  seed: 3
rounds:
  - label: warmup
    warmup: true
    tx_count: 20
    rate: {{type: fixed-rate, tps: 20}}
  - label: flood
    tx_count: 6000
    rate: {{type: fixed-rate, tps: 120000}}
"""


def test_a_generator_bound_round_is_invalid_and_fails_strict(tmp_path: Path, anvil: ManagedAnvil) -> None:
    workload = write_workload(tmp_path / "w.yaml", OVERDRIVEN.format(url=anvil.url))
    spinners = [
        subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(os.cpu_count() or 2)
    ]
    try:
        done = chainmark("run", str(workload), "--out", str(tmp_path / "out"), "--strict", timeout=300)
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()
    assert done.returncode == 4, done.stderr
    rounds = {r["label"]: r for r in read_summary(only_run_dir(tmp_path / "out"))["rounds"]}
    warm, flood = rounds["warmup"], rounds["flood"]
    assert warm["valid"] is True
    assert flood["valid"] is False
    # which of the generator-side causes depends on what else the 2 cores were doing meanwhile
    codes = {r["code"] for r in flood["invalid_reasons"]}
    assert codes & {"generator-cpu-bound", "machine-saturated", "schedule-not-held"}, flood["invalid_reasons"]
    assert not flood["flags"], "the node answered in time: not a finding about the node"
    assert flood["schedule_lag_s"]["p99"] > 0.1
    assert flood["confirmed"] == 6000, "the node took them all: the generator, not the node, was slow"
    strict = [line for line in done.stderr.splitlines() if line.startswith("strict: ")]
    assert len(strict) == 1 and "round 'flood' is invalid" in strict[0]
    assert "INVALID: " in done.stdout

    # gated against an on-schedule run of the same workload, the invalid round is left out: the gate fails
    calm = write_workload(tmp_path / "calm.yaml", OVERDRIVEN.format(url=anvil.url).replace("120000", "1000"))
    baseline = chainmark("run", str(calm), "--out", str(tmp_path / "calm"), "-q", timeout=300)
    assert baseline.returncode == 0, baseline.stderr
    calm_rounds = read_summary(only_run_dir(tmp_path / "calm"))["rounds"]
    assert all(r["valid"] for r in calm_rounds), [r["invalid_reasons"] for r in calm_rounds]
    runs = [str(only_run_dir(tmp_path / "calm")), str(only_run_dir(tmp_path / "out"))]
    gated = chainmark("compare", *runs, "-o", str(tmp_path / "cmp"), "--fail-if", "throughput_tps<-50%")
    assert gated.returncode == 3, gated.stderr
    assert "round 'flood'" in gated.stderr and "left out of ratios" in gated.stderr
    doc = json.loads((tmp_path / "cmp" / "comparison.json").read_text(encoding="utf-8"))
    flood = next(e for e in doc["rounds"] if e["label"] == "flood")["runs"][1]
    assert flood["left_out"] and flood["ratio"]["throughput_tps"] is None
    allowed = chainmark(
        "compare", *runs, "-o", str(tmp_path / "cmp2"), "--fail-if", "throughput_tps<-50%", "--allow-invalid"
    )
    assert "left out of ratios" not in allowed.stderr
    doc = json.loads((tmp_path / "cmp2" / "comparison.json").read_text(encoding="utf-8"))
    flood = next(e for e in doc["rounds"] if e["label"] == "flood")["runs"][1]
    assert not flood["left_out"] and flood["ratio"]["throughput_tps"] is not None
