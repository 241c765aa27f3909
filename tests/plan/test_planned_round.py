"""A planned round's reads and writes: what a saturation step expects the node to confirm in blocks."""

from __future__ import annotations

import pytest

from bench.chains.ethereum.plan import build_plan
from bench.workload import parse_workload

MIXED = """
name: mixed
accounts: {count: 4, seed: 5}
rounds:
  - label: ycsb-a
    tx_count: 400
    rate: {type: fixed-rate, tps: 100}
    tx: {kind: ycsb, workload: A, record_count: 10, field_length: 4}
  - label: transfers
    tx_count: 10
    rate: {type: fixed-rate, tps: 100}
"""


def test_reads_and_the_write_share_follow_each_transaction_s_kind() -> None:
    plan = build_plan(parse_workload(MIXED, "w.yaml"), chain_id=31337, gas_price=10**9)
    ycsb, transfers = plan.rounds
    reads = ycsb.reads()
    assert reads.tolist() == [ycsb.is_read(i) for i in range(ycsb.count)]
    assert 0 < reads.sum() < ycsb.count, "YCSB A mixes reads and updates"
    assert ycsb.write_share == pytest.approx((ycsb.count - reads.sum()) / ycsb.count)
    assert [ycsb.hashes[i] != b"" for i in range(ycsb.count)] == (~reads).tolist(), "only writes have a hash"
    assert transfers.write_share == 1.0 and not transfers.reads().any()
