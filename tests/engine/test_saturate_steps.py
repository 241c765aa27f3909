"""`chainmark saturate`'s steps through the real engine, in-process, on the fake chain: every step planned,
prepared and sent as rounds of one run (numbered on, ids unique), saturation.json built from them, and an
interrupted search keeping the steps it measured."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.chains.registry import CHAINS
from bench.engine import RunOptions
from bench.results.store import RunStore
from bench.saturate.run import run_saturation
from bench.saturate.search import SearchConfig
from bench.saturate.slo import parse_slo
from bench.saturate.steps import StepPlan
from bench.workload.spec import Accounts, FixedRate, Round, Target, Workload
from tests.fakes.chain import URL, FakeNode, fake_family, tx_hash
from tests.fakes.runner import FakeRunners
from tests.runhelpers import only_run_dir, read_summary

TEMPLATE = Round(label="steady", rate=FixedRate(5.0), duration=2.0, line=1)
WORKLOAD = Workload(
    name="fake-saturate",
    rounds=(TEMPLATE,),
    target=Target(chain="fake", url=URL, confirm_grace=3.0),
    accounts=Accounts(count=4, seed=7),
    text="name: fake-saturate\n",
)
STEPS = StepPlan(
    TEMPLATE, SearchConfig(start_tps=5.0, max_tps=20.0), (parse_slo("latency_s.p99<5s"),), 2.0, 1.0
)


def _saturate(node: FakeNode, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setitem(CHAINS, "fake", fake_family(node))
    result = run_saturation(
        WORKLOAD, RunOptions(tmp_path / "out"), STEPS, None, FakeRunners(node), node.clock
    )
    return result.run_dir


def test_every_step_is_planned_and_stored_as_rounds_of_one_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    node = FakeNode()
    run_dir = _saturate(node, tmp_path, monkeypatch)
    sat = json.loads((run_dir / "saturation.json").read_text(encoding="utf-8"))
    # the fake node keeps up with anything: doubling from 5 tx/s to --max-tps 20
    assert [(s["offered_tps"], s["held"]) for s in sat["steps"]] == [(5.0, True), (10.0, True), (20.0, True)]
    assert (sat["max_tps"], sat["stop"]) == (20.0, "max-tps")
    assert node.log.count("plan") == 3 and node.log.count("prepare") == 3  # each step before its own clock
    labels = ["step-01-5tps-warmup", "step-01-5tps", "step-02-10tps-warmup", "step-02-10tps"]
    labels += ["step-03-20tps-warmup", "step-03-20tps"]
    assert [r["label"] for r in read_summary(run_dir)["rounds"]] == labels
    counts = [5, 10, 10, 20, 20, 40]  # rate x (1 s warm-up, 2 s step)
    store = RunStore(run_dir / "results.sqlite")
    try:
        assert store.query("SELECT idx, label, planned FROM rounds ORDER BY idx") == [
            (i, label, n) for i, (label, n) in enumerate(zip(labels, counts, strict=True))
        ]
        ids = [i for (i,) in store.query("SELECT id FROM txs ORDER BY id")]
        hashes = {bytes(h): i for i, h in store.query("SELECT id, hash FROM txs")}
    finally:
        store.close()
    assert ids == list(range(sum(counts)))
    assert [r.tx_id for r in node.received] == ids  # each sent once, in order, under its own id
    assert all(hashes[tx_hash(r.raw)] == r.tx_id for r in node.received)
    steps = {s["label"]: s for s in sat["steps"]}
    assert steps["step-03-20tps"]["success_rate"] == 1.0 and steps["step-03-20tps"]["valid"] is True
    assert (run_dir / "saturation.html").is_file()


def test_an_interrupted_search_keeps_the_steps_it_measured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    node = FakeNode(stop_at="send 20")  # in step 2's measured round (ids 15..34)
    with pytest.raises(KeyboardInterrupt):
        _saturate(node, tmp_path, monkeypatch)
    run_dir = only_run_dir(tmp_path / "out")
    sat = json.loads((run_dir / "saturation.json").read_text(encoding="utf-8"))
    assert [s["label"] for s in sat["steps"]] == ["step-01-5tps"]
    assert sat["status"] == "interrupted" and sat["max_tps"] is None
    assert sat["finding"] == "the search did not finish (the run interrupted)"
