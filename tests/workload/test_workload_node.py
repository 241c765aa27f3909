"""target.node: a managed node by name, validated with the rest of the workload."""

from __future__ import annotations

import pytest

from bench.chains.ethereum.nodes import MANAGED_NODES
from bench.errors import WorkloadError
from bench.workload.loader import parse_workload
from bench.workload.schema import workload_schema
from bench.workload.spec import NODE_NAMES

ROUND = "rounds: [{label: a, tx_count: 1, rate: {type: fixed-rate, tps: 1}}]\n"


@pytest.mark.parametrize("name", NODE_NAMES)
def test_each_managed_node_is_a_target(name: str) -> None:
    assert parse_workload(f"name: t\ntarget: {{node: {name}}}\n{ROUND}", "w.yaml").target.node == name


def test_no_node_named_means_the_default() -> None:
    assert parse_workload(f"name: t\n{ROUND}", "w.yaml").target.node is None


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        pytest.param(
            "{node: geth}",
            "w.yaml:2: target.node: expected one of anvil, hardhat, ganache (a managed node), got 'geth'",
            id="unknown",
        ),
        pytest.param(
            "{url: 'http://127.0.0.1:8545', node: hardhat}",
            "w.yaml:2: target.node: a managed node and target.url exclude each other: give one",
            id="with-url",
        ),
    ],
)
def test_bad_node_is_one_line(target: str, expected: str) -> None:
    with pytest.raises(WorkloadError) as info:
        parse_workload(f"name: t\ntarget: {target}\n{ROUND}", "w.yaml")
    assert str(info.value) == expected


def test_the_registry_the_schema_and_the_workload_name_the_same_nodes() -> None:
    assert tuple(MANAGED_NODES) == NODE_NAMES
    assert workload_schema()["properties"]["target"]["properties"]["node"] == {"enum": list(NODE_NAMES)}
    assert {cls.name for cls in MANAGED_NODES.values()} == set(NODE_NAMES)
