"""Contract workloads through `chainmark run` on a real Anvil: deployed in the plan phase, outcomes checked on chain."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.chains.ethereum.anvil import ManagedAnvil
from bench.chains.ethereum.keys import address_of, derive_keys
from bench.contracts import calls
from bench.targets.rpc import RpcClient
from tests.runhelpers import chainmark, db, only_run_dir, read_summary, write_workload

pytestmark = pytest.mark.anvil

WORKLOAD = """
name: contracts
accounts: {count: 12, seed: 5}
target: {confirm_grace: 15s}
rounds:
  - label: erc20
    tx_count: 90
    rate: {type: fixed-rate, tps: 90}
    mix:
      - {weight: 4, tx: {kind: erc20-transfer, amount: 3}}
      - {weight: 1, tx: {kind: erc20-balance}}
  - label: ycsb-d
    tx_count: 80
    rate: {type: fixed-rate, tps: 80}
    tx: {kind: ycsb, workload: D, record_count: 40, field_length: 8}
  - label: smallbank
    tx_count: 90
    rate: {type: fixed-rate, tps: 90}
    tx: {kind: smallbank, customers: 50}
  - label: micro-evidence
    tx_count: 60
    rate: {type: fixed-rate, tps: 60}
    mix:
      - {tx: {kind: cpuheavy, n: 40}}
      - {tx: {kind: ioheavy-write, n: 4}}
      - {tx: {kind: evidence-batch, k: 16}}
      - {tx: {kind: evidence-verify, k: 16}}
  - label: custody
    tx_count: 90
    rate: {type: fixed-rate, tps: 60}
    mix:
      - {weight: 3, tx: {kind: trace-transfer, products: 20}}
      - {weight: 1, tx: {kind: trace-history, products: 20}}
"""


def _call(rpc: RpcClient, to: str, data: bytes) -> bytes:
    return bytes.fromhex(rpc.call("eth_call", {"to": to, "data": "0x" + data.hex()}, "latest")[2:])


def test_contract_kinds_do_their_work(tmp_path: Path, anvil: ManagedAnvil, rpc: RpcClient) -> None:
    workload = write_workload(tmp_path / "w.yaml", WORKLOAD)
    result = chainmark("run", str(workload), "--target-url", anvil.url, "--out", str(tmp_path / "out"), "-q")
    assert result.returncode == 0, result.stderr
    run_dir = only_run_dir(tmp_path / "out")
    summary = read_summary(run_dir)
    contracts = summary_contracts(run_dir)
    rounds = {r["label"]: r for r in summary["rounds"]}
    for r in rounds.values():
        assert r["timed_out"] == 0
        assert r["confirmed"] + sum(r["failed"].values()) == r["sent"]
        if r["reads"]:
            assert r["reads"]["ok"] == r["reads"]["sent"] > 0

    # ERC-20: every confirmed transfer moved 3 tokens between workload accounts; the supply is conserved.
    accounts = [address_of(k) for k in derive_keys(5, 12)]
    balances = [
        calls.decode_uint(_call(rpc, contracts["ERC20"], calls.erc20_balance_of(a))) for a in accounts
    ]
    supply = calls.decode_uint(_call(rpc, contracts["ERC20"], calls.erc20_total_supply()))
    assert rounds["erc20"]["failed"] == {} and rounds["erc20"]["confirmed"] > 50
    # Account 0 deployed the token (it keeps the rest of the supply) and gave every account 10**24 in setup.
    assert sum(balances) == supply == 10**30, "transfers among the accounts conserve the supply"
    assert any(b != 10**24 for b in balances)

    # YCSB D: inserts add records after the 40 loaded in setup; reads of loaded records all answered.
    inserted = rounds["ycsb-d"]["by_kind"].get("kv-insert", {"confirmed": 0})["confirmed"]
    assert calls.decode_uint(_call(rpc, contracts["KVStore"], calls.kv_record_count())) == 40 + inserted

    # SmallBank: aborts are reverts (failed, reason `reverted`), never confirmations.
    assert set(rounds["smallbank"]["failed"]) <= {"reverted"}
    assert len(rounds["smallbank"]["by_kind"]) == 6

    # Evidence: batches stored; the setup batch's root (from chainmark's Merkle kernel) verifies a proof on chain.
    assert rounds["micro-evidence"]["by_kind"]["evidence-batch"]["confirmed"] > 0
    assert rounds["micro-evidence"]["by_kind"]["evidence-verify"]["ok"] > 0
    from bench.chains.ethereum.contract_txs import plan_contracts
    from bench.kernels import merkle_proof, merkle_root
    from bench.workload import load_workload

    planned = plan_contracts(load_workload(workload), accounts[0], 0, accounts, seed=5)
    assert planned is not None
    leaves = planned.evidence_leaves
    assert merkle_root(leaves, "openzeppelin") == planned.evidence_root
    ok = _call(
        rpc,
        contracts["Evidence"],
        calls.evidence_verify(planned.evidence_root, leaves[3], merkle_proof(leaves, 3, "openzeppelin"), 3),
    )
    assert calls.decode_bool(ok)

    # Traceability: every custody hop came from the product's custodian (none reverted), and the
    # products' histories hold the registration plus every confirmed hop.
    custody = rounds["custody"]["by_kind"]["trace-transfer"]
    assert custody["failed"] == {} and custody["confirmed"] == custody["sent"] > 40
    assert planned.products
    lengths = [
        calls.decode_uint(_call(rpc, contracts["Traceability"], calls.trace_history_length(p)))
        for p in planned.products
    ]
    assert sum(lengths) == len(planned.products) + custody["confirmed"]


def summary_contracts(run_dir: Path) -> dict[str, str]:
    with db(run_dir) as conn:
        value = conn.execute("SELECT value FROM meta WHERE key = 'contracts'").fetchone()[0]
    return dict(json.loads(value))


RESIGNED = """
name: resign-custody
accounts: {count: 6, seed: 31}
target: {confirm_grace: 15s}
rounds:
  - label: custody
    tx_count: 30
    rate: {type: fixed-rate, tps: 30}
    tx: {kind: trace-transfer, products: 8}
  - label: backlog
    duration: 2s
    rate: {type: fixed-backlog, in_flight: 10}
    tx: {kind: kv-insert, record_count: 5, field_length: 4}
  - label: after
    tx_count: 40
    rate: {type: fixed-rate, tps: 40}
    mix:
      - {weight: 3, tx: {kind: trace-transfer, products: 8}}
      - {weight: 1, tx: {kind: trace-history, products: 8}}
