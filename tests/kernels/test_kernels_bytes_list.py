"""rows_of_bytes: a list of exact, equal-length `bytes` read from CPython's objects, anything else declined."""

import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.kernels.bytes_list import _layout_confirmed, rows_of_bytes


class Leaf(bytes):
    pass


def joined(leaves: list[bytes], width: int) -> np.ndarray:
    return np.frombuffer(b"".join(leaves), dtype=np.uint8).reshape(-1, width)


def test_this_interpreter_s_layout_is_confirmed_so_the_one_pass_read_is_taken() -> None:
    assert _layout_confirmed()


@pytest.mark.parametrize("width", [8, 32, 64])
@pytest.mark.parametrize("n", [1, 7, 1 << 16])
def test_a_list_of_bytes_is_read_into_rows_byte_for_byte(width: int, n: int) -> None:
    leaves = [os.urandom(width) for _ in range(n)]
    leaves[0] = bytes(width)  # all zero bytes, and zeros at the end of another one
    if n > 1:
        leaves[-1] = leaves[-1][:-3] + b"\x00\x00\x00"
    rows = rows_of_bytes(leaves, width)
    assert rows is not None
    assert rows.shape == (n, width) and rows.dtype == np.uint8
    np.testing.assert_array_equal(rows, joined(leaves, width))
    rows[0, 0] = 1  # the rows are a copy of their own: the leaves are untouched
    assert leaves[0] == bytes(width)


def test_the_same_object_repeated_is_read_each_time() -> None:
    leaf = os.urandom(32)
    rows = rows_of_bytes([leaf] * 100, 32)
    assert rows is not None and rows.tobytes() == leaf * 100


ROWS = [os.urandom(32) for _ in range(50)]


@pytest.mark.parametrize(
    "leaves",
    [
        pytest.param([*ROWS[:49], ROWS[49][:31]], id="the last one short"),
        pytest.param([ROWS[0] + b"\x00", *ROWS[1:]], id="the first one long"),
        pytest.param([*ROWS[:20], bytearray(ROWS[20]), *ROWS[21:]], id="a bytearray"),
        pytest.param([*ROWS[:20], memoryview(ROWS[20]), *ROWS[21:]], id="a memoryview"),
        pytest.param([*ROWS[:20], Leaf(ROWS[20]), *ROWS[21:]], id="a bytes subclass"),
        pytest.param([*ROWS[:20], "x" * 32, *ROWS[21:]], id="a str of the width"),
        pytest.param([*ROWS[:20], 7, *ROWS[21:]], id="an int"),
        pytest.param([*ROWS[:20], None, *ROWS[21:]], id="None"),
        pytest.param([*ROWS[:20], list(ROWS[20]), *ROWS[21:]], id="a list of 32 ints"),
        pytest.param(tuple(ROWS), id="a tuple, not a list"),
        pytest.param([], id="empty"),
        pytest.param(b"".join(ROWS), id="one bytes object"),
    ],
)
def test_anything_but_a_list_of_exact_bytes_of_the_width_is_declined(leaves: object) -> None:
    assert rows_of_bytes(leaves, 32) is None


def test_a_width_that_is_not_whole_words_is_declined() -> None:
    assert rows_of_bytes([bytes(20), bytes(20)], 20) is None


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(min_size=0, max_size=40), min_size=1, max_size=30))
def test_read_exactly_when_every_item_has_the_width(leaves: list[bytes]) -> None:
    rows = rows_of_bytes(leaves, 32)
    if all(len(leaf) == 32 for leaf in leaves):
        assert rows is not None and rows.tobytes() == b"".join(leaves)
    else:
        assert rows is None
