"""The Bitcoin family's workload fields: target.network, target.fee_rate and the btc- kinds, each
validated with one `FILE:LINE: field: problem` line, and a kind of the other family refused."""

from __future__ import annotations

import textwrap

import jsonschema
import pytest

from bench.errors import WorkloadError
from bench.workload import parse_workload
from bench.workload.schema import workload_schema
from bench.workload.spec import BitcoinTx, Network, TransferTx

ROUND = "rounds:\n  - {label: a, duration: 10s, rate: {type: fixed-rate, tps: 10}, tx: TX}\n"


def _bitcoin(target: str = "{chain: bitcoin}", tx: str = "{kind: btc-transfer}") -> str:
    return f"name: t\ntarget: {target}\n" + ROUND.replace("TX", tx)


def _error(text: str) -> str:
    with pytest.raises(WorkloadError) as caught:
        parse_workload(text, "w.yaml")
    return str(caught.value)


def test_a_bitcoin_target_defaults_to_the_managed_3_node_ring() -> None:
    workload = parse_workload(_bitcoin())
    assert workload.target.chain == "bitcoin"
    assert workload.target.network == Network(nodes=3, topology="ring", block_time=1.0, producer="node-0")
    assert workload.target.fee_rate is None
    assert workload.rounds[0].mix[0].tx == BitcoinTx("btc-transfer")


def test_a_bitcoin_target_with_a_url_has_no_network() -> None:
    workload = parse_workload(_bitcoin("{chain: bitcoin, url: 'http://u:p@127.0.0.1:1', fee_rate: 3}"))
    assert workload.target.network is None
    assert workload.target.fee_rate == 3


def test_the_network_fields_are_read() -> None:
    text = _bitcoin(
        "{chain: bitcoin, network: {nodes: 5, topology: mesh, block_time: 2s, producer: round-robin}}"
    )
    assert parse_workload(text).target.network == Network(5, "mesh", 2.0, "round-robin")


def test_the_managed_mempool_chain_limit_is_read_and_defaults_to_500() -> None:
    assert parse_workload(_bitcoin()).target.network == Network(mempool_chain_limit=500)
    text = _bitcoin("{chain: bitcoin, network: {nodes: 2, mempool_chain_limit: 1000}}")
    assert parse_workload(text).target.network == Network(nodes=2, mempool_chain_limit=1000)


def test_a_round_without_tx_on_bitcoin_sends_btc_transfers() -> None:
    text = "name: t\ntarget: {chain: bitcoin}\nrounds:\n  - {label: a, tx_count: 5, rate: {type: fixed-rate, tps: 1}}\n"
    assert parse_workload(text).rounds[0].mix[0].tx.kind == "btc-transfer"


@pytest.mark.parametrize(
    ("tx", "want"),
    [
        ("{kind: btc-transfer, amount: 5000}", BitcoinTx("btc-transfer", amount=5000)),
        ("{kind: btc-payout, outputs: 4}", BitcoinTx("btc-payout", count=4)),
        ("{kind: btc-evidence, documents: 16}", BitcoinTx("btc-evidence", count=16)),
        ("{kind: btc-consolidate, inputs: 3}", BitcoinTx("btc-consolidate", count=3)),
        ("{kind: btc-consolidate}", BitcoinTx("btc-consolidate", count=2)),
    ],
)
def test_the_bitcoin_kinds_are_read(tx: str, want: BitcoinTx) -> None:
    assert parse_workload(_bitcoin(tx=tx)).rounds[0].mix[0].tx == want


