"""Fixed-length SHA-256 / SHA-256d batch kernels on the SHA-NI compression (x86 SHA extensions only).

Messages are hashed two at a time, their compressions interleaved (`compress_block2`), which hides the
latency of the SHA round instructions.
"""

import numpy as np
from numba import njit, prange

from bench.kernels.sha256 import IV, store_digest
from bench.kernels.shani import compress_block, compress_block2, compress_prefixed2
from bench.kernels.soa import tail_template

DIGEST_TAIL = tail_template(32)  # the second block of SHA-256d hashes a 32-byte digest


@njit(cache=True)
def _staged(staged, prefix, row):
    staged[0] = prefix
    for k in range(row.shape[0]):  # an explicit loop: LLVM makes it a memcpy; a slice copy costs ~30 ns
        staged[k + 1] = row[k]
    return staged


@njit(cache=True)
def _one(row, out_row, double, nfull, r, nt, tail, second, state):
    state[:] = IV
    for b in range(nfull):
        compress_block(state, row, 64 * b)
    for k in range(r):
        tail[k] = row[64 * nfull + k]
    for b in range(nt):
        compress_block(state, tail, 64 * b)
    if double:
        store_digest(state, second)
        state[:] = IV
        compress_block(state, second, 0)
    store_digest(state, out_row)


@njit(cache=True)
def _fill_tail(tail, row, nfull, r, shift, prefix):
    """Copy the message's last r bytes (message = prefix || row when shift is 1) into tail."""
    for k in range(r):
        j = 64 * nfull + k - shift
        tail[k] = prefix if j < 0 else row[j]


@njit(cache=True)
def rows_range(rows, out, double, lo, hi, template, prefix):
    """SHA-256 (SHA-256d if `double`) of rows lo..hi-1 of the 2-D uint8 array `rows` into out.

    With `prefix` >= 0 each message is that byte followed by the row (RFC 6962's 0x00 / 0x01 prefixes):
    its first block is shifted in registers, the others are read one byte early, so rows are not copied.
    """
    shift = 1 if prefix >= 0 else 0
    length = rows.shape[1] + shift
    nfull = length // 64
    r = length - 64 * nfull
    nt = 1 if r < 56 else 2
    staged_a = np.empty(length, np.uint8)
    staged_b = np.empty(length, np.uint8)
    tail_a = template.copy()
    tail_b = template.copy()
    second_a = DIGEST_TAIL.copy()
    second_b = DIGEST_TAIL.copy()
    state = np.empty(16, np.uint32)
    i = lo
    while i + 1 < hi:
        row_a = rows[i]
        row_b = rows[i + 1]
        state[:8] = IV
        state[8:] = IV
        if nfull > 0:
            if shift == 0:
                compress_block2(state, row_a, 0, row_b, 0)
            elif rows.shape[1] >= 64:
                compress_prefixed2(state, row_a, 0, row_b, 0, prefix)
            else:
                compress_block2(
                    state, _staged(staged_a, prefix, row_a), 0, _staged(staged_b, prefix, row_b), 0
                )
        for b in range(1, nfull):
            compress_block2(state, row_a, 64 * b - shift, row_b, 64 * b - shift)
        _fill_tail(tail_a, row_a, nfull, r, shift, prefix)
        _fill_tail(tail_b, row_b, nfull, r, shift, prefix)
        for b in range(nt):
            compress_block2(state, tail_a, 64 * b, tail_b, 64 * b)
        if double:
            store_digest(state[:8], second_a)
            store_digest(state[8:], second_b)
            state[:8] = IV
            state[8:] = IV
            compress_block2(state, second_a, 0, second_b, 0)
        store_digest(state[:8], out[i])
        store_digest(state[8:], out[i + 1])
        i += 2
    if i < hi:
        row = _staged(staged_a, prefix, rows[i]) if prefix >= 0 else rows[i]
        _one(row, out[i], double, nfull, r, nt, tail_a, second_a, state[:8])


@njit(parallel=True, cache=True)
def rows(rows, out, double, template, prefix):
    """rows_range over all rows, in parallel over chunks."""
    n = rows.shape[0]
    nchunks = min(n, 256)
    for c in prange(nchunks):
        rows_range(rows, out, double, c * n // nchunks, (c + 1) * n // nchunks, template, prefix)
