"""`target.nodes` (a remote network's nodes) and `target.submit` (where writes go on several nodes): read into
the `Target`, refused with one `FILE:LINE: field: problem` line when they could not work, and taken by the
JSON Schema as by the loader; the policy's per-position choice of node (bench.load.routes)."""

from __future__ import annotations

import jsonschema
import numpy as np
import pytest
import yaml

from bench.errors import WorkloadError
from bench.load.routes import group_by_node, node_of
from bench.workload import parse_workload
from bench.workload.faults import check_faults_remote
from bench.workload.schema import workload_schema

ETH_ROUND = (
    "rounds:\n  - {label: a, duration: 10s, rate: {type: fixed-rate, tps: 10}, tx: {kind: transfer}}\n"
)
BTC_ROUND = ETH_ROUND.replace("{kind: transfer}", "{kind: btc-transfer}")
THREE = "[http://127.0.0.1:8545, 'http://u:secret@127.0.0.1:8546', http://127.0.0.1:8547/rpc]"


def _text(target: str, rounds: str = ETH_ROUND, extra: str = "") -> str:
    return f"name: t\ntarget: {target}\n{rounds}{extra}"


def _error(text: str) -> str:
    with pytest.raises(WorkloadError) as caught:
        parse_workload(text, "w.yaml")
    assert caught.value.exit_status == 2
    return str(caught.value)


def test_a_remote_network_is_its_nodes_with_the_first_as_primary() -> None:
    workload = parse_workload(_text(f"{{nodes: {THREE}, submit: round-robin}}"), "w.yaml")
    target = workload.target
    assert target.url == "http://127.0.0.1:8545" == target.nodes[0]
    assert target.nodes[1:] == ("http://u:secret@127.0.0.1:8546", "http://127.0.0.1:8547/rpc")
    assert target.submit == "round-robin"
    # every node's URL is one the run redacts (its text holds their credentials)
    assert "http://u:secret@127.0.0.1:8546" in workload.urls
    assert parse_workload(_text("{url: http://127.0.0.1:8545}"), "w.yaml").target.submit == "primary"
    # a managed bitcoin network of several nodes spreads writes by sender
    btc = parse_workload(
        _text("{chain: bitcoin, network: {nodes: 3}, submit: by-account}", BTC_ROUND), "w.yaml"
    )
    assert (btc.target.submit, btc.target.nodes, btc.target.url) == ("by-account", (), None)


@pytest.mark.parametrize(
    ("target", "rounds", "expected"),
    [
        (
            "{url: http://127.0.0.1:8545, nodes: [http://127.0.0.1:8546]}",
            ETH_ROUND,
            "w.yaml:2: target.nodes: target.url and target.nodes exclude each other: give one",
        ),
        ("{nodes: []}", ETH_ROUND, "w.yaml:2: target.nodes: expected 1 to 16 node URLs, got 0"),
        ("{nodes: http://127.0.0.1:8545}", ETH_ROUND, "w.yaml:2: target.nodes: expected a list, got "),
        (
            "{nodes: [http://127.0.0.1:8545, ws://127.0.0.1:8546]}",
            ETH_ROUND,
            "w.yaml:2: target.nodes[1]: ",
        ),
        (
            "{nodes: [http://127.0.0.1:8545, http://127.0.0.1:8546, http://127.0.0.1:8545]}",
            ETH_ROUND,
            "w.yaml:2: target.nodes[2]: node 0 has this URL already",
        ),
        (
            "{nodes: [http://127.0.0.1:8545], node: anvil}",
            ETH_ROUND,
            "w.yaml:2: target.node: a managed node and target.nodes exclude each other: give one",
        ),
        (
            "{chain: bitcoin, nodes: [http://127.0.0.1:8545], network: {nodes: 2}}",
            BTC_ROUND,
            "w.yaml:2: target.network: a managed network and target.nodes exclude each other: give one",
        ),
        (
            "{nodes: [http://127.0.0.1:8545], submit: everywhere}",
            ETH_ROUND,
            "w.yaml:2: target.submit: expected one of primary, round-robin, by-account (where writes go on "
            "several nodes), got 'everywhere'",
        ),
        (
            "{url: http://127.0.0.1:8545, submit: round-robin}",
            ETH_ROUND,
            "w.yaml:2: target.submit: round-robin spreads writes over several nodes, and this target has one "
            "(give target.nodes, or a managed network of several nodes)",
        ),
        (
            "{submit: by-account}",
            ETH_ROUND,
            "w.yaml:2: target.submit: by-account spreads writes over several nodes, and this target has one",
        ),
        (
            "{chain: bitcoin, network: {nodes: 3}, submit: round-robin}",
            BTC_ROUND,
            "w.yaml:2: target.submit: round-robin would send a sender's chained spends to different nodes",
        ),
    ],
    ids=[
        "url-and-nodes",
        "no-nodes",
        "not-a-list",
        "not-http",
        "duplicate",
        "managed-node",
        "managed-network",
        "unknown-policy",
        "one-url",
        "one-managed-node",
        "bitcoin-round-robin",
    ],
)
def test_bad_nodes_and_policies_are_one_line(target: str, rounds: str, expected: str) -> None:
    assert _error(_text(target, rounds)).startswith(expected)


