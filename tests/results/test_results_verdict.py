"""bench.results.verdict and bench.results.round_facts: the verdict rules on hand-written facts, then the
facts gathered from hand-built run stores with known times, and the verdict they give in the summary."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bench.results.round_data import load_round
from bench.results.round_facts import RAN_OUT_NOTE, RoundRow, round_facts
from bench.results.stats import RoundSummary, summarize
from bench.results.store import RunStore
from bench.results.summary import build_summary
from bench.results.verdict import (
    CPU_BOUND,
    FILL_FLOOR,
    HOST_BOUND,
    LAG_BOUND_S,
    RATE_FLOOR,
    Finding,
    RoundFacts,
    Verdict,
    judge,
)

FIXED_RATE = {"type": "fixed-rate", "tps": 10.0}
BACKLOG = {"type": "fixed-backlog", "in_flight": 4}

# An open-loop round of 100 sends that kept its 100 tx/s schedule, on an idle generator and machine.
ON_SCHEDULE = RoundFacts(
    open_loop=True,
    sent=100,
    lag_p99_s=0.002,
    planned_rate_tps=100.0,
    send_rate_tps=100.0,
    shortfall_s=0.0,
    generator_cpu=0.20,
    host_cpu=0.30,
    senders=2,
    late_all_busy=None,
    submit_p50_s=0.005,
    submit_p99_s=0.010,
)
LATE = replace(ON_SCHEDULE, lag_p99_s=0.300)  # schedule lag p99 over the 100 ms bound
SLOW_RATE = replace(ON_SCHEDULE, send_rate_tps=90.0, shortfall_s=0.5)  # on time per send, but too slow
# A closed loop whose backlog averaged half its bound of 4.
HALF_BACKLOG = RoundFacts(
    open_loop=False,
    sent=100,
    lag_p99_s=5.0,  # a closed loop has no schedule: its lag says nothing
    send_rate_tps=50.0,
    generator_cpu=0.20,
    host_cpu=0.30,
    senders=4,
    backlog_fill=0.5,
    backlog_bound=4,
)


def _codes(findings: tuple[Finding, ...]) -> list[str]:
    return [f.code for f in findings]


# ---- judge: the rules ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("facts", "invalid", "flags"),
    [
        pytest.param(ON_SCHEDULE, [], [], id="open-loop-on-schedule"),
        pytest.param(replace(ON_SCHEDULE, lag_p99_s=LAG_BOUND_S), [], [], id="lag-exactly-at-bound"),
        pytest.param(replace(LATE, generator_cpu=0.95), ["generator-cpu-bound"], [], id="late-generator-cpu"),
        pytest.param(replace(LATE, host_cpu=0.95), ["machine-saturated"], [], id="late-machine-saturated"),
        pytest.param(
            replace(LATE, generator_cpu=CPU_BOUND, host_cpu=HOST_BOUND),
            ["schedule-not-held"],
            [],
            id="cpu-exactly-at-bounds-is-no-cause",
        ),
        pytest.param(
            replace(LATE, late_all_busy=0.8), [], ["node-slow-to-accept"], id="late-senders-all-busy"
        ),
        pytest.param(
            replace(LATE, late_all_busy=0.5), [], ["node-slow-to-accept"], id="late-busy-exactly-half"
        ),
        pytest.param(replace(LATE, late_all_busy=0.4), ["schedule-not-held"], [], id="late-busy-under-half"),
        pytest.param(LATE, ["schedule-not-held"], [], id="late-no-cause"),
        pytest.param(
            replace(LATE, generator_cpu=None, host_cpu=None), ["schedule-not-held"], [], id="no-cpu"
        ),
        pytest.param(SLOW_RATE, ["schedule-not-held"], [], id="send-rate-under-floor"),
        pytest.param(
            replace(SLOW_RATE, send_rate_tps=RATE_FLOOR * 100.0), [], [], id="send-rate-exactly-at-floor"
        ),
        pytest.param(
            replace(SLOW_RATE, send_rate_tps=50.0, shortfall_s=0.5, generator_cpu=0.95),
            ["generator-cpu-bound"],
            [],
            id="send-rate-under-floor-cpu-bound",
        ),
        pytest.param(
            # 3 sends planned 10 ms apart went out 40 ms apart: half the rate, but only 60 ms late in all
            replace(ON_SCHEDULE, sent=3, planned_rate_tps=100.0, send_rate_tps=25.0, shortfall_s=0.06),
            [],
            [],
            id="tiny-round-shortfall-under-bound",
        ),
        pytest.param(replace(SLOW_RATE, shortfall_s=LAG_BOUND_S), [], [], id="shortfall-exactly-at-bound"),
        pytest.param(
            replace(SLOW_RATE, planned_rate_tps=None), [], [], id="no-planned-rate-no-rate-criterion"
        ),
        pytest.param(
            replace(LATE, generator_cpu=0.95, late_all_busy=0.8),
            ["generator-cpu-bound"],
            [],
            id="generator-cause-beats-node-cause",
        ),
        pytest.param(
            replace(LATE, host_cpu=0.95, late_all_busy=1.0),
            ["machine-saturated"],
            [],
            id="machine-cause-beats-node-cause",
        ),
        pytest.param(
            replace(LATE, generator_cpu=0.95, host_cpu=0.95),
            ["generator-cpu-bound"],
            [],
            id="generator-cause-beats-machine-cause",
        ),
        pytest.param(
            replace(HALF_BACKLOG, generator_cpu=0.95), ["backlog-not-filled"], [], id="backlog-half-cpu-bound"
        ),
        pytest.param(
            replace(HALF_BACKLOG, host_cpu=0.95), ["backlog-not-filled"], [], id="backlog-half-machine"
        ),
        pytest.param(HALF_BACKLOG, [], [], id="backlog-half-idle-cpu"),
        pytest.param(
            replace(HALF_BACKLOG, backlog_fill=FILL_FLOOR, generator_cpu=0.95),
            [],
            [],
            id="backlog-at-floor-cpu-bound",
        ),
        pytest.param(
            replace(HALF_BACKLOG, backlog_fill=None, generator_cpu=0.95), [], [], id="backlog-unknown"
        ),
        pytest.param(
            replace(HALF_BACKLOG, late_all_busy=1.0), [], [], id="closed-loop-never-node-slow-to-accept"
        ),
        pytest.param(
            replace(ON_SCHEDULE, observer_lost="connection reset"), ["observer-lost"], [], id="observer-lost"
        ),
        pytest.param(
            replace(ON_SCHEDULE, workers_lost=("worker 1 was lost", "worker 3 was lost")),
            ["worker-lost", "worker-lost"],
            [],
            id="two-workers-lost",
        ),
        pytest.param(
            replace(LATE, observer_lost="gone", generator_cpu=0.95),
            ["observer-lost", "generator-cpu-bound"],
            [],
            id="observer-lost-and-late",
        ),
        pytest.param(replace(ON_SCHEDULE, ran_out=True), [], ["pool-ran-out"], id="pool-ran-out"),
        pytest.param(
            replace(LATE, ran_out=True, late_all_busy=0.9),
            [],
            ["pool-ran-out", "node-slow-to-accept"],
            id="pool-ran-out-and-node-slow",
        ),
        pytest.param(
            replace(LATE, sent=1, lag_p99_s=9.0, generator_cpu=0.99), [], [], id="one-send-no-schedule"
        ),
        pytest.param(replace(LATE, sent=0, generator_cpu=0.99), [], [], id="no-sends-no-schedule"),
        pytest.param(
            replace(HALF_BACKLOG, sent=1, generator_cpu=0.99), [], [], id="one-send-no-backlog-verdict"
        ),
        pytest.param(
            replace(ON_SCHEDULE, sent=1, observer_lost="gone"),
            ["observer-lost"],
            [],
            id="one-send-still-observer-lost",
        ),
    ],
)
def test_judge(facts: RoundFacts, invalid: list[str], flags: list[str]) -> None:
    verdict = judge(facts)
    assert (_codes(verdict.invalid), _codes(verdict.flags)) == (invalid, flags)
    assert verdict.valid is (not invalid)


@pytest.mark.parametrize(
    ("facts", "code", "parts"),
    [
        pytest.param(
            replace(LATE, generator_cpu=0.95),
            "generator-cpu-bound",
            ["schedule lag p99 300 ms (bound 100 ms)", "chainmark 95% of a core per sending process"],
            id="generator",
        ),
        pytest.param(
            replace(LATE, host_cpu=0.95),
            "machine-saturated",
            ["schedule lag p99 300 ms", "machine CPUs 95% busy"],
            id="machine",
        ),
        pytest.param(
            replace(LATE, late_all_busy=0.8, senders=3, submit_p50_s=0.25, submit_p99_s=1.5),
            "node-slow-to-accept",
            [
                "all 3 senders were waiting on the node's answers for 80% of the late sends",
                "submission latency p50 250 ms, p99 1,500 ms",
                "more `senders`",
            ],
            id="node",
        ),
        pytest.param(
            replace(LATE, late_all_busy=0.8, submit_p50_s=None, submit_p99_s=None),
            "node-slow-to-accept",
            ["submission latency p50 -, p99 -"],
            id="node-no-submit-latency",
        ),
        pytest.param(
            SLOW_RATE,
            "schedule-not-held",
            ["sent 90.0 tx/s of the planned 100.0 tx/s (90%, floor 95%)", "no cause on the node's side"],
            id="rate",
        ),
        pytest.param(
            replace(LATE, generator_cpu=None, host_cpu=None),
            "schedule-not-held",
            ["CPU not measured"],
            id="no-cpu",
        ),
        pytest.param(
            replace(HALF_BACKLOG, generator_cpu=0.95),
            "backlog-not-filled",
            ["the backlog averaged 50% of its bound of 4 (floor 90%)", "the generator was the limit"],
            id="backlog",
        ),
        pytest.param(
            replace(ON_SCHEDULE, observer_lost="connection reset"),
            "observer-lost",
            ["the block observer lost the node: connection reset"],
            id="observer",
        ),
        pytest.param(
            replace(ON_SCHEDULE, workers_lost=("worker 1 was lost in the round",)),
            "worker-lost",
            ["worker 1 was lost in the round"],
            id="worker",
        ),
        pytest.param(
            replace(ON_SCHEDULE, ran_out=True), "pool-ran-out", ["pre-signed pool ran out"], id="ran-out"
        ),
    ],
)
def test_finding_details_name_the_figures(facts: RoundFacts, code: str, parts: list[str]) -> None:
    verdict = judge(facts)
    (finding,) = [f for f in (*verdict.invalid, *verdict.flags) if f.code == code]
    for part in parts:
        assert part in finding.detail


def test_verdict_as_json_shape() -> None:
    verdict = judge(replace(LATE, observer_lost="gone", ran_out=True, late_all_busy=0.9))
    doc = verdict.as_json()
    assert list(doc) == ["valid", "invalid_reasons", "flags"]
    assert doc["valid"] is False
    assert [r["code"] for r in doc["invalid_reasons"]] == ["observer-lost"]
    assert [f["code"] for f in doc["flags"]] == ["pool-ran-out", "node-slow-to-accept"]
    for finding in (*doc["invalid_reasons"], *doc["flags"]):
        assert set(finding) == {"code", "detail"}
        assert all(isinstance(v, str) for v in finding.values())
    assert Verdict().as_json() == {"valid": True, "invalid_reasons": [], "flags": []}
    assert Finding("x", "y").as_json() == {"code": "x", "detail": "y"}


# ---- facts from a hand-built store: an open-loop round 300 ms late --------------------------------------


def _block(number: int, seen: float) -> tuple[int, int, float, int, int, int, int | None, int | None]:
    return (number, int(seen), seen, 1, 21_000, 30_000_000, 7, 600)


def _host(
    t: float, cpu_percent: float, source: str = "host"
) -> tuple[float, str, float, int, int, int, int, int]:
    return (t, source, cpu_percent, 1 << 30, 0, 0, 0, 0)


LATE_N = 20
LATE_START, LATE_END = 1000.0, 1002.5  # the round's 2.5 s; sends end at 1002.2, answers at 1002.4


def _late_round(store: RunStore, *, busy: bool, users: int = 2) -> None:
    """Round 0, fixed-rate 10 tx/s, 20 writes: tx i intended at 1000 + i/10 and sent 300 ms late.

    Two users (one sending process). `busy`: user i % 2 sends tx i and gets its answer at the very
    moment it sends tx i + 2 (200 ms later), so every send after the second leaves the moment its user
    is freed while the other user waits on the node: 18 of 20 late sends held back by the senders (tx 1
    left late from an idle user: no answer had freed it). Otherwise answers come 10 ms after each
    send and no late send found the senders busy. Each tx is seen in its own block 500 ms after sending.
    `users` is what the round's load row says (the times above are for 2)."""
    store.add_round(0, "late", False, FIXED_RATE, LATE_N)
    store.update_round(0, started=LATE_START, ended=LATE_END, load={"users": users, "processes": 1})
    intended = [LATE_START + i / 10 for i in range(LATE_N)]
    sent = [t + 0.3 for t in intended]
    if busy:
        answered = [sent[i + 2] if i + 2 < LATE_N else sent[i] + 0.2 for i in range(LATE_N)]
    else:
        answered = [s + 0.01 for s in sent]
    store.add_txs((i, 0, i, i % 2, i // 2, (i + 1).to_bytes(32, "big"), "transfer") for i in range(LATE_N))
    store.add_sends((i, intended[i], sent[i], answered[i], None) for i in range(LATE_N))
    store.add_blocks(_block(100 + i, sent[i] + 0.5) for i in range(LATE_N))
    store.add_inclusions((i, 100 + i, sent[i] + 0.5) for i in range(LATE_N))
    store.add_receipts((i, 1, 21_000) for i in range(LATE_N))


@pytest.fixture
def writer(tmp_path: Path) -> Iterator[RunStore]:
    store = RunStore(tmp_path / "results.sqlite", create=True)
    store.set_meta(workload="synthetic", status="completed")
    yield store
    store.close()


def _only(store: RunStore) -> RoundSummary:
    (summary,) = summarize(store)
    return summary


# Host samples inside the round (t in (started, ended + 1]) and two idle ones outside it: were those
# two counted, the mean would halve and no machine would look saturated.
SATURATED_2_CORES = [_host(990.0, 0.0), *(_host(t, 190.0) for t in (1000.5, 1001.5, 1002.5, 1003.5))]
SATURATED_2_CORES.append(_host(1004.0, 0.0))


@pytest.mark.parametrize(
    ("busy", "cpu_s", "resources", "machine", "invalid", "flags"),
    [
        pytest.param(True, None, [], None, [], ["node-slow-to-accept"], id="senders-busy"),
        pytest.param(True, 0.5, [], None, [], ["node-slow-to-accept"], id="senders-busy-generator-idle"),
        pytest.param(True, 2.5, [], None, ["generator-cpu-bound"], [], id="generator-cpu-bound"),
        pytest.param(
            True, None, SATURATED_2_CORES, {"cores": 2}, ["machine-saturated"], [], id="host-190%-of-2-cores"
        ),
        pytest.param(
            True,
            None,
            SATURATED_2_CORES,
            {"cores": 4},
            [],
            ["node-slow-to-accept"],
            id="host-190%-of-4-cores",
        ),
        pytest.param(
            True,
            None,
            [_host(t, 390.0, "node") for t in (1000.5, 1001.5)] + [_host(t, 50.0) for t in (1000.5, 1001.5)],
            {"cores": 2},
            [],
            ["node-slow-to-accept"],
            id="node-cpu-is-not-the-machine",
        ),
        pytest.param(False, None, [], None, ["schedule-not-held"], [], id="senders-idle-no-cause"),
        pytest.param(
            False, 2.5, [], None, ["generator-cpu-bound"], [], id="senders-idle-generator-cpu-bound"
        ),
    ],
)
def test_late_round_verdict_in_the_summary(
    writer: RunStore,
    busy: bool,
    cpu_s: float | None,
    resources: list[tuple[float, str, float, int, int, int, int, int]],
    machine: dict[str, int] | None,
    invalid: list[str],
    flags: list[str],
) -> None:
    _late_round(writer, busy=busy)
    writer.update_round(0, generator_cpu_s=cpu_s)
    writer.add_resources(resources)
    if machine is not None:
        writer.set_meta(machine=machine)
    summary = _only(writer)
    assert summary.schedule_lag_s["p99"] == pytest.approx(0.3)
    assert summary.load == {"users": 2, "processes": 1}
    assert (_codes(summary.verdict.invalid), _codes(summary.verdict.flags)) == (invalid, flags)
    doc = summary.as_json()
    assert doc["valid"] is (not invalid)
    assert [f["code"] for f in doc["invalid_reasons"]] == invalid
    assert [f["code"] for f in doc["flags"]] == flags
    # the numbers still count: only the verdict says who shaped them
    assert (summary.sent, summary.confirmed, summary.success_rate) == (LATE_N, LATE_N, 1.0)


def test_late_round_node_flag_names_senders_and_submission_latency(writer: RunStore) -> None:
    _late_round(writer, busy=True)
    (flag,) = _only(writer).verdict.flags
    assert flag.code == "node-slow-to-accept"
    assert "all 2 senders were waiting on the node's answers for 90% of the late sends" in flag.detail
    assert "submission latency p50 200 ms, p99 200 ms" in flag.detail
    assert flag.detail.startswith("schedule lag p99 300 ms (bound 100 ms)")


def _row(store: RunStore, idx: int) -> RoundRow:
    ((controller, started, ended, cpu, load, notes),) = store.query(
        "SELECT controller, started, ended, generator_cpu_s, load, notes FROM rounds WHERE idx = ?", (idx,)
    )
    return RoundRow(
        idx, json.loads(controller), started, ended, cpu, json.loads(load or "{}"), json.loads(notes)
    )


def _facts(store: RunStore, idx: int, lag_p99: float | None = None) -> RoundFacts:
    return round_facts(store, store.meta(), _row(store, idx), load_round(store, idx), lag_p99, {})


@pytest.mark.parametrize(
    ("busy", "cpu_s", "late_all_busy", "generator_cpu"),
    [
        pytest.param(True, None, 18 / 20, None, id="busy"),
        pytest.param(True, 2.5, 18 / 20, 1.0, id="busy-cpu-bound"),
        pytest.param(False, 1.25, 0.0, 0.5, id="idle-senders"),
    ],
)
def test_late_round_facts(
    writer: RunStore, busy: bool, cpu_s: float | None, late_all_busy: float, generator_cpu: float | None
) -> None:
    _late_round(writer, busy=busy)
    writer.update_round(0, generator_cpu_s=cpu_s)
    facts = _facts(writer, 0, lag_p99=0.3)
    assert (facts.open_loop, facts.sent, facts.senders, facts.lag_p99_s) == (True, LATE_N, 2, 0.3)
    assert facts.late_all_busy == pytest.approx(late_all_busy, abs=1e-12)
    assert facts.generator_cpu == (None if generator_cpu is None else pytest.approx(generator_cpu))
    assert facts.planned_rate_tps == pytest.approx(10.0)
    assert facts.send_rate_tps == pytest.approx(10.0)
    assert facts.shortfall_s == pytest.approx(0.0, abs=1e-9)
    assert (facts.host_cpu, facts.backlog_fill, facts.backlog_bound) == (None, None, None)
    assert (facts.observer_lost, facts.workers_lost, facts.ran_out) == (None, (), False)


@pytest.mark.parametrize(
    ("users", "hung"),
    [
        pytest.param(1, False, id="one-user"),
        pytest.param(2, True, id="two-users-one-hung-on-its-first-send"),
    ],
)
def test_late_sends_from_an_idle_sender_are_not_node_slow_to_accept(
    writer: RunStore, users: int, hung: bool
) -> None:
    """300 ms behind a 10 tx/s schedule while the node answered every submission in 10 ms: the user that
    sent each late tx had sat idle 90 ms before it, so it was not waiting on the node's answers, and
    nothing on the node's side held the schedule back (no CPU measured either): `schedule-not-held`.
    `hung`: tx 0 is never answered, so one of the 2 users waits all round while the other sends the rest;
    that user was idle just the same."""
    _late_round(writer, busy=False, users=users)
    if hung:
        writer.db.execute("UPDATE sends SET answered = NULL WHERE tx = 0")
    summary = _only(writer)
    assert summary.submit_latency_s["p99"] == pytest.approx(0.01)
    assert (_codes(summary.verdict.invalid), _codes(summary.verdict.flags)) == (["schedule-not-held"], []), [
        f.detail for f in summary.verdict.flags
    ]


def test_pool_ran_out_note_flags_the_round(writer: RunStore) -> None:
    _late_round(writer, busy=True)
    writer.update_round(0, notes=[f"{RAN_OUT_NOTE} (sign a larger pool)"])
    summary = _only(writer)
    assert _codes(summary.verdict.flags) == ["pool-ran-out", "node-slow-to-accept"]
    assert summary.verdict.valid


# ---- a closed loop whose outstanding count is known exactly ---------------------------------------------

B_START, B_END = 2000.0, 2010.0


def _backlog_round(store: RunStore, *, never_seen_at: float | None = None) -> None:
    """Round 1, fixed-backlog of 4 over [2000, 2010]: two chains keep exactly 2 outstanding all along.

    chain A: write k (k = 0..9) sent at 2000 + k, seen in a block at 2001 + k, the moment write k + 1 goes.
    chain B: a rejected write sent at 2000 (outstanding until its answer at 2000.5), then a read sent at
      2000.5 (outstanding until its answer at 2001.5), then writes sent at 2001.5 + k (k = 0..8), each
      seen at 2002.5 + k; the last is seen at 2010.5, after the round's end.
    `never_seen_at`: one more write, sent then and never seen in a block (outstanding to the end).
    Every time is a multiple of 1/2, exact in binary: the area under the outstanding count is exact."""
    store.add_round(1, "backlog", False, BACKLOG, 30)
    store.update_round(1, started=B_START, ended=B_END, load={"users": 4, "processes": 1})
    txs: list[tuple[int, int, int, int, int, bytes, str]] = []
    sends: list[tuple[int, float, float, float | None, str | None]] = []
    seen: list[tuple[int, float]] = []

    def write(tx: int, at: float, seen_at: float | None, error: str | None = None) -> None:
        txs.append((tx, 1, tx, tx % 3, tx, tx.to_bytes(32, "big"), "transfer"))
        sends.append((tx, at, at, at + 0.25 if error is None else at + 0.5, error))
        if seen_at is not None:
            seen.append((tx, seen_at))

    for k in range(10):
        write(200 + k, B_START + k, B_START + k + 1)
    write(300, B_START, None, error="nonce too low")
    txs.append((301, 1, 301, -1, -1, b"", "balance-read"))
    sends.append((301, B_START + 0.5, B_START + 0.5, B_START + 1.5, None))
    for k in range(9):
        write(310 + k, B_START + 1.5 + k, B_START + 2.5 + k)
    if never_seen_at is not None:
        write(400, never_seen_at, None)
    store.add_txs(txs)
    store.add_sends(sends)
    store.add_blocks(_block(500 + i, t) for i, t in enumerate(sorted({t for _, t in seen})))
    numbers = {t: 500 + i for i, t in enumerate(sorted({t for _, t in seen}))}
    store.add_inclusions((tx, numbers[t], t) for tx, t in seen)


@pytest.mark.parametrize(
    ("never_seen_at", "fill"),
    [
        pytest.param(None, 0.5, id="two-of-four-all-along"),
        pytest.param(B_START + 5.0, (2 * 10 + 5) / 40, id="and-one-never-seen-from-halfway"),
        pytest.param(B_START - 3.0, 0.75, id="and-one-never-seen-from-before-the-start"),
    ],
)
def test_backlog_fill_is_the_time_average_of_outstanding(
    writer: RunStore, never_seen_at: float | None, fill: float
) -> None:
    _backlog_round(writer, never_seen_at=never_seen_at)
    facts = _facts(writer, 1)
    assert facts.open_loop is False
    assert facts.backlog_bound == 4
    assert facts.backlog_fill is not None
    assert math.isclose(facts.backlog_fill, fill, rel_tol=0.0, abs_tol=1e-9)
    assert (facts.planned_rate_tps, facts.late_all_busy, facts.senders) == (None, None, 4)


@pytest.mark.parametrize(
    ("cpu_s", "invalid"),
    [
        pytest.param(None, [], id="cpu-not-measured"),
        pytest.param(2.0, [], id="generator-idle"),
        pytest.param(9.5, ["backlog-not-filled"], id="generator-cpu-bound"),
    ],
)
def test_backlog_round_verdict_in_the_summary(
    writer: RunStore, cpu_s: float | None, invalid: list[str]
) -> None:
    _backlog_round(writer)
    writer.update_round(1, generator_cpu_s=cpu_s)
    summary = _only(writer)
    assert _codes(summary.verdict.invalid) == invalid
    assert summary.verdict.flags == ()
    if invalid:
        assert "the backlog averaged 50% of its bound of 4" in summary.verdict.invalid[0].detail


@pytest.mark.parametrize(
    ("controller", "bound"),
    [
        pytest.param({"type": "maximum-rate", "max_outstanding": 8}, 8, id="maximum-rate"),
        pytest.param({"type": "fixed-concurrency", "clients": 5}, 5, id="fixed-concurrency"),
        pytest.param({"type": "fixed-backlog"}, None, id="fixed-backlog-without-bound"),
    ],
)
def test_backlog_bound_by_controller(writer: RunStore, controller: dict[str, Any], bound: int | None) -> None:
    _backlog_round(writer)
    writer.db.execute("UPDATE rounds SET controller = ? WHERE idx = 1", (json.dumps(controller),))
    facts = _facts(writer, 1)
    assert facts.backlog_bound == bound
    assert (facts.backlog_fill is None) is (bound is None)


# ---- the observer and workers lost -----------------------------------------------------------------------


def _three_rounds(store: RunStore) -> None:
    """Rounds 0, 1, 2 over [1000, 1002], [1010, 1012], [1020, 1022], each 3 on-time writes."""
    for idx in range(3):
        start = 1000.0 + 10 * idx
        store.add_round(idx, f"r{idx}", False, FIXED_RATE, 3)
        store.update_round(idx, started=start, ended=start + 2.0, load={"users": 1, "processes": 1})
        ids = [10 * idx + k for k in range(3)]
        store.add_txs(
            (tx, idx, k, 0, tx, (tx + 1).to_bytes(32, "big"), "transfer") for k, tx in enumerate(ids)
        )
        store.add_sends(
            (tx, start + k / 2, start + k / 2, start + k / 2 + 0.01, None) for k, tx in enumerate(ids)
        )
        store.add_blocks(_block(tx + 1, start + k / 2 + 0.5) for k, tx in enumerate(ids))
        store.add_inclusions((tx, tx + 1, start + k / 2 + 0.5) for k, tx in enumerate(ids))


@pytest.mark.parametrize(
    ("at", "lost"),
    [
        pytest.param(1011.0, [1], id="inside-round-1"),
        pytest.param(1010.0, [1], id="at-round-1-start"),
        pytest.param(1012.9, [1], id="within-1s-after-round-1-end"),
        pytest.param(1005.0, [], id="between-rounds"),
        pytest.param(1001.0, [0], id="inside-round-0"),
    ],
)
def test_observer_lost_invalidates_its_round(writer: RunStore, at: float, lost: list[int]) -> None:
    _three_rounds(writer)
    writer.set_meta(observer_lost={"at": at, "error": "connection reset by peer"})
    summaries = summarize(writer)
    for s in summaries:
        expected = ["observer-lost"] if s.index in lost else []
        assert _codes(s.verdict.invalid) == expected, s.label
        assert s.verdict.valid is (s.index not in lost)
    for idx in lost:
        assert "connection reset by peer" in summaries[idx].verdict.invalid[0].detail


def test_observer_lost_in_a_round_that_never_ended(writer: RunStore) -> None:
    """The run stopped in round 1 (no end time recorded) when the observer lost the node at 1011.5."""
    _three_rounds(writer)
    writer.db.execute("UPDATE rounds SET ended = NULL WHERE idx = 1")
    writer.db.execute("DELETE FROM rounds WHERE idx = 2")
    writer.set_meta(observer_lost={"at": 1011.5, "error": "eth_blockNumber timed out"})
    assert [_codes(s.verdict.invalid) for s in summarize(writer)] == [[], ["observer-lost"]]


def test_observer_lost_later_while_a_round_still_waits_for_blocks(writer: RunStore) -> None:
    """Lost at 1030, after every round ended: round 1 still had a write never seen in a block, so what
    became of it was not observed; rounds 0 and 2 were fully seen before the loss."""
    _three_rounds(writer)
    writer.db.execute("DELETE FROM inclusions WHERE tx = 12")
    writer.set_meta(observer_lost={"at": 1030.0, "error": "websocket closed"})
    assert [_codes(s.verdict.invalid) for s in summarize(writer)] == [[], ["observer-lost"], []]


def test_observer_lost_without_an_error_says_so(writer: RunStore) -> None:
    _three_rounds(writer)
    writer.set_meta(observer_lost={"at": 1011.0})
    (finding,) = summarize(writer)[1].verdict.invalid
    assert finding.detail == "the block observer lost the node: the observer stopped"


def test_worker_lost_invalidates_its_round(writer: RunStore) -> None:
    _three_rounds(writer)
    writer.set_meta(
        workers={
            "count": 3,
            "nodes": [{"index": 0}, {"index": 1, "lost_in_round": 0}, {"index": 2, "lost_in_round": None}],
        }
    )
    summaries = summarize(writer)
    assert [s.verdict.valid for s in summaries] == [False, True, True]
    (finding,) = summaries[0].verdict.invalid
    assert finding.code == "worker-lost"
    assert "worker 1" in finding.detail
    doc = build_summary(writer)
    assert [r["valid"] for r in doc["rounds"]] == [False, True, True]
    assert doc["rounds"][0]["invalid_reasons"] == [finding.as_json()]
