"""numba helpers for OpenZeppelin's tree: the leaves' sort order, and its nodes: each the Keccak-256 of its
children's sorted pair, two rows side by side hashed where they lie (no pair buffer: `pair_nodes`)."""

import numpy as np
from numba import njit, prange

from bench.kernels.keccak_soa import LANES, permute

SKEWED = 4096  # a bucket of the sort holding more leaves than this: they are not spread; a comparison sort
TOP = 8  # the leaves are partitioned on their top 8 bits first: 256 write streams per chunk stay in cache
SPILL = 1 << TOP  # rows the sort needs beyond the tree's (one per partition)


@njit(cache=True)
def _index_bits(n):
    bits = 1
    while (1 << bits) < n:
        bits += 1
    return bits


@njit(cache=True)
def _top_bits(ibits):
    """The bits the leaves are partitioned on: TOP, or fewer for a small tree, whose partitions would
    otherwise hold a handful of leaves each and cost more to set up than to sort."""
    return min(TOP, max(1, ibits - 12))


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
def _exceeds(words, a, y0, y1, y2, y3):
    """Whether the 32-byte row at words[a:a+4] (a flat array of little-endian words) is bytewise greater
    than the row of words y0..y3."""
    for j, y in enumerate((y0, y1, y2, y3)):
        x, y = _bswap(words[a + j]), _bswap(y)
        if x != y:
            return x > y
    return False


@njit(inline="always")
def _greater(words, a, b):
    """Whether the row at words[a:a+4] is bytewise greater than the one at words[b:b+4]."""
    return _exceeds(words, a, words[b], words[b + 1], words[b + 2], words[b + 3])


@njit(inline="always")
def _key(rows64, i, ibits):
    """Leaf i's sort key: the top 64 - ibits bits of its first 8 bytes (big-endian) above its index, so that
    the keys are distinct and their order is the stable one."""
    drop = np.uint64(ibits)
    return ((_bswap(rows64[i, 0]) >> drop) << drop) | np.uint64(i)


@njit(cache=True)
def _spill_plan(start, n):
    """Where each partition leaves its leaves until it is sorted, in the tree's rows (n - 1 and SPILL more):
    first in the rows of its own nodes over two of its leaves, then in its share of the rows no such node
    takes (0 .. n - 2 - n // 2, then n - 1 on). A partition's nodes thus overwrite only rows it has read,
    and each chunk of the partition pass writes one run of rows per partition. Per partition: the slot that
    ends its own rows, the offset from a slot to its row before and after it, and the slot from which the
    rest skips the nodes' rows (n // 2 of them)."""
    parts = start.shape[0] - 1
    plan = np.empty((parts, 4), np.int64)
    low, taken = n - 1 - n // 2, 0
    for p in range(parts):
        lo, hi = start[p], start[p + 1]
        first, stop = (lo + 1) // 2, hi // 2  # sorted leaves 2q, 2q + 1 are under node n - 2 - q
        own = max(0, stop - first)
        plan[p, 0] = lo + own
        plan[p, 1] = n - 1 - stop - lo
        plan[p, 2] = taken - lo - own
        plan[p, 3] = low - plan[p, 2]
        taken += hi - lo - own
    return plan


