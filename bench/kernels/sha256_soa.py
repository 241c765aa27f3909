"""Portable fixed-length SHA-256 / SHA-256d batch kernels, vectorised across messages (no SHA-NI needed)."""

import numpy as np
from numba import njit, prange

from bench.kernels.sha256 import IV, K, _rotr
from bench.kernels.soa import LANES, fill_tails, init_state, load_rows, load_tails, stage_rows, store_lanes


@njit(cache=True)
def expand(w):
    """Extend the message schedule w[0:16] to w[0:64] in every lane."""
    for t in range(16, 64):
        for lane in range(LANES):
            x = w[(t - 15) * LANES + lane]
            y = w[(t - 2) * LANES + lane]
            s0 = _rotr(x, 7) ^ _rotr(x, 18) ^ (x >> 3)
            s1 = _rotr(y, 17) ^ _rotr(y, 19) ^ (y >> 10)
            w[t * LANES + lane] = np.uint32(w[(t - 16) * LANES + lane] + s0 + w[(t - 7) * LANES + lane] + s1)


@njit(cache=True)
def rounds(s, w, saved):
    """The 64 SHA-256 rounds and feed-forward on every lane's state, with an expanded schedule w."""
    saved[:] = s
    for t in range(0, 64, 8):
        k = K[t + 0]
        wo = (t + 0) * LANES
        for lane in range(LANES):
            a = s[0 * LANES + lane]
            b = s[1 * LANES + lane]
            c = s[2 * LANES + lane]
            d = s[3 * LANES + lane]
            e = s[4 * LANES + lane]
            f = s[5 * LANES + lane]
            g = s[6 * LANES + lane]
            h = s[7 * LANES + lane]
            t1 = np.uint32(
                h + (_rotr(e, 6) ^ _rotr(e, 11) ^ _rotr(e, 25)) + ((e & f) ^ (~e & g)) + k + w[wo + lane]
            )
            t2 = np.uint32((_rotr(a, 2) ^ _rotr(a, 13) ^ _rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c)))
            s[3 * LANES + lane] = np.uint32(d + t1)
            s[7 * LANES + lane] = np.uint32(t1 + t2)
        k = K[t + 1]
        wo = (t + 1) * LANES
        for lane in range(LANES):
            a = s[7 * LANES + lane]
            b = s[0 * LANES + lane]
            c = s[1 * LANES + lane]
            d = s[2 * LANES + lane]
            e = s[3 * LANES + lane]
            f = s[4 * LANES + lane]
            g = s[5 * LANES + lane]
            h = s[6 * LANES + lane]
            t1 = np.uint32(
                h + (_rotr(e, 6) ^ _rotr(e, 11) ^ _rotr(e, 25)) + ((e & f) ^ (~e & g)) + k + w[wo + lane]
            )
            t2 = np.uint32((_rotr(a, 2) ^ _rotr(a, 13) ^ _rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c)))
            s[2 * LANES + lane] = np.uint32(d + t1)
            s[6 * LANES + lane] = np.uint32(t1 + t2)
        k = K[t + 2]
        wo = (t + 2) * LANES
        for lane in range(LANES):
            a = s[6 * LANES + lane]
            b = s[7 * LANES + lane]
            c = s[0 * LANES + lane]
            d = s[1 * LANES + lane]
            e = s[2 * LANES + lane]
            f = s[3 * LANES + lane]
            g = s[4 * LANES + lane]
            h = s[5 * LANES + lane]
            t1 = np.uint32(
                h + (_rotr(e, 6) ^ _rotr(e, 11) ^ _rotr(e, 25)) + ((e & f) ^ (~e & g)) + k + w[wo + lane]
            )
            t2 = np.uint32((_rotr(a, 2) ^ _rotr(a, 13) ^ _rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c)))
            s[1 * LANES + lane] = np.uint32(d + t1)
            s[5 * LANES + lane] = np.uint32(t1 + t2)
        k = K[t + 3]
        wo = (t + 3) * LANES
        for lane in range(LANES):
            a = s[5 * LANES + lane]
            b = s[6 * LANES + lane]
            c = s[7 * LANES + lane]
            d = s[0 * LANES + lane]
            e = s[1 * LANES + lane]
            f = s[2 * LANES + lane]
            g = s[3 * LANES + lane]
            h = s[4 * LANES + lane]
            t1 = np.uint32(
                h + (_rotr(e, 6) ^ _rotr(e, 11) ^ _rotr(e, 25)) + ((e & f) ^ (~e & g)) + k + w[wo + lane]
            )
            t2 = np.uint32((_rotr(a, 2) ^ _rotr(a, 13) ^ _rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c)))
            s[0 * LANES + lane] = np.uint32(d + t1)
            s[4 * LANES + lane] = np.uint32(t1 + t2)
        k = K[t + 4]
        wo = (t + 4) * LANES
        for lane in range(LANES):
            a = s[4 * LANES + lane]
            b = s[5 * LANES + lane]
            c = s[6 * LANES + lane]
            d = s[7 * LANES + lane]
            e = s[0 * LANES + lane]
            f = s[1 * LANES + lane]
            g = s[2 * LANES + lane]
            h = s[3 * LANES + lane]
            t1 = np.uint32(
                h + (_rotr(e, 6) ^ _rotr(e, 11) ^ _rotr(e, 25)) + ((e & f) ^ (~e & g)) + k + w[wo + lane]
            )
            t2 = np.uint32((_rotr(a, 2) ^ _rotr(a, 13) ^ _rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c)))
            s[7 * LANES + lane] = np.uint32(d + t1)
            s[3 * LANES + lane] = np.uint32(t1 + t2)
        k = K[t + 5]
        wo = (t + 5) * LANES
        for lane in range(LANES):
            a = s[3 * LANES + lane]
            b = s[4 * LANES + lane]
            c = s[5 * LANES + lane]
            d = s[6 * LANES + lane]
            e = s[7 * LANES + lane]
            f = s[0 * LANES + lane]
            g = s[1 * LANES + lane]
            h = s[2 * LANES + lane]
            t1 = np.uint32(
                h + (_rotr(e, 6) ^ _rotr(e, 11) ^ _rotr(e, 25)) + ((e & f) ^ (~e & g)) + k + w[wo + lane]
            )
            t2 = np.uint32((_rotr(a, 2) ^ _rotr(a, 13) ^ _rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c)))
            s[6 * LANES + lane] = np.uint32(d + t1)
            s[2 * LANES + lane] = np.uint32(t1 + t2)
        k = K[t + 6]
        wo = (t + 6) * LANES
        for lane in range(LANES):
            a = s[2 * LANES + lane]
            b = s[3 * LANES + lane]
            c = s[4 * LANES + lane]
            d = s[5 * LANES + lane]
            e = s[6 * LANES + lane]
            f = s[7 * LANES + lane]
            g = s[0 * LANES + lane]
            h = s[1 * LANES + lane]
            t1 = np.uint32(
                h + (_rotr(e, 6) ^ _rotr(e, 11) ^ _rotr(e, 25)) + ((e & f) ^ (~e & g)) + k + w[wo + lane]
            )
            t2 = np.uint32((_rotr(a, 2) ^ _rotr(a, 13) ^ _rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c)))
            s[5 * LANES + lane] = np.uint32(d + t1)
            s[1 * LANES + lane] = np.uint32(t1 + t2)
        k = K[t + 7]
        wo = (t + 7) * LANES
        for lane in range(LANES):
            a = s[1 * LANES + lane]
            b = s[2 * LANES + lane]
            c = s[3 * LANES + lane]
            d = s[4 * LANES + lane]
            e = s[5 * LANES + lane]
            f = s[6 * LANES + lane]
            g = s[7 * LANES + lane]
            h = s[0 * LANES + lane]
            t1 = np.uint32(
                h + (_rotr(e, 6) ^ _rotr(e, 11) ^ _rotr(e, 25)) + ((e & f) ^ (~e & g)) + k + w[wo + lane]
            )
            t2 = np.uint32((_rotr(a, 2) ^ _rotr(a, 13) ^ _rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c)))
            s[4 * LANES + lane] = np.uint32(d + t1)
            s[0 * LANES + lane] = np.uint32(t1 + t2)
    for x in range(8 * LANES):
        s[x] = np.uint32(s[x] + saved[x])


