"""Holds a sample's exact percentiles (latency, schedule lag, submission latency) as frozen records.

A record is also a read-only mapping keyed as summary.json writes it ("p50" ... "mean"), so its JSON is
itself, it compares equal to the mapping it was read from, and a dotted metric path such as
`latency_s.p99` (`chainmark compare --fail-if`) resolves through it like through the file.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Self

KEYS = ("p50", "p90", "p99", "p999", "max", "mean")


@dataclass(frozen=True, slots=True)
class Censored:
    """A percentile that landed on an accepted write never confirmed: unbounded, known only to exceed
    `above_s` (the least any of the round's unconfirmed writes was waited for)."""

    above_s: float


@dataclass(frozen=True, slots=True, eq=False)
class Percentiles(Mapping[str, float | None]):
    """p50, p90, p99, p99.9, max and mean of a sample, in its unit; None where there is no value (no sample)."""

    keys_in_json: ClassVar[tuple[str, ...]] = KEYS

    p50: float | None = None
    p90: float | None = None
    p99: float | None = None
    p999: float | None = None
    max: float | None = None
    mean: float | None = None

    def __getitem__(self, key: str) -> float | None:
        if key not in self.keys_in_json:
            raise KeyError(key)
        value: float | None = getattr(self, key)
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys_in_json)

    def __len__(self) -> int:
        return len(self.keys_in_json)

    def as_json(self) -> dict[str, float | None]:
        return dict(self.items())

    def ordered(self) -> tuple[float | None, ...]:
        """p50, p90, p99, p99.9, max and mean, in that order (as the tables show them)."""
        return (self.p50, self.p90, self.p99, self.p999, self.max, self.mean)

    def censorable(self, value: float | None) -> float | Censored | None:
        """`value`, one of this sample's figures, as a table shows it: a plain sample is never censored."""
        return value

    @classmethod
    def from_json(cls, doc: Mapping[str, Any] | None) -> Self:
        """The record of a summary.json object; a key it lacks (an older or hand-edited file) is None."""
        doc = doc or {}
        return cls(**{key: doc.get(key) for key in cls.keys_in_json})


@dataclass(frozen=True, slots=True, eq=False)
class AcceptedLatency(Percentiles):
    """Latency over every write accepted at submission, one never confirmed counting as +infinity
    (bench.results.stats): a percentile landing on one is None and exceeds `censored_above_s`;
    `confirmed_fraction` is confirmed / accepted (None when nothing was accepted)."""

    keys_in_json: ClassVar[tuple[str, ...]] = (*KEYS, "confirmed_fraction", "censored_above_s")

    confirmed_fraction: float | None = None
    censored_above_s: float | None = None

    def censorable(self, value: float | None) -> float | Censored | None:
        """`value`, one of these figures, or Censored when it has none because it lands on a write never
        confirmed (there is a bound: some accepted write was never confirmed)."""
        if value is None and self.censored_above_s is not None:
            return Censored(self.censored_above_s)
        return value
