"""target.chain: a chain family by name, validated with the workload and found in the registry."""

from __future__ import annotations

import pytest

from bench.chains.registry import CHAINS, chain_family
from bench.errors import WorkloadError
from bench.workload.loader import parse_workload
from bench.workload.schema import workload_schema
from bench.workload.spec import CHAIN_NAMES

ROUND = "rounds: [{label: a, tx_count: 1, rate: {type: fixed-rate, tps: 1}}]\n"


def test_the_default_chain_is_ethereum() -> None:
    assert parse_workload(f"name: t\n{ROUND}", "w.yaml").target.chain == "ethereum"
    assert (
        parse_workload(f"name: t\ntarget: {{chain: ethereum}}\n{ROUND}", "w.yaml").target.chain == "ethereum"
    )


def test_an_unknown_chain_is_one_line() -> None:
    with pytest.raises(WorkloadError) as info:
        parse_workload(f"name: t\ntarget: {{chain: solana}}\n{ROUND}", "w.yaml")
    assert (
        str(info.value)
        == "w.yaml:2: target.chain: expected one of ethereum, bitcoin (a chain family), got 'solana'"
    )


def test_the_registry_the_schema_and_the_workload_name_the_same_chains() -> None:
    assert tuple(CHAINS) == CHAIN_NAMES
    assert workload_schema()["properties"]["target"]["properties"]["chain"] == {"enum": list(CHAIN_NAMES)}
    for name in CHAIN_NAMES:
        family = chain_family(name)
        assert family.name == name
        assert family.wire.family == name  # a Locust worker finds the wire again by this name
