"""The plan: everything done before the clock starts (keys, funding needs, signed transactions, schedule).

The names below are loaded on first use, so a signing child process (`python -m bench.plan.parallel`)
imports only what signing needs, not numpy, the contracts or the schedules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bench.plan.build import Plan, PlannedRound, build_plan, sign_rounds

__all__ = ["Plan", "PlannedRound", "build_plan", "sign_rounds"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from bench.plan import build

        return getattr(build, name)
    raise AttributeError(f"module 'bench.plan' has no attribute {name!r}")
