"""bench.plan: RLP, key derivation, legacy EIP-155 signing (against eth-account) and the plan's bookkeeping."""

from __future__ import annotations

import subprocess
import sys
from collections import defaultdict
from typing import Any

import numpy as np
import pytest
import rlp as rlp_ref
from eth_account import Account

import bench.chains.ethereum.parallel
import bench.chains.ethereum.plan
from bench.chains.ethereum import rlp
from bench.chains.ethereum.keccak import keccak256
from bench.chains.ethereum.keys import SECP256K1_N, address_of, checksum, derive_keys
from bench.chains.ethereum.plan import Plan, build_plan
from bench.chains.ethereum.signing import SignJob, UnsignedTx, sign_job
from bench.errors import RunError
from bench.plan.presign import BACKLOG_PRESIGN_PER_SLOT_PER_S, presign_count
from bench.workload import Workload, parse_workload

LOREM = b"Lorem ipsum dolor sit amet, consectetur adipisicing elit"  # 56 bytes: the first long string


# ---- RLP -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "80"),
        (b"dog", "83646f67"),
        (b"\x00", "00"),
        (b"\x0f", "0f"),
        (b"\x7f", "7f"),
        (b"\x80", "8180"),
        (b"\x04\x00", "820400"),
        (LOREM, "b838" + LOREM.hex()),
    ],
)
def test_rlp_bytes_vectors(data: bytes, expected: str) -> None:
    assert rlp.encode_bytes(data).hex() == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, "80"),
        (1, "01"),
        (15, "0f"),
        (127, "7f"),
        (128, "8180"),
        (1024, "820400"),
        (2**64, "89010000000000000000"),
    ],
)
def test_rlp_int_vectors(value: int, expected: str) -> None:
    assert rlp.encode_int(value).hex() == expected


def test_rlp_list_vectors() -> None:
    cat_dog = [rlp.encode_bytes(b"cat"), rlp.encode_bytes(b"dog")]
    assert rlp.encode_list(cat_dog).hex() == "c88363617483646f67"
    assert rlp.encode_list([]).hex() == "c0"
    empty = rlp.encode_list([])
    one = rlp.encode_list([empty])
    # the set-theoretical representation of three: [ [], [[]], [ [], [[]] ] ]
    assert rlp.encode_list([empty, one, rlp.encode_list([empty, one])]).hex() == "c7c0c1c0c3c0c1c0"


@pytest.mark.parametrize("length", [0, 1, 2, 54, 55, 56, 57, 255, 256, 1024, 65_535, 65_536, 70_000])
def test_rlp_bytes_match_reference(length: int) -> None:
    data = bytes((i * 7 + 0x81) % 256 for i in range(length))
    assert rlp.encode_bytes(data) == rlp_ref.encode(data)


@pytest.mark.parametrize(
    "value", [0, 1, 0x7F, 0x80, 0xFF, 0x100, 2**55, 2**64 - 1, 2**64, 2**255, 2**256 - 1]
)
def test_rlp_int_matches_reference(value: int) -> None:
    assert rlp.encode_int(value) == rlp_ref.encode(value)


@pytest.mark.parametrize("count", [0, 1, 13, 14, 15, 100])
def test_rlp_list_matches_reference(count: int) -> None:
    items = [bytes([i % 256]) * (i % 5) for i in range(count)]
    assert rlp.encode_list([rlp.encode_bytes(x) for x in items]) == rlp_ref.encode(items)


def test_rlp_nested_list_matches_reference() -> None:
    inner = [b"cat", b"dog", LOREM]
    encoded_inner = rlp.encode_list([rlp.encode_bytes(x) for x in inner])
    assert rlp.encode_list([encoded_inner, rlp.encode_int(1024)]) == rlp_ref.encode([inner, 1024])


# ---- keys ----------------------------------------------------------------------------------------------


def test_keys_are_deterministic_distinct_and_valid() -> None:
    keys = derive_keys(42, 20)
    assert keys == derive_keys(42, 20)
    assert derive_keys(42, 5) == keys[:5]
    assert len(set(keys)) == 20
    assert set(keys).isdisjoint(derive_keys(43, 20))
    for key in keys:
        assert len(key) == 32
        assert 0 < int.from_bytes(key, "big") < SECP256K1_N


def test_zero_keys() -> None:
    assert derive_keys(1, 0) == []


