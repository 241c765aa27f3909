"""Reliability per fault (bench.results.reliability) from a store written with known rows: the windows, the
success rates and throughput in each, the recovery time and its parts, and a recovery that never came."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bench.results.reliability import reliability
from bench.results.store import RunStore

ZERO = 100.0  # the load started at run clock 100 s


def _store(tmp_path: Path, confirm: Callable[[float], float | None], load_s: float = 30.0) -> RunStore:
    """A 30 s load at 10 tx/s (one write every 0.1 s from ZERO); `confirm(intended)` gives its inclusion
    time (None: never confirmed)."""
    store = RunStore(tmp_path / "results.sqlite", create=True)
    store.add_round(0, "load", False, {"type": "fixed-rate"}, int(load_s * 10))
    store.db.execute("UPDATE rounds SET started = ?, ended = ?", (ZERO, ZERO + load_s))
    n = int(load_s * 10)
    store.add_txs((i, 0, i, 1, i, bytes([1]) + i.to_bytes(4, "big"), "transfer") for i in range(n))
    intended = [ZERO + i / 10 for i in range(n)]
    store.add_sends((i, t, t, t + 0.01, None) for i, t in enumerate(intended))
    store.add_inclusions(
        (i, int(seen), seen) for i, t in enumerate(intended) if (seen := confirm(t)) is not None
    )
    store.set_meta(faults={"zero": ZERO, "steps": 2})
    return store


def _next_second(t: float) -> float:
    return float(int(t) + 1)  # a block every second confirms what was sent before it


def test_a_kill_and_restart_recovers_once_throughput_and_the_node_are_back(tmp_path: Path) -> None:
    # nothing is confirmed while node-1 is down between 110 and 115 s: the blocks wait (a stalled network),
    # then the backlog confirms at 116 s and the rate is back to 10 tx/s
    def confirm(t: float) -> float:
        seen = _next_second(t)
        return 116.0 if 110 <= seen < 116 else seen

    store = _store(tmp_path, confirm)
    store.add_fault_step((0, 0, 1, "kill", ZERO + 10, ZERO + 10.02, ZERO + 10.03, "done", "SIGKILL to pid 9"))
    store.add_fault_step((1, 0, 1, "restart", ZERO + 15, ZERO + 15.0, ZERO + 15.5, "done", "started"))
    # tips: node-0 holds every height first; node-1 is silent while down, then catches up at 117.2 s
    store.add_node_tips([(0, h, bytes([h]), ZERO + h) for h in range(1, 30)])
    store.add_node_tips([(1, h, bytes([h]), ZERO + h + 0.05) for h in range(1, 10)])
    store.add_node_tips([(1, h, bytes([h]), ZERO + 17.2) for h in range(10, 18)])
    store.add_node_tips([(1, h, bytes([h]), ZERO + h + 0.05) for h in range(18, 30)])
    (fault,) = reliability(store) or []
    assert (fault["action"], fault["end_action"], fault["started_s"], fault["ended_s"]) == (
        "kill",
        "restart",
        10.02,
        15.5,
    )
    assert fault["windows_s"] == {"before": [0.0, 10.02], "during": [10.02, 15.5], "after": [15.5, 30.0]}
    assert fault["success_rate"] == {"before": 1.0, "during": 1.0, "after": 1.0}
    tps = fault["throughput_tps"]
    # in whole blocks: before, blocks 101..109 s, the 80 writes after the first over 8 s; during, no block
    # (0 over 5.48 s); after, blocks 116..129 s, the 130 writes after the backlog block over 13 s
    assert tps == {"before": 10.0, "during": 0.0, "after": 10.0}
    # throughput is back at once: [115.5, 120.5) holds the backlog block at 116 s, then 40 writes in the 4 s
    # to 120 s; node-1 held the tip again at 117.2 s, so that is the recovery
    parts = fault["recovery_parts_s"]
    assert parts == {"baseline_tps": 10.0, "throughput_back_s": 0.0, "node_at_tip_s": 1.7}
    assert fault["recovery_s"] == 1.7 and fault["recovery_reason"] is None
    assert fault["reorgs"] == {"count": 0, "orphaned_blocks": 0, "deepest": 0}
    assert fault["lost_by_reason"] == {} and fault["orphaned_at_nodes"] == {}


def test_recovery_waits_for_5_s_of_throughput_within_10_percent(tmp_path: Path) -> None:
    # after the restart (done at 112 s) half the writes intended until 118 s are lost: blocks 113..118 s hold
    # 5 writes, from 119 s 10 again; no tips were followed, so only throughput decides
    def confirm(t: float) -> float | None:
        return None if 112 <= t < 118 and round(t * 10) % 2 else _next_second(t)

    store = _store(tmp_path, confirm)
    store.add_fault_step((0, 0, 1, "kill", ZERO + 10, ZERO + 10.0, ZERO + 10.01, "done", "SIGKILL"))
    store.add_fault_step((1, 0, 1, "restart", ZERO + 11, ZERO + 11.0, ZERO + 12.0, "done", "started"))
    (fault,) = reliability(store) or []
    # [117.0, 122.0): blocks 117..121, after the first 5 + 30 writes in 4 s = 8.75 tx/s, 12.5 % short;
    # [117.1, 122.1): blocks 118..122, 40 in 4 s = 10 tx/s
    assert fault["recovery_parts_s"] == {
        "baseline_tps": 10.0,
        "throughput_back_s": 5.1,
        "node_at_tip_s": None,
    }
    assert fault["recovery_s"] == 5.1
    assert fault["lost_by_reason"] == {}  # the lost writes were intended after the fault's end
    assert fault["success_rate"]["after"] == round(1 - 30 / 180, 4)


def test_blocks_a_cut_off_node_mined_off_node_0s_final_chain_are_counted(tmp_path: Path) -> None:
    store = _store(tmp_path, _next_second)
    store.add_fault_step((0, 0, 2, "isolate", ZERO + 10, ZERO + 10.0, ZERO + 10.01, "done", "off"))
    store.add_fault_step((1, 0, 2, "heal", ZERO + 20, ZERO + 20.0, ZERO + 20.3, "done", "on"))
    store.add_node_tips([(0, h, bytes([h]), ZERO + h) for h in range(1, 30)])
    # node-2 mined heights 11 and 12 alone while cut off (its own hashes), then took node-0's chain
    store.add_node_tips([(2, h, bytes([h]), ZERO + h + 0.05) for h in range(1, 11)])
    store.add_node_tips([(2, 11, b"x11", ZERO + 13.0), (2, 12, b"x12", ZERO + 16.0)])
    store.add_node_tips([(2, h, bytes([h]), ZERO + 20.5) for h in range(11, 30)])
    (fault,) = reliability(store) or []
    assert fault["orphaned_at_nodes"] == {"node-2": 2}
    assert fault["recovery_parts_s"]["node_at_tip_s"] == 0.2  # the heal ended at 20.3, node-2 at 20.5


def test_a_fault_the_network_never_recovers_from_has_no_recovery_time_and_says_why(tmp_path: Path) -> None:
    # from 110 s half the writes are never confirmed: throughput stays at 5 tx/s
    def confirm(t: float) -> float | None:
        return None if t >= 110 and round(t * 10) % 2 else _next_second(t)

    store = _store(tmp_path, confirm)
    store.add_fault_step((0, 0, 2, "isolate", ZERO + 10, ZERO + 10.0, ZERO + 10.01, "done", "off"))
    store.add_fault_step((1, 0, 2, "heal", ZERO + 12, ZERO + 12.0, ZERO + 12.2, "done", "on"))
    (fault,) = reliability(store) or []
    assert fault["recovery_s"] is None
    assert fault["recovery_reason"].startswith("throughput never came back within 10% of the 10.0 tx/s")
    assert fault["success_rate"]["after"] == 0.5
    # the writes intended during the fault (110.0 to 112.2 s) never confirmed: the odd tenths, never asked of
    assert fault["lost_by_reason"] == {"unchecked": 11}


def test_a_fault_that_ends_too_near_the_load_s_end_to_judge_says_so(tmp_path: Path) -> None:
    # the load ends 4 s after the node is back: a 5 s window cannot fit, which is not "never came back"
    store = _store(tmp_path, _next_second)
    store.add_fault_step((0, 0, 1, "pause", ZERO + 20, ZERO + 20.0, ZERO + 20.01, "done", "SIGSTOP"))
    store.add_fault_step((1, 0, 1, "resume", ZERO + 26, ZERO + 26.0, ZERO + 26.0, "done", "SIGCONT"))
    (fault,) = reliability(store) or []
    assert fault["recovery_s"] is None
    assert fault["recovery_reason"] == (
        "only 4.0 s of load after the fault, less than the 5 s throughput is judged over"
    )
    assert fault["recovery_parts_s"]["baseline_tps"] == 10.0


def test_a_fault_not_applied_and_a_fault_too_early_to_compare_say_so(tmp_path: Path) -> None:
    store = _store(tmp_path, _next_second)
    store.add_fault_step((0, 0, 1, "pause", ZERO + 2, ZERO + 2.0, ZERO + 2.01, "done", "SIGSTOP"))
    store.add_fault_step((1, 0, 1, "resume", ZERO + 4, ZERO + 4.0, ZERO + 4.01, "done", "SIGCONT"))
    store.add_fault_step(
        (2, 1, 2, "kill", ZERO + 40, None, None, "skipped", "the load ended before it was due")
    )
    early, skipped = reliability(store) or []
    assert early["recovery_s"] is None
    assert early["recovery_reason"] == "less than 5 s of load before the fault to compare with"
    assert skipped["status"] == "skipped" and skipped["recovery_reason"] == "the fault was not applied"
    assert "windows_s" not in skipped


def test_a_run_without_faults_has_none(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "results.sqlite", create=True)
    assert reliability(store) is None