@pytest.mark.parametrize(
    ("target", "tx", "message"),
    [
        (
            "{chain: bitcoin, network: {nodes: 9}}",
            None,
            "w.yaml:2: target.network.nodes: must be <= 8, got 9",
        ),
        (
            "{chain: bitcoin, network: {nodes: 0}}",
            None,
            "w.yaml:2: target.network.nodes: must be >= 1, got 0",
        ),
        (
            "{chain: bitcoin, network: {topology: star}}",
            None,
            "target.network.topology: expected one of line, ring, mesh",
        ),
        (
            "{chain: bitcoin, network: {nodes: 2, producer: node-2}}",
            None,
            "target.network.producer: expected round-robin or one of node-0, node-1",
        ),
        ("{chain: bitcoin, network: {block_time: 0}}", None, "target.network.block_time: must be > 0"),
        ("{chain: bitcoin, fee_rate: 0}", None, "w.yaml:2: target.fee_rate: must be >= 1, got 0"),
        (
            "{chain: bitcoin, node: anvil}",
            None,
            "w.yaml:2: target.node: not for a target.chain bitcoin target",
        ),
        (
            "{chain: bitcoin, block_time: 1s}",
            None,
            "target.block_time: not for a target.chain bitcoin target",
        ),
        (
            "{chain: ethereum, network: {nodes: 2}}",
            "{kind: transfer}",
            "target.network: not for a target.chain ethereum target",
        ),
        (
            "{chain: ethereum, fee_rate: 2}",
            "{kind: transfer}",
            "target.fee_rate: not for a target.chain ethereum target",
        ),
        (
            "{chain: bitcoin, url: 'http://127.0.0.1:1', network: {nodes: 2}}",
            None,
            "target.network: a managed network and target.url exclude each other",
        ),
        (
            "{chain: bitcoin}",
            "{kind: btc-payout, outputs: 0}",
            "w.yaml:4: rounds[0].tx.outputs: must be >= 1, got 0",
        ),
        (
            "{chain: bitcoin}",
            "{kind: btc-consolidate, inputs: 1}",
            "rounds[0].tx.inputs: must be >= 2, got 1",
        ),
        ("{chain: bitcoin}", "{kind: btc-transfer, amount: 0}", "rounds[0].tx.amount: must be >= 1, got 0"),
        (
            "{chain: bitcoin, network: {mempool_chain_limit: 0}}",
            None,
            "w.yaml:2: target.network.mempool_chain_limit: must be >= 1, got 0",
        ),
        (
            "{chain: bitcoin, network: {mempool_chain_limit: 100001}}",
            None,
            "w.yaml:2: target.network.mempool_chain_limit: must be <= 100000, got 100001",
        ),
        ("{chain: bitcoin}", "{kind: btc-evidence, amount: 5}", "rounds[0].tx.amount"),
    ],
)
def test_bad_bitcoin_fields_are_one_line(target: str, tx: str | None, message: str) -> None:
    error = _error(_bitcoin(target, tx or "{kind: btc-transfer}"))
    assert message in error
    assert "\n" not in error


def test_an_ethereum_kind_on_a_bitcoin_target_is_one_line() -> None:
    error = _error(_bitcoin(tx="{kind: transfer}"))
    assert error == (
        "w.yaml:4: rounds[0].tx.kind: kind 'transfer' cannot run on a target.chain bitcoin target "
        "(use btc-transfer, btc-payout, btc-evidence, btc-consolidate)"
    )


def test_a_bitcoin_kind_on_an_ethereum_target_is_one_line() -> None:
    error = _error(_bitcoin("{chain: ethereum}", "{kind: btc-transfer}"))
    assert error.startswith(
        "w.yaml:4: rounds[0].tx.kind: kind 'btc-transfer' cannot run on a target.chain ethereum"
    )


def test_an_ethereum_workload_is_unchanged() -> None:
    workload = parse_workload(_bitcoin("{chain: ethereum}", "{kind: transfer}"))
    assert workload.target.network is None
    assert isinstance(workload.rounds[0].mix[0].tx, TransferTx)


def test_the_schema_accepts_the_bitcoin_fields() -> None:
    import yaml

    text = _bitcoin(
        "{chain: bitcoin, fee_rate: 2, network: {nodes: 3, topology: ring, block_time: 1s, producer: node-0, "
        "mempool_chain_limit: 300}}",
        "{kind: btc-payout, outputs: 3, amount: 1000}",
    )
    jsonschema.validate(yaml.safe_load(textwrap.dedent(text)), workload_schema())


@pytest.mark.parametrize("name", ["transfer", "payout", "evidence", "consolidate"])
def test_the_shipped_bitcoin_workloads_validate(name: str) -> None:
    from pathlib import Path

    from bench.workload import load_workload

    path = Path(__file__).resolve().parents[2] / "workloads" / "bitcoin" / f"{name}.yaml"
    workload = load_workload(path)
    assert workload.target.chain == "bitcoin" and workload.target.network == Network()
    assert all(e.tx.kind.startswith("btc-") for r in workload.rounds for e in r.mix)
