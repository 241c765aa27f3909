"""The fault scheduler (bench.faults) on a real clock and store, with a recording `apply` standing in for
the managed target's `fault()` (the nodes' own actions are tested on real nodes in
tests/chains/bitcoin/test_bitcoin_faults.py): steps applied in time order and recorded, a fault still in
effect ended when the load ends, the rest skipped; an exec's status, output tail and redaction; a step that
raises is a failed step, not a dead scheduler."""

from __future__ import annotations

import shlex
import sys
import time
from pathlib import Path

from bench.clock import WallClock
from bench.errors import TargetError
from bench.faults import FaultScheduler, run_command
from bench.results.store import RunStore
from bench.workload.faults import fault_steps
from bench.workload.spec import Fault

SECRET_URL = "http://user:s3cret@127.0.0.1:1/"


def _rows(store: RunStore) -> list[tuple[str, int, str, str]]:
    return [
        (action, node, status, detail)
        for action, node, status, detail in store.query(
            "SELECT action, node, status, detail FROM faults ORDER BY idx"
        )
    ]


def test_steps_run_in_order_a_fault_in_effect_is_ended_at_the_load_end_and_the_rest_skipped(
    tmp_path: Path,
) -> None:
    store = RunStore(tmp_path / "results.sqlite", create=True)
    calls: list[tuple[int, str, float]] = []
    clock = WallClock()

    def apply(node: int, action: str) -> str:
        calls.append((node, action, clock.now()))
        if action == "isolate":
            raise TargetError("node-2 did not answer\nits log ends: ...")
        if action == "heal":
            raise ValueError("a bug")
        return f"{action} done"

    faults = [
        Fault(0.05, 1, "kill", until=0.15),
        Fault(0.2, 2, "isolate"),
        Fault(0.25, 2, "heal"),
        Fault(0.3, 1, "pause", until=60.0),  # its resume is due long after the load ends
        Fault(50.0, 2, "stop"),
    ]
    said: list[str] = []
    scheduler = FaultScheduler(fault_steps(faults), apply, clock, store, said.append)
    zero = clock.now()
    scheduler.start(zero)
    time.sleep(0.6)
    scheduler.stop()
    assert [(n, a) for n, a, _ in calls] == [
        (1, "kill"),
        (1, "restart"),
        (2, "isolate"),
        (2, "heal"),
        (1, "pause"),
        (1, "resume"),
    ]
    assert all(t >= zero + at for (_, _, t), at in zip(calls[:5], (0.05, 0.15, 0.2, 0.25, 0.3), strict=True))
    assert _rows(store) == [
        ("kill", 1, "done", "kill done"),
        ("restart", 1, "done", "restart done"),
        ("isolate", 2, "failed", "node-2 did not answer"),
        ("heal", 2, "failed", "ValueError: a bug"),
        ("pause", 1, "done", "pause done"),
        ("stop", 2, "skipped", "the load ended before it was due"),
        ("resume", 1, "done", "at the load's end, before it was due: resume done"),
    ]
    (intended, started), *_ = store.query("SELECT intended, started FROM faults WHERE action = 'resume'")
    assert intended == zero + 60.0 and started < intended  # recorded as it really happened
    assert len(said) == 6 and said[0].startswith("fault: kill node 1 at 0.0")


def test_an_exec_step_records_its_exit_status_and_output_with_urls_redacted(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "results.sqlite", create=True)
    printing = f"{sys.executable} -c \"print('restarted; rpc at {SECRET_URL}'); raise SystemExit(3)\""
    faults = [Fault(0.01, 0, "exec", command=tuple(shlex.split(printing)), timeout=10.0)]
    scheduler = FaultScheduler(fault_steps(faults), None, WallClock(), store, lambda _m: None, (SECRET_URL,))
    scheduler.start(WallClock().now())
    time.sleep(1.5)
    scheduler.stop()
    ((action, _, status, detail),) = _rows(store)
    assert (action, status) == ("exec", "failed")
    assert detail.startswith("exit 3; output: restarted; rpc at http://") and "s3cret" not in detail


def test_run_command_kills_a_command_past_its_timeout_and_names_one_that_cannot_start() -> None:
    started = time.monotonic()
    status, detail = run_command(
        [sys.executable, "-c", "print('begun', flush=True); import time; time.sleep(30)"], 0.5
    )
    assert (status, detail) == ("timeout", "killed after 0.5 s; output: begun")
    assert time.monotonic() - started < 10
    status, detail = run_command(["/nonexistent/restart-peer"], 1.0)
    assert status == "failed" and detail.startswith("cannot run /nonexistent/restart-peer: ")
