"""Portable SHA-256 and double SHA-256 kernels (FIPS 180-4) for batches of messages, no SHA-NI needed."""

import numpy as np
from numba import njit, prange

IV = np.array(
    [0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A, 0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19],
    dtype=np.uint32,
)

K = np.array(
    [
        0x428A2F98, 0x71374491, 0xB5C0FBCF, 0xE9B5DBA5, 0x3956C25B, 0x59F111F1, 0x923F82A4, 0xAB1C5ED5,
        0xD807AA98, 0x12835B01, 0x243185BE, 0x550C7DC3, 0x72BE5D74, 0x80DEB1FE, 0x9BDC06A7, 0xC19BF174,
        0xE49B69C1, 0xEFBE4786, 0x0FC19DC6, 0x240CA1CC, 0x2DE92C6F, 0x4A7484AA, 0x5CB0A9DC, 0x76F988DA,
        0x983E5152, 0xA831C66D, 0xB00327C8, 0xBF597FC7, 0xC6E00BF3, 0xD5A79147, 0x06CA6351, 0x14292967,
        0x27B70A85, 0x2E1B2138, 0x4D2C6DFC, 0x53380D13, 0x650A7354, 0x766A0ABB, 0x81C2C92E, 0x92722C85,
        0xA2BFE8A1, 0xA81A664B, 0xC24B8B70, 0xC76C51A3, 0xD192E819, 0xD6990624, 0xF40E3585, 0x106AA070,
        0x19A4C116, 0x1E376C08, 0x2748774C, 0x34B0BCB5, 0x391C0CB3, 0x4ED8AA4A, 0x5B9CCA4F, 0x682E6FF3,
        0x748F82EE, 0x78A5636F, 0x84C87814, 0x8CC70208, 0x90BEFFFA, 0xA4506CEB, 0xBEF9A3F7, 0xC67178F2,
    ],
    dtype=np.uint32,
)  # fmt: skip


@njit(cache=True)
def _rotr(x, n):
    return np.uint32((x >> n) | (x << (32 - n)))


@njit(cache=True)
def load_words(w, buf, pos):
    """Read 16 big-endian 32-bit words of buf[pos:pos+64] into w[0:16]."""
    for t in range(16):
        p = pos + 4 * t
        w[t] = (
            (np.uint32(buf[p]) << 24)
            | (np.uint32(buf[p + 1]) << 16)
            | (np.uint32(buf[p + 2]) << 8)
            | np.uint32(buf[p + 3])
        )


@njit(cache=True)
def compress_words(state, w):
    """One SHA-256 compression of the 8-word state with the block already in w[0:16] (w has 64 slots)."""
    for t in range(16, 64):
        x = w[t - 15]
        y = w[t - 2]
        s0 = _rotr(x, 7) ^ _rotr(x, 18) ^ (x >> 3)
        s1 = _rotr(y, 17) ^ _rotr(y, 19) ^ (y >> 10)
        w[t] = np.uint32(w[t - 16] + s0 + w[t - 7] + s1)
    a, b, c, d = state[0], state[1], state[2], state[3]
    e, f, g, h = state[4], state[5], state[6], state[7]
    for t in range(64):
        s1 = _rotr(e, 6) ^ _rotr(e, 11) ^ _rotr(e, 25)
        ch = (e & f) ^ (~e & g)
        t1 = np.uint32(h + s1 + ch + K[t] + w[t])
        s0 = _rotr(a, 2) ^ _rotr(a, 13) ^ _rotr(a, 22)
        maj = (a & b) ^ (a & c) ^ (b & c)
        t2 = np.uint32(s0 + maj)
        h, g, f, e = g, f, e, np.uint32(d + t1)
        d, c, b, a = c, b, a, np.uint32(t1 + t2)
    state[0] = np.uint32(state[0] + a)
    state[1] = np.uint32(state[1] + b)
    state[2] = np.uint32(state[2] + c)
    state[3] = np.uint32(state[3] + d)
    state[4] = np.uint32(state[4] + e)
    state[5] = np.uint32(state[5] + f)
    state[6] = np.uint32(state[6] + g)
    state[7] = np.uint32(state[7] + h)


@njit(cache=True)
def pad_tail(data, start, length, tail):
    """Write the Merkle-Damgard tail (last partial block, 0x80, zeros, 64-bit big-endian bit length).

    Shared by SHA-256 and SM3. Returns the number of 64-byte tail blocks (1 or 2) written to tail.
    """
    nfull = length // 64
    r = length - nfull * 64
    tail[:] = 0
    for i in range(r):
        tail[i] = data[start + nfull * 64 + i]
    tail[r] = 0x80
    nt = 1 if r < 56 else 2
    bits = length * 8
    for i in range(8):
        tail[nt * 64 - 1 - i] = (bits >> (8 * i)) & 0xFF
    return nt


@njit(cache=True)
def digest_block(state, w):
    """Put the 32-byte digest in `state` into w[0:16] as a padded one-block message (for double hashing)."""
    for j in range(8):
        w[j] = state[j]
    w[8] = np.uint32(0x80000000)
    for j in range(9, 15):
        w[j] = 0
    w[15] = 256


@njit(cache=True)
def store_digest(state, out_row):
    """Write the 8-word state as 32 big-endian bytes into out_row."""
    for j in range(8):
        v = state[j]
        out_row[4 * j] = v >> 24
        out_row[4 * j + 1] = (v >> 16) & 0xFF
        out_row[4 * j + 2] = (v >> 8) & 0xFF
        out_row[4 * j + 3] = v & 0xFF


@njit(cache=True)
def sha256_one(data, start, length, state, w, tail):
    """SHA-256 of data[start:start+length] into state, using scratch w (64 u32) and tail (128 u8)."""
    state[:] = IV
    for b in range(length // 64):
        load_words(w, data, start + 64 * b)
        compress_words(state, w)
    nt = pad_tail(data, start, length, tail)
    for b in range(nt):
        load_words(w, tail, 64 * b)
        compress_words(state, w)


@njit(cache=True)
def sha256_range(data, offsets, out, double, lo, hi):
    """SHA-256 (or SHA-256d if `double`) of messages lo..hi-1, data[offsets[i]:offsets[i+1]], into out[i]."""
    state = np.empty(8, np.uint32)
    w = np.empty(64, np.uint32)
    tail = np.empty(128, np.uint8)
    for i in range(lo, hi):
        sha256_one(data, offsets[i], offsets[i + 1] - offsets[i], state, w, tail)
        if double:
            digest_block(state, w)
            state[:] = IV
            compress_words(state, w)
        store_digest(state, out[i])


@njit(parallel=True, cache=True)
def sha256_var(data, offsets, out, double):
    """sha256_range over all messages, in parallel over chunks."""
    n = offsets.size - 1
    nchunks = min(n, 256)
    for c in prange(nchunks):
        sha256_range(data, offsets, out, double, c * n // nchunks, (c + 1) * n // nchunks)
