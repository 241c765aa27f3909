"""numba kernels that fill the internal nodes of a Merkle tree stored as an array of 32-byte rows."""

import numpy as np
from numba import njit, prange

from bench.kernels.keccak import RATE, keccak_one


@njit(cache=True)
def _first_is_smaller(x, y):
    for k in range(32):
        if x[k] != y[k]:
            return x[k] < y[k]
    return True


@njit(cache=True)
def _fill_range(tree, lo, hi):
    msg = np.empty(64, np.uint8)
    st = np.empty(25, np.uint64)
    tail = np.empty(RATE, np.uint8)
    for i in range(lo, hi):
        left = tree[2 * i + 1]
        right = tree[2 * i + 2]
        if not _first_is_smaller(left, right):
            left, right = right, left
        msg[:32] = left
        msg[32:] = right
        keccak_one(msg, 0, 64, st, tail, tree[i])


@njit(parallel=True, cache=True)
def fill_sorted_pair_heap(tree, n_leaves):
    """Fill tree[0 : n_leaves - 1] with keccak256(min(l, r) || max(l, r)) of children 2i+1, 2i+2.

    This is the array layout of OpenZeppelin's `makeMerkleTree`: leaves occupy the last n_leaves rows,
    and heap level d (rows 2**d - 1 .. 2**(d+1) - 2) is computed, in parallel when large, once level
    d + 1 is done.
    """
    last = n_leaves - 2
    depth = 0
    while (1 << (depth + 1)) - 1 <= last:
        depth += 1
    for d in range(depth, -1, -1):
        lo = (1 << d) - 1
        hi = min((1 << (d + 1)) - 2, last) + 1
        count = hi - lo
        if count < 256:
            _fill_range(tree, lo, hi)
        else:
            nchunks = 256
            for c in prange(nchunks):
                _fill_range(tree, lo + c * count // nchunks, lo + (c + 1) * count // nchunks)
