"""Fixed-length SM3 batch kernels vectorised across messages (structure of arrays, LANES per group)."""

import numpy as np
from numba import njit, prange

from bench.kernels.sm3 import IV, TJ, _p1, _rotl
from bench.kernels.soa import LANES, fill_tails, init_state, load_rows, load_tails, stage_rows, store_lanes


@njit(cache=True)
def expand(w):
    """Extend the SM3 message schedule w[0:16] to w[0:68] in every lane."""
    for j in range(16, 68):
        for lane in range(LANES):
            x = w[(j - 16) * LANES + lane] ^ w[(j - 9) * LANES + lane] ^ _rotl(w[(j - 3) * LANES + lane], 15)
            w[j * LANES + lane] = _p1(x) ^ _rotl(w[(j - 13) * LANES + lane], 7) ^ w[(j - 6) * LANES + lane]


@njit(cache=True)
def _rounds_low(s, w, j):
    """Four SM3 rounds j..j+3 with the XOR boolean functions (j < 16)."""
    tj = TJ[j + 0]
    wo = (j + 0) * LANES
    for lane in range(LANES):
        a = s[0 * LANES + lane]
        b = s[1 * LANES + lane]
        c = s[2 * LANES + lane]
        d = s[3 * LANES + lane]
        e = s[4 * LANES + lane]
        f = s[5 * LANES + lane]
        g = s[6 * LANES + lane]
        h = s[7 * LANES + lane]
        a12 = _rotl(a, 12)
        ss1 = _rotl(np.uint32(a12 + e + tj), 7)
        ss2 = ss1 ^ a12
        wj = w[wo + lane]
        w4 = w[wo + 4 * LANES + lane]
        ff = a ^ b ^ c
        gg = e ^ f ^ g
        s[3 * LANES + lane] = np.uint32(ff + d + ss2 + (wj ^ w4))
        s[1 * LANES + lane] = _rotl(b, 9)
        tt2 = np.uint32(gg + h + ss1 + wj)
        s[7 * LANES + lane] = np.uint32(tt2 ^ _rotl(tt2, 9) ^ _rotl(tt2, 17))
        s[5 * LANES + lane] = _rotl(f, 19)
    tj = TJ[j + 1]
    wo = (j + 1) * LANES
    for lane in range(LANES):
        a = s[3 * LANES + lane]
        b = s[0 * LANES + lane]
        c = s[1 * LANES + lane]
        d = s[2 * LANES + lane]
        e = s[7 * LANES + lane]
        f = s[4 * LANES + lane]
        g = s[5 * LANES + lane]
        h = s[6 * LANES + lane]
        a12 = _rotl(a, 12)
        ss1 = _rotl(np.uint32(a12 + e + tj), 7)
        ss2 = ss1 ^ a12
        wj = w[wo + lane]
        w4 = w[wo + 4 * LANES + lane]
        ff = a ^ b ^ c
        gg = e ^ f ^ g
        s[2 * LANES + lane] = np.uint32(ff + d + ss2 + (wj ^ w4))
        s[0 * LANES + lane] = _rotl(b, 9)
        tt2 = np.uint32(gg + h + ss1 + wj)
        s[6 * LANES + lane] = np.uint32(tt2 ^ _rotl(tt2, 9) ^ _rotl(tt2, 17))
        s[4 * LANES + lane] = _rotl(f, 19)
    tj = TJ[j + 2]
    wo = (j + 2) * LANES
    for lane in range(LANES):
        a = s[2 * LANES + lane]
        b = s[3 * LANES + lane]
        c = s[0 * LANES + lane]
        d = s[1 * LANES + lane]
        e = s[6 * LANES + lane]
        f = s[7 * LANES + lane]
        g = s[4 * LANES + lane]
        h = s[5 * LANES + lane]
        a12 = _rotl(a, 12)
        ss1 = _rotl(np.uint32(a12 + e + tj), 7)
        ss2 = ss1 ^ a12
        wj = w[wo + lane]
        w4 = w[wo + 4 * LANES + lane]
        ff = a ^ b ^ c
        gg = e ^ f ^ g
        s[1 * LANES + lane] = np.uint32(ff + d + ss2 + (wj ^ w4))
        s[3 * LANES + lane] = _rotl(b, 9)
        tt2 = np.uint32(gg + h + ss1 + wj)
        s[5 * LANES + lane] = np.uint32(tt2 ^ _rotl(tt2, 9) ^ _rotl(tt2, 17))
        s[7 * LANES + lane] = _rotl(f, 19)
    tj = TJ[j + 3]
    wo = (j + 3) * LANES
    for lane in range(LANES):
        a = s[1 * LANES + lane]
        b = s[2 * LANES + lane]
        c = s[3 * LANES + lane]
        d = s[0 * LANES + lane]
        e = s[5 * LANES + lane]
        f = s[6 * LANES + lane]
        g = s[7 * LANES + lane]
        h = s[4 * LANES + lane]
        a12 = _rotl(a, 12)
        ss1 = _rotl(np.uint32(a12 + e + tj), 7)
        ss2 = ss1 ^ a12
        wj = w[wo + lane]
        w4 = w[wo + 4 * LANES + lane]
        ff = a ^ b ^ c
        gg = e ^ f ^ g
        s[0 * LANES + lane] = np.uint32(ff + d + ss2 + (wj ^ w4))
        s[2 * LANES + lane] = _rotl(b, 9)
        tt2 = np.uint32(gg + h + ss1 + wj)
        s[4 * LANES + lane] = np.uint32(tt2 ^ _rotl(tt2, 9) ^ _rotl(tt2, 17))
        s[6 * LANES + lane] = _rotl(f, 19)


