"""A list of equal-length `bytes` as an (n, width) uint8 array, read from the interpreter's objects in one pass.

Turning a list of 2^20 32-byte leaves into rows took longer than hashing them: numpy's conversion and the two
C-speed checks it needs (every item exact `bytes`, every one 32 long; numpy alone would stringify a `str` or an
int and pad or truncate a wrong length) are three passes over a million objects, 60-70 ms against the 36 ms
of the tree. This module reads CPython's own structures instead, in a numba kernel that holds the GIL: the
list's item pointers, each item's type pointer and size, and its bytes, copied into the rows, a few
milliseconds in all.

It relies on CPython's object layout (a list's `ob_item` array after its variable-size header, a `bytes`
object's data after its header and cached hash), so it is used only where a probe at first use confirms
that layout on known objects. Anywhere else, and for any list holding something other than exact `bytes` of
the width (a subclass, a `bytearray`, a `str`, a wrong length), `rows_of_bytes` returns None and the caller
takes its general path, which also names the bad item.
"""

import ctypes
import sys
from collections.abc import Callable
from functools import cache
from typing import Any, cast

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

_WORD = 8
_TYPE = _WORD  # ob_type, after ob_refcnt
_SIZE = 2 * _WORD  # ob_size of a variable-size object
_LIST_ITEMS = 3 * _WORD  # PyListObject.ob_item, after the variable-size header
_BYTES_DATA = 32  # PyBytesObject.ob_sval, after the variable-size header and the cached hash


def _load_word_typing(typingctx, address):
    """The 8-byte word at `address` (an int64), read unaligned, as an int64 (addresses fit in 63 bits)."""

    def codegen(context, builder, signature, args):
        pointer = builder.inttoptr(args[0], ir.IntType(64).as_pointer())
        return builder.load(pointer, align=1)

    return types.int64(address), codegen


_load_word = cast(Callable[[int], int], intrinsic(_load_word_typing))


@njit(cache=True)
def _copy_rows(items: int, n: int, type_address: int, width: int, out: np.ndarray) -> int:
    """Copy the data of the `n` objects whose pointers start at `items` into `out` (rows of `width` bytes,
    `width` a multiple of 8, viewed as words); the index of the first object that is not exactly of type
    `type_address` and `width` long, or -1 when all are."""
    words = width // 8
    for i in range(n):
        item = _load_word(items + i * _WORD)  # ob_item[i]
        if _load_word(item + _TYPE) != type_address or _load_word(item + _SIZE) != width:
            return i
        for w in range(words):
            out[i, w] = _load_word(item + _BYTES_DATA + w * _WORD)
    return -1


def _word(address: int) -> int:
    return ctypes.c_ssize_t.from_address(address).value


@cache
def _layout_confirmed() -> bool:
    """Whether this interpreter lays out lists and bytes as this module reads them: first read field by field
    with ctypes on known objects, each pointer compared before it is followed, then through the kernel."""
    if sys.implementation.name != "cpython" or ctypes.sizeof(ctypes.c_void_p) != _WORD:
        return False
    if sys.getsizeof(b"") != _BYTES_DATA + 1:  # the header and the trailing NUL
        return False
    probe = [bytes(range(i, i + 32)) for i in range(5)]
    head = id(probe)
    if _word(head + _TYPE) != id(list) or _word(head + _SIZE) != len(probe):
        return False
    items = _word(head + _LIST_ITEMS)
    for i, leaf in enumerate(probe):
        if _word(items + i * _WORD) != id(leaf):
            return False
        if _word(id(leaf) + _TYPE) != id(bytes) or _word(id(leaf) + _SIZE) != len(leaf):
            return False
        if ctypes.string_at(id(leaf) + _BYTES_DATA, len(leaf)) != leaf:
            return False
    rows = _read(probe, 32)
    odd = _read([probe[0], bytearray(32), probe[1]], 32)
    short = _read([probe[0], probe[1][:24]], 32)
    return rows is not None and rows.tobytes() == b"".join(probe) and odd is None and short is None


def _read(leaves: list[Any], width: int) -> np.ndarray | None:
    out = np.empty((len(leaves), width // 8), dtype=np.int64)
    if _copy_rows(_word(id(leaves) + _LIST_ITEMS), len(leaves), id(bytes), width, out) != -1:
        return None
    return out.view(np.uint8)


def rows_of_bytes(leaves: object, width: int) -> np.ndarray | None:
    """`leaves` as an (n, width) uint8 array when it is a non-empty `list` of exact `bytes`, each `width`
    long (`width` a multiple of 8), on an interpreter whose layout was confirmed; None otherwise."""
    if type(leaves) is not list or not leaves or width % 8 or not _layout_confirmed():
        return None
    return _read(leaves, width)
