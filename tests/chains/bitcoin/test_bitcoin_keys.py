"""Keys and addresses of the Bitcoin family: derivation, HASH160, WIF and hex keys, and bech32 (BIP173's
published vectors), with python-bitcoinlib's copies of the reference code as the oracle."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest
from bitcoin import segwit_addr
from bitcoin.base58 import CBase58Data
from bitcoin.core.serialize import Hash160

from bench.chains.bitcoin import bech32
from bench.chains.bitcoin.keys import (
    SECP256K1_N,
    address_script,
    decode_wif,
    derive_keys,
    encode_wif,
    hash160,
    p2wpkh_address,
    p2wpkh_script,
    public_key_of,
    read_private_key,
)
from bench.chains.ethereum.keys import derive_keys as ethereum_keys

REGTEST_SECRET = 0xEF  # the secret-key version byte of Bitcoin's and Litecoin's test networks


def test_keys_are_deterministic_in_range_and_their_own_domain() -> None:
    keys = derive_keys(7, 50)
    assert keys == derive_keys(7, 50)
    assert keys[:10] == derive_keys(7, 10)
    assert len(set(keys)) == 50 and all(0 < int.from_bytes(k, "big") < SECP256K1_N for k in keys)
    assert set(keys).isdisjoint(ethereum_keys(7, 50))
    assert set(keys).isdisjoint(derive_keys(8, 50))


def test_key_derivation_is_the_documented_one() -> None:
    material = b"chainmark-bitcoin" + (7).to_bytes(32, "big") + (3).to_bytes(8, "big") + bytes(4)
    assert derive_keys(7, 4)[3] == hashlib.sha256(material).digest()


def test_public_keys_are_compressed_and_hash160_matches_the_oracle() -> None:
    for key in derive_keys(1, 20):
        public = public_key_of(key)
        assert len(public) == 33 and public[0] in (2, 3)
        assert hash160(public) == Hash160(public)
    assert hash160(b"").hex() == "b472a266d0bd89c13706a4132ccfb16f7c3b9fcb"


def test_bip143_key_gives_its_published_witness_program() -> None:
    key = bytes.fromhex("619c335025c7f4012e556c2a58b2506e30b8511b53ade95ea316fd8c3286feb9")
    public = public_key_of(key)
    assert public.hex() == "025476c2e83188368da1ff3e292e7acafcdb3566bb0ad253f62fc70f07aeee6357"
    assert p2wpkh_script(hash160(public)).hex() == "00141d0f172a0ecb48aee1be1f2687d2963ae33f71a1"


@pytest.mark.parametrize("prefix", [0x80, 0xEF, 0xB0])  # Bitcoin mainnet, test networks, Litecoin mainnet
def test_wif_round_trips_and_matches_the_oracle(prefix: int) -> None:
    for key in derive_keys(2, 10):
        text = encode_wif(key, prefix)
        assert text == str(CBase58Data.from_bytes(key + b"\x01", prefix))
        assert decode_wif(text, prefix) == key
        assert read_private_key(text, prefix) == key


def test_a_published_wif_decodes() -> None:
    # Bitcoin wiki "Wallet import format": the compressed form of the key 0C28FCA3...D
    key = bytes.fromhex("0c28fca386c7a227600b2fe50b7cae11ec86d3bf1fbe471be89827e19d72aa1d")
    assert encode_wif(key, 0x80) == "KwdMAjGmerYanjeui5SHS7JkmpZvVipYvB2LJGU1ZxJwYvP98617"


def test_hex_keys_are_read_with_or_without_0x() -> None:
    key = derive_keys(3, 1)[0]
    assert read_private_key(key.hex(), REGTEST_SECRET) == key
    assert read_private_key("0x" + key.hex().upper() + "\n", REGTEST_SECRET) == key


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda k: encode_wif(k, 0x80), "version byte 0x80, expected 0xef"),
        (lambda k: encode_wif(k, 0xEF)[:-1] + "z", "checksum"),
        (lambda k: str(CBase58Data.from_bytes(k, 0xEF)), "uncompressed"),
        (lambda k: "0" * 64, "1..n-1"),
        (lambda k: f"{SECP256K1_N:064x}", "1..n-1"),
        (lambda k: k.hex()[:-1] + "O", "invalid character"),
    ],
)
def test_a_bad_key_says_why_without_repeating_it(make: Callable[[bytes], str], message: str) -> None:
    key = derive_keys(4, 1)[0]
    text = make(key)
    with pytest.raises(ValueError, match=message) as caught:
        read_private_key(text, REGTEST_SECRET)
    assert text not in str(caught.value) and key.hex() not in str(caught.value)


VALID_BECH32 = [
    "A12UEL5L",
    "a12uel5l",
    "an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs",
    "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
    "11qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqc8247j",
    "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
    "?1ezyfcl",
]

INVALID_BECH32 = [
    ("\x201nwldj5", "out of range"),
    ("\x7f1axkwrx", "out of range"),
    ("\x801eym55h", "out of range"),
    (
        "an84characterslonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1569pvx",
        "length",
    ),
    ("pzry9x0s0muk", "separator"),
    ("1pzry9x0s0muk", "empty human-readable part"),
    ("x1b4n0q5v", "invalid data character"),
    ("li1dgmt3", "length"),
    ("de1lg7wt\xff", "out of range"),
    ("A1G7SGD8", "checksum"),
    ("10a06t8", "empty human-readable part"),
    ("1qzzfhee", "empty human-readable part"),
]


@pytest.mark.parametrize("text", VALID_BECH32)
def test_bip173_valid_strings_decode_and_reencode(text: str) -> None:
    hrp, data = bech32.decode(text)
    assert bech32.encode(hrp, data) == text.lower()


@pytest.mark.parametrize(("text", "reason"), INVALID_BECH32)
def test_bip173_invalid_strings_fail_with_their_reason(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        bech32.decode(text)


@pytest.mark.parametrize(
    ("address", "script"),
    [
        ("BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", "0014751e76e8199196d454941c45d1b3a323f1433bd6"),
        (
            "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7",
            "00201863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262",
        ),
        (
            "tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy",
            "0020000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433",
        ),
    ],
)
def test_bip173_v0_addresses_give_their_scripts(address: str, script: str) -> None:
    hrp = address.lower()[:2]
    assert address_script(address, hrp).hex() == script
    assert bech32.encode_segwit(hrp, bytes.fromhex(script)[2:]) == address.lower()


@pytest.mark.parametrize(
    ("hrp", "address", "reason"),
    [
        (
            "bc",
            "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7k7grplx",
            "witness version 1",
        ),
        ("bc", "BC1SW50QA3JX3S", "witness version 16"),
        ("bc", "bc1zw508d6qejxtdg4y5r3zarvaryvg6kdaj", "witness version 2"),
        ("bc", "tc1qw508d6qejxtdg4y5r3zarvary0c5xw7kg3g4ty", "human-readable part 'tc'"),
        ("bc", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5", "checksum"),
        ("bc", "BC13W508D6QEJXTDG4Y5R3ZARVARY0C5XW7KN40WF2", "witness version 17"),
        ("bc", "bc1rw5uspcuh", "1 bytes"),
        ("bc", "bc10w508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kw5rljs90", "41 bytes"),
        ("bc", "BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P", "20 or 32 bytes"),
        ("tb", "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sL5k7", "mixed case"),
        ("bc", "bc1zw508d6qejxtdg4y5r3zarvaryvqyzf3du", "padding"),
        ("tb", "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3pjxtptv", "padding"),
        ("bc", "bc1gmk9yu", "empty data section"),
    ],
)
def test_bip173_invalid_addresses_and_later_versions_are_refused(hrp: str, address: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        address_script(address, hrp)


@pytest.mark.parametrize("hrp", ["rltc", "bcrt", "ltc", "tb"])
def test_p2wpkh_addresses_match_the_reference_code_for_any_hrp(hrp: str) -> None:
    for key in derive_keys(5, 10):
        public = public_key_of(key)
        address = p2wpkh_address(public, hrp)
        assert address == segwit_addr.encode(hrp, 0, hash160(public))
        assert address.startswith(hrp + "1q")
        assert address_script(address, hrp) == p2wpkh_script(hash160(public))
        assert segwit_addr.decode(hrp, address) == (0, list(hash160(public)))


@pytest.mark.parametrize("prefix", [0x80, 0xEF, 0xB0, 0x00, 0xFF])
def test_a_wif_key_of_any_network_is_read_without_its_prefix(prefix: int) -> None:
    key = derive_keys(4, 1)[0]
    assert read_private_key(encode_wif(key, prefix)) == key
    assert decode_wif(encode_wif(key, prefix)) == key


def test_bad_keys_are_refused_without_repeating_them() -> None:
    key = derive_keys(5, 1)[0]
    uncompressed = str(CBase58Data.from_bytes(key, 0x80))  # no 0x01 flag: an uncompressed public key
    mistyped = encode_wif(key, 0xEF)[:-1] + "z"
    cases = {
        uncompressed: "uncompressed public key",
        mistyped: "checksum mismatch",
        key.hex()[:-2]: "62 digits, expected 64",
        "0" * 64: "must be 32 bytes in 1..n-1",
        "nothex-secret": "invalid character",
    }
    for text, reason in cases.items():
        with pytest.raises(ValueError, match=reason) as caught:
            read_private_key(text)
        assert text not in str(caught.value) and key.hex() not in str(caught.value)
