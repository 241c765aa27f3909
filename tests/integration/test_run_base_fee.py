"""EIP-1559 on a real Anvil with its normal base fee: a round that fills blocks raises the base fee and none of
the plan's type-2 transactions is priced out; a legacy price under the base fee is refused as `underpriced`;
a write whose fee cap the base fee passed is timed out as `priced-out`."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.chains.base import Write
from bench.chains.ethereum.anvil import ManagedAnvil
from bench.chains.ethereum.keys import address_of, derive_keys
from bench.chains.ethereum.signing import SignJob, UnsignedTx, sign_job
from bench.chains.ethereum.unseen import check_unseen
from bench.results.reasons import PENDING, PRICED_OUT
from bench.targets.rpc import RpcClient
from bench.targets.url import parse_endpoint
from tests.runhelpers import chainmark, db, only_run_dir, read_summary, write_workload

pytestmark = pytest.mark.anvil

GWEI = 10**9
GAS_LIMIT = 1_000_000  # 47 transfers a block: 70 tx/s fills every block

FILL = """
name: base-fee-fill
accounts: {count: 20, seed: 5}
target: {confirm_grace: 20s}
rounds:
  - label: fill
    duration: 8s
    rate: {type: fixed-rate, tps: 70}
"""

UNDERPRICED = """
name: legacy-underpriced
accounts: {count: 4, seed: 6}
target: {tx_type: 0, gas_price_gwei: 0.000000001, confirm_grace: 5s}
rounds:
  - {label: cheap, tx_count: 12, rate: {type: fixed-rate, tps: 6}}
"""


@pytest.fixture
def small_anvil(tmp_path: Path) -> Iterator[ManagedAnvil]:
    node = ManagedAnvil(tmp_path / "small-anvil.log", block_time=1.0, gas_limit=GAS_LIMIT)
    with node:
        yield node


def test_a_round_that_fills_blocks_raises_the_base_fee_and_no_type_2_tx_is_priced_out(
    tmp_path: Path, small_anvil: ManagedAnvil
) -> None:
    workload = write_workload(tmp_path / "w.yaml", FILL)
    result = chainmark(
        "run", str(workload), "--target-url", small_anvil.url, "--out", str(tmp_path / "o"), "-q"
    )
    assert result.returncode == 0, result.stderr
    run_dir = only_run_dir(tmp_path / "o")
    summary = read_summary(run_dir)
    (fill,) = summary["rounds"]
    assert summary["plan"]["tx_type"] == 2
    assert fill["sent"] == 560
    assert fill["confirmed"] == 560 and fill["failed"] == {} and fill["timed_out"] == 0, "none priced out"
    assert fill["gas_used_p50"] == 21_000 and fill["gas_used"] == 560 * 21_000
    window = fill["window_s"][1] - fill["window_s"][0]
    assert fill["gas_per_s"] == pytest.approx(560 * 21_000 / window, rel=1e-3)  # window_s is to the ms
    assert fill["gas_per_s"] <= GAS_LIMIT * 1.3, "no more gas a second than the blocks hold"
    with db(run_dir) as conn:
        hashes = [bytes(h) for (h,) in conn.execute("SELECT hash FROM txs")]
        fees = [
            (n, used, fee)
            for n, used, fee in conn.execute(
                "SELECT b.number, b.gas_used, b.base_fee FROM blocks b WHERE b.number IN "
                "(SELECT block FROM inclusions) ORDER BY b.number"
            )
        ]
    full = [f for f in fees if f[1] > GAS_LIMIT * 0.9]
    assert len(full) >= 6, "the round filled blocks"
    first, peak = fees[0][2], max(f[2] for f in fees)
    assert peak >= first * 1.125**5, f"base fee rose from {first} to {peak} wei"
    rpc = RpcClient(parse_endpoint(small_anvil.url))
    txs = rpc.batch("eth_getTransactionByHash", [["0x" + h.hex()] for h in hashes])
    assert {t["type"] for t in txs} == {"0x2"}
    cap = summary["plan"]["fee_cap_wei"][0]
    assert {int(t["maxFeePerGas"], 16) for t in txs} == {cap} and cap > peak
    rpc.close()


def test_a_legacy_round_under_the_base_fee_is_underpriced(tmp_path: Path, anvil: ManagedAnvil) -> None:
    workload = write_workload(tmp_path / "w.yaml", UNDERPRICED)
    result = chainmark("run", str(workload), "--target-url", anvil.url, "--out", str(tmp_path / "o"), "-q")
    assert result.returncode == 0, result.stderr
    (cheap,) = read_summary(only_run_dir(tmp_path / "o"))["rounds"]
    assert cheap["sent"] == 12
    assert cheap["failed"] == {"underpriced": 12} and cheap["confirmed"] == 0


def test_a_write_whose_fee_cap_the_base_fee_passed_is_priced_out(anvil: ManagedAnvil, rpc: RpcClient) -> None:
    keys = derive_keys(21, 2)
    dev = rpc.call("eth_accounts")[0]
    for key in keys:
        rpc.call(
            "eth_sendTransaction", {"from": dev, "to": "0x" + address_of(key).hex(), "value": hex(10**20)}
        )
    _wait(
        lambda: all(int(rpc.call("eth_getBalance", "0x" + address_of(k).hex(), "latest"), 16) for k in keys)
    )
    rpc.call("evm_setIntervalMining", 0)
    to = address_of(keys[0])
    ((cheap, cheap_hash),) = sign_job(
        SignJob(keys[0], 0, (UnsignedTx(to, 1, 21_000, 2 * GWEI, tx_type=2, priority_fee=GWEI),), 31337)
    )
    rpc.call("eth_sendRawTransaction", "0x" + cheap.hex())
    rpc.call("anvil_setNextBlockBaseFeePerGas", hex(10 * GWEI))
    rpc.call("evm_mine")
    head = int(rpc.call("eth_blockNumber"), 16)
    ((held, held_hash),) = sign_job(
        SignJob(keys[1], 0, (UnsignedTx(to, 1, 21_000, 40 * GWEI, tx_type=2, priority_fee=GWEI),), 31337)
    )
    rpc.call("eth_sendRawTransaction", "0x" + held.hex())
    writes = [
        Write(1, "0x" + address_of(keys[0]).hex(), 0, cheap_hash),
        Write(2, "0x" + address_of(keys[1]).hex(), 0, held_hash),
    ]
    caps = {cheap_hash: 2 * GWEI, held_hash: 40 * GWEI}
    check = check_unseen(rpc, writes, {head: time.time()}, time.time(), caps)
    assert {tx: reason for tx, reason, _ in check.rows} == {1: PRICED_OUT, 2: PENDING}
    without_caps = check_unseen(rpc, writes, {head: time.time()}, time.time())
    assert dict((tx, reason) for tx, reason, _ in without_caps.rows)[1] != PRICED_OUT, (
        "only the plan's caps say it"
    )


def _wait(done: object, timeout: float = 10.0) -> None:
    assert callable(done)
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)
