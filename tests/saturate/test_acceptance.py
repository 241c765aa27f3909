"""The acceptance suite: its tests derived from a saturation's maximum, each criterion judged on a store
written here (pass and fail), and its bad invocations as one line with exit status 2."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bench.cli import main
from bench.errors import WorkloadError
from bench.results.acceptance import latency_flat, memory_flat, success_criterion
from bench.results.round_summary import RoundSummary
from bench.results.saturation import write_saturation
from bench.results.store import RunStore
from bench.saturate.acceptance import acceptance_tests, find_saturation
from bench.workload import load_workload
from tests.saturate.synthetic import saturation

ROOT = Path(__file__).resolve().parents[2]
MIB = 2**20


def _store(tmp_path: Path, latency: list[float], rss: list[float] | None = None) -> RunStore:
    """A store with one round of writes, one every 0.1 s, each seen `latency[i]` after its intended time,
    and chainmark's memory (MiB) sampled each second."""
    store = RunStore(tmp_path / "results.sqlite", create=True)
    store.add_round(0, "stability", False, {"type": "fixed-rate"}, len(latency))
    store.add_txs(
        (i, 0, i, i % 7, i // 7, bytes([i % 256, i // 256]) * 16, "transfer") for i in range(len(latency))
    )
    store.add_sends((i, 100 + i / 10, 100 + i / 10, 100 + i / 10 + 0.01, None) for i in range(len(latency)))
    store.add_inclusions((i, 1 + i, 100 + i / 10 + lat) for i, lat in enumerate(latency))
    store.add_resources(
        (100 + t, "chainmark", 10.0, int(m * MIB), 0, 0, 0, 0) for t, m in enumerate(rss or [])
    )
    return store


@pytest.mark.parametrize(
    ("latency", "passed", "detail"),
    [
        (
            [0.5] * 200,
            True,
            "p50 latency drifted +0.000 s over 20 s (tenths' p50 0.500 s -> 0.500 s; bound 1.000 s)",
        ),
        (
            [0.5 + i * 0.025 for i in range(200)],
            False,
            "p50 latency drifted +5.000 s over 20 s",
        ),  # a backlog: +0.25 s each s
        ([0.5, 0.6, 0.5], False, "only 3 confirmed writes: too few to tell"),
    ],
)
def test_latency_flat(tmp_path: Path, latency: list[float], passed: bool, detail: str) -> None:
    store = _store(tmp_path, latency)
    try:
        found = latency_flat("stability", store, 0, block_interval_s=1.0)
    finally:
        store.close()
    assert found.passed is passed and found.detail.startswith(detail), found


@pytest.mark.parametrize(
    ("rss", "passed", "detail"),
    [
        ([200.0] * 30, True, "resident memory grew +0.0 MiB over 29 s (200 -> 200 MiB; bound 32.0 MiB)"),
        (
            [200.0 + 5 * i for i in range(30)],
            False,
            "resident memory grew +145.0 MiB over 29 s (200 -> 345 MiB; ",
        ),
        ([200.0, 201.0], False, "only 2 memory samples in the round: too few to tell"),
    ],
)
def test_memory_flat(tmp_path: Path, rss: list[float], passed: bool, detail: str) -> None:
    store = _store(tmp_path, [0.5] * 20, rss)
    try:
        found = memory_flat("stability", store, (100.0, 200.0))
    finally:
        store.close()
    assert found.passed is passed and found.detail.startswith(detail), found


@pytest.mark.parametrize(
    ("doc", "passed", "detail"),
    [
        (
            {"success_rate": 0.96, "sent": 1000, "send_rate_tps": 100.0, "valid": True},
            True,
            "96.0% of 1,000 sent",
        ),
        (
            {"success_rate": 0.90, "sent": 1000, "send_rate_tps": 100.0, "valid": True},
            False,
            "90.0% of 1,000",
        ),
        (
            {
                "success_rate": 1.0,
                "sent": 1000,
                "send_rate_tps": 70.0,
                "valid": False,
                "invalid_reasons": [{"code": "generator-cpu-bound", "detail": "lag"}],
            },
            False,
            "100.0% of 1,000 sent confirmed at 70.0 tx/s sent, but the round is invalid (generator-cpu-bound: lag)",
        ),
        ({"success_rate": None, "valid": True}, False, "round 'stress' sent nothing: no success rate"),
    ],
)
def test_success_criterion(doc: dict[str, object], passed: bool, detail: str) -> None:
    found = success_criterion("stress", RoundSummary.from_json({"label": "stress", **doc}, 0), 0.95)
    assert (found.passed, found.name) == (passed, "success rate >= 95%") and found.detail.startswith(detail)


def test_tests_derive_from_the_maximum() -> None:
    workload = load_workload(ROOT / "workloads/transfer.yaml")
    sat = dataclasses.replace(saturation("transfer"), round="steady", max_tps=400.0)
    tests = acceptance_tests(sat, workload, stress_s=30.0, stability_s=60.0)
    shapes = {
        t.name: [(r.label, r.warmup, r.rate.tps, r.duration) for r in t.workload.rounds]  # type: ignore[attr-defined]
        for t in tests
    }
    assert shapes == {
        "stress": [("warmup", True, 80.0, 3.0), ("stress", False, 400.0, 30.0)],
        "spike": [("warmup", True, 80.0, 3.0), ("spike", False, 800.0, 10.0)],
        "stability": [("stability", False, 80.0, 60.0)],
    }
    assert [t.workload.name for t in tests] == ["transfer-stress", "transfer-spike", "transfer-stability"]
    with pytest.raises(WorkloadError, match="the saturation found no sustainable rate"):
        acceptance_tests(dataclasses.replace(sat, max_tps=None), workload)


def test_the_newest_saturation_folder_is_found(tmp_path: Path) -> None:
    for name in ("20260101T000000Z-transfer", "20260102T000000Z-transfer"):
        (tmp_path / name).mkdir()
        write_saturation(saturation("transfer"), tmp_path / name)
    (tmp_path / "20260103T000000Z-plain-run").mkdir()
    assert find_saturation(None, tmp_path) == tmp_path / "20260102T000000Z-transfer"


def test_acceptance_without_a_saturation_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "--suite", "acceptance", "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (
        f"error: run --suite acceptance: no saturation folder under {tmp_path} (run `chainmark saturate W.yaml` "
        "first, or give --from-saturation DIR)\n"
    )
    assert main(["run", "--suite", "acceptance", "--from-saturation", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (
        f"error: {tmp_path}: no saturation.json (not a `chainmark saturate` run folder)\n"
    )
    transfer = str(ROOT / "workloads/transfer.yaml")
    assert main(["run", transfer, "--from-saturation", str(tmp_path), "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err == "error: run: --from-saturation goes with --suite acceptance\n"
    assert main(["run", "--suite", "acceptance", "--stability-duration", "5s", "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err == "error: --stability-duration: must be at least 10 s, got '5s'\n"
    assert list(tmp_path.iterdir()) == []
