"""Parses human durations ("500ms", "30s", "2m", "1h", or a bare number of seconds) into float seconds."""

from __future__ import annotations

import re

_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")


def parse_duration(value: object) -> float:
    """Return `value` in seconds; raise ValueError naming the accepted formats."""
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 30, 30s, 500ms, 2m or 1h")
    if isinstance(value, int | float):
        return float(value)
    match = _PATTERN.match(str(value))
    if not match:
        raise ValueError("expected a duration such as 30, 30s, 500ms, 2m or 1h")
    return float(match.group(1)) * _UNITS[match.group(2) or "s"]