@pytest.mark.parametrize("seed", [0, 1, 42, 2**64])
def test_address_and_checksum_match_eth_account(seed: int) -> None:
    for key in derive_keys(seed, 4):
        address = address_of(key)
        assert len(address) == 20
        assert checksum(address) == Account.from_key(key).address


@pytest.mark.parametrize(
    "expected",
    [
        # EIP-55 test vectors
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
        "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
        "0x52908400098527886E0F7030069857D2E4169EE7",
        "0xde709f2102306220921060314715629080e2fb77",
    ],
)
def test_checksum_eip55_vectors(expected: str) -> None:
    assert checksum(bytes.fromhex(expected[2:])) == expected


def test_keccak256_vectors() -> None:
    assert keccak256(b"").hex() == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
    assert keccak256(b"abc").hex() == "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45"


# ---- signing against eth-account -----------------------------------------------------------------------

KEYS = derive_keys(7, 2)
TO = address_of(KEYS[1])


def _reference(key: bytes, nonce: int, tx: UnsignedTx, chain_id: int) -> tuple[bytes, bytes]:
    signed = Account.sign_transaction(
        {
            "nonce": nonce,
            "to": checksum(tx.to),
            "value": tx.value,
            "gas": tx.gas,
            "gasPrice": tx.gas_price,
            "data": tx.data,
            "chainId": chain_id,
        },
        key,
    )
    return bytes(signed.raw_transaction), bytes(signed.hash)


@pytest.mark.parametrize(
    ("nonce", "value", "gas", "gas_price", "chain_id", "data"),
    [
        (0, 0, 21_000, 0, 1, b""),
        (0, 1, 21_000, 1_000_000_000, 1, b""),
        (1, 10**18, 21_000, 2 * 10**9, 1337, b""),
        (127, 12345, 30_000, 7, 31337, b"\x00"),
        (128, 2**200, 100_000, 10**12, 31337, b"\x01\x02\x03"),
        (2**32, 5, 21_000, 3, 2**31 - 1, bytes(range(100))),
        (55, 1, 21_000, 1, 11155111, b"\x7f"),
    ],
)
def test_sign_job_matches_eth_account(
    nonce: int, value: int, gas: int, gas_price: int, chain_id: int, data: bytes
) -> None:
    tx = UnsignedTx(to=TO, value=value, gas=gas, gas_price=gas_price, data=data)
    ((raw, tx_hash),) = sign_job(SignJob(KEYS[0], nonce, (tx,), chain_id))
    assert (raw, tx_hash) == _reference(KEYS[0], nonce, tx, chain_id)
    assert tx_hash == keccak256(raw)
    assert Account.recover_transaction(raw) == checksum(address_of(KEYS[0]))


def test_sign_job_consecutive_nonces_and_repeated_templates() -> None:
    a = UnsignedTx(to=TO, value=1, gas=21_000, gas_price=5)
    b = UnsignedTx(to=address_of(KEYS[0]), value=2, gas=22_000, gas_price=5, data=b"x")
    templates = (a, b, a, a, b)
    signed = sign_job(SignJob(KEYS[1], 9, templates, 1337))
    assert len(signed) == 5
    for offset, (tx, got) in enumerate(zip(templates, signed, strict=True)):
        assert got == _reference(KEYS[1], 9 + offset, tx, 1337)
    assert len({h for _, h in signed}) == 5


def test_sign_job_empty() -> None:
    assert sign_job(SignJob(KEYS[0], 0, (), 1)) == []


# ---- build_plan ----------------------------------------------------------------------------------------

WORKLOAD_TEXT = """\
name: plan
accounts: {count: 5, seed: 3}
rounds:
  - {label: warm, warmup: true, tx_count: 12, rate: {type: fixed-rate, tps: 4}}
  - {label: closed, duration: 2s, rate: {type: fixed-backlog, in_flight: 3}, tx: {value_wei: 7, gas: 30000}}
  - {label: open, duration: 1.5s, rate: {type: fixed-rate, tps: 4}, tx: {value_wei: 0}}
"""
START = [0, 5, 2, 100, 7]
CHAIN_ID, GAS_PRICE = 31337, 3 * 10**9


@pytest.fixture(scope="module")
def workload() -> Workload:
    return parse_workload(WORKLOAD_TEXT, "plan.yaml")


