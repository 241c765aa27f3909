"""The workload's `faults:` list: read into `Fault` steps, and refused with one `FILE:LINE: field: problem`
line when a step could not run on its target (a node that does not exist, a process action on a remote
node, a restart of a running node...); the JSON Schema takes what the loader takes."""

from __future__ import annotations

import jsonschema
import pytest
import yaml

from bench.errors import WorkloadError
from bench.workload import parse_workload
from bench.workload.faults import check_faults_on_node, check_faults_remote, fault_steps
from bench.workload.schema import workload_schema
from bench.workload.spec import Fault

ROUND = (
    "rounds:\n  - {label: a, duration: 30s, rate: {type: fixed-rate, tps: 10}, tx: {kind: btc-transfer}}\n"
)
NETWORK = "{chain: bitcoin, network: {nodes: 3}}"


def _workload(faults: str, target: str = NETWORK) -> str:
    rounds = ROUND if "bitcoin" in target else ROUND.replace("{kind: btc-transfer}", "{kind: transfer}")
    return f"name: t\ntarget: {target}\n{rounds}faults:\n{faults}"


def _error(text: str) -> str:
    with pytest.raises(WorkloadError) as caught:
        parse_workload(text, "w.yaml")
    assert caught.value.exit_status == 2
    return str(caught.value)


def test_faults_are_read_with_their_lines_and_for_ends() -> None:
    text = _workload(
        "  - {at: 10s, node: 1, action: kill}\n"
        "  - {at: 25s, node: 1, action: restart}\n"
        "  - {at: 40s, node: 2, action: isolate, for: 10s}\n"
        "  - {at: 5s, node: 0, action: exec, command: \"echo 'one two'\", timeout: 3s}\n"
    )
    workload = parse_workload(text)
    assert workload.faults == (
        Fault(10.0, 1, "kill", line=6),
        Fault(25.0, 1, "restart", line=7),
        Fault(40.0, 2, "isolate", until=50.0, line=8),
        Fault(5.0, 0, "exec", command=("echo", "one two"), timeout=3.0, line=9),
    )
    steps = fault_steps(workload.faults)  # time order, the `for:` end its own step
    assert [(s.at, s.node, s.action) for s in steps] == [
        (5.0, 0, "exec"),
        (10.0, 1, "kill"),
        (25.0, 1, "restart"),
        (40.0, 2, "isolate"),
        (50.0, 2, "heal"),
    ]
    assert [s.index for s in steps] == [0, 1, 2, 3, 4]
    document = yaml.safe_load(text)
    jsonschema.validate(document, workload_schema())


@pytest.mark.parametrize(
    ("faults", "target", "expected"),
    [
        ("  - {at: 1s, node: 3, action: kill}\n", NETWORK, "w.yaml:6: faults[0].node: must be <= 2, got 3"),
        (
            "  - {at: 1s, node: 1, action: explode}\n",
            NETWORK,
            "w.yaml:6: faults[0].action: expected one of kill, stop, start, restart, pause, resume, isolate, heal, exec",
        ),
        ("  - {node: 1, action: kill}\n", NETWORK, "w.yaml:6: faults[0]: at: required in a fault"),
        (
            "  - {at: 1s, node: 0, action: kill}\n",
            NETWORK,
            "w.yaml:6: faults[0].action: node 0 takes the load and feeds the observer, so it cannot kill",
        ),
        (
            "  - {at: 1s, node: 0, action: kill}\n",
            "{url: 'http://127.0.0.1:1'}",
            "w.yaml:6: faults[0].action: kill needs a node chainmark manages; on a remote target use action exec",
        ),
        (  # Hardhat and Ganache keep their chain in memory only (Anvil dumps its state: it may be killed)
            "  - {at: 1s, node: 0, action: kill}\n",
            "{node: hardhat}",
            "w.yaml:6: faults[0].action: a managed hardhat supports pause, resume and exec (its chain lives in "
            "memory: a kill would lose it), got 'kill'",
        ),
        (
            "  - {at: 1s, node: 0, action: isolate}\n",
            "{node: anvil}",
            "w.yaml:6: faults[0].action: a managed anvil supports pause, resume, kill, stop, start, restart and "
            "exec (one node: it has no peers to be cut from), got 'isolate'",
        ),
        (
            "  - {at: 1s, node: 1, action: exec}\n",
            NETWORK,
            "w.yaml:6: faults[0]: command: required for action exec",
        ),
        (
            "  - {at: 1s, node: 1, action: kill, command: ls}\n",
            NETWORK,
            "w.yaml:6: faults[0].command: only for action exec",
        ),
        (
            "  - {at: 1s, node: 1, action: exec, command: ls, for: 2s}\n",
            NETWORK,
            "w.yaml:6: faults[0].for: only for an action with an end",
        ),
        (
            '  - {at: 1s, node: 1, action: exec, command: "a \'b"}\n',
            NETWORK,
            "w.yaml:6: faults[0].command: cannot split the command like a shell would",
        ),
        (
            "  - {at: 1s, node: 1, action: restart}\n",
            NETWORK,
            "w.yaml:6: faults[0]: node 1 is up at 1 s, so it cannot restart",
        ),
        (
            "  - {at: 1s, node: 1, action: pause, for: 10s}\n  - {at: 5s, node: 1, action: resume}\n",
            NETWORK,
            "w.yaml:6: faults[0]: node 1 is up at 11 s, so it cannot resume",  # the `for:` end, after line 6's
        ),
        (
            "  - {at: 1s, node: 1, action: kill}\n  - {at: 2s, node: 1, action: pause}\n",
            NETWORK,
            "w.yaml:7: faults[1]: node 1 is down at 2 s, so it cannot pause",
        ),
    ],
)
def test_a_fault_that_could_not_run_is_refused_at_its_line(faults: str, target: str, expected: str) -> None:
    assert _error(_workload(faults, target)).startswith(expected)