@njit(inline="always")
def _spill_row(j, plan, p, n):
    """The row of slot j of partition p (see _spill_plan)."""
    own_row = j + plan[p, 1]
    rest_row = j + plan[p, 2] + (n // 2) * (j >= plan[p, 3])
    return own_row if j < plan[p, 0] else rest_row


@njit(cache=True)
def _count(rows64, at, c, chunks, top, ibits):
    n = rows64.shape[0]
    shift = np.uint64(64 - top)
    for i in range(c * n // chunks, (c + 1) * n // chunks):
        at[c, _key(rows64, i, ibits) >> shift] += 1


@njit(cache=True)
def _slots(at):
    """Each partition's start (one more than the partitions), and in `at` each chunk's first slot in each
    partition in place of its count (chunk by chunk in input order, which keeps the sort stable)."""
    chunks, parts = at.shape
    start = np.empty(parts + 1, np.int64)
    slot = 0
    for p in range(parts):
        start[p] = slot
        for c in range(chunks):
            counted = at[c, p]
            at[c, p] = slot
            slot += counted
    start[parts] = slot
    return start


@njit(cache=True)
def _partition(rows64, at, c, chunks, top, ibits, plan, keys, spill64):
    """Chunk c's leaves into their partitions' slots: the key into `keys`, the leaf into spill64."""
    n = rows64.shape[0]
    shift = np.uint64(64 - top)
    for i in range(c * n // chunks, (c + 1) * n // chunks):
        x = _key(rows64, i, ibits)
        d = x >> shift
        j = at[c, d]
        at[c, d] = j + 1
        keys[j] = x
        r = _spill_row(j, plan, d, n)
        for w in range(4):
            spill64[r, w] = rows64[i, w]


@njit(inline="always")
def _insert(keys, leaves, i, first, by_leaf):
    """Move entry i (key and leaf) down to its place among entries first..i-1, which are in order: by key,
    or by whole leaf (bytewise, and stable: past greater leaves only)."""
    x = keys[i]
    y0, y1, y2, y3 = leaves[i, 0], leaves[i, 1], leaves[i, 2], leaves[i, 3]
    flat = leaves.reshape(-1)
    j = i - 1
    while j >= first and (_exceeds(flat, 4 * j, y0, y1, y2, y3) if by_leaf else keys[j] > x):
        keys[j + 1] = keys[j]
        for w in range(4):
            leaves[j + 1, w] = leaves[j, w]
        j -= 1
    keys[j + 1] = x
    leaves[j + 1, 0], leaves[j + 1, 1], leaves[j + 1, 2], leaves[j + 1, 3] = y0, y1, y2, y3


@njit(cache=True)
def _sort_part(rows64, order, spill64, lo, hi, plan, p, top, fine_bits, ibits, padding):
    """Sort partition lo..hi-1 (its keys in `order` and its leaves in spill64, both in input order, on entry;
    the leaves' indices in sorted order in `order` on return): a counting sort on the next fine_bits bits
    that copies the leaves into cache, an insertion sort of what it left unsorted, and leaves with equal
    keys settled on their whole 32 bytes. Then the nodes over two of its leaves are hashed from that copy,
    into the rows they were spilled to. False when a bucket holds over SKEWED leaves: they are not spread."""
    n, m = rows64.shape[0], hi - lo
    shift = np.uint64(64 - top - fine_bits)
    mask = np.uint64((1 << fine_bits) - 1)
    fine = np.zeros(1 << fine_bits, np.int64)
    for i in range(lo, hi):
        fine[(np.uint64(order[i]) >> shift) & mask] += 1
    slot = 0
    for b in range(fine.shape[0]):
        counted = fine[b]
        if counted > SKEWED:
            return False
        fine[b] = slot
        slot += counted
    # The keys and the leaves into their buckets, the leaves read in slot order (one or two sequential runs
    # of rows; read in sorted order, each row would be a cache miss); from here on they move together.
    keys, leaves = np.empty(m, np.uint64), np.empty((m, 4), np.uint64)
    for i in range(lo, hi):
        x = np.uint64(order[i])
        d = (x >> shift) & mask
        k = fine[d]
        fine[d] = k + 1
        keys[k] = x
        r = _spill_row(i, plan, p, n)
        for w in range(4):
            leaves[k, w] = spill64[r, w]
    for i in range(1, m):
        if keys[i - 1] > keys[i]:
            _insert(keys, leaves, i, 0, False)
    drop = np.uint64(ibits)
    tied = False
    for i in range(1, m):
        tied |= ((keys[i] ^ keys[i - 1]) >> drop) == 0
    i = 0
    while tied and i < m:  # a run of equal keys, in input order: an insertion sort on the whole leaves
        k = i + 1
        while k < m and (keys[k] >> drop) == (keys[i] >> drop):
            k += 1
        for a in range(i + 1, k):
            _insert(keys, leaves, a, i, True)
        i = k
    index = (np.uint64(1) << drop) - np.uint64(1)  # a key's low bits: its leaf's index
    for i in range(m):
        order[lo + i] = keys[i] & index
    # Sorted leaves 2q, 2q + 1 are the children of node n - 2 - q; the pairs wholly in this partition:
    first, stop = (lo + 1) // 2, hi // 2
    pair_nodes_range(
        spill64, leaves.reshape(-1), 8 * (n - 2) - 4 * lo, -8, n - 1 - stop, n - 1 - first, padding
    )
    return True


@njit(cache=True)
def _straddling_pairs(rows64, order, start, tree64, padding):
    """The nodes over two sorted leaves that fall in two partitions (one after each partition starting at
    an odd position)."""
    n = rows64.shape[0]
    pair = np.empty(8, np.uint64)
    for p in range(1, start.shape[0] - 1):
        q = (start[p] - 1) // 2
        if start[p] % 2 == 1 and 2 * q + 1 < n:
            for w in range(4):
                pair[w] = rows64[order[2 * q], w]
                pair[4 + w] = rows64[order[2 * q + 1], w]
            pair_nodes_range(tree64, pair, 0, 0, n - 2 - q, n - 1 - q, padding)


@njit(cache=True)
def sort_leaves_serial(rows64, spill64, padding):
    """sort_leaves in this thread (for small trees: a parallel region costs more than their sort)."""
    n = rows64.shape[0]
    ibits = _index_bits(n)
    top = _top_bits(ibits)
    at = np.zeros((1, 1 << top), np.int64)
    _count(rows64, at, 0, 1, top, ibits)
    start = _slots(at)
    plan = _spill_plan(start, n)
    order = np.empty(n, np.int64)
    _partition(rows64, at, 0, 1, top, ibits, plan, order.view(np.uint64), spill64)
    fine_bits = max(1, min(ibits + 1, 24) - top)  # two buckets a leaf: fewer left to insertion-sort
    for p in range(1 << top):
        if not _sort_part(
            rows64, order, spill64, start[p], start[p + 1], plan, p, top, fine_bits, ibits, padding
        ):
            return np.empty(0, np.int64)
    _straddling_pairs(rows64, order, start, spill64, padding)
    return order


@njit(parallel=True, cache=True)
def sort_leaves(rows64, spill64, padding):
    """The stable bytewise sort order of n > 1 leaves (rows64: n x 4 little-endian words) - JavaScript's
    stable sort, as OpenZeppelin uses - and the nodes over two sorted leaves hashed into the tree (spill64:
    its n - 1 internal rows and SPILL more, where the leaves wait to be sorted); or an empty order when the
    leaves are not spread (a bucket over SKEWED leaves). Hashes' first bytes are spread over their range, so
    a radix sort takes two passes instead of a comparison sort's log n: the leaves partitioned on their top
    bits in parallel chunks, each chunk with its own slots in every partition (which keeps the order stable),
    then each partition sorted in cache, in parallel, and paired while its leaves are at hand. Only the few
    pairs split between two partitions read leaves at random from the whole input (on this machine, such a
    read of a row costs about as much as hashing it)."""
    n = rows64.shape[0]
    ibits = _index_bits(n)
    top = _top_bits(ibits)
    chunks = 8
    at = np.zeros((chunks, 1 << top), np.int64)  # each chunk's count per partition, then its next slot there
    for c in prange(chunks):
        _count(rows64, at, c, chunks, top, ibits)
    start = _slots(at)
    plan = _spill_plan(start, n)
    order = np.empty(n, np.int64)
    for c in prange(chunks):
        _partition(rows64, at, c, chunks, top, ibits, plan, order.view(np.uint64), spill64)
    fine_bits = max(1, min(ibits + 1, 24) - top)  # two buckets a leaf: fewer left to insertion-sort
    parts = 1 << top
    spread = np.ones(parts, np.bool_)
    for p in prange(parts):
        spread[p] = _sort_part(
            rows64, order, spill64, start[p], start[p + 1], plan, p, top, fine_bits, ibits, padding
        )
    if not spread.all():
        return np.empty(0, np.int64)
    _straddling_pairs(rows64, order, start, spill64, padding)
    return order


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
            lo = w + 4 if _greater(words, w, w + 4) else w
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
