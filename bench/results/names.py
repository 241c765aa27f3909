"""Makes a workload's or suite's name safe as part of one run-folder name: no path separator, no `..` escape."""

from __future__ import annotations

MAX_NAME = 60


def safe_name(name: str) -> str:
    """`name` with anything but letters, digits, `-`, `_` and `.` replaced by `_`, at most 60 characters."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[:MAX_NAME]
    return safe if safe.strip(".") else safe.replace(".", "_")
