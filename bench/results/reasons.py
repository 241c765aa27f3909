"""Names why a transaction failed or was never included, in a few stable words: from the node's rejection
message, the receipt, or what the node said of it after the window."""

from __future__ import annotations

REVERTED = "reverted"
# What the node said, after the window, of an accepted write never seen in a block (a chain's after-window check).
PENDING, QUEUED, DROPPED, NONCE_GAP, INCLUDED_LATE = (
    "pending",
    "queued",
    "dropped",
    "nonce-gap",
    "included-late",
)
# held by the node but never includable while the base fee stays above its fee cap (maxFeePerGas or gas price)
PRICED_OUT = "priced-out"
UNCHECKED = (
    "unchecked"  # the node was not asked (a store written before chainmark asked, or the check failed)
)
_PATTERNS = (
    ("insufficient-funds", ("insufficient funds", "insufficient balance")),
    ("nonce", ("nonce too low", "nonce too high", "invalid nonce", "nonce")),
    ("underpriced", ("underpriced", "fee cap", "max fee per gas less than block base fee", "gas price")),
    ("gas", ("intrinsic gas", "gas limit", "exceeds block gas limit", "out of gas")),
    ("rate-limited", ("too many requests", "rate limit", "http 429")),
    ("txpool-full", ("txpool is full", "pool is full", "too many")),
    ("already-known", ("already known", "already imported", "known transaction")),
    ("connection", ("connection", "timed out", "timeout", "http ")),
)


def classify_rejection(message: str) -> str:
    """Map a node's error message to a reason name; unknown messages become `rejected-other`."""
    lowered = message.lower()
    for reason, needles in _PATTERNS:
        if any(n in lowered for n in needles):
            return reason
    return "rejected-other"
