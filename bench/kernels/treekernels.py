"""numba helpers for OpenZeppelin's tree: the leaves' sort order, and its nodes: each the Keccak-256 of its
children's sorted pair, read from the tree and hashed in place (no pair buffer: `sorted_nodes`)."""

import numpy as np
from numba import njit, prange

from bench.kernels.keccak_soa import LANES, permute

SKEWED = 4096  # a top-bits bucket holding more keys than this: the keys are not spread; argsort instead


@njit(cache=True)
def spread_order(keys):
    """The stable ascending order of uint64 `keys` spread over their range (hashes' first 8 bytes), or an
    empty array when they are not spread (a bucket over SKEWED keys): one counting pass on the top bits,
    one scatter, then an insertion sort of each small bucket - two passes over the data instead of a
    comparison sort's log n. Also whether two keys are equal (found by that sort: a caller settles ties on
    more bytes)."""
    n = keys.shape[0]
    bits = 16
    while bits > 1 and (1 << bits) > 2 * n:
        bits -= 1
    shift = np.uint64(64 - bits)
    count = np.zeros((1 << bits) + 1, np.int64)
    for i in range(n):
        count[(keys[i] >> shift) + 1] += 1
    for b in range(1 << bits):
        if count[b + 1] > SKEWED:
            return np.empty(0, np.int64), False
        count[b + 1] += count[b]
    start = count.copy()
    repeated = False
    order = np.empty(n, np.int64)
    ordered = np.empty(n, np.uint64)
    for i in range(n):
        d = keys[i] >> shift
        j = start[d]
        start[d] = j + 1
        order[j] = i
        ordered[j] = keys[i]
    for b in range(1 << bits):
        for i in range(count[b] + 1, count[b + 1]):
            key, index = ordered[i], order[i]
            j = i - 1
            while j >= count[b] and ordered[j] > key:
                ordered[j + 1] = ordered[j]
                order[j + 1] = order[j]
                j -= 1
            if j >= count[b] and ordered[j] == key:
                repeated = True
            ordered[j + 1] = key
            order[j + 1] = index
    return order, repeated


@njit(cache=True)
def _first_is_smaller(x, y):
    for k in range(32):
        if x[k] != y[k]:
            return x[k] < y[k]
    return True


@njit(cache=True)
def sorted_nodes_range(tree, tree64, rows, rows64, order, start, stop, padding):
    """Internal nodes start..stop-1 of OpenZeppelin's heap array of n leaves, `tree` (its n - 1 internal
    rows; `tree64` the same as uint64 words): node i = keccak256(min(l, r) || max(l, r)) of its children
    2i+1, 2i+2 in bytewise order, a child at row c >= n - 1 being the leaf `rows[order[2n - 2 - c]]` (read in
    place: the leaves are never copied into the array). LANES sponges side by side as in keccak_soa;
    `padding` is the 64-byte message's tail words (keccak_soa.tail_words(64))."""
    m = tree.shape[0]
    s = np.empty(25 * LANES, np.uint64)
    for g0 in range(start, stop, LANES):
        cnt = min(LANES, stop - g0)
        s[:] = 0
        for lane in range(LANES):
            i = min(g0 + lane, stop - 1)
            a, b = 2 * i + 1, 2 * i + 2
            left = tree[a] if a < m else rows[order[2 * m - a]]
            right = tree[b] if b < m else rows[order[2 * m - b]]
            left64 = tree64[a] if a < m else rows64[order[2 * m - a]]
            right64 = tree64[b] if b < m else rows64[order[2 * m - b]]
            if not _first_is_smaller(left, right):
                left64, right64 = right64, left64
            for j in range(4):
                s[j * LANES + lane] = left64[j]
                s[(4 + j) * LANES + lane] = right64[j]
            for j in range(padding.shape[0]):
                s[j * LANES + lane] ^= padding[j]
        permute(s)
        for lane in range(cnt):
            for j in range(4):
                tree64[g0 + lane, j] = s[j * LANES + lane]


@njit(parallel=True, cache=True)
def sorted_nodes(tree, tree64, rows, rows64, order, lo, hi, padding):
    """sorted_nodes_range over nodes lo..hi-1 (one heap level: their children lie below it), in parallel
    over chunks of whole lane groups."""
    groups = (hi - lo + LANES - 1) // LANES
    nchunks = min(groups, 256)
    for c in prange(nchunks):
        start = lo + (c * groups // nchunks) * LANES
        stop = min(lo + ((c + 1) * groups // nchunks) * LANES, hi)
        sorted_nodes_range(tree, tree64, rows, rows64, order, start, stop, padding)
