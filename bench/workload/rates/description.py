"""A round's rate controller and transaction kinds as the JSON the run store keeps per round (`controller`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bench.workload.spec import Round


def describe_round(spec: Round) -> dict[str, Any]:
    """`type`, the tx kinds (and their weights, for a mix), the controller's own fields, the round's duration.

    The report and the verdict read this back (a run folder keeps no records), so its keys stay as they are."""
    mix = spec.mix
    out: dict[str, Any] = {"type": spec.rate.kind, "tx": "+".join(e.tx.kind for e in mix)}
    if len(mix) > 1:
        out["mix"] = {e.tx.kind: e.weight for e in mix}
    out.update(spec.rate.describe())
    if spec.duration is not None:
        out["duration_s"] = spec.duration
    return out