@pytest.fixture(scope="module")
def plan(workload: Workload) -> Plan:
    return build_plan(workload, chain_id=CHAIN_ID, gas_price=GAS_PRICE, start_nonces=list(START), processes=1)


def _decoded(raw: bytes) -> list[bytes]:
    fields = rlp_ref.decode(raw)
    assert isinstance(fields, list) and len(fields) == 9
    return fields


def test_plan_counts(plan: Plan) -> None:
    assert [r.count for r in plan.rounds] == [12, 24, 6]
    assert [r.index for r in plan.rounds] == [0, 1, 2]
    assert plan.tx_count == 42
    assert (plan.chain_id, plan.gas_price, plan.processes) == (CHAIN_ID, GAS_PRICE, 1)
    assert plan.addresses == [address_of(k) for k in derive_keys(3, 5)]
    for r in plan.rounds:
        assert len(r.hashes) == len(r.senders) == len(r.nonces) == r.count


def test_nonces_are_consecutive_per_account_across_rounds(plan: Plan) -> None:
    seen: dict[int, list[int]] = defaultdict(list)
    for r in plan.rounds:
        for sender, nonce in zip(r.senders.tolist(), r.nonces.tolist(), strict=True):
            seen[sender].append(nonce)
    assert sorted(seen) == [0, 1, 2, 3, 4]
    for account, nonces in seen.items():
        assert nonces == list(range(START[account], START[account] + len(nonces)))


def test_sender_nonce_pairs_and_hashes_are_unique(plan: Plan) -> None:
    pairs = [(s, n) for r in plan.rounds for s, n in zip(r.senders.tolist(), r.nonces.tolist(), strict=True)]
    hashes = [h for r in plan.rounds for h in r.hashes]
    assert len(set(pairs)) == len(pairs) == 42
    assert len(set(hashes)) == len(hashes) == 42


def test_raw_transactions_say_what_the_plan_says(plan: Plan) -> None:
    for r in plan.rounds:
        for sender, nonce, raw, tx_hash in zip(
            r.senders.tolist(), r.nonces.tolist(), r.raw, r.hashes, strict=True
        ):
            assert tx_hash == keccak256(raw)
            f = _decoded(raw)
            assert int.from_bytes(f[0], "big") == nonce
            assert int.from_bytes(f[1], "big") == GAS_PRICE
            assert int.from_bytes(f[2], "big") == r.spec.mix[0].tx.gas
            assert f[3] in plan.addresses and f[3] != plan.addresses[sender]
            assert int.from_bytes(f[4], "big") == r.spec.mix[0].tx.value_wei
            assert f[5] == b""
            assert int.from_bytes(f[6], "big") in (CHAIN_ID * 2 + 35, CHAIN_ID * 2 + 36)
            assert Account.recover_transaction(raw) == checksum(plan.addresses[sender])


def test_fixed_rate_offsets_are_n_over_tps(plan: Plan) -> None:
    warm, closed, open_ = plan.rounds
    assert warm.offsets is not None and open_.offsets is not None
    np.testing.assert_array_equal(warm.offsets, np.arange(12) / 4.0)
    np.testing.assert_array_equal(open_.offsets, np.arange(6) / 4.0)
    assert closed.offsets is None


def test_backlog_presign_count(workload: Workload) -> None:
    closed = workload.rounds[1]
    assert presign_count(closed) == 3 * 2 * BACKLOG_PRESIGN_PER_SLOT_PER_S == 24


@pytest.mark.parametrize(
    ("round_yaml", "expected"),
    [
        ("{label: a, tx_count: 9, rate: {type: fixed-backlog, in_flight: 4}}", 9),
        ("{label: a, duration: 0.01, rate: {type: fixed-backlog, in_flight: 10}}", 10),
        ("{label: a, duration: 0.3, rate: {type: fixed-backlog, in_flight: 5}}", 6),
        ("{label: a, duration: 0.1, rate: {type: fixed-rate, tps: 1}}", 1),
        ("{label: a, duration: 10, rate: {type: fixed-rate, tps: 2.5}}", 25),
    ],
)
def test_presign_count_table(round_yaml: str, expected: int) -> None:
    spec = parse_workload(f"name: t\nrounds: [{round_yaml}]\n").rounds[0]
    assert presign_count(spec) == expected


