"""Fixed-length Keccak-256 batch kernels vectorised across messages (LANES sponges side by side).

Messages are rows of a 2-D array viewed as little-endian uint64 words (so a row's length is a multiple
of 8 bytes); lane x of message lane lives at s[x * LANES + lane], and each Keccak-f round is one loop over
messages that LLVM vectorises (AVX2 / AVX-512, with its 64-bit rotates).
"""

import numpy as np
from numba import njit, prange

from bench.kernels.keccak import _RC, RATE, _rotl64

LANES = 8
RATE_WORDS = RATE // 8


def tail_words(length: int) -> np.ndarray:
    """The padding of the last block of a `length`-byte message (length % 8 == 0) as 17 uint64 words."""
    words = np.zeros(RATE_WORDS, np.uint64)
    r = (length % RATE) // 8
    words[r] ^= np.uint64(0x01)
    words[RATE_WORDS - 1] ^= np.uint64(0x80 << 56)
    return words


@njit(cache=True)
def permute(s):
    """Keccak-f[1600] on every message's state."""
    for rnd in range(24):
        rc = _RC[rnd]
        for lane in range(LANES):
            a00 = s[0 * LANES + lane]
            a01 = s[1 * LANES + lane]
            a02 = s[2 * LANES + lane]
            a03 = s[3 * LANES + lane]
            a04 = s[4 * LANES + lane]
            a05 = s[5 * LANES + lane]
            a06 = s[6 * LANES + lane]
            a07 = s[7 * LANES + lane]
            a08 = s[8 * LANES + lane]
            a09 = s[9 * LANES + lane]
            a10 = s[10 * LANES + lane]
            a11 = s[11 * LANES + lane]
            a12 = s[12 * LANES + lane]
            a13 = s[13 * LANES + lane]
            a14 = s[14 * LANES + lane]
            a15 = s[15 * LANES + lane]
            a16 = s[16 * LANES + lane]
            a17 = s[17 * LANES + lane]
            a18 = s[18 * LANES + lane]
            a19 = s[19 * LANES + lane]
            a20 = s[20 * LANES + lane]
            a21 = s[21 * LANES + lane]
            a22 = s[22 * LANES + lane]
            a23 = s[23 * LANES + lane]
            a24 = s[24 * LANES + lane]
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
            a00 ^= rc
            s[0 * LANES + lane] = a00
            s[1 * LANES + lane] = a01
            s[2 * LANES + lane] = a02
            s[3 * LANES + lane] = a03
            s[4 * LANES + lane] = a04
            s[5 * LANES + lane] = a05
            s[6 * LANES + lane] = a06
            s[7 * LANES + lane] = a07
            s[8 * LANES + lane] = a08
            s[9 * LANES + lane] = a09
            s[10 * LANES + lane] = a10
            s[11 * LANES + lane] = a11
            s[12 * LANES + lane] = a12
            s[13 * LANES + lane] = a13
            s[14 * LANES + lane] = a14
            s[15 * LANES + lane] = a15
            s[16 * LANES + lane] = a16
            s[17 * LANES + lane] = a17
            s[18 * LANES + lane] = a18
            s[19 * LANES + lane] = a19
            s[20 * LANES + lane] = a20
            s[21 * LANES + lane] = a21
            s[22 * LANES + lane] = a22
            s[23 * LANES + lane] = a23
            s[24 * LANES + lane] = a24


@njit(cache=True)
def rows64_range(rows64, out64, lo, hi, padding):
    """Keccak-256 of rows lo..hi-1 of `rows64` (n x m uint64 words) into out64 (n x 4 uint64 words)."""
    m = rows64.shape[1]
    nfull = m // RATE_WORDS
    rw = m - RATE_WORDS * nfull
    s = np.empty(25 * LANES, np.uint64)
    for g0 in range(lo, hi, LANES):
        cnt = min(LANES, hi - g0)
        s[:] = 0
        for b in range(nfull):
            for lane in range(LANES):
                row = rows64[min(g0 + lane, hi - 1)]
                for j in range(RATE_WORDS):
                    s[j * LANES + lane] ^= row[RATE_WORDS * b + j]
            permute(s)
        for lane in range(LANES):
            row = rows64[min(g0 + lane, hi - 1)]
            for j in range(RATE_WORDS):
                s[j * LANES + lane] ^= padding[j]
            for j in range(rw):
                s[j * LANES + lane] ^= row[RATE_WORDS * nfull + j]
        permute(s)
        for lane in range(cnt):
            for j in range(4):
                out64[g0 + lane, j] = s[j * LANES + lane]


@njit(parallel=True, cache=True)
def rows64(rows64, out64, padding):
    """rows64_range over all rows, in parallel over chunks of whole lane groups."""
    n = rows64.shape[0]
    groups = (n + LANES - 1) // LANES
    nchunks = min(groups, 256)
    for c in prange(nchunks):
        lo = (c * groups // nchunks) * LANES
        hi = min(((c + 1) * groups // nchunks) * LANES, n)
        rows64_range(rows64, out64, lo, hi, padding)
