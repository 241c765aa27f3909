"""Issue 15's scenarios through `chainmark run` on a real Anvil (its normal base fee, type-2 transactions):
every contract's effects checked on chain — slots, burns, reverts, NFT owners, the pool's reserves and
its invariant, and the events the reads asked for."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bench.chains.ethereum.anvil import ManagedAnvil
from bench.chains.ethereum.contract_txs import POOL_LIQUIDITY, TOKEN_SUPPLY
from bench.chains.ethereum.keccak import keccak256
from bench.chains.ethereum.keys import address_of, derive_keys
from bench.chains.ethereum.plan import build_plan
from bench.contracts import calls
from bench.targets.rpc import RpcClient
from bench.targets.url import parse_endpoint
from bench.workload import load_workload
from tests.runhelpers import chainmark, db, only_run_dir, read_summary, write_workload

pytestmark = pytest.mark.anvil

ACCOUNTS = 20
WORKLOAD = f"""
name: scenarios
accounts: {{count: {ACCOUNTS}, seed: 15}}
target: {{confirm_grace: 15s}}
rounds:
  - {{label: storage, tx_count: 20, rate: {{type: fixed-rate, tps: 20}}, tx: {{kind: storage-write, slots: 5}}}}
  - {{label: fill, tx_count: 10, rate: {{type: fixed-rate, tps: 10}}, tx: {{kind: fill-block, gas: 2000000}}}}
  - {{label: revert, tx_count: 10, rate: {{type: fixed-rate, tps: 10}}, tx: {{kind: revert}}}}
  - label: nft
    tx_count: 45
    rate: {{type: fixed-rate, tps: 30}}
    mix:
      - {{weight: 1, tx: {{kind: erc721-mint}}}}
      - {{weight: 2, tx: {{kind: erc721-transfer}}}}
  - label: amm
    tx_count: 40
    rate: {{type: fixed-rate, tps: 40}}
    mix:
      - {{weight: 3, tx: {{kind: amm-swap, amount: 1000000000000000000000}}}}
      - {{weight: 1, tx: {{kind: amm-add-liquidity, amount: 1000000000000000000}}}}
  - label: reads
    tx_count: 40
    rate: {{type: fixed-rate, tps: 40}}
    mix:
      - {{weight: 2, tx: {{kind: erc20-transfer, amount: 2}}}}
      - {{weight: 1, tx: {{kind: logs-read}}}}
      - {{weight: 1, tx: {{kind: estimate-gas}}}}
