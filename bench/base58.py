"""Base58Check (version byte, payload, 4-byte double SHA-256 checksum): the text form of WIF keys.

Family-neutral (bench.keytext reads a funder key given as WIF for any chain the CLI runs); the Bitcoin
family encodes its keys with it.

Hand-written (15 lines) rather than a dependency: WIF is the only use, and a bad key must fail with a
message that never echoes the key itself.
"""

from __future__ import annotations

import hashlib

ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _checksum(data: bytes) -> bytes:
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()[:4]


def encode_check(data: bytes) -> str:
    """`data` with its checksum, in Base58 (a leading zero byte becomes a leading '1')."""
    full = data + _checksum(data)
    number, digits = int.from_bytes(full, "big"), []
    while number:
        number, digit = divmod(number, 58)
        digits.append(ALPHABET[digit])
    zeros = len(full) - len(full.lstrip(b"\x00"))
    return "1" * zeros + "".join(reversed(digits))


def decode_check(text: str) -> bytes:
    """The data of a Base58Check string (checksum removed); ValueError, not naming the text, if invalid."""
    number = 0
    for position, char in enumerate(text):
        digit = ALPHABET.find(char)
        if digit < 0:
            raise ValueError(f"base58: invalid character at position {position}")
        number = number * 58 + digit
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big")
    full = b"\x00" * zeros + body
    if len(full) < 5 or _checksum(full[:-4]) != full[-4:]:
        raise ValueError("base58: checksum mismatch (mistyped or truncated)")
    return full[:-4]
