"""bench.results.summary, round_summary and percentiles: a summary is frozen records between the layers,
made JSON once when summary.json is written and read back once, to the same document."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from bench.results.percentiles import AcceptedLatency, Censored, Percentiles
from bench.results.round_summary import ReadOutcome, RoundSummary, WorkerLag, WriteOutcome
from bench.results.stats import summarize
from bench.results.store import RunStore
from bench.results.summary import RunSummary, build_summary, read_summary, run_summary
from bench.results.verdict import Finding, Verdict
from tests.results.mixed_store import mixed_store

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "run-summary-v1"


def _text(doc: dict[str, object]) -> str:
    return json.dumps(doc, indent=2, sort_keys=False) + "\n"  # as bench.report.outputs writes it


@pytest.fixture
def mixed(tmp_path: Path) -> RunSummary:
    store = mixed_store(tmp_path / "results.sqlite")
    summary = run_summary(store)
    store.close()
    return summary


def test_summary_json_reads_back_to_the_same_bytes(mixed: RunSummary, tmp_path: Path) -> None:
    text = _text(mixed.as_json())
    (tmp_path / "summary.json").write_text(text, encoding="utf-8")
    assert _text(read_summary(tmp_path / "summary.json").as_json()) == text


def test_a_rebuilt_schema_1_store_reads_back_to_the_same_bytes(tmp_path: Path) -> None:
    shutil.copy(FIXTURE / "results.sqlite", tmp_path / "results.sqlite")
    store = RunStore(tmp_path / "results.sqlite")
    text = _text(build_summary(store))
    store.close()
    assert _text(RunSummary.from_json(json.loads(text)).as_json()) == text


def test_build_summary_is_the_records_json(tmp_path: Path) -> None:
    store = mixed_store(tmp_path / "results.sqlite")
    assert build_summary(store) == run_summary(store, summarize(store)).as_json()
    store.close()


def test_a_round_read_back_is_records_all_the_way_down(mixed: RunSummary) -> None:
    back = RunSummary.from_json(json.loads(json.dumps(mixed.as_json())))
    mix = back.round("mix")
    assert mix is not None and back.labels == ["mix", "warm"] and mix.index == 0
    assert isinstance(mix.latency_s, AcceptedLatency) and isinstance(mix.schedule_lag_s, Percentiles)
    assert isinstance(mix.reads, ReadOutcome) and mix.reads.ok == mix.reads.sent == 20
    assert isinstance(mix.by_kind["balance-read"], ReadOutcome)
    assert isinstance(mix.by_kind["transfer"], WriteOutcome)
    assert all(isinstance(lag, WorkerLag) for lag in mix.by_worker.values())
    assert mix.verdict == Verdict((Finding("worker-lost", mix.verdict.invalid[0].detail),), valid=False)
    assert (mix.valid, back.rounds[1].valid) == (False, True)
    assert mix.window_s is not None and len(mix.window_s) == 2
    assert back.workers == mixed.workers and back.target == mixed.target


def test_a_round_without_a_verdict_has_none_and_counts_as_valid() -> None:
    (old,) = RunSummary.from_json({"rounds": [{"label": "a", "sent": 3}]}).rounds
    assert (old.verdict, old.valid, old.sent, old.confirmed, old.latency_s.p50) == (None, True, 3, 0, None)
    assert "valid" not in old.as_json()


def test_a_hand_edited_verdict_is_read_as_it_says() -> None:
    (r,) = RunSummary.from_json({"rounds": [{"label": "a", "valid": False}]}).rounds
    assert r.verdict == Verdict((), (), valid=False) and not r.valid


def test_failure_rate() -> None:
    (r,) = RunSummary.from_json({"rounds": [{"sent": 10, "failed": {"nonce": 2}, "timed_out": 3}]}).rounds
    (idle,) = RunSummary.from_json({"rounds": [{}]}).rounds
    assert (r.failure_rate, idle.failure_rate) == (0.5, None)


# ---- percentiles -----------------------------------------------------------------------------------------


def test_percentiles_are_a_mapping_keyed_as_the_file() -> None:
    p = Percentiles(p50=0.5, max=2.0)
    assert p == {"p50": 0.5, "p90": None, "p99": None, "p999": None, "max": 2.0, "mean": None}
    assert (p["p50"], p.p50, list(p), len(p)) == (0.5, 0.5, ["p50", "p90", "p99", "p999", "max", "mean"], 6)
    assert p.ordered() == (0.5, None, None, None, 2.0, None)
    with pytest.raises(KeyError):
        p["p42"]
    assert Percentiles.from_json({"p99": 1.5}) == Percentiles(p99=1.5)
    assert Percentiles.from_json(None) == Percentiles()


def test_accepted_latency_adds_the_censoring() -> None:
    latency = AcceptedLatency(p50=0.5, confirmed_fraction=0.6, censored_above_s=9.1)
    assert list(latency)[-2:] == ["confirmed_fraction", "censored_above_s"]
    assert latency.as_json()["censored_above_s"] == 9.1
    assert (latency.censorable(latency.p50), latency.censorable(latency.p99)) == (0.5, Censored(9.1))
    assert AcceptedLatency().censorable(None) is None  # no bound: no data, not censored
    assert Percentiles().censorable(None) is None


def test_round_summary_is_frozen(mixed: RunSummary) -> None:
    with pytest.raises(AttributeError):
        mixed.rounds[0].sent = 1  # type: ignore[misc]
    assert isinstance(mixed.rounds[0], RoundSummary) and np.isfinite(mixed.rounds[0].send_rate_tps)
