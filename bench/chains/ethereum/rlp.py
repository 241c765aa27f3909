"""Recursive Length Prefix encoding of integers, byte strings and lists (Ethereum Yellow Paper, appendix B)."""

from __future__ import annotations


def encode_int(value: int) -> bytes:
    """RLP of a non-negative integer (big-endian, no leading zeros; zero is the empty string)."""
    if value == 0:
        return b"\x80"
    return encode_bytes(value.to_bytes((value.bit_length() + 7) // 8, "big"))


def encode_bytes(data: bytes) -> bytes:
    """RLP of a byte string."""
    if len(data) == 1 and data[0] < 0x80:
        return data
    return _length_prefix(len(data), 0x80) + data


def encode_list(encoded_items: list[bytes]) -> bytes:
    """RLP of a list whose items are already RLP-encoded."""
    payload = b"".join(encoded_items)
    return _length_prefix(len(payload), 0xC0) + payload


def _length_prefix(length: int, offset: int) -> bytes:
    if length < 56:
        return bytes((offset + length,))
    size = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes((offset + 55 + len(size),)) + size