@njit(cache=True)
def _rounds_high(s, w, j):
    """Four SM3 rounds j..j+3 with the majority / choice boolean functions (j >= 16)."""
    tj = TJ[j + 0]
    wo = (j + 0) * LANES
    for lane in range(LANES):
        a = s[0 * LANES + lane]
        b = s[1 * LANES + lane]
        c = s[2 * LANES + lane]
        d = s[3 * LANES + lane]
        e = s[4 * LANES + lane]
        f = s[5 * LANES + lane]
        g = s[6 * LANES + lane]
        h = s[7 * LANES + lane]
        a12 = _rotl(a, 12)
        ss1 = _rotl(np.uint32(a12 + e + tj), 7)
        ss2 = ss1 ^ a12
        wj = w[wo + lane]
        w4 = w[wo + 4 * LANES + lane]
        ff = (a & b) | (a & c) | (b & c)
        gg = (e & f) | (~e & g)
        s[3 * LANES + lane] = np.uint32(ff + d + ss2 + (wj ^ w4))
        s[1 * LANES + lane] = _rotl(b, 9)
        tt2 = np.uint32(gg + h + ss1 + wj)
        s[7 * LANES + lane] = np.uint32(tt2 ^ _rotl(tt2, 9) ^ _rotl(tt2, 17))
        s[5 * LANES + lane] = _rotl(f, 19)
    tj = TJ[j + 1]
    wo = (j + 1) * LANES
    for lane in range(LANES):
        a = s[3 * LANES + lane]
        b = s[0 * LANES + lane]
        c = s[1 * LANES + lane]
        d = s[2 * LANES + lane]
        e = s[7 * LANES + lane]
        f = s[4 * LANES + lane]
        g = s[5 * LANES + lane]
        h = s[6 * LANES + lane]
        a12 = _rotl(a, 12)
        ss1 = _rotl(np.uint32(a12 + e + tj), 7)
        ss2 = ss1 ^ a12
        wj = w[wo + lane]
        w4 = w[wo + 4 * LANES + lane]
        ff = (a & b) | (a & c) | (b & c)
        gg = (e & f) | (~e & g)
        s[2 * LANES + lane] = np.uint32(ff + d + ss2 + (wj ^ w4))
        s[0 * LANES + lane] = _rotl(b, 9)
        tt2 = np.uint32(gg + h + ss1 + wj)
        s[6 * LANES + lane] = np.uint32(tt2 ^ _rotl(tt2, 9) ^ _rotl(tt2, 17))
        s[4 * LANES + lane] = _rotl(f, 19)
    tj = TJ[j + 2]
    wo = (j + 2) * LANES
    for lane in range(LANES):
        a = s[2 * LANES + lane]
        b = s[3 * LANES + lane]
        c = s[0 * LANES + lane]
        d = s[1 * LANES + lane]
        e = s[6 * LANES + lane]
        f = s[7 * LANES + lane]
        g = s[4 * LANES + lane]
        h = s[5 * LANES + lane]
        a12 = _rotl(a, 12)
        ss1 = _rotl(np.uint32(a12 + e + tj), 7)
        ss2 = ss1 ^ a12
        wj = w[wo + lane]
        w4 = w[wo + 4 * LANES + lane]
        ff = (a & b) | (a & c) | (b & c)
        gg = (e & f) | (~e & g)
        s[1 * LANES + lane] = np.uint32(ff + d + ss2 + (wj ^ w4))
        s[3 * LANES + lane] = _rotl(b, 9)
        tt2 = np.uint32(gg + h + ss1 + wj)
        s[5 * LANES + lane] = np.uint32(tt2 ^ _rotl(tt2, 9) ^ _rotl(tt2, 17))
        s[7 * LANES + lane] = _rotl(f, 19)
    tj = TJ[j + 3]
    wo = (j + 3) * LANES
    for lane in range(LANES):
        a = s[1 * LANES + lane]
        b = s[2 * LANES + lane]
        c = s[3 * LANES + lane]
        d = s[0 * LANES + lane]
        e = s[5 * LANES + lane]
        f = s[6 * LANES + lane]
        g = s[7 * LANES + lane]
        h = s[4 * LANES + lane]
        a12 = _rotl(a, 12)
        ss1 = _rotl(np.uint32(a12 + e + tj), 7)
        ss2 = ss1 ^ a12
        wj = w[wo + lane]
        w4 = w[wo + 4 * LANES + lane]
        ff = (a & b) | (a & c) | (b & c)
        gg = (e & f) | (~e & g)
        s[0 * LANES + lane] = np.uint32(ff + d + ss2 + (wj ^ w4))
        s[2 * LANES + lane] = _rotl(b, 9)
        tt2 = np.uint32(gg + h + ss1 + wj)
        s[4 * LANES + lane] = np.uint32(tt2 ^ _rotl(tt2, 9) ^ _rotl(tt2, 17))
        s[6 * LANES + lane] = _rotl(f, 19)


