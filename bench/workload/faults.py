"""The workload's `faults:` list: each step read and checked against the target it would act on.

A process action (kill, stop, start, restart, pause, resume, isolate, heal) needs a node chainmark manages:
a node of the managed bitcoin network (every action; node-0, which takes the load and feeds the observer,
cannot be killed or stopped), or a managed Ethereum node: pause and resume on every kind, and on Anvil
kill, stop, start and restart too (it then dumps its state every second and starts again from the last
dump, so a kill loses at most the last second's blocks, as a crash would; Hardhat and Ganache keep their
chain only in memory). Isolate and heal need peers: a managed Ethereum node has none. `exec` runs the
user's own command, on any target. Each node's steps are replayed in time order, so a restart of a running
node or a resume of one never paused fails here, at its line, and not in the middle of a run.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass

from bench.errors import WorkloadError
from bench.workload import limits
from bench.workload.reader import Reader, optional
from bench.workload.spec import (
    FAULT_ACTIONS,
    FAULT_ENDS,
    MAX_FAULTS,
    PROCESS_ACTIONS,
    RESTART_ACTIONS,
    Fault,
    Network,
    Target,
)

MAX_EXEC_TIMEOUT_S = 3600.0
PRIMARY_ONLY_LIVE = RESTART_ACTIONS  # node-0 of a bitcoin network must stay up: the load and observer use it
MANAGED_NODE_ACTIONS = ("pause", "resume")  # a managed Ethereum node (one process, its chain in memory)
RESTARTABLE_NODE_ACTIONS = (*MANAGED_NODE_ACTIONS, *RESTART_ACTIONS)  # Anvil: its state on disk
RESTARTABLE_NODES = ("anvil",)


def read_faults(reader: Reader, target: Target) -> tuple[Fault, ...]:
    """The `faults:` list, each step valid for `target`, and every node's steps in a possible order."""
    items = reader.sequence()
    if len(items) > MAX_FAULTS:
        raise reader.fail(f"at most {MAX_FAULTS} faults, got {len(items)}", shown=False)
    faults = tuple(_fault(item, target) for item in items)
    _check_order(faults, items)
    return faults


def check_faults_remote(faults: Sequence[Fault], path: str) -> None:
    """`--target-url` makes the target one remote node: a process fault the workload checked against its
    managed target could not run there, nor a fault on another node (one line, exit 2, before anything
    starts)."""
    for index, fault in enumerate(faults):
        if fault.action in PROCESS_ACTIONS:
            raise WorkloadError(
                f"{fault.action} needs a node chainmark manages, and --target-url names a remote one "
                "(on a remote target use action exec: your own command)",
                path=path,
                line=fault.line,
                field=f"faults[{index}].action",
            )
        if fault.node > 0:
            raise WorkloadError(
                f"names node {fault.node}, and --target-url names one node (node 0)",
                path=path,
                line=fault.line,
                field=f"faults[{index}].node",
            )


def _fault(reader: Reader, target: Target) -> Fault:
    f = reader.mapping(("at", "node", "action", "for", "command", "timeout"), "a fault")
    for key in ("at", "node", "action"):
        if key not in f:
            raise reader.fail(f"{key}: required in a fault", shown=False)
    action = f["action"].string()
    if action not in FAULT_ACTIONS:
        raise f["action"].fail(f"expected one of {', '.join(FAULT_ACTIONS)}")
    nodes = _node_count(target)
    node = f["node"].integer(0, nodes - 1)
    if action in PROCESS_ACTIONS:
        _check_process_action(f["action"], action, node, target)
    if "for" in f and action not in FAULT_ENDS:
        pairs = ", ".join(f"{a} -> {b}" for a, b in FAULT_ENDS.items())
        raise f["for"].fail(f"only for an action with an end ({pairs})", shown=False)
    for key in ("command", "timeout"):
        if key in f and action != "exec":
            raise f[key].fail("only for action exec", shown=False)
    command: tuple[str, ...] = ()
    if action == "exec":
        if "command" not in f:
            raise reader.fail("command: required for action exec", shown=False)
        command = _command(f["command"])
    at = f["at"].duration(limits.MAX_DURATION_S)
    until = optional(f, "for", lambda r: r.duration(limits.MAX_DURATION_S), None)
    return Fault(
        at=at,
        node=node,
        action=action,
        until=None if until is None else at + until,
        command=command,
        timeout=optional(f, "timeout", lambda r: r.duration(MAX_EXEC_TIMEOUT_S), 30.0),
        line=reader.line,
    )


def _node_count(target: Target) -> int:
    """How many nodes a fault may name: the remote network's or the managed network's, else the one node."""
    if target.nodes:
        return len(target.nodes)
    if target.url is None and target.chain == "bitcoin":
        return (target.network or Network()).nodes
    return 1


