"""Structure-of-arrays helpers for Merkle-Damgard hashes (SHA-256, SM3): LANES messages side by side.

Word t of a lane lives at w[t * LANES + lane], state word j at s[j * LANES + lane], so every round is a
loop over lanes with constant offsets, which LLVM vectorises across messages (AVX2 / AVX-512).
"""

import numpy as np
from numba import njit

LANES = 16


def tail_template(length: int) -> np.ndarray:
    """The padded tail blocks (128 bytes) of any `length`-byte message, zeros where its last bytes go."""
    r = length % 64
    nt = 1 if r < 56 else 2
    tail = np.zeros(128, np.uint8)
    tail[r] = 0x80
    tail[nt * 64 - 8 : nt * 64] = np.frombuffer((length * 8).to_bytes(8, "big"), np.uint8)
    return tail


@njit(cache=True)
def _be32(buf, p):
    return (
        (np.uint32(buf[p]) << 24)
        | (np.uint32(buf[p + 1]) << 16)
        | (np.uint32(buf[p + 2]) << 8)
        | np.uint32(buf[p + 3])
    )


@njit(cache=True)
def load_rows(w, rows, g0, last, pos):
    """w[t, lane] = big-endian word t of rows[min(g0 + lane, last)][pos : pos + 64]."""
    for lane in range(LANES):
        row = rows[min(g0 + lane, last)]
        for t in range(16):
            w[t * LANES + lane] = _be32(row, pos + 4 * t)


@njit(cache=True)
def stage_rows(staged, prefix, rows, g0, last):
    """staged[lane] = prefix byte || rows[min(g0 + lane, last)] (messages with RFC 6962's prefix)."""
    for lane in range(LANES):
        row = rows[min(g0 + lane, last)]
        out = staged[lane]
        out[0] = prefix
        for k in range(row.shape[0]):
            out[k + 1] = row[k]


@njit(cache=True)
def fill_tails(tails, rows, g0, last, nfull, r):
    """Copy each lane's last r message bytes into its tail buffer (the padding bytes never change)."""
    for lane in range(LANES):
        row = rows[min(g0 + lane, last)]
        for k in range(r):
            tails[lane, k] = row[64 * nfull + k]


@njit(cache=True)
def load_tails(w, tails, b):
    """w[t, lane] = big-endian word t of tail block b of each lane."""
    for lane in range(LANES):
        for t in range(16):
            w[t * LANES + lane] = _be32(tails[lane], 64 * b + 4 * t)


@njit(cache=True)
def init_state(s, iv):
    for j in range(8):
        for lane in range(LANES):
            s[j * LANES + lane] = iv[j]


@njit(cache=True)
def store_lanes(s, out, g0, cnt):
    """Write state word j of each lane as big-endian bytes into out[g0 + lane, 4j : 4j + 4], lane < cnt."""
    for lane in range(cnt):
        row = out[g0 + lane]
        for j in range(8):
            v = s[j * LANES + lane]
            row[4 * j] = v >> 24
            row[4 * j + 1] = (v >> 16) & 0xFF
            row[4 * j + 2] = (v >> 8) & 0xFF
            row[4 * j + 3] = v & 0xFF
