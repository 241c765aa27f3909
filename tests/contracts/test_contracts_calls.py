"""bench.contracts.calls and bench.contracts.ycsb: calldata against the ABIs and known selectors, decoders, YCSB data."""

from __future__ import annotations

import pytest
from eth_abi import encode

from bench.contracts import CONTRACT_NAMES, calls, load_artifact
from bench.contracts.ycsb import OPERATIONS, WORKLOADS, get_workload, record_key

# Public getters and views that no workload sends, so they have no builder.
UNBUILT = {
    "ERC20": {"name()", "symbol()", "decimals()", "allowance(address,address)"},
    "SmallBank": {"checking(uint256)", "savings(uint256)", "exists(uint256)"},
    "Evidence": {"depositCount()"},
    "Traceability": {"metadataOf(bytes32)"},
    "NFT": {
        "name()",
        "symbol()",
        "getApproved(uint256)",
        "isApprovedForAll(address,address)",
        "supportsInterface(bytes4)",
        "approve(address,uint256)",
        "setApprovalForAll(address,bool)",
    },
    "AMM": {"shares(address)"},
}


def _abi_signatures(name: str) -> set[str]:
    return {
        f"{item['name']}({','.join(i['type'] for i in item['inputs'])})"
        for item in load_artifact(name).abi
        if item["type"] == "function"
    }


@pytest.mark.parametrize("name", CONTRACT_NAMES)
def test_builders_cover_exactly_the_abi(name: str) -> None:
    built = {f.signature for f in calls.FUNCTIONS if f.contract == name}
    assert built | UNBUILT.get(name, set()) == _abi_signatures(name)
    assert not built & UNBUILT.get(name, set())


@pytest.mark.parametrize(
    ("function", "selector"),
    [
        (calls.ERC20_TRANSFER, "a9059cbb"),
        (calls.ERC20_APPROVE, "095ea7b3"),
        (calls.ERC20_TRANSFER_FROM, "23b872dd"),
        (calls.ERC20_BALANCE_OF, "70a08231"),
        (calls.ERC20_TOTAL_SUPPLY, "18160ddd"),
    ],
)
def test_known_erc20_selectors(function: calls.Function, selector: str) -> None:
    assert function.selector.hex() == selector


def test_builders_encode_selector_then_arguments() -> None:
    to = bytes(range(20))
    assert calls.erc20_transfer(to, 5).hex() == "a9059cbb" + "00" * 12 + to.hex() + f"{5:064x}"
    data = calls.kv_insert(b"user1", b"\x01\x02")
    assert data == calls.KV_INSERT.selector + encode(["bytes", "bytes"], [b"user1", b"\x01\x02"])
    assert calls.smallbank_transact_savings(3, -7)[-32:] == (-7).to_bytes(32, "big", signed=True)
    assert calls.donothing_nothing() == calls.DONOTHING_NOTHING.selector


def test_deploy_data_appends_constructor_arguments() -> None:
    erc20 = load_artifact("ERC20")
    assert calls.deploy_data(erc20, 10**24) == erc20.bytecode + (10**24).to_bytes(32, "big")
    assert calls.deploy_data(load_artifact("DoNothing")) == load_artifact("DoNothing").bytecode
    with pytest.raises(ValueError, match="ERC20 constructor takes 1 arguments, got 0"):
        calls.deploy_data(erc20)


def test_decoders_read_what_the_abi_encodes() -> None:
    address = bytes(range(1, 21))
    assert calls.decode_uint(encode(["uint256"], [2**200])) == 2**200
    assert calls.decode_int(encode(["int256"], [-3])) == -3
    assert calls.decode_bool(encode(["bool"], [True])) is True
    assert calls.decode_address(encode(["address"], [address])) == address
    assert calls.decode_bytes(encode(["bytes"], [b"old"])) == b"old"
    assert calls.decode_uint_list(encode(["uint256[]"], [[1, 2, 3]])) == [1, 2, 3]
    assert calls.decode_kv_read(encode(["bool", "bytes"], [True, b""])) == b""
    assert calls.decode_kv_read(encode(["bool", "bytes"], [False, b""])) is None
    scan = encode(["bytes[]", "bytes[]"], [[b"a", b"b"], [b"1", b"22"]])
    assert calls.decode_kv_scan(scan) == [(b"a", b"1"), (b"b", b"22")]
    deposit = encode(["address", "uint256", "uint256", "string"], [address, 9, 4, "case"])
    assert calls.decode_evidence_deposit(deposit) == calls.EvidenceDeposit(address, 9, 4, "case")
    entry = encode(["address", "address", "uint256", "string"], [bytes(20), address, 1, "registered"])
    assert calls.decode_custody_entry(entry) == calls.CustodyEntry(bytes(20), address, 1, "registered")


@pytest.mark.parametrize(
    ("letter", "mix", "distribution"),
    [
        ("A", {"read": 0.5, "update": 0.5}, "zipfian"),
        ("B", {"read": 0.95, "update": 0.05}, "zipfian"),
        ("C", {"read": 1.0}, "zipfian"),
        ("D", {"read": 0.95, "insert": 0.05}, "latest"),
        ("E", {"scan": 0.95, "insert": 0.05}, "zipfian"),
        ("F", {"read": 0.5, "read_modify_write": 0.5}, "zipfian"),
    ],
)
def test_ycsb_core_workload_mixes(letter: str, mix: dict[str, float], distribution: str) -> None:
    workload = get_workload(letter.lower())
    assert dict(workload.proportions) == mix
    assert workload.request_distribution == distribution
    assert set(mix) <= set(OPERATIONS)
    assert workload.max_scan_length == (100 if letter == "E" else 0)


def test_ycsb_lookup_and_keys() -> None:
    assert list(WORKLOADS) == ["A", "B", "C", "D", "E", "F"]
    with pytest.raises(ValueError, match="unknown YCSB workload 'G': expected one of A, B, C, D, E, F"):
        get_workload("G")
    assert record_key(0) == b"user6284781860667377211"  # the first key of every YCSB load phase
    assert len({record_key(i) for i in range(10_000)}) == 10_000
    with pytest.raises(ValueError, match="must be >= 0"):
        record_key(-1)
