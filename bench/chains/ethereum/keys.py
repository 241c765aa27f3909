"""Derives the workload's sender keys deterministically from its seed, and their addresses."""

from __future__ import annotations

import coincurve

from bench.chains.ethereum.keccak import keccak256

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def derive_keys(seed: int, count: int) -> list[bytes]:
    """Return `count` 32-byte private keys; the same seed always gives the same keys."""
    keys = []
    for index in range(count):
        counter = 0
        while True:
            material = b"chainmark-account" + seed.to_bytes(32, "big") + index.to_bytes(8, "big")
            digest = keccak256(material + counter.to_bytes(4, "big"))
            if 0 < int.from_bytes(digest, "big") < SECP256K1_N:
                break
            counter += 1
        keys.append(digest)
    return keys


def address_of(private_key: bytes) -> bytes:
    """Return the 20-byte Ethereum address of `private_key`."""
    public = coincurve.PrivateKey(private_key).public_key.format(compressed=False)
    return keccak256(public[1:])[12:]


def checksum(address: bytes) -> str:
    """Return the EIP-55 mixed-case hex form of a 20-byte address."""
    hex_address = address.hex()
    digest = keccak256(hex_address.encode()).hex()
    return "0x" + "".join(c.upper() if int(digest[i], 16) >= 8 else c for i, c in enumerate(hex_address))
