"""Formats what a run's summary says of the chain it observed: the confirmation depth latency runs to, the
reorgs the observer followed, and the family's own block checks (a Merkle root that did not match its
header is an error). Pure: returns sentences; the report and the terminal show them."""

from __future__ import annotations

from dataclasses import dataclass

from bench.results.summary import RunSummary


@dataclass(frozen=True, slots=True)
class ChainNote:
    """One sentence on the observed chain; `error` marks one that makes the run's blocks untrustworthy."""

    text: str
    error: bool = False


def latency_depth(summary: RunSummary) -> str:
    """ "latency to 3-deep" (or "latency to inclusion" at depth 1): how the latency figures are labelled."""
    k = summary.confirmations
    return "latency to inclusion" if k == 1 else f"latency to {k}-deep"


def describe_chain(summary: RunSummary) -> list[ChainNote]:
    """The sentences on the observed chain, errors first."""
    notes = []
    mismatched = summary.blocks.get("merkle_mismatched") or []
    if mismatched:
        verified, seen = summary.blocks.get("merkle_verified"), summary.blocks.get("seen")
        notes.append(
            ChainNote(
                f"error: the Merkle root recomputed from the txids of {len(mismatched)} observed blocks does "
                f"not match their header (heights {', '.join(str(h) for h in mismatched)}; {verified} of "
                f"{seen} blocks matched): the kernels or the node are wrong",
                error=True,
            )
        )
    k = summary.confirmations
    if k > 1:
        notes.append(
            ChainNote(
                f"{latency_depth(summary)}: a write counts as confirmed when the block that makes its block "
                f"{k} deep is seen, and its latency runs to that sight"
            )
        )
    at = next((r.latency_at for r in summary.rounds if r.latency_at), None)
    if at is not None:
        notes.append(
            ChainNote(
                f"latency at {at}: a write's latency runs to when its block was first seen held by {at} "
                "(each node's tip watcher, target.confirm_at); node 0's own (the observer's) is "
                "latency_node0_s in summary.json"
            )
        )
    reorgs = summary.reorgs
    if reorgs.count:
        notes.append(
            ChainNote(
                f"reorgs: {reorgs.count} followed, {reorgs.orphaned_blocks} blocks orphaned, the deepest "
                f"{reorgs.deepest}; only blocks of the final best chain confirm a write"
            )
        )
    if "merkle_verified" in summary.blocks and not mismatched:
        notes.append(
            ChainNote(
                f"blocks: {summary.blocks['merkle_verified']} of {summary.blocks.get('seen')} observed "
                "blocks' Merkle roots recomputed and matched their headers"
            )
        )
    return notes