def test_a_fault_may_name_any_node_of_a_remote_network_but_only_node_0_behind_target_url() -> None:
    text = _text(
        f"{{nodes: {THREE}}}", extra="faults:\n  - {at: 1s, node: 2, action: exec, command: 'echo x'}\n"
    )
    workload = parse_workload(text, "w.yaml")
    assert workload.faults[0].node == 2
    assert _error(text.replace("node: 2", "node: 3")) == "w.yaml:6: faults[0].node: must be <= 2, got 3"
    # --target-url names one node: a fault on another one could not run
    with pytest.raises(WorkloadError) as caught:
        check_faults_remote(workload.faults, workload.path)
    assert (
        str(caught.value)
        == "w.yaml:6: faults[0].node: names node 2, and --target-url names one node (node 0)"
    )


def test_the_schema_takes_what_the_loader_takes() -> None:
    schema = workload_schema()
    good = yaml.safe_load(_text(f"{{nodes: {THREE}, submit: by-account}}"))
    jsonschema.validate(good, schema)
    for bad in (
        {"nodes": [], "submit": "primary"},
        {"nodes": ["http://127.0.0.1:1", "http://127.0.0.1:1"]},
        {"nodes": ["http://127.0.0.1:1"], "submit": "everywhere"},
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({**good, "target": bad}, schema)


def test_each_policy_picks_a_node_per_position() -> None:
    senders = np.array([0, 1, 2, 3, -1, 0, 5], dtype=np.int64)
    assert node_of("primary", 3, senders) is None
    assert node_of("round-robin", 1, senders) is None  # one node: all to it
    assert node_of("round-robin", 3, senders).tolist() == [0, 1, 2, 0, 1, 2, 0]
    # by sender: one sender's writes on one node; a read (-1) by its position
    assert node_of("by-account", 3, senders).tolist() == [0, 1, 2, 0, 1, 0, 2]
    with pytest.raises(ValueError, match="unknown submit policy"):
        node_of("everywhere", 3, senders)


def test_a_batch_taken_across_nodes_leaves_one_request_per_node_in_order() -> None:
    items = [(0, 1.0), (1, 1.0), (2, 1.001), (3, 1.001), (4, 1.002)]
    nodes = [1, 0, 1, 2, 0]
    assert group_by_node(items, nodes) == [
        (1, [(0, 1.0), (2, 1.001)]),
        (0, [(1, 1.0), (4, 1.002)]),
        (2, [(3, 1.001)]),
    ]


def test_confirm_at_names_a_level_of_several_nodes() -> None:
    for given, level in (("1", "1"), ("majority", "majority"), ("all", "all")):
        workload = parse_workload(_text(f"{{nodes: {THREE}, confirm_at: {given}}}"), "w.yaml")
        assert workload.target.confirm_at == level
        jsonschema.validate(
            yaml.safe_load(_text(f"{{nodes: {THREE}, confirm_at: {given}}}")), workload_schema()
        )
    assert parse_workload(_text(f"{{nodes: {THREE}}}"), "w.yaml").target.confirm_at is None
    assert _error(_text(f"{{nodes: {THREE}, confirm_at: 2}}")).startswith(
        "w.yaml:2: target.confirm_at: expected one of 1, majority, all (of the nodes, how many hold the block)"
    )
    assert _error(_text("{url: http://127.0.0.1:8545, confirm_at: all}")).startswith(
        "w.yaml:2: target.confirm_at: counts the nodes holding a write's block, and this target has one"
    )
    assert _error(_text(f"{{nodes: {THREE}, confirm_at: all, confirmations: 3}}")).startswith(
        "w.yaml:2: target.confirm_at: counts the nodes first seen holding a write's block, which is one "
        "confirmation deep: give confirmations: 1 with it"
    )
    assert parse_workload(_text(f"{{nodes: {THREE}, confirm_at: all, confirmations: 1}}"), "w.yaml")
    btc = "{chain: bitcoin, network: {nodes: 3}, confirm_at: majority}"
    assert parse_workload(_text(btc, BTC_ROUND), "w.yaml").target.confirm_at == "majority"