"""


def test_rounds_re_signed_after_a_round_cut_short_keep_the_contract_state(
    tmp_path: Path, anvil: ManagedAnvil, rpc: RpcClient
) -> None:
    """A closed loop cut short by its duration moves the later rounds' nonces back; their calls stay the plan's,
    so every custody hop after it still comes from the product's custodian (none reverts)."""
    workload = write_workload(tmp_path / "w.yaml", RESIGNED)
    result = chainmark("run", str(workload), "--target-url", anvil.url, "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert "re-signed 40 transactions of later rounds" in result.stderr
    run_dir = only_run_dir(tmp_path / "out")
    custody, backlog, after = read_summary(run_dir)["rounds"]
    assert backlog["sent"] < backlog["planned"], "the closed loop left signed inserts unsent"
    contracts = summary_contracts(run_dir)
    records = calls.decode_uint(_call(rpc, contracts["KVStore"], calls.kv_record_count()))
    assert backlog["failed"] == {} and records == 5 + backlog["confirmed"]
    hops = after["by_kind"]["trace-transfer"]
    assert hops["failed"] == {}, "a re-signed hop was sent by an account that is not the custodian"
    assert hops["confirmed"] == hops["sent"] > 20 and custody["confirmed"] == 30
    assert after["reads"]["ok"] == after["reads"]["sent"] > 0
    from bench.chains.ethereum.contract_txs import plan_contracts
    from bench.workload import load_workload

    accounts = [address_of(k) for k in derive_keys(31, 6)]
    planned = plan_contracts(load_workload(workload), accounts[0], 0, accounts, seed=31)
    assert planned is not None
    lengths = [
        calls.decode_uint(_call(rpc, contracts["Traceability"], calls.trace_history_length(p)))
        for p in planned.products
    ]
    assert sum(lengths) == len(planned.products) + 30 + hops["confirmed"]
