"""Keccak-256 (Ethereum's pre-FIPS padding 0x01) kernels for batches of messages."""

import numpy as np
from numba import njit, prange

RATE = 136  # bytes absorbed per Keccak-f[1600] permutation for a 256-bit capacity-512 sponge

_RC = np.array(
    [
        0x0000000000000001, 0x0000000000008082, 0x800000000000808A, 0x8000000080008000,
        0x000000000000808B, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
        0x000000000000008A, 0x0000000000000088, 0x0000000080008009, 0x000000008000000A,
        0x000000008000808B, 0x800000000000008B, 0x8000000000008089, 0x8000000000008003,
        0x8000000000008002, 0x8000000000000080, 0x000000000000800A, 0x800000008000000A,
        0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
    ],
    dtype=np.uint64,
)  # fmt: skip


@njit(cache=True)
def _rotl64(x, n):
    return (x << np.uint64(n)) | (x >> np.uint64(64 - n))


@njit(cache=True)
def permute(st):
    """Apply Keccak-f[1600] in place to the 25-lane state `st` (uint64, lane x + 5y)."""
    a00, a01, a02, a03, a04 = st[0], st[1], st[2], st[3], st[4]
    a05, a06, a07, a08, a09 = st[5], st[6], st[7], st[8], st[9]
    a10, a11, a12, a13, a14 = st[10], st[11], st[12], st[13], st[14]
    a15, a16, a17, a18, a19 = st[15], st[16], st[17], st[18], st[19]
    a20, a21, a22, a23, a24 = st[20], st[21], st[22], st[23], st[24]
    for rnd in range(24):
        c0 = a00 ^ a05 ^ a10 ^ a15 ^ a20
        c1 = a01 ^ a06 ^ a11 ^ a16 ^ a21
        c2 = a02 ^ a07 ^ a12 ^ a17 ^ a22
        c3 = a03 ^ a08 ^ a13 ^ a18 ^ a23
        c4 = a04 ^ a09 ^ a14 ^ a19 ^ a24
        d0 = c4 ^ _rotl64(c1, 1)
        d1 = c0 ^ _rotl64(c2, 1)
        d2 = c1 ^ _rotl64(c3, 1)
        d3 = c2 ^ _rotl64(c4, 1)
        d4 = c3 ^ _rotl64(c0, 1)
        b00 = a00 ^ d0
        b16 = _rotl64(a05 ^ d0, 36)
        b07 = _rotl64(a10 ^ d0, 3)
        b23 = _rotl64(a15 ^ d0, 41)
        b14 = _rotl64(a20 ^ d0, 18)
        b10 = _rotl64(a01 ^ d1, 1)
        b01 = _rotl64(a06 ^ d1, 44)
        b17 = _rotl64(a11 ^ d1, 10)
        b08 = _rotl64(a16 ^ d1, 45)
        b24 = _rotl64(a21 ^ d1, 2)
        b20 = _rotl64(a02 ^ d2, 62)
        b11 = _rotl64(a07 ^ d2, 6)
        b02 = _rotl64(a12 ^ d2, 43)
        b18 = _rotl64(a17 ^ d2, 15)
        b09 = _rotl64(a22 ^ d2, 61)
        b05 = _rotl64(a03 ^ d3, 28)
        b21 = _rotl64(a08 ^ d3, 55)
        b12 = _rotl64(a13 ^ d3, 25)
        b03 = _rotl64(a18 ^ d3, 21)
        b19 = _rotl64(a23 ^ d3, 56)
        b15 = _rotl64(a04 ^ d4, 27)
        b06 = _rotl64(a09 ^ d4, 20)
        b22 = _rotl64(a14 ^ d4, 39)
        b13 = _rotl64(a19 ^ d4, 8)
        b04 = _rotl64(a24 ^ d4, 14)
        a00 = b00 ^ (~b01 & b02)
        a01 = b01 ^ (~b02 & b03)
        a02 = b02 ^ (~b03 & b04)
        a03 = b03 ^ (~b04 & b00)
        a04 = b04 ^ (~b00 & b01)
        a05 = b05 ^ (~b06 & b07)
        a06 = b06 ^ (~b07 & b08)
        a07 = b07 ^ (~b08 & b09)
        a08 = b08 ^ (~b09 & b05)
        a09 = b09 ^ (~b05 & b06)
        a10 = b10 ^ (~b11 & b12)
        a11 = b11 ^ (~b12 & b13)
        a12 = b12 ^ (~b13 & b14)
        a13 = b13 ^ (~b14 & b10)
        a14 = b14 ^ (~b10 & b11)
        a15 = b15 ^ (~b16 & b17)
        a16 = b16 ^ (~b17 & b18)
        a17 = b17 ^ (~b18 & b19)
        a18 = b18 ^ (~b19 & b15)
        a19 = b19 ^ (~b15 & b16)
        a20 = b20 ^ (~b21 & b22)
        a21 = b21 ^ (~b22 & b23)
        a22 = b22 ^ (~b23 & b24)
        a23 = b23 ^ (~b24 & b20)
        a24 = b24 ^ (~b20 & b21)
        a00 ^= _RC[rnd]
    st[0], st[1], st[2], st[3], st[4] = a00, a01, a02, a03, a04
    st[5], st[6], st[7], st[8], st[9] = a05, a06, a07, a08, a09
    st[10], st[11], st[12], st[13], st[14] = a10, a11, a12, a13, a14
    st[15], st[16], st[17], st[18], st[19] = a15, a16, a17, a18, a19
    st[20], st[21], st[22], st[23], st[24] = a20, a21, a22, a23, a24


@njit(cache=True)
def _absorb(st, buf, pos):
    """XOR one 136-byte block of `buf` at `pos` (17 little-endian lanes) into `st` and permute."""
    for j in range(RATE // 8):
        lane = np.uint64(0)
        for k in range(8):
            lane |= np.uint64(buf[pos + 8 * j + k]) << np.uint64(8 * k)
        st[j] ^= lane
    permute(st)


@njit(cache=True)
def keccak_one(data, start, length, st, tail, out_row):
    """Hash data[start:start+length] into out_row (32 bytes) using scratch st (25 u64) and tail (136 u8)."""
    st[:] = 0
    nfull = length // RATE
    for b in range(nfull):
        _absorb(st, data, start + RATE * b)
    r = length - nfull * RATE
    tail[:] = 0
    for i in range(r):
        tail[i] = data[start + nfull * RATE + i]
    tail[r] ^= 0x01
    tail[RATE - 1] ^= 0x80
    _absorb(st, tail, 0)
    for j in range(4):
        lane = st[j]
        for k in range(8):
            out_row[8 * j + k] = (lane >> np.uint64(8 * k)) & np.uint64(0xFF)


@njit(cache=True)
def keccak256_range(data, offsets, out, lo, hi):
    """Keccak-256 of messages lo..hi-1, data[offsets[i]:offsets[i+1]], into out[i]."""
    st = np.empty(25, np.uint64)
    tail = np.empty(RATE, np.uint8)
    for i in range(lo, hi):
        keccak_one(data, offsets[i], offsets[i + 1] - offsets[i], st, tail, out[i])


@njit(parallel=True, cache=True)
def keccak256_var(data, offsets, out):
    """keccak256_range over all messages, in parallel over chunks."""
    n = offsets.size - 1
    nchunks = min(n, 256)
    for c in prange(nchunks):
        keccak256_range(data, offsets, out, c * n // nchunks, (c + 1) * n // nchunks)
