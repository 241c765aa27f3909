"""Keccak-256 (Ethereum's, padding 0x01) of one byte string, through pycryptodome's C implementation."""

from __future__ import annotations

from Crypto.Hash import keccak as _keccak


def keccak256(data: bytes) -> bytes:
    """Return the 32-byte Keccak-256 digest of `data`."""
    return _keccak.new(data=data, digest_bits=256).digest()