def test_steps_at_one_instant_are_checked_in_the_order_they_run() -> None:
    # the kill's end (a restart at 10 s) comes before the isolate at 10 s, as the run applies them
    text = _workload(
        "  - {at: 5s, node: 1, action: kill, for: 5s}\n  - {at: 10s, node: 1, action: isolate}\n"
    )
    assert [s.action for s in fault_steps(parse_workload(text).faults)] == ["kill", "restart", "isolate"]


def test_a_paused_node_cannot_be_cut_off_or_healed() -> None:
    text = _workload(
        "  - {at: 1s, node: 1, action: pause, for: 5s}\n  - {at: 2s, node: 1, action: isolate}\n"
    )
    assert _error(text).startswith("w.yaml:7: faults[1]: node 1 is paused at 2 s, so it cannot isolate")


def test_a_command_with_a_nul_character_is_refused() -> None:
    text = _workload('  - {at: 1s, node: 0, action: exec, command: "echo \\0"}\n')
    assert _error(text).startswith("w.yaml:6: faults[0].command: a command cannot hold a NUL character")


def test_target_url_on_the_command_line_refuses_a_process_fault() -> None:
    workload = parse_workload(_workload("  - {at: 1s, node: 1, action: kill}\n"), "w.yaml")
    with pytest.raises(WorkloadError) as caught:
        check_faults_remote(workload.faults, workload.path)
    assert str(caught.value).startswith(
        "w.yaml:6: faults[0].action: kill needs a node chainmark manages, and --target-url names a remote one"
    )
    check_faults_remote(
        parse_workload(_workload("  - {at: 1s, node: 0, action: exec, command: ls}\n")).faults, ""
    )


def test_a_managed_anvil_can_be_paused_and_resumed() -> None:
    workload = parse_workload(_workload("  - {at: 2s, node: 0, action: pause, for: 3s}\n", "{node: anvil}"))
    assert workload.faults == (Fault(2.0, 0, "pause", until=5.0, line=6),)


def test_a_remote_target_takes_exec_faults() -> None:
    text = _workload("  - {at: 2s, node: 0, action: exec, command: 'true'}\n", "{url: 'http://127.0.0.1:1'}")
    assert parse_workload(text).faults[0].command == ("true",)


def test_a_managed_anvil_can_be_killed_and_restarted_and_the_run_keeps_its_state_for_it() -> None:
    text = _workload(
        "  - {at: 2s, node: 0, action: kill, for: 3s}\n  - {at: 8s, node: 0, action: stop}\n"
        "  - {at: 9s, node: 0, action: start}\n",
        "{node: anvil}",
    )
    workload = parse_workload(text)
    assert [s.action for s in fault_steps(workload.faults)] == ["kill", "restart", "stop", "start"]


def test_node_on_the_command_line_refuses_a_kill_the_node_it_names_cannot_survive() -> None:
    workload = parse_workload(
        _workload("  - {at: 2s, node: 0, action: kill, for: 3s}\n", "{node: anvil}"), "w.yaml"
    )
    check_faults_on_node(workload.faults, "anvil", workload.path)
    with pytest.raises(WorkloadError) as caught:
        check_faults_on_node(workload.faults, "ganache", workload.path)
    assert str(caught.value) == (
        "w.yaml:6: faults[0].action: a managed ganache (--node) supports pause, resume and exec, got 'kill'"
    )
