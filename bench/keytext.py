"""Reads a secp256k1 private key given as text: 64 hex digits (0x optional) or WIF (Base58Check of a
version byte, the key and the compressed flag), the forms CHAINMARK_FUNDER_KEY takes for any chain.

A ValueError says what is wrong with the text and never repeats it (the text is a secret).
"""

from __future__ import annotations

from bench import base58

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


def read_private_key(text: str, wif_prefix: int | None = None) -> bytes:
    """A private key given as WIF (of network `wif_prefix`, None: any) or as 64 hex digits (optionally
    0x-prefixed)."""
    stripped = text.strip().removeprefix("0x")
    if stripped and set(stripped) <= HEX_DIGITS:
        if len(stripped) != 64:
            raise ValueError(f"hex key: {len(stripped)} digits, expected 64")
        key = bytes.fromhex(stripped)
        check_key(key)
        return key
    return decode_wif(text, wif_prefix)


def decode_wif(text: str, prefix: int | None = None) -> bytes:
    """The private key of a WIF string of network `prefix` (None: any network's version byte), for a
    compressed public key (the only kind P2WPKH can use)."""
    data = base58.decode_check(text.strip())
    if prefix is not None and data[0] != prefix:
        raise ValueError(f"WIF key: version byte {data[0]:#04x}, expected {prefix:#04x} (another network?)")
    if len(data) == 33:
        raise ValueError("WIF key: for an uncompressed public key, which P2WPKH cannot use")
    if len(data) != 34 or data[33] != 1:
        raise ValueError(f"WIF key: {len(data) - 1} bytes after the version byte, expected 32 + 0x01")
    check_key(data[1:33])
    return data[1:33]


def check_key(key: bytes) -> None:
    if len(key) != 32 or not 0 < int.from_bytes(key, "big") < SECP256K1_N:
        raise ValueError("private key: must be 32 bytes in 1..n-1 (the secp256k1 group order)")