def _check_process_action(reader: Reader, action: str, node: int, target: Target) -> None:
    if target.url is not None:
        raise reader.fail(
            f"{action} needs a node chainmark manages; on a remote target use action exec (your own command)",
            shown=False,
        )
    if target.chain != "bitcoin":
        check_managed_action(reader, action, target.node or "anvil")
        return
    if node == 0 and action in PRIMARY_ONLY_LIVE:
        raise reader.fail(
            f"node 0 takes the load and feeds the observer, so it cannot {action}: "
            "fault another node, or pause or isolate node 0",
            shown=False,
        )


def managed_actions(node: str) -> tuple[str, ...]:
    """The process actions a managed Ethereum node of kind `node` takes."""
    return RESTARTABLE_NODE_ACTIONS if node in RESTARTABLE_NODES else MANAGED_NODE_ACTIONS


def check_managed_action(reader: Reader, action: str, node: str) -> None:
    """A process action on the managed Ethereum node `node` (its one node, the load's): one it takes."""
    actions = managed_actions(node)
    if action not in actions:
        why = (
            f"its chain lives in memory: a {action} would lose it"
            if action in RESTART_ACTIONS
            else "one node: it has no peers to be cut from"
        )
        raise reader.fail(
            f"a managed {node} supports {', '.join(actions)} and exec ({why}), got {action!r}",
            shown=False,
        )


def check_faults_on_node(faults: Sequence[Fault], node: str, path: str) -> None:
    """`--node` names another managed node than the workload's: its faults must suit that one too."""
    for index, fault in enumerate(faults):
        if fault.action in PROCESS_ACTIONS and fault.action not in managed_actions(node):
            raise WorkloadError(
                f"a managed {node} (--node) supports {', '.join(managed_actions(node))} and exec, "
                f"got {fault.action!r}",
                path=path,
                line=fault.line,
                field=f"faults[{index}].action",
            )


def _command(reader: Reader) -> tuple[str, ...]:
    text = reader.string()
    if "\x00" in text:
        raise reader.fail("a command cannot hold a NUL character", shown=False)
    try:
        argv = tuple(shlex.split(text))
    except ValueError as exc:
        raise reader.fail(f"cannot split the command like a shell would ({exc})") from exc
    if not argv:
        raise reader.fail("expected a command")
    return argv


# what a node must be for an action, and what it is after: "down" (killed or stopped), "paused", "isolated"
_NEEDS = {
    "kill": ((), ("down",)),
    "stop": ((), ("down", "paused")),
    "start": (("down",), ()),
    "restart": (("down",), ()),
    "pause": ((), ("down", "paused")),
    "resume": (("paused",), ()),
    "isolate": ((), ("down", "isolated", "paused")),  # setnetworkactive needs a node that answers
    "heal": (("isolated",), ("down", "paused")),
}


@dataclass(frozen=True, slots=True)
class Step:
    """One action due `at` seconds after the load starts; `fault` is its workload fault's index."""

    index: int
    fault: int
    node: int
    action: str
    at: float
    command: tuple[str, ...] = ()
    timeout: float = 30.0


def fault_steps(faults: Sequence[Fault]) -> tuple[Step, ...]:
    """Every fault and its `for:` end, in time order (at equal times, in the workload's order): the order
    the run applies them in (bench.faults) and the one the checks replay."""
    raw = [(f.at, i, f.action) for i, f in enumerate(faults)]
    raw += [(f.until, i, FAULT_ENDS[f.action]) for i, f in enumerate(faults) if f.until is not None]
    ordered = sorted(raw, key=lambda step: (step[0], step[1]))
    return tuple(
        Step(k, i, faults[i].node, action, at, faults[i].command, faults[i].timeout)
        for k, (at, i, action) in enumerate(ordered)
    )


def _check_order(faults: tuple[Fault, ...], readers: list[Reader]) -> None:
    """Replay each node's steps (and their `for:` ends) in the run's order; a step its node cannot take fails."""
    states: dict[int, set[str]] = {}
    for step in fault_steps(faults):
        if step.action == "exec":
            continue
        state = states.setdefault(step.node, set())
        must, must_not = _NEEDS[step.action]
        missing = [s for s in must if s not in state]
        clash = [s for s in must_not if s in state]
        if missing or clash:
            now = ", ".join(sorted(state)) or "up"
            raise readers[step.fault].fail(
                f"node {step.node} is {now} at {step.at:g} s, so it cannot {step.action} "
                f"(faults run in time order; `for:` ends at the fault's at + for)",
                shown=False,
            )
        _apply(state, step.action)


def _apply(state: set[str], action: str) -> None:
    if action in ("kill", "stop"):
        state.clear()  # a dead process is neither paused nor isolated when it comes back
        state.add("down")
    elif action in ("start", "restart"):
        state.discard("down")
    elif action == "pause":
        state.add("paused")
    elif action == "resume":
        state.discard("paused")
    elif action == "isolate":
        state.add("isolated")
    elif action == "heal":
        state.discard("isolated")
