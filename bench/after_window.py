"""The stages after the measured window: settle the observed blocks on the node's final best chain, keep the
family's own checks of them, ask the node about writes never seen in a block, then read the receipts of
the included ones. They go through the observer's feed or the chain's `AfterWindow` and write to the run
store; the node is never asked while it is being measured.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bench.chains.base import AfterWindow, Write
from bench.clock import Clock
from bench.errors import TargetError
from bench.observe.blocks import BlockObserver
from bench.results.reasons import PENDING
from bench.results.store import RunStore


def settle(store: RunStore, observer: BlockObserver, say: Callable[[str], None]) -> None:
    """Re-check every observed block against the node's best chain now (a block orphaned since it was seen
    no longer counts; its winning replacement does); a write in a block not yet `confirmations` deep is
    pending. A node gone away leaves the blocks as observed, and says so in the metadata."""
    try:
        observer.settle()
    except TargetError as exc:
        store.set_meta(final_chain={"error": str(exc)})
        say(f"warning: could not re-check the observed blocks against the best chain: {exc}")
    shallow = observer.shallow()
    if shallow:
        store.add_unseen((tx, PENDING, False) for tx in shallow)


def record_blocks(store: RunStore, after: AfterWindow, say: Callable[[str], None]) -> None:
    """Keep the family's own checks of the observed blocks (`AfterWindow.record`) as the `blocks` metadata;
    say a Merkle root that did not match its header."""
    blocks = after.record()
    if not blocks:
        return
    store.set_meta(blocks=blocks)
    mismatched = blocks.get("merkle_mismatched") or []
    if mismatched:
        say(f"warning: {len(mismatched)} blocks' Merkle roots do not match their headers: {mismatched}")


def check_unseen(
    store: RunStore, after: AfterWindow, accounts: Sequence[str], clock: Clock, say: Callable[[str], None]
) -> None:
    """Ask what became of every accepted write never seen in a block (and, for the nonce gaps, of the
    rejected writes of the same senders); a node gone away leaves them unchecked and the records kept."""
    writes = unseen_writes(store, accounts)
    unseen = sum(not w.rejected for w in writes)
    if not unseen:
        return
    say(f"asking the node about {unseen} transactions never seen in a block")
    started = clock.now()
    try:
        check = after.unseen(writes, dict(store.query("SELECT number, seen FROM blocks")), started)
    except TargetError as exc:
        store.set_meta(unseen_check={"at": started, "error": str(exc)})
        say(f"warning: could not ask the node about unseen transactions: {exc}")
        return
    store.add_blocks(check.blocks)
    store.add_inclusions(check.inclusions)
    store.add_unseen(check.rows)
    store.set_meta(unseen_check={"at": started, **check.as_json()})


def unseen_writes(store: RunStore, accounts: Sequence[str]) -> list[Write]:
    """The sent writes never seen in a block, with the rejected writes of their senders (for the gaps)."""
    rows = store.query(
        "SELECT t.id, t.sender, t.nonce, t.hash, s.error IS NOT NULL FROM txs t JOIN sends s ON s.tx = t.id "
        "LEFT JOIN inclusions i ON i.tx = t.id LEFT JOIN unseen u ON u.tx = t.id "
        "WHERE length(t.hash) > 0 AND i.tx IS NULL AND u.tx IS NULL"
    )
    senders = {sender for _, sender, _, _, rejected in rows if not rejected}
    return [
        Write(tx, accounts[sender], nonce, bytes(h), bool(rejected))
        for tx, sender, nonce, h, rejected in rows
        if sender in senders
    ]


def verify(store: RunStore, after: AfterWindow, say: Callable[[str], None]) -> None:
    """Read receipts (status, cost) of every included transaction, after the measured window."""
    blocks = [b for (b,) in store.query("SELECT DISTINCT block FROM inclusions ORDER BY block")]
    ids = {
        bytes(h): i for i, h in store.query("SELECT t.id, t.hash FROM txs t JOIN inclusions i ON i.tx = t.id")
    }
    say(f"verifying: fetching receipts of {len(blocks)} blocks")
    store.add_receipts(after.receipts(blocks, ids))
    store.set_meta(verification=after.verification)
