"""target.tx_type and its fees: read from the YAML, defaults left to the node, contradictions one error line."""

from __future__ import annotations

import pytest

from bench.errors import WorkloadError
from bench.workload import parse_workload

GWEI = 10**9
ROUND = "rounds: [{label: a, tx_count: 2, rate: {type: fixed-rate, tps: 1}}]\n"


def _target(fields: str) -> str:
    return f"name: t\ntarget: {{{fields}}}\n" + ROUND


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ("", (None, None, None, None)),
        ("tx_type: 2", (2, None, None, None)),
        ("tx_type: 2, priority_fee_gwei: 1.5, max_fee_gwei: 30", (2, None, 15 * GWEI // 10, 30 * GWEI)),
        ("tx_type: 1, gas_price_gwei: 3", (1, 3 * GWEI, None, None)),
        ("tx_type: 0", (0, None, None, None)),
        ("gas_price_gwei: 0.000000001", (0, 1, None, None)),  # a gas price alone is a legacy price
        ("max_fee_gwei: 50", (None, None, None, 50 * GWEI)),  # the node decides; the bound is kept for type 2
    ],
)
def test_fee_fields_are_read(fields: str, expected: tuple[object, ...]) -> None:
    target = parse_workload(_target(fields), "w.yaml").target
    assert (target.tx_type, target.gas_price_wei, target.priority_fee_wei, target.max_fee_wei) == expected


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ("tx_type: 3", "w.yaml:2: target.tx_type: must be <= 2, got 3"),
        (
            "tx_type: 2, gas_price_gwei: 1",
            "w.yaml:2: target.gas_price_gwei: a type-2 transaction has no gas price",
        ),
        ("tx_type: 0, max_fee_gwei: 1", "w.yaml:2: target.max_fee_gwei: only for tx_type 2"),
        ("gas_price_gwei: 1, priority_fee_gwei: 1", "w.yaml:2: target.priority_fee_gwei: only for tx_type 2"),
        ("tx_type: 2, priority_fee_gwei: 0", "w.yaml:2: target.priority_fee_gwei: must be > 0, got 0"),
        ("chain: bitcoin, tx_type: 2", "w.yaml:2: target.tx_type: not for a target.chain bitcoin target"),
    ],
)
def test_bad_fee_fields_are_one_line(fields: str, message: str) -> None:
    with pytest.raises(WorkloadError) as caught:
        parse_workload(_target(fields), "w.yaml")
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)
