"""The transaction kinds a UTXO workload is made of, as spend templates (bench.chains.bitcoin.signing).

Kinds (each adds the account's change output last; `fee_rate` is in sat/vB):

- transfer: 1 input -> a recipient + change.
- payout: 1 input -> k recipients + change.
- consolidate: k inputs -> 1: the chain's change and k - 1 outputs prepared before the clock (the plan's
  split transaction per account, confirmed with the funding), into one output.
- consolidation: the in-chain variant: a *split* (a payout of k - 1 outputs to the account itself, plus
  its change), then a *gather* that spends all k of the split's outputs into one change output.
  `consolidation` returns the pair, so the two sit next to each other and the chain stays valid.
- evidence: 1 input -> OP_RETURN(32-byte hash) + change; the hash is a document's digest or the Bitcoin
  scheme Merkle root of k document digests (`evidence_root`).
"""

from __future__ import annotations

from collections.abc import Sequence

from bench.chains.bitcoin.signing import SpendTemplate, Utxo
from bench.chains.bitcoin.tx import TxOut, op_return_output
from bench.kernels import merkle_root


def transfer(to_script: bytes, amount: int, fee_rate: int) -> SpendTemplate:
    """Pay `amount` satoshis to the scriptPubKey `to_script`."""
    return SpendTemplate((TxOut(amount, to_script),), fee_rate)


def payout(payments: Sequence[tuple[bytes, int]], fee_rate: int) -> SpendTemplate:
    """Pay each (scriptPubKey, amount) of `payments`, in order, in one transaction."""
    if not payments:
        raise ValueError("a payout pays at least one output")
    return SpendTemplate(tuple(TxOut(amount, script) for script, amount in payments), fee_rate)


def consolidation(
    own_script: bytes, inputs: int, amount: int, fee_rate: int
) -> tuple[SpendTemplate, SpendTemplate]:
    """(split, consolidate): the split pays `inputs` - 1 outputs of `amount` to the account's own
    `own_script`; the consolidate then spends those and the split's change (`inputs` in all) into one."""
    if inputs < 2:
        raise ValueError(f"a consolidation spends at least 2 inputs, got {inputs}")
    split = SpendTemplate(tuple(TxOut(amount, own_script) for _ in range(inputs - 1)), fee_rate)
    return split, SpendTemplate((), fee_rate, gather=True)


def consolidate(prepared: Sequence[Utxo], fee_rate: int) -> SpendTemplate:
    """Spend the chain's change and the `prepared` outputs (k - 1 of them, made before the chain by a
    split) into one output: a k -> 1 consolidation."""
    if not prepared:
        raise ValueError("a consolidation spends at least one prepared output beside the change")
    return SpendTemplate((), fee_rate, extra=tuple(prepared))


def evidence(digest: bytes, fee_rate: int) -> SpendTemplate:
    """Anchor a 32-byte hash on chain in an OP_RETURN output."""
    return SpendTemplate((op_return_output(digest),), fee_rate)


def evidence_root(document_hashes: Sequence[bytes]) -> bytes:
    """The Merkle root (Bitcoin's scheme: sha256d pairs, the odd node paired with itself) of k 32-byte
    document hashes: one OP_RETURN then commits to all k, each provable by `bench.kernels.merkle_proof`."""
    return merkle_root(document_hashes, "bitcoin")
