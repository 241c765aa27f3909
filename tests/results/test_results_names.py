"""bench.results.names: a workload's or suite's name is one safe path component."""

from __future__ import annotations

import pytest

from bench.results.names import safe_name


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("transfer", "transfer"),
        ("x/../../../elsewhere", "x_.._.._.._elsewhere"),
        ("..", "__"),
        (".", "_"),
        ("a b\x1b[2J", "a_b__2J"),
        ("é-ünïcode", "é-ünïcode"),
        ("n" * 100, "n" * 60),
    ],
)
def test_safe_name(name: str, safe: str) -> None:
    assert safe_name(name) == safe
    assert "/" not in safe and safe not in (".", "..")
