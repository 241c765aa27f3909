"""SM3 (GB/T 32905-2016) kernels for batches of messages."""

import numpy as np
from numba import njit, prange

from bench.kernels.sha256 import load_words, pad_tail, store_digest

IV = np.array(
    [0x7380166F, 0x4914B2B9, 0x172442D7, 0xDA8A0600, 0xA96F30BC, 0x163138AA, 0xE38DEE4D, 0xB0FB0E4E],
    dtype=np.uint32,
)


def _round_constants() -> np.ndarray:
    t = [0x79CC4519] * 16 + [0x7A879D8A] * 48
    return np.array(
        [((v << (j % 32)) | (v >> (32 - j % 32))) & 0xFFFFFFFF for j, v in enumerate(t)], np.uint32
    )


TJ = _round_constants()  # T_j rotated left by j mod 32, as used in SS1


@njit(cache=True)
def _rotl(x, n):
    return np.uint32((x << n) | (x >> (32 - n)))


@njit(cache=True)
def _p0(x):
    return np.uint32(x ^ _rotl(x, 9) ^ _rotl(x, 17))


@njit(cache=True)
def _p1(x):
    return np.uint32(x ^ _rotl(x, 15) ^ _rotl(x, 23))


@njit(cache=True)
def compress_words(state, w):
    """One SM3 compression of the 8-word state with the block in w[0:16] (w has 68 slots)."""
    for j in range(16, 68):
        w[j] = _p1(w[j - 16] ^ w[j - 9] ^ _rotl(w[j - 3], 15)) ^ _rotl(w[j - 13], 7) ^ w[j - 6]
    a, b, c, d = state[0], state[1], state[2], state[3]
    e, f, g, h = state[4], state[5], state[6], state[7]
    for j in range(64):
        a12 = _rotl(a, 12)
        ss1 = _rotl(np.uint32(a12 + e + TJ[j]), 7)
        ss2 = ss1 ^ a12
        if j < 16:
            ff = a ^ b ^ c
            gg = e ^ f ^ g
        else:
            ff = (a & b) | (a & c) | (b & c)
            gg = (e & f) | (~e & g)
        tt1 = np.uint32(ff + d + ss2 + (w[j] ^ w[j + 4]))
        tt2 = np.uint32(gg + h + ss1 + w[j])
        d, c, b, a = c, _rotl(b, 9), a, tt1
        h, g, f, e = g, _rotl(f, 19), e, _p0(tt2)
    state[0] ^= a
    state[1] ^= b
    state[2] ^= c
    state[3] ^= d
    state[4] ^= e
    state[5] ^= f
    state[6] ^= g
    state[7] ^= h


@njit(cache=True)
def sm3_one(data, start, length, state, w, tail):
    """SM3 of data[start:start+length] into state, using scratch w (68 u32) and tail (128 u8)."""
    state[:] = IV
    for b in range(length // 64):
        load_words(w, data, start + 64 * b)
        compress_words(state, w)
    nt = pad_tail(data, start, length, tail)
    for b in range(nt):
        load_words(w, tail, 64 * b)
        compress_words(state, w)


@njit(cache=True)
def sm3_range(data, offsets, out, lo, hi):
    """SM3 of messages lo..hi-1, data[offsets[i]:offsets[i+1]], into out[i]."""
    state = np.empty(8, np.uint32)
    w = np.empty(68, np.uint32)
    tail = np.empty(128, np.uint8)
    for i in range(lo, hi):
        sm3_one(data, offsets[i], offsets[i + 1] - offsets[i], state, w, tail)
        store_digest(state, out[i])


@njit(parallel=True, cache=True)
def sm3_var(data, offsets, out):
    """sm3_range over all messages, in parallel over chunks."""
    n = offsets.size - 1
    nchunks = min(n, 256)
    for c in prange(nchunks):
        sm3_range(data, offsets, out, c * n // nchunks, (c + 1) * n // nchunks)
