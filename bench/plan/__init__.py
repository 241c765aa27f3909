"""The plan: everything done before the clock starts (keys, funding needs, signed transactions, schedule)."""

from bench.plan.build import Plan, PlannedRound, build_plan, sign_rounds

__all__ = ["Plan", "PlannedRound", "build_plan", "sign_rounds"]
