"""Encodes and decodes segwit v0 addresses in Bech32 (BIP173), with the human-readable part a parameter.

Written out (40 lines) rather than taken from PyPI's `bech32` 1.2.0, the reference code: that release
(2020) predates bech32m (BIP350), and answers a bad address with `(None, None)` where chainmark wants a
message saying what is wrong. Only witness version 0 is produced or accepted: v1+ programs (taproot) use
bech32m. The reference code itself (shipped inside python-bitcoinlib) is the tests' oracle.
"""

from __future__ import annotations

from collections.abc import Iterable

CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
GENERATOR = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
MAX_LENGTH = 90


def _polymod(values: Iterable[int]) -> int:
    check = 1
    for value in values:
        top = check >> 25
        check = (check & 0x1FFFFFF) << 5 ^ value
        for i, g in enumerate(GENERATOR):
            check ^= g if (top >> i) & 1 else 0
    return check


def _expand(hrp: str) -> list[int]:
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def encode(hrp: str, data: list[int]) -> str:
    """The Bech32 string of `hrp` and the 5-bit `data` values (checksum appended)."""
    check = _polymod([*_expand(hrp), *data, 0, 0, 0, 0, 0, 0]) ^ 1
    checksum = [(check >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(CHARSET[d] for d in data + checksum)


def decode(text: str) -> tuple[str, list[int]]:
    """(hrp, 5-bit data without the checksum) of a Bech32 string; ValueError says what is wrong."""
    if any(ord(c) < 33 or ord(c) > 126 for c in text):
        raise ValueError("bech32: character out of range (printable US-ASCII only)")
    if text.lower() != text and text.upper() != text:
        raise ValueError("bech32: mixed case")
    text = text.lower()
    cut = text.rfind("1")
    if cut < 1:
        raise ValueError("bech32: empty human-readable part or no separator '1'")
    if cut + 7 > len(text) or len(text) > MAX_LENGTH:
        raise ValueError(f"bech32: length {len(text)}, separator at {cut}: must be 8..{MAX_LENGTH} long")
    if any(c not in CHARSET for c in text[cut + 1 :]):
        raise ValueError("bech32: invalid data character")
    hrp, data = text[:cut], [CHARSET.find(c) for c in text[cut + 1 :]]
    if _polymod(_expand(hrp) + data) != 1:
        raise ValueError("bech32: invalid checksum")
    return hrp, data[:-6]


def convert_bits(data: Iterable[int], source: int, target: int, pad: bool) -> list[int]:
    """Regroup `source`-bit values into `target`-bit values; ValueError on bad padding."""
    acc, bits, out, top = 0, 0, [], (1 << target) - 1
    keep = (1 << (source + target - 1)) - 1
    for value in data:
        acc, bits = ((acc << source) | value) & keep, bits + source
        while bits >= target:
            bits -= target
            out.append((acc >> bits) & top)
    if pad and bits:
        out.append((acc << (target - bits)) & top)
    elif not pad and (bits >= source or (acc << (target - bits)) & top):
        raise ValueError("bech32: more than 4 bits of padding, or non-zero padding")
    return out


def encode_segwit(hrp: str, program: bytes) -> str:
    """The segwit v0 address of a 20-byte (P2WPKH) or 32-byte (P2WSH) witness program."""
    if len(program) not in (20, 32):
        raise ValueError(f"a v0 witness program is 20 or 32 bytes, got {len(program)}")
    return encode(hrp, [0, *convert_bits(program, 8, 5, True)])


def decode_segwit(hrp: str, address: str) -> bytes:
    """The witness program of a segwit v0 `address` whose human-readable part must be `hrp`."""
    got, data = decode(address)
    if got != hrp:
        raise ValueError(f"address {address!r}: human-readable part {got!r}, expected {hrp!r}")
    if not data:
        raise ValueError(f"address {address!r}: empty data section")
    program = bytes(convert_bits(data[1:], 5, 8, False))
    if not 2 <= len(program) <= 40:
        raise ValueError(f"address {address!r}: a witness program of {len(program)} bytes (BIP141: 2..40)")
    if data[0] != 0:
        raise ValueError(f"address {address!r}: witness version {data[0]} (only v0 is supported)")
    if len(program) not in (20, 32):
        raise ValueError(f"address {address!r}: a v0 witness program is 20 or 32 bytes, got {len(program)}")
    return program
