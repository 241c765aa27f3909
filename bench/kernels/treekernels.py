"""numba helpers that lay out Merkle node pairs for hashing: OpenZeppelin's sorted pairs."""

import numpy as np
from numba import njit


@njit(cache=True)
def _first_is_smaller(x, y):
    for k in range(32):
        if x[k] != y[k]:
            return x[k] < y[k]
    return True


@njit(cache=True)
def sorted_pairs(tree, lo, hi):
    """Rows min(l, r) || max(l, r) (bytewise order) of the children 2i+1, 2i+2 of nodes lo..hi-1 of `tree`.

    `tree` is OpenZeppelin's heap array of 32-byte nodes; hashing each row with keccak256 gives the nodes.
    """
    pairs = np.empty((hi - lo, 64), np.uint8)
    for i in range(lo, hi):
        left = tree[2 * i + 1]
        right = tree[2 * i + 2]
        if not _first_is_smaller(left, right):
            left, right = right, left
        row = pairs[i - lo]
        row[:32] = left
        row[32:] = right
    return pairs