"""


def _call(rpc: RpcClient, to: str, data: bytes) -> bytes:
    return bytes.fromhex(rpc.call("eth_call", {"to": to, "data": "0x" + data.hex()}, "latest")[2:])


def _uint(rpc: RpcClient, to: str, data: bytes) -> int:
    return calls.decode_uint(_call(rpc, to, data))


def _logs(rpc: RpcClient, address: str, signature: bytes) -> list[dict[str, str]]:
    found: list[dict[str, str]] = rpc.call(
        "eth_getLogs",
        {
            "address": address,
            "fromBlock": "0x0",
            "toBlock": "latest",
            "topics": ["0x" + keccak256(signature).hex()],
        },
    )
    return found


def _words(log: dict[str, str]) -> list[int]:
    data = bytes.fromhex(log["data"][2:])
    return [int.from_bytes(data[i : i + 32], "big") for i in range(0, len(data), 32)]


@dataclass(frozen=True)
class Run:
    summary: dict[str, Any]
    contracts: dict[str, str]
    rpc: RpcClient
    workload: Path

    @property
    def rounds(self) -> dict[str, dict[str, Any]]:
        return {r["label"]: r for r in self.summary["rounds"]}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    tmp = tmp_path_factory.mktemp("scenarios")
    with ManagedAnvil(tmp / "anvil.log", block_time=1.0, gas_limit=100_000_000) as node:
        workload = write_workload(tmp / "w.yaml", WORKLOAD)
        result = chainmark("run", str(workload), "--target-url", node.url, "--out", str(tmp / "out"), "-q")
        assert result.returncode == 0, result.stderr
        run_dir = only_run_dir(tmp / "out")
        with db(run_dir) as conn:
            contracts = json.loads(
                conn.execute("SELECT value FROM meta WHERE key = 'contracts'").fetchone()[0]
            )
        rpc = RpcClient(parse_endpoint(node.url))
        yield Run(read_summary(run_dir), dict(contracts), rpc, workload)
        rpc.close()


def test_every_scenario_ran_and_only_revert_failed(run: Run) -> None:
    assert run.summary["plan"]["tx_type"] == 2
    for label, r in run.rounds.items():
        assert r["timed_out"] == 0, label
        assert r["confirmed"] + sum(r["failed"].values()) == r["sent"], label
        if label != "revert":
            assert r["failed"] == {}, label
    revert = run.rounds["revert"]
    assert revert["failed"] == {"reverted": 10} and revert["confirmed"] == 0 and revert["success_rate"] == 0
    assert _uint(run.rpc, run.contracts["Reverter"], calls.REVERTER_CALLS.selector) == 0, "rolled back"


def test_storage_write_writes_fresh_slots(run: Run) -> None:
    storage, address = run.rounds["storage"], run.contracts["Storage"]
    written = _uint(run.rpc, address, calls.STORAGE_SLOTS_WRITTEN.selector)
    assert written == 5 * storage["confirmed"] == 100
    assert [_uint(run.rpc, address, calls.STORAGE_SLOT_AT.encode(k)) for k in (0, 99, 100)] == [1, 100, 0]
    assert storage["gas_used_p50"] > 5 * 22_100, "five fresh slots a call"


def test_fill_block_uses_its_gas(run: Run) -> None:
    fill = run.rounds["fill"]
    assert _uint(run.rpc, run.contracts["Burner"], calls.BURNER_BURNS.selector) == fill["confirmed"] == 10
    assert 0.95 * 2_000_000 < fill["gas_used_p50"] <= 2_000_000
    window = fill["window_s"][1] - fill["window_s"][0]
    assert fill["gas_per_s"] == pytest.approx(fill["gas_used"] / window, rel=1e-3)  # window_s is to the ms
    storage = run.rounds["storage"]
    # tx/s ranks the storage round first; gas per second says what the chain did
    assert storage["throughput_tps"] > fill["throughput_tps"] and fill["gas_per_s"] > 2 * storage["gas_per_s"]


def test_erc721_mints_and_transfers_leave_the_planned_owners(run: Run) -> None:
    nft, address = run.rounds["nft"], run.contracts["NFT"]
    kinds = nft["by_kind"]
    accounts = [address_of(k) for k in derive_keys(15, ACCOUNTS)]
    supply = _uint(run.rpc, address, calls.NFT_TOTAL_SUPPLY.selector)
    assert supply == ACCOUNTS + kinds["erc721-mint"]["confirmed"]
    assert kinds["erc721-transfer"]["confirmed"] == kinds["erc721-transfer"]["sent"] > 20
    # the plan's state after the nft round: who holds each setup token once its planned transfers are made
    plan = build_plan(load_workload(run.workload), chain_id=31337, gas_price=1, processes=1)
    owners = plan.starts[4].contracts.nft_owners
    for token, owner in enumerate(owners):
        assert calls.decode_address(_call(run.rpc, address, calls.nft_owner_of(token))) == accounts[owner]
    balances = [_uint(run.rpc, address, calls.NFT_BALANCE_OF.encode(a)) for a in accounts]
    assert sum(balances) == supply, "every token held by a workload account"


def test_the_pool_keeps_its_reserves_and_its_invariant(run: Run) -> None:
    pool = run.contracts["AMM"]
    token0 = "0x" + calls.decode_address(_call(run.rpc, pool, calls.AMM_TOKEN0.selector)).hex()
    token1 = "0x" + calls.decode_address(_call(run.rpc, pool, calls.AMM_TOKEN1.selector)).hex()
    events = sorted(
        _logs(run.rpc, pool, b"Swap(address,bool,uint256,uint256)")
        + _logs(run.rpc, pool, b"Liquidity(address,uint256,uint256,uint256)"),
        key=lambda log: (int(log["blockNumber"], 16), int(log["logIndex"], 16)),
    )
    liquidity = "0x" + keccak256(b"Liquidity(address,uint256,uint256,uint256)").hex()
    r0 = r1 = 0
    swaps = adds = 0
    for log in events:
        words = _words(log)
        if log["topics"][0] == liquidity and r0 == 0:  # start: the setup's first liquidity
            assert words[:2] == [POOL_LIQUIDITY, POOL_LIQUIDITY]
            r0, r1 = words[0], words[1]
        elif log["topics"][0] == liquidity:  # addLiquidity keeps the price, rounding token1 up
            assert words[1] == -(-words[0] * r1 // r0)
            r0, r1, adds = r0 + words[0], r1 + words[1], adds + 1
        else:
            zero_for_one, amount_in, amount_out = words
            before = r0 * r1
            reserve_in, reserve_out = (r0, r1) if zero_for_one else (r1, r0)
            assert amount_out == amount_in * 997 * reserve_out // (reserve_in * 1000 + amount_in * 997)
            r0, r1 = (r0 + amount_in, r1 - amount_out) if zero_for_one else (r0 - amount_out, r1 + amount_in)
            assert r0 * r1 >= before, "the constant product never falls (the 0.3 % fee raises it)"
            swaps += 1
    kinds = run.rounds["amm"]["by_kind"]
    assert (swaps, adds) == (kinds["amm-swap"]["confirmed"], kinds["amm-add-liquidity"]["confirmed"])
    assert swaps > 20 and adds > 0
    assert (
        _uint(run.rpc, pool, calls.AMM_RESERVE0.selector),
        _uint(run.rpc, pool, calls.AMM_RESERVE1.selector),
    ) == (r0, r1)
    assert _uint(run.rpc, token0, calls.erc20_balance_of(bytes.fromhex(pool[2:]))) == r0, (
        "reserves are the pool's balances"
    )
    assert _uint(run.rpc, token1, calls.erc20_balance_of(bytes.fromhex(pool[2:]))) == r1
    accounts = [address_of(k) for k in derive_keys(15, ACCOUNTS)]
    held = sum(_uint(run.rpc, token0, calls.erc20_balance_of(a)) for a in accounts)
    assert held + r0 == TOKEN_SUPPLY, "swaps and deposits conserve token0"


def test_the_reads_answer_over_the_runs_own_events(run: Run) -> None:
    kinds = run.rounds["reads"]["by_kind"]
    for kind in ("logs-read", "estimate-gas"):
        assert kinds[kind]["ok"] == kinds[kind]["sent"] > 0, kind
    transfers = _logs(run.rpc, run.contracts["ERC20"], b"Transfer(address,address,uint256)")
    # the constructor's mint, the setup's grant to every account, then the round's confirmed transfers
    assert len(transfers) == 1 + ACCOUNTS + kinds["erc20-transfer"]["confirmed"]
