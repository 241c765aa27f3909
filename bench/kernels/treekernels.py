"""numba helpers for OpenZeppelin's tree: the leaves' sort order, and the sorted node pairs to hash."""

import numpy as np
from numba import njit, prange

SKEWED = 4096  # a top-bits bucket holding more keys than this: the keys are not spread; argsort instead


@njit(cache=True)
def spread_order(keys):
    """The stable ascending order of uint64 `keys` spread over their range (hashes' first 8 bytes), or an
    empty array when they are not spread (a bucket over SKEWED keys): one counting pass on the top bits,
    one scatter, then an insertion sort of each small bucket - two passes over the data instead of a
    comparison sort's log n."""
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
            return np.empty(0, np.int64)
        count[b + 1] += count[b]
    start = count.copy()
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
            ordered[j + 1] = key
            order[j + 1] = index
    return order


@njit(cache=True)
def _first_is_smaller(x, y):
    for k in range(32):
        if x[k] != y[k]:
            return x[k] < y[k]
    return True


@njit(cache=True)
def pair_range(tree, lo, start, stop, pairs):
    """Serial sorted_pairs for nodes start..stop-1 (pairs[i - lo])."""
    for i in range(start, stop):
        left = tree[2 * i + 1]
        right = tree[2 * i + 2]
        if not _first_is_smaller(left, right):
            left, right = right, left
        row = pairs[i - lo]
        for k in range(32):
            row[k] = left[k]
            row[32 + k] = right[k]


@njit(parallel=True, cache=True)
def sorted_pairs(tree, lo, hi, pairs):
    """Fill pairs[i - lo] with min(l, r) || max(l, r) (bytewise) of the children 2i+1, 2i+2, lo <= i < hi.

    `tree` is OpenZeppelin's heap array of 32-byte nodes; hashing each row with keccak256 gives the nodes.
    """
    count = hi - lo
    nchunks = min(count, 64)
    for c in prange(nchunks):
        pair_range(tree, lo, lo + c * count // nchunks, lo + (c + 1) * count // nchunks, pairs)
