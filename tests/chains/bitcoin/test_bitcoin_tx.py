"""Transaction serialization and BIP143 signing against BIP143's published native P2WPKH example, and
against python-bitcoinlib (an independent implementation) for txid, wtxid, weight and vsize."""

from __future__ import annotations

import pytest
from bitcoin.core import CTransaction
from bitcoin.core.script import SIGVERSION_WITNESS_V0, CScript, SignatureHash

from bench.chains.bitcoin.keys import derive_keys, hash160, public_key_of
from bench.chains.bitcoin.signing import (
    bip143_message,
    bip143_sighash,
    script_code_p2wpkh,
    sign_p2wpkh,
)
from bench.chains.bitcoin.tx import (
    OutPoint,
    Tx,
    TxIn,
    TxOut,
    compact_size,
    display_id,
    op_return_output,
    p2wpkh_output,
    serialize,
    txid,
    vsize,
    weight,
    wtxid,
)

# BIP143, "Native P2WPKH" (bip-0143.mediawiki in github.com/bitcoin/bips)
UNSIGNED = bytes.fromhex(
    "0100000002fff7f7881a8099afa6940d42d1e7f6362bec38171ea3edf433541db4e4ad969f0000000000eeffffff"
    "ef51e1b804cc89d182d279655c3aa89e815b1b309fe287d9b2b55d57b90ec68a0100000000ffffffff02202cb206"
    "000000001976a9148280b37df378db99f66f85c95a783a76ac7a6d5988ac9093510d000000001976a9143bde42dbee"
    "7e4dbe6a21b2d50ce2f0167faa815988ac11000000"
)
PREIMAGE = bytes.fromhex(
    "0100000096b827c8483d4e9b96712b6713a7b68d6e8003a781feba36c31143470b4efd3752b0a642eea2fb7ae638c3"
    "6f6252b6750293dbe574a806984b8e4d8548339a3bef51e1b804cc89d182d279655c3aa89e815b1b309fe287d9b2b5"
    "5d57b90ec68a010000001976a9141d0f172a0ecb48aee1be1f2687d2963ae33f71a188ac0046c32300000000ffffff"
    "ff863ef3e1a92afbfdb97f31ad0fc7683ee943e9abcf2501590ff8f6551f47e5e51100000001000000"
)
SIGHASH = "c37af31116d1b27caf68aae9e3ac82f1477929014d5b917657d0eb49478cb670"
SIGNATURE = (
    "304402203609e17b84f6a7d30c80bfa610b5b4542f32a8a0d5447a12fb1366d7f01cc44a0220573a954c4518331561"
    "406f90300e8f3358f51928d43c212a8caed02de67eebee01"
)
P2PK_SCRIPT_SIG = bytes.fromhex(
    "4830450221008b9d1dc26ba6a9cb62127b02742fa9d754cd3bebf337f7a55d114c8e5cdd30be022040529b194ba3f9"
    "281a99f2b1c0a19c0489bc22ede944ccf4ecbab4cc618ef3ed01"
)
SIGNED = bytes.fromhex(
    "01000000000102fff7f7881a8099afa6940d42d1e7f6362bec38171ea3edf433541db4e4ad969f0000000049483045"
    "0221008b9d1dc26ba6a9cb62127b02742fa9d754cd3bebf337f7a55d114c8e5cdd30be022040529b194ba3f9281a99"
    "f2b1c0a19c0489bc22ede944ccf4ecbab4cc618ef3ed01eeffffffef51e1b804cc89d182d279655c3aa89e815b1b30"
    "9fe287d9b2b55d57b90ec68a0100000000ffffffff02202cb206000000001976a9148280b37df378db99f66f85c95a"
    "783a76ac7a6d5988ac9093510d000000001976a9143bde42dbee7e4dbe6a21b2d50ce2f0167faa815988ac00024730"
    "4402203609e17b84f6a7d30c80bfa610b5b4542f32a8a0d5447a12fb1366d7f01cc44a0220573a954c451833156140"
    "6f90300e8f3358f51928d43c212a8caed02de67eebee0121025476c2e83188368da1ff3e292e7acafcdb3566bb0ad2"
    "53f62fc70f07aeee635711000000"
)
WITNESS_KEY = bytes.fromhex("619c335025c7f4012e556c2a58b2506e30b8511b53ade95ea316fd8c3286feb9")
WITNESS_AMOUNT = 600_000_000  # 6 BTC


def _bip143_tx(witnesses: tuple[tuple[bytes, ...], ...] = (), script_sig: bytes = b"") -> Tx:
    first = bytes.fromhex("fff7f7881a8099afa6940d42d1e7f6362bec38171ea3edf433541db4e4ad969f")
    second = bytes.fromhex("ef51e1b804cc89d182d279655c3aa89e815b1b309fe287d9b2b55d57b90ec68a")
    return Tx(
        inputs=(TxIn(OutPoint(first, 0), script_sig, 0xFFFFFFEE), TxIn(OutPoint(second, 1))),
        outputs=(
            TxOut(112_340_000, bytes.fromhex("76a9148280b37df378db99f66f85c95a783a76ac7a6d5988ac")),
            TxOut(223_450_000, bytes.fromhex("76a9143bde42dbee7e4dbe6a21b2d50ce2f0167faa815988ac")),
        ),
        witnesses=witnesses,
        version=1,
        locktime=17,
    )