@njit(cache=True)
def rounds(s, w, saved):
    """The 64 SM3 rounds and XOR feed-forward on every lane's state, with an expanded schedule w."""
    saved[:] = s
    for j in range(0, 16, 4):
        _rounds_low(s, w, j)
    for j in range(16, 64, 4):
        _rounds_high(s, w, j)
    for x in range(8 * LANES):
        s[x] ^= saved[x]


@njit(cache=True)
def rows_range(rows, out, lo, hi, template, prefix):
    """SM3 of rows lo..hi-1 of a 2-D uint8 array, LANES rows at a time."""
    length = rows.shape[1] + (1 if prefix >= 0 else 0)
    staged = np.empty((LANES, length), np.uint8)
    nfull = length // 64
    r = length - 64 * nfull
    nt = 1 if r < 56 else 2
    s = np.empty(8 * LANES, np.uint32)
    saved = np.empty(8 * LANES, np.uint32)
    w = np.empty(68 * LANES, np.uint32)
    tails = np.empty((LANES, 128), np.uint8)
    for lane in range(LANES):
        tails[lane] = template
    fixed = np.empty((2, 68 * LANES), np.uint32)
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
        store_lanes(s, out, g0, cnt)


@njit(parallel=True, cache=True)
def rows(rows, out, template, prefix):
    """rows_range over all rows, in parallel over chunks of whole lane groups."""
    n = rows.shape[0]
    groups = (n + LANES - 1) // LANES
    nchunks = min(groups, 256)
    for c in prange(nchunks):
        lo = (c * groups // nchunks) * LANES
        hi = min(((c + 1) * groups // nchunks) * LANES, n)
        rows_range(rows, out, lo, hi, template, prefix)
