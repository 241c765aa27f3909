"""The workload format: YAML in, a validated frozen `Workload` out (see `spec` for the glossary)."""

from bench.workload.loader import load_workload, parse_workload
from bench.workload.spec import Accounts, FixedBacklog, FixedRate, Round, Target, TransferTx, Workload

__all__ = [
    "Accounts",
    "FixedBacklog",
    "FixedRate",
    "Round",
    "Target",
    "TransferTx",
    "Workload",
    "load_workload",
    "parse_workload",
]
