"""Typed, line-aware reading of a composed YAML node tree: every error names file:line and the field path."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar

import yaml

from bench.errors import WorkloadError
from bench.workload.duration import parse_duration

T = TypeVar("T")
_PLAIN_TAGS = frozenset(f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null"))


class Reader:
    """Typed access to a composed YAML node, raising `WorkloadError` with file:line and field path."""

    def __init__(self, node: yaml.Node, path: str, field: str) -> None:
        self.node, self.path, self.field = node, path, field

    @property
    def line(self) -> int:
        return self.node.start_mark.line + 1

    def fail(self, message: str, *, shown: bool = True) -> WorkloadError:
        got = f", got {_show(self.node)}" if shown else ""
        return WorkloadError(message + got, path=self.path, line=self.line, field=self.field)

    def mapping(self, allowed: tuple[str, ...], owner: str = "") -> dict[str, Reader]:
        """The mapping's keys -> readers; a key outside `allowed` is an error (naming `owner`, if given)."""
        if not isinstance(self.node, yaml.MappingNode):
            raise self.fail("expected a mapping")
        out: dict[str, Reader] = {}
        for key_node, value_node in self.node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            child = f"{self.field}.{key}" if self.field else str(key)
            if key not in allowed:
                raise WorkloadError(
                    f"unknown key{' for ' + owner if owner else ''}, expected one of {', '.join(allowed)}, got {key!r}",
                    path=self.path,
                    line=key_node.start_mark.line + 1,
                    field=child,
                )
            if key in out:
                raise WorkloadError(
                    "duplicate key", path=self.path, line=key_node.start_mark.line + 1, field=child
                )
            out[key] = Reader(value_node, self.path, child)
        return out

    def peek(self, key: str) -> Reader | None:
        """The value of `key` in this mapping, read before the mapping's keys are checked (None if absent)."""
        if not isinstance(self.node, yaml.MappingNode):
            raise self.fail("expected a mapping")
        found = [v for k, v in self.node.value if isinstance(k, yaml.ScalarNode) and k.value == key]
        return Reader(found[0], self.path, f"{self.field}.{key}" if self.field else key) if found else None

    def sequence(self) -> list[Reader]:
        if not isinstance(self.node, yaml.SequenceNode):
            raise self.fail("expected a list")
        return [Reader(n, self.path, f"{self.field}[{i}]") for i, n in enumerate(self.node.value)]

    def scalar(self) -> Any:
        if not isinstance(self.node, yaml.ScalarNode):
            raise self.fail("expected a single value")
        if self.node.tag not in _PLAIN_TAGS:
            raise self.fail(f"unsupported YAML tag {self.node.tag}, expected a plain value")
        try:
            return yaml.SafeLoader("").construct_object(self.node)
        except (yaml.YAMLError, ValueError, TypeError, AttributeError) as exc:
            raise self.fail(f"not a valid {self.node.tag.rsplit(':', 1)[-1]}") from exc

    def string(self) -> str:
        value = self.scalar()
        if not isinstance(value, str) or not value.strip():
            raise self.fail("expected a non-empty string")
        return value

    def integer(self, minimum: int, maximum: int) -> int:
        value = self.scalar()
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail("expected an integer")
        if value < minimum:
            raise self.fail(f"must be >= {minimum}")
        if value > maximum:
            raise self.fail(f"must be <= {_limit(maximum)}")
        return value

    def positive(self, maximum: float) -> float:
        value = self._number()
        if value <= 0:
            raise self.fail("must be > 0")
        if value > maximum:
            raise self.fail(f"must be <= {_limit(maximum)}")
        return value

    def non_negative(self, maximum: float) -> float:
        value = self._number()
        if value < 0:
            raise self.fail("must be >= 0")
        if value > maximum:
            raise self.fail(f"must be <= {_limit(maximum)}")
        return value

    def _number(self) -> float:
        value = self.scalar()
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail("expected a number")
        try:
            number = float(value)
        except OverflowError:  # an integer beyond any float
            number = math.inf
        if not math.isfinite(number):
            raise self.fail("expected a number")
        return number

    def boolean(self) -> bool:
        value = self.scalar()
        if not isinstance(value, bool):
            raise self.fail("expected true or false")
        return value

    def duration(self, maximum: float, minimum: float = 0.0) -> float:
        """A duration in seconds, > 0 (and >= `minimum`, when given) and <= `maximum`."""
        try:
            seconds = parse_duration(self.scalar())
        except (ValueError, OverflowError) as exc:
            raise self.fail(str(exc)) from exc
        if not math.isfinite(seconds):
            raise self.fail("must be a finite duration")
        if seconds <= 0:
            raise self.fail("must be > 0")
        if seconds < minimum:
            raise self.fail(f"must be >= {minimum:g} s")
        if seconds > maximum:
            raise self.fail(f"must be <= {maximum:g} s")
        return seconds


def _limit(value: float) -> str:
    """A range's end as the README's limits table writes it: 1000000, 2^64-1, 2^256-1."""
    for bits in (64, 256):
        if value == 2**bits - 1:
            return f"2^{bits}-1"
    return f"{value:g}" if isinstance(value, float) and not value.is_integer() else f"{int(value)}"


def _show(node: yaml.Node) -> str:
    if isinstance(node, yaml.ScalarNode):
        text = repr(node.value) if node.tag.endswith(":str") else str(node.value)
        return text if len(text) <= 60 else text[:57] + "..."
    return "a mapping" if isinstance(node, yaml.MappingNode) else "a list"


def optional(fields: dict[str, Reader], key: str, read: Callable[[Reader], T], default: T) -> T:
    return read(fields[key]) if key in fields else default


def given(fields: dict[str, Reader], readers: dict[str, Callable[[Reader], Any]]) -> dict[str, Any]:
    """Read the keys present in `fields`; absent ones keep the dataclass field's default."""
    return {key: read(fields[key]) for key, read in readers.items() if key in fields}
