"""Writes what the block observer reports into the run store: a block of the best chain with the
inclusions it confirmed, and a reorg (its orphaned blocks' rows and taken-back inclusions out, the reorg in)."""

from __future__ import annotations

from bench.observe.blocks import ObservedBlock, Reorg
from bench.results.store import RunStore


def store_block(store: RunStore, block: ObservedBlock) -> None:
    store.add_blocks([block.row])
    if block.inclusions:
        store.add_inclusions(block.inclusions)


def store_reorg(store: RunStore, reorg: Reorg) -> None:
    store.orphan([n for n, _ in reorg.orphaned], reorg.unconfirmed)
    store.add_reorg(reorg.at, reorg.fork, reorg.orphaned)
