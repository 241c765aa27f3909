"""numba helpers that lay out Merkle node pairs for hashing: OpenZeppelin's sorted pairs."""

from numba import njit, prange


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