@njit(cache=True)
def digest_schedule(w, s):
    """Put each lane's digest, padded as a one-block 32-byte message, into w[0:16] (for SHA-256d)."""
    for x in range(8 * LANES):
        w[x] = s[x]
    for lane in range(LANES):
        w[8 * LANES + lane] = np.uint32(0x80000000)
        for t in range(9, 15):
            w[t * LANES + lane] = 0
        w[15 * LANES + lane] = 256


@njit(cache=True)
def rows_range(rows, out, double, lo, hi, template, prefix):
    """SHA-256 (SHA-256d if `double`) of rows lo..hi-1 of a 2-D uint8 array, LANES rows at a time."""
    length = rows.shape[1] + (1 if prefix >= 0 else 0)
    staged = np.empty((LANES, length), np.uint8)
    nfull = length // 64
    r = length - 64 * nfull
    nt = 1 if r < 56 else 2
    s = np.empty(8 * LANES, np.uint32)
    saved = np.empty(8 * LANES, np.uint32)
    w = np.empty(64 * LANES, np.uint32)
    tails = np.empty((LANES, 128), np.uint8)
    for lane in range(LANES):
        tails[lane] = template
    # With no message bytes in the tail (length % 64 == 0) its schedule is the same for every message.
    fixed = np.empty((2, 64 * LANES), np.uint32)
    if r == 0:
        for b in range(nt):
            load_tails(fixed[b], tails, b)
            expand(fixed[b])
    for g0 in range(lo, hi, LANES):
        cnt = min(LANES, hi - g0)
        src, base, last = rows, g0, hi - 1
        if prefix >= 0:
            stage_rows(staged, prefix, rows, g0, hi - 1)
            src, base, last = staged, 0, LANES - 1
        init_state(s, IV)
        for b in range(nfull):
            load_rows(w, src, base, last, 64 * b)
            expand(w)
            rounds(s, w, saved)
        if r == 0:
            for b in range(nt):
                rounds(s, fixed[b], saved)
        else:
            fill_tails(tails, src, base, last, nfull, r)
            for b in range(nt):
                load_tails(w, tails, b)
                expand(w)
                rounds(s, w, saved)
        if double:
            digest_schedule(w, s)
            expand(w)
            init_state(s, IV)
            rounds(s, w, saved)
        store_lanes(s, out, g0, cnt)


@njit(parallel=True, cache=True)
def rows(rows, out, double, template, prefix):
    """rows_range over all rows, in parallel over chunks of whole lane groups."""
    n = rows.shape[0]
    groups = (n + LANES - 1) // LANES
    nchunks = min(groups, 256)
    for c in prange(nchunks):
        lo = (c * groups // nchunks) * LANES
        hi = min(((c + 1) * groups // nchunks) * LANES, n)
        rows_range(rows, out, double, lo, hi, template, prefix)
