"""numba helpers for OpenZeppelin's tree: the leaves' sort order, and its nodes: each the Keccak-256 of its
children's sorted pair, two rows side by side hashed where they lie (no pair buffer: `pair_nodes`)."""

import numpy as np
from numba import njit, prange

from bench.kernels.keccak_soa import LANES, permute

SKEWED = 4096  # a top-bits bucket holding more keys than this: the keys are not spread; argsort instead


@njit(cache=True)
def _bucket_bits(n):
    bits = 16
    while bits > 1 and (1 << bits) > 2 * n:
        bits -= 1
    return bits


@njit(cache=True)
def _count(keys, at, c, chunks, shift):
    n = keys.shape[0]
    for i in range(c * n // chunks, (c + 1) * n // chunks):
        at[c, keys[i] >> shift] += 1


@njit(cache=True)
def _slots(at):
    """Each bucket's start (`start`, one more than the buckets), and in `at` each chunk's first slot in each
    bucket in place of its count (chunk by chunk in input order, which keeps the sort stable); or an empty
    array when a bucket holds over SKEWED keys."""
    chunks, buckets = at.shape
    start = np.empty(buckets + 1, np.int64)
    start[0] = 0
    for b in range(buckets):
        slot = start[b]
        for c in range(chunks):
            counted = at[c, b]
            at[c, b] = slot
            slot += counted
        if slot - start[b] > SKEWED:
            return np.empty(0, np.int64)
        start[b + 1] = slot
    return start


@njit(cache=True)
def _scatter(keys, at, c, chunks, shift, order, ordered):
    n = keys.shape[0]
    for i in range(c * n // chunks, (c + 1) * n // chunks):
        d = keys[i] >> shift
        j = at[c, d]
        at[c, d] = j + 1
        order[j] = i
        ordered[j] = keys[i]


@njit(cache=True)
def _sort_buckets(ordered, order, start, first, stop):
    """Insertion-sort buckets first..stop-1 (small: the keys are spread); whether two keys are equal."""
    repeated = False
    for b in range(first, stop):
        for i in range(start[b] + 1, start[b + 1]):
            key, index = ordered[i], order[i]
            j = i - 1
            while j >= start[b] and ordered[j] > key:
                ordered[j + 1] = ordered[j]
                order[j + 1] = order[j]
                j -= 1
            if j >= start[b] and ordered[j] == key:
                repeated = True
            ordered[j + 1] = key
            order[j + 1] = index
    return repeated


@njit(cache=True)
def spread_order_serial(keys):
    """spread_order in this thread (for small inputs: a parallel region costs more than their sort)."""
    n = keys.shape[0]
    bits = _bucket_bits(n)
    shift = np.uint64(64 - bits)
    at = np.zeros((1, 1 << bits), np.int64)
    _count(keys, at, 0, 1, shift)
    start = _slots(at)
    if start.size == 0:
        return np.empty(0, np.int64), False
    order, ordered = np.empty(n, np.int64), np.empty(n, np.uint64)
    _scatter(keys, at, 0, 1, shift, order, ordered)
    return order, _sort_buckets(ordered, order, start, 0, 1 << bits)


@njit(parallel=True, cache=True)
def spread_order(keys):
    """The stable ascending order of uint64 `keys` spread over their range (hashes' first 8 bytes), or an
    empty array when they are not spread (a bucket over SKEWED keys): a counting pass on the top bits and
    one scatter, each in parallel over chunks of the keys (each chunk's own slots in every bucket keep the
    order stable), then an insertion sort of each small bucket, in parallel over ranges of buckets - two
    passes over the data instead of a comparison sort's log n. Also whether two keys are equal (found by
    that sort: a caller settles ties on more bytes)."""
    n = keys.shape[0]
    bits = _bucket_bits(n)
    buckets = 1 << bits
    shift = np.uint64(64 - bits)
    chunks = 8
    at = np.zeros((chunks, buckets), np.int64)  # each chunk's count per bucket, then its next slot there
    for c in prange(chunks):
        _count(keys, at, c, chunks, shift)
    start = _slots(at)
    if start.size == 0:
        return np.empty(0, np.int64), False
    order, ordered = np.empty(n, np.int64), np.empty(n, np.uint64)
    for c in prange(chunks):
        _scatter(keys, at, c, chunks, shift, order, ordered)
    ranges = min(buckets, 256)
    repeated = np.zeros(ranges, np.bool_)
    for r in prange(ranges):
        repeated[r] = _sort_buckets(ordered, order, start, r * buckets // ranges, (r + 1) * buckets // ranges)
    return order, repeated.any()


@njit(parallel=True, cache=True)
def place_sorted(rows64, order, out64):
    """out64[k] = rows64[order[k]]: the leaves copied into sorted order in one parallel pass (over 256 chunks),
    so that the tree reads them in sequence (read through `order` while hashing, each pair of leaves is two
    random reads between two permutations, which costs more than this copy)."""
    n = order.shape[0]
    nchunks = min(n, 256)
    for c in prange(nchunks):
        for k in range(c * n // nchunks, (c + 1) * n // nchunks):
            r = order[k]
            for w in range(rows64.shape[1]):
                out64[k, w] = rows64[r, w]


@njit(inline="always")
def _bswap(x):
    """x's bytes reversed: a little-endian word's value as its bytes compare (big-endian)."""
    x = ((x & np.uint64(0x00FF00FF00FF00FF)) << np.uint64(8)) | (
        (x >> np.uint64(8)) & np.uint64(0x00FF00FF00FF00FF)
    )
    x = ((x & np.uint64(0x0000FFFF0000FFFF)) << np.uint64(16)) | (
        (x >> np.uint64(16)) & np.uint64(0x0000FFFF0000FFFF)
    )
    return (x << np.uint64(32)) | (x >> np.uint64(32))


@njit(cache=True)
def _swapped(words, w):
    """Whether the 32-byte row at words[w:w+4] is bytewise greater than the one after it (words[w+4:w+8])."""
    for j in range(4):
        x, y = _bswap(words[w + j]), _bswap(words[w + 4 + j])
        if x != y:
            return x > y
    return False


@njit(cache=True)
def pair_nodes_range(tree64, words, first, step, start, stop, padding):
    """Nodes start..stop-1 whose children are two rows side by side: node i (tree64[i], 4 words) is the
    Keccak-256 of the sorted pair of the 64 bytes at words[first + step * i:][:8] (a flat uint64 view). For
    inner nodes that is the tree itself (children 2i+1 and 2i+2: first 4, step 8); for the nodes over two
    leaves, the leaves in sorted order (the pair of sorted leaves 2p, 2p+1 under node n - 2 - p). LANES
    sponges side by side as in keccak_soa; no per-lane search for where a child lies."""
    s = np.empty(25 * LANES, np.uint64)
    for g0 in range(start, stop, LANES):
        cnt = min(LANES, stop - g0)
        s[:] = 0
        for lane in range(LANES):
            w = first + step * min(g0 + lane, stop - 1)
            lo = w + 4 if _swapped(words, w) else w
            hi = w if lo != w else w + 4
            for j in range(4):
                s[j * LANES + lane] = words[lo + j] ^ padding[j]
                s[(4 + j) * LANES + lane] = words[hi + j] ^ padding[4 + j]
            for j in range(8, padding.shape[0]):
                s[j * LANES + lane] = padding[j]
        permute(s)
        for lane in range(cnt):
            for j in range(4):
                tree64[g0 + lane, j] = s[j * LANES + lane]


@njit(parallel=True, cache=True)
def pair_nodes(tree64, words, first, step, lo, hi, padding):
    """pair_nodes_range over nodes lo..hi-1, in parallel over chunks of whole lane groups."""
    groups = (hi - lo + LANES - 1) // LANES
    nchunks = min(groups, 256)
    for c in prange(nchunks):
        start = lo + (c * groups // nchunks) * LANES
        stop = min(lo + ((c + 1) * groups // nchunks) * LANES, hi)
        pair_nodes_range(tree64, words, first, step, start, stop, padding)
