"""EIP-2930 (type 1) and EIP-1559 (type 2) transactions built and signed directly, against eth-account."""

from __future__ import annotations

import pytest
from eth_account import Account

from bench.chains.ethereum.keccak import keccak256
from bench.chains.ethereum.keys import address_of, checksum, derive_keys
from bench.chains.ethereum.signing import SignJob, UnsignedTx, sign_job

KEYS = derive_keys(11, 2)
TO = address_of(KEYS[1])


def _reference(key: bytes, nonce: int, tx: UnsignedTx, chain_id: int) -> tuple[bytes, bytes]:
    fields: dict[str, object] = {
        "nonce": nonce,
        "to": checksum(tx.to) if tx.to else b"",
        "value": tx.value,
        "gas": tx.gas,
        "data": tx.data,
        "chainId": chain_id,
        "accessList": [],
        "type": tx.tx_type,
    }
    if tx.tx_type == 2:
        fields |= {"maxFeePerGas": tx.gas_price, "maxPriorityFeePerGas": tx.priority_fee}
    else:
        fields["gasPrice"] = tx.gas_price
    if not tx.to:
        del fields["to"]
    if tx.tx_type == 0:
        del fields["accessList"], fields["type"]
    signed = Account.sign_transaction(fields, key)
    return bytes(signed.raw_transaction), bytes(signed.hash)


CASES = [
    (0, 0, 21_000, 0, 0, 1, b""),
    (1, 1, 21_000, 10**9, 10**9, 1, b""),
    (127, 10**18, 30_000, 2 * 10**9, 1, 31337, b"\x00"),
    (128, 2**200, 100_000, 10**12, 10**11, 31337, b"\x01\x02\x03"),
    (2**32, 5, 21_000, 3, 0, 2**31 - 1, bytes(range(100))),
    (55, 1, 21_000, 1, 1, 11155111, b"\x7f" * 60),
]


@pytest.mark.parametrize("tx_type", [1, 2])
@pytest.mark.parametrize(("nonce", "value", "gas", "fee_cap", "tip", "chain_id", "data"), CASES)
def test_typed_transactions_match_eth_account(
    tx_type: int, nonce: int, value: int, gas: int, fee_cap: int, tip: int, chain_id: int, data: bytes
) -> None:
    tx = UnsignedTx(TO, value, gas, fee_cap, data, tx_type=tx_type, priority_fee=tip if tx_type == 2 else 0)
    ((raw, tx_hash),) = sign_job(SignJob(KEYS[0], nonce, (tx,), chain_id))
    assert raw[0] == tx_type
    assert (raw, tx_hash) == _reference(KEYS[0], nonce, tx, chain_id)
    assert tx_hash == keccak256(raw)
    assert Account.recover_transaction(raw) == checksum(address_of(KEYS[0]))


@pytest.mark.parametrize("tx_type", [0, 1, 2])
def test_a_contract_creation_of_each_type_matches_eth_account(tx_type: int) -> None:
    tx = UnsignedTx(b"", 0, 500_000, 7 * 10**9, b"\x60\x00" * 40, tx_type=tx_type, priority_fee=2)
    ((raw, tx_hash),) = sign_job(SignJob(KEYS[1], 3, (tx,), 31337))
    assert (raw, tx_hash) == _reference(KEYS[1], 3, tx, 31337)


def test_one_job_mixes_types_with_consecutive_nonces() -> None:
    templates = (
        UnsignedTx(TO, 1, 21_000, 5, tx_type=2, priority_fee=1),
        UnsignedTx(TO, 1, 21_000, 5),
        UnsignedTx(TO, 2, 21_000, 5, tx_type=1),
        UnsignedTx(TO, 1, 21_000, 5, tx_type=2, priority_fee=1),
    )
    signed = sign_job(SignJob(KEYS[0], 40, templates, 1337))
    for offset, (tx, got) in enumerate(zip(templates, signed, strict=True)):
        assert got == _reference(KEYS[0], 40 + offset, tx, 1337)