def test_bip143_unsigned_transaction_serializes_as_published() -> None:
    assert serialize(_bip143_tx()) == UNSIGNED


def test_bip143_preimage_and_sighash_are_the_published_ones() -> None:
    script_code = script_code_p2wpkh(hash160(public_key_of(WITNESS_KEY)))
    assert bip143_message(_bip143_tx(), 1, WITNESS_AMOUNT, script_code) == PREIMAGE
    assert bip143_sighash(_bip143_tx(), 1, WITNESS_AMOUNT, script_code).hex() == SIGHASH


def test_bip143_signature_and_signed_transaction_are_the_published_ones() -> None:
    """coincurve's RFC 6979 nonce gives the very signature BIP143 prints, so the whole signed transaction
    (the first input's P2PK scriptSig copied from the BIP) comes out byte for byte."""
    signature, public = sign_p2wpkh(_bip143_tx(), 1, WITNESS_AMOUNT, WITNESS_KEY)
    assert signature.hex() == SIGNATURE
    signed = _bip143_tx(witnesses=((), (signature, public)), script_sig=P2PK_SCRIPT_SIG)
    assert serialize(signed) == SIGNED
    assert serialize(signed, witness=False) == serialize(_bip143_tx(script_sig=P2PK_SCRIPT_SIG))


def test_bip143_transaction_ids_weight_and_vsize_match_the_oracle() -> None:
    witnesses = ((), (bytes.fromhex(SIGNATURE), public_key_of(WITNESS_KEY)))
    signed = _bip143_tx(witnesses=witnesses, script_sig=P2PK_SCRIPT_SIG)
    theirs = CTransaction.deserialize(SIGNED)
    assert txid(signed) == theirs.GetTxid()
    assert wtxid(signed) == theirs.GetHash()
    assert weight(signed) == theirs.calc_weight()
    assert vsize(signed) == (theirs.calc_weight() + 3) // 4
    assert display_id(txid(signed)) == theirs.GetTxid()[::-1].hex()


def test_the_oracle_computes_the_same_bip143_hash() -> None:
    script = CScript(script_code_p2wpkh(hash160(public_key_of(WITNESS_KEY)))[1:])
    theirs = SignatureHash(
        script, CTransaction.deserialize(UNSIGNED), 1, 1, WITNESS_AMOUNT, SIGVERSION_WITNESS_V0
    )
    assert theirs.hex() == SIGHASH


def test_a_transaction_without_witness_has_its_txid_as_wtxid() -> None:
    tx = _bip143_tx(script_sig=P2PK_SCRIPT_SIG)
    assert serialize(tx) == serialize(tx, witness=False)
    assert txid(tx) == wtxid(tx) == CTransaction.deserialize(serialize(tx)).GetTxid()


@pytest.mark.parametrize(
    ("n", "encoded"),
    [
        (0, "00"),
        (252, "fc"),
        (253, "fdfd00"),
        (0xFFFF, "fdffff"),
        (0x10000, "fe00000100"),
        (0xFFFFFFFF, "feffffffff"),
        (0x100000000, "ff0000000001000000"),
    ],
)
def test_compact_size(n: int, encoded: str) -> None:
    assert compact_size(n).hex() == encoded


def test_outputs_of_each_kind_round_trip_through_the_oracle() -> None:
    key_hash = hash160(public_key_of(derive_keys(1, 1)[0]))
    outputs = (p2wpkh_output(12_345, key_hash), op_return_output(bytes(range(32))))
    tx = Tx((TxIn(OutPoint(bytes(range(32)), 3)),), outputs, ((b"\x01" * 72, b"\x02" * 33),))
    theirs = CTransaction.deserialize(serialize(tx))
    assert [(o.nValue, bytes(o.scriptPubKey)) for o in theirs.vout] == [(o.amount, o.script) for o in outputs]
    assert bytes(theirs.vout[0].scriptPubKey) == b"\x00\x14" + key_hash
    assert bytes(theirs.vout[1].scriptPubKey) == b"\x6a\x20" + bytes(range(32))
    assert theirs.nVersion == 2 and theirs.nLockTime == 0
    assert (theirs.vin[0].prevout.hash, theirs.vin[0].prevout.n) == (bytes(range(32)), 3)
    assert list(theirs.wit.vtxinwit[0].scriptWitness.stack) == [b"\x01" * 72, b"\x02" * 33]
    assert txid(tx) == theirs.GetTxid() and wtxid(tx) == theirs.GetHash()
    assert weight(tx) == theirs.calc_weight()


def test_an_op_return_carries_exactly_32_bytes() -> None:
    with pytest.raises(ValueError, match="32-byte"):
        op_return_output(b"\x00" * 31)


def test_witness_stacks_must_match_the_inputs() -> None:
    tx = Tx((TxIn(OutPoint(bytes(32), 0)),), (), ((b"a",), (b"b",)))
    with pytest.raises(ValueError, match="2 witness stacks for 1 inputs"):
        serialize(tx)