def test_funding_covers_every_tx_plus_ten_percent(plan: Plan) -> None:
    need = [0] * 5
    for r in plan.rounds:
        for sender in r.senders.tolist():
            need[sender] += r.spec.mix[0].tx.gas * GAS_PRICE + r.spec.mix[0].tx.value_wei
    assert plan.funding_wei == [n * 11 // 10 for n in need]
    assert all(f >= n * 1.1 - 1 for f, n in zip(plan.funding_wei, need, strict=True))


def test_funding_from_workload_overrides(workload: Workload) -> None:
    text = WORKLOAD_TEXT.replace("seed: 3}", "seed: 3, funding_eth: 0.25}")
    fixed = build_plan(parse_workload(text), chain_id=1, gas_price=1, processes=1)
    assert fixed.funding_wei == [25 * 10**16] * 5


def test_start_nonces_default_to_zero() -> None:
    text = (
        "name: t\naccounts: {count: 2}\nrounds: [{label: a, tx_count: 4, rate: {type: fixed-rate, tps: 1}}]\n"
    )
    plan = build_plan(parse_workload(text), chain_id=1, gas_price=1, processes=1)
    assert plan.rounds[0].senders.tolist() == [0, 1, 0, 1]
    assert plan.rounds[0].nonces.tolist() == [0, 0, 1, 1]


def test_plan_is_deterministic(workload: Workload, plan: Plan) -> None:
    again = build_plan(
        workload, chain_id=CHAIN_ID, gas_price=GAS_PRICE, start_nonces=list(START), processes=1
    )
    assert [r.raw for r in again.rounds] == [r.raw for r in plan.rounds]


def test_start_nonces_are_not_mutated(workload: Workload) -> None:
    start = list(START)
    build_plan(workload, chain_id=1, gas_price=1, start_nonces=start, processes=1)
    assert start == START


def test_two_processes_sign_the_same_bytes(
    workload: Workload, plan: Plan, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bench.chains.ethereum.plan, "PARALLEL_THRESHOLD", 1)
    chunks: list[int] = []
    real_child = bench.chains.ethereum.parallel._child

    def spy(jobs: list[Any]) -> Any:
        chunks.append(len(jobs))
        return real_child(jobs)

    monkeypatch.setattr(bench.chains.ethereum.parallel, "_child", spy)
    parallel = build_plan(
        workload, chain_id=CHAIN_ID, gas_price=GAS_PRICE, start_nonces=list(START), processes=2
    )
    assert len(chunks) == 2, "two signing child processes ran"
    assert parallel.processes == 2
    assert [r.raw for r in parallel.rounds] == [r.raw for r in plan.rounds]
    assert [r.hashes for r in parallel.rounds] == [r.hashes for r in plan.rounds]
    for a, b in zip(parallel.rounds, plan.rounds, strict=True):
        np.testing.assert_array_equal(a.senders, b.senders)
        np.testing.assert_array_equal(a.nonces, b.nonces)


def test_signing_child_failure_is_a_run_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bench.chains.ethereum.parallel.sys, "executable", "/bin/false")
    job = SignJob(derive_keys(1, 1)[0], 0, (UnsignedTx(b"\x11" * 20, 1, 21_000, 1),), 1)
    with pytest.raises(RunError, match="a signing process failed"):
        bench.chains.ethereum.parallel.sign_in_children([job, job], 2)


def test_private_keys_are_not_in_repr(plan: Plan) -> None:
    shown = repr(plan) + "".join(repr(r) for r in plan.rounds)
    assert "plan" in shown
    for key in plan.keys:
        assert key.hex() not in shown
        assert repr(key) not in shown
        assert str(int.from_bytes(key, "big")) not in shown


def test_parallel_signing_works_under_locusts_gevent_patching() -> None:
    """`chainmark run` signs with Locust loaded: a multiprocessing pool hung there; the children must not."""
    script = (
        "import locust, bench.chains.ethereum.plan as b\n"
        "from bench.workload import parse_workload\n"
        "b.PARALLEL_THRESHOLD = 1\n"
        "w = parse_workload('name: t\\naccounts: {count: 4}\\nrounds: [{label: a, tx_count: 40, "
        "rate: {type: fixed-rate, tps: 10}}]\\n')\n"
        "p = b.build_plan(w, chain_id=1, gas_price=1, processes=2)\n"
        "print(p.tx_count, len(set(p.rounds[0].hashes)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["40", "40"]
