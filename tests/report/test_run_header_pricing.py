"""The run report header says what the plan's transactions offered: a gas price, or type 2's fees."""

from __future__ import annotations

import pytest

from bench.report.run_header import _pricing_text


@pytest.mark.parametrize(
    ("plan", "text"),
    [
        ({"gas_price_wei": 2_000_000_000}, "type 0, gas price 2000000000 wei"),  # a chainmark 0.1 plan
        ({"tx_type": 1, "gas_price_wei": 7}, "type 1, gas price 7 wei"),
        (
            {
                "tx_type": 2,
                "base_fee_wei": 10**9,
                "priority_fee_wei": 10**9,
                "fee_cap_wei": [5 * 10**9, 10**12],
            },
            "type 2 (EIP-1559), base fee at plan 1,000,000,000 wei, tip 1,000,000,000 wei, "
            "fee cap per round 5,000,000,000, 1,000,000,000,000 wei",
        ),
    ],
)
def test_the_plan_line_names_the_transaction_type_and_its_fees(plan: dict[str, object], text: str) -> None:
    assert _pricing_text(plan) == text
