"""Derives the workload's sender keys from its seed, and names them as a UTXO chain does: compressed public
keys, HASH160, P2WPKH scripts and bech32 addresses, WIF and hex private keys.

Nothing here is one coin's: the bech32 human-readable part ("bcrt" on Bitcoin's regtest, "rltc" on
Litecoin's) and the WIF version byte come from the caller, who reads them from the node.

Key derivation: key i of seed s is SHA-256(b"chainmark-bitcoin" || s as 32 bytes || i as 8 bytes ||
counter as 4 bytes), big-endian, with the first counter (from 0) that gives 0 < key < n, the
secp256k1 group order. Rejecting out-of-range digests keeps the keys uniform; a retry happens with
probability about 2**-128, so in practice counter is 0. The domain string differs from the Ethereum
family's (`b"chainmark-account"`, Keccak-256), so one seed never gives the same key on both families.
"""

from __future__ import annotations

import hashlib

import coincurve
from Crypto.Hash import RIPEMD160

from bench import base58
from bench.chains.bitcoin import bech32
from bench.keytext import SECP256K1_N, check_key, decode_wif, read_private_key

DOMAIN = b"chainmark-bitcoin"
FUNDER_DOMAIN = b"chainmark-bitcoin-funder"


def derive_keys(seed: int, count: int) -> list[bytes]:
    """Return `count` 32-byte private keys; the same seed always gives the same keys."""
    return [_derive(seed, index) for index in range(count)]


def derive_funder_key(seed: int) -> bytes:
    """The key a node's wallet funds a run through: seed s's key under its own domain
    (b"chainmark-bitcoin-funder", index 0), so it is never an account's, and whatever a failed run left
    at its address can be spent again by anyone holding the workload's seed."""
    return _derive(seed, 0, FUNDER_DOMAIN)


def _derive(seed: int, index: int, domain: bytes = DOMAIN) -> bytes:
    material = domain + seed.to_bytes(32, "big") + index.to_bytes(8, "big")
    counter = 0
    while True:
        digest = hashlib.sha256(material + counter.to_bytes(4, "big")).digest()
        if 0 < int.from_bytes(digest, "big") < SECP256K1_N:
            return digest
        counter += 1


def public_key_of(private_key: bytes) -> bytes:
    """The 33-byte compressed public key (P2WPKH commits to the compressed form only)."""
    return coincurve.PrivateKey(private_key).public_key.format(compressed=True)


def hash160(data: bytes) -> bytes:
    """RIPEMD-160 of SHA-256 (pycryptodome's RIPEMD-160: OpenSSL 3's hashlib may not offer it)."""
    return RIPEMD160.new(hashlib.sha256(data).digest()).digest()


def p2wpkh_script(pubkey_hash: bytes) -> bytes:
    """The P2WPKH scriptPubKey `OP_0 <20-byte key hash>`."""
    if len(pubkey_hash) != 20:
        raise ValueError(f"a P2WPKH key hash is 20 bytes, got {len(pubkey_hash)}")
    return b"\x00\x14" + pubkey_hash


def p2wpkh_address(public_key: bytes, hrp: str) -> str:
    """The segwit v0 (bech32) address of a compressed public key, with the node's human-readable part."""
    return bech32.encode_segwit(hrp, hash160(public_key))


def address_script(address: str, hrp: str) -> bytes:
    """The scriptPubKey a segwit v0 address pays (P2WPKH or P2WSH): `OP_0 <program>`."""
    program = bech32.decode_segwit(hrp, address)
    return bytes([0, len(program)]) + program


def encode_wif(private_key: bytes, prefix: int) -> str:
    """The WIF text of a key for a compressed public key (`prefix`: the network's secret-key version byte)."""
    check_key(private_key)
    return base58.encode_check(bytes([prefix]) + private_key + b"\x01")


__all__ = ["SECP256K1_N", "decode_wif", "read_private_key"]  # read here too: bench.keytext
