"""The transaction kinds as templates: what each pays, and the evidence root computed independently."""

from __future__ import annotations

import pytest

from bench.chains.bitcoin.kinds import consolidation, evidence, evidence_root, payout, transfer
from bench.chains.bitcoin.tx import TxOut, sha256d
from bench.kernels import merkle_proof, verify_proof

OWN = b"\x00\x14" + b"\x01" * 20
OTHER = b"\x00\x14" + b"\x02" * 20


def _root_by_hand(leaves: list[bytes]) -> bytes:
    """Bitcoin's Merkle root, level by level with hashlib: the odd last node is paired with itself."""
    level = leaves
    while len(level) > 1:
        if len(level) % 2:
            level = [*level, level[-1]]
        level = [sha256d(level[i] + level[i + 1]) for i in range(0, len(level), 2)]
    return level[0]


def test_transfer_and_payout_pay_in_order() -> None:
    assert transfer(OTHER, 5, 2).payments == (TxOut(5, OTHER),)
    assert payout([(OTHER, 1), (OWN, 2)], 3).payments == (TxOut(1, OTHER), TxOut(2, OWN))
    with pytest.raises(ValueError, match="at least one output"):
        payout([], 1)


def test_a_consolidation_is_a_split_to_self_then_a_gather() -> None:
    split, gather = consolidation(OWN, 4, 7_000, 2)
    assert split.payments == (TxOut(7_000, OWN),) * 3 and not split.gather
    assert gather.payments == () and gather.gather and gather.fee_rate == 2
    with pytest.raises(ValueError, match="at least 2 inputs"):
        consolidation(OWN, 1, 7_000, 2)


@pytest.mark.parametrize("count", [1, 2, 5, 8])
def test_evidence_commits_to_the_merkle_root_of_the_documents(count: int) -> None:
    documents = [sha256d(b"document %d" % i) for i in range(count)]
    root = evidence_root(documents)
    assert root == _root_by_hand(documents)
    assert evidence(root, 1).payments == (TxOut(0, b"\x6a\x20" + root),)
    for index, document in enumerate(documents):
        proof = merkle_proof(documents, index, "bitcoin")
        assert verify_proof(document, index, proof, root, count, "bitcoin")
