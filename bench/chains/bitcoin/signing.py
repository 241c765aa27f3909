"""Signs chains of P2WPKH spends, one chain per account, before the clock: BIP143 signature hashes
(SIGHASH_ALL) and coincurve's ECDSA.

Terms: a *spend job* is one account's key, the UTXO it starts from and a tuple of *templates* (what each
transaction pays, at what fee rate). Transaction n spends transaction n-1's *change* (its last output,
back to the account): the UTXO analogue of consecutive nonces, so a chain is valid only in order. A
template that *gathers* spends every output of the previous transaction paying the account (a payout to
itself followed by a gather is a k-input consolidation); a template's *extra* inputs are outputs prepared
before the chain (a split confirmed with the funding), spent after the change.

Why the work is ordered as it is: a txid hashes the transaction without its witness, so the whole chain
of txids can be fixed before any signature, and every hash can be computed in batches: the n-th
transactions of all jobs form one *layer* whose txids are hashed in one call (layer n+1 needs them for its
outpoints), then every BIP143 hash of every transaction in two more calls. Only the ECDSA is per
transaction. The batch hasher is a parameter. The default is hashlib per message (`sha256d_each`):
with `bench.kernels.hash_batch` instead (SHA-NI rows, one call per layer) signing measured about 3%
faster in one process (hashing is ~4 us of ~45 us per transfer, the ECDSA ~25 us), but a signing child
that imports numba starts 0.6-0.7 s later, which those 3% repay only past ~400,000 transactions per
child (benchmarks/bitcoin_signing.py measures both).

Exact fee rates: the fee is fee_rate x the virtual size the transaction has with signatures of the
longest low-S length (72 bytes with the sighash byte). A shorter signature can make the vsize one less;
then that input is signed again with extra nonce entropy (RFC 6979's extra data, as Bitcoin Core's low-R
grinding does), which keeps the txid and fee and restores the vsize. It happens to about 0.3% of
single-input transactions, so every transaction pays exactly fee_rate x its vsize.

Mempool limits: a node holds at most 25 unconfirmed transactions of one chain by default
(-limitancestorcount / -limitdescendantcount, Bitcoin Core and Litecoin alike); a chain longer than that
is sent across blocks, or to a node started with higher limits. The signer does not enforce either.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import coincurve
from coincurve.utils import ffi

from bench.chains.bitcoin.keys import hash160, p2wpkh_script
from bench.chains.bitcoin.tx import (
    SEQUENCE_FINAL,
    VERSION,
    Tx,
    TxOut,
    compact_size,
    display_id,
    encode_outpoint,
    encode_output,
    sha256d,
    vsize_of,
)

SIGHASH_ALL = 1
MAX_SIGNATURE = 72  # DER with r of 33 bytes and a low s of 32, plus the sighash byte
WITNESS_PER_INPUT = 1 + 1 + MAX_SIGNATURE + 1 + 33  # item count, signature, compressed public key
VERSION_BYTES = VERSION.to_bytes(4, "little")
LOCKTIME_BYTES = (0).to_bytes(4, "little")
SEQUENCE_BYTES = SEQUENCE_FINAL.to_bytes(4, "little")
HASHTYPE_BYTES = SIGHASH_ALL.to_bytes(4, "little")

Hasher = Callable[[Sequence[bytes]], list[bytes]]  # double SHA-256 of each message, in order
Signed = list[tuple[bytes, bytes]]  # (raw transaction, txid in internal byte order), in chain order


@dataclass(frozen=True, slots=True)
class Utxo:
    """An unspent output the account can spend: outpoint and amount (BIP143 signs the amount)."""

    txid: bytes  # internal byte order
    vout: int
    amount: int  # satoshis


@dataclass(frozen=True, slots=True)
class SpendTemplate:
    """What one transaction of a chain pays; its change (the account's next UTXO) is added last."""

    payments: tuple[TxOut, ...]  # recipients' outputs or an OP_RETURN, in order
    fee_rate: int  # sat/vB, charged on the exact vsize
    gather: bool = False  # spend every output of the previous transaction that pays the account
    extra: tuple[
        Utxo, ...
    ] = ()  # outputs prepared before the chain (a consolidation's), spent after the change


@dataclass(frozen=True, slots=True)
class SpendJob:
    """Sign one account's chain of `templates`, starting from `start`. The key is kept out of repr."""

    private_key: bytes = field(repr=False)
    start: Utxo
    templates: tuple[SpendTemplate, ...]
    # the least change a transaction may return (the node's dust limit), checked before anything is signed
    min_change: int = 0


@dataclass(frozen=True, slots=True)
class SignedChain:
    """A job's signed transactions, the change output its next chain starts from, and every
    transaction's change output in chain order (the last is `tip`)."""

    txs: Signed
    tip: Utxo
    changes: tuple[Utxo, ...] = ()


@dataclass(frozen=True, slots=True)
class _Account:
    key: coincurve.PrivateKey = field(repr=False)
    public_key: bytes
    script: bytes  # the account's own P2WPKH scriptPubKey (where change goes)
    script_code: bytes  # BIP143's scriptCode for P2WPKH: OP_DUP OP_HASH160 <hash> OP_EQUALVERIFY OP_CHECKSIG


@dataclass(frozen=True, slots=True)
class _Draft:
    """A chain's transaction before its signatures: what it spends and its witness-free bytes."""

    spent: tuple[Utxo, ...]
    outputs: bytes  # the encoded outputs without their count (BIP143's hashOutputs message)
    stripped: bytes  # the serialization without witness (the txid's message)
    vsize: int  # with signatures of MAX_SIGNATURE bytes: what the fee is charged on
    own: tuple[tuple[int, int], ...]  # (vout, amount) of the outputs paying the account, change last


def sha256d_each(messages: Sequence[bytes]) -> list[bytes]:
    """The default hasher: hashlib, one message at a time."""
    return [sha256d(m) for m in messages]


def script_code_p2wpkh(pubkey_hash: bytes) -> bytes:
    """BIP143's scriptCode of a P2WPKH input (with its length byte)."""
    return b"\x19\x76\xa9\x14" + pubkey_hash + b"\x88\xac"


def preimage(
    tx_head: tuple[bytes, bytes, bytes],
    outpoint: bytes,
    script_code: bytes,
    amount: int,
    sequence: bytes,
    hash_outputs: bytes,
    locktime: bytes = LOCKTIME_BYTES,
) -> bytes:
    """BIP143's message for one input, SIGHASH_ALL; `tx_head` is (version, hashPrevouts, hashSequence)."""
    return b"".join(
        (
            *tx_head,
            outpoint,
            script_code,
            amount.to_bytes(8, "little"),
            sequence,
            hash_outputs,
            locktime,
            HASHTYPE_BYTES,
        )
    )


def bip143_message(tx: Tx, index: int, amount: int, script_code: bytes) -> bytes:
    """BIP143's SIGHASH_ALL message of input `index` (spending `amount`) of any transaction."""
    prevouts = b"".join(encode_outpoint(i.prevout.txid, i.prevout.vout) for i in tx.inputs)
    sequences = b"".join(i.sequence.to_bytes(4, "little") for i in tx.inputs)
    head = (tx.version.to_bytes(4, "little"), sha256d(prevouts), sha256d(sequences))
    txin = tx.inputs[index]
    outputs = sha256d(b"".join(encode_output(o) for o in tx.outputs))
    outpoint = encode_outpoint(txin.prevout.txid, txin.prevout.vout)
    sequence = txin.sequence.to_bytes(4, "little")
    return preimage(head, outpoint, script_code, amount, sequence, outputs, tx.locktime.to_bytes(4, "little"))


def bip143_sighash(tx: Tx, index: int, amount: int, script_code: bytes) -> bytes:
    """The hash a segwit v0 input's signature signs (SIGHASH_ALL)."""
    return sha256d(bip143_message(tx, index, amount, script_code))


def sign_p2wpkh(tx: Tx, index: int, amount: int, private_key: bytes) -> tuple[bytes, bytes]:
    """The witness (signature, public key) of P2WPKH input `index` of `tx`: the one-transaction path,
    for transactions the chain signer does not build."""
    key = coincurve.PrivateKey(private_key)
    public = key.public_key.format(compressed=True)
    digest = bip143_sighash(tx, index, amount, script_code_p2wpkh(hash160(public)))
    return sign_digest(key, digest), public


def sign_digest(key: coincurve.PrivateKey, digest: bytes, attempt: int = 0) -> bytes:
    """A DER, low-S signature of `digest` with the SIGHASH_ALL byte; `attempt` > 0 adds nonce entropy."""
    if attempt == 0:
        return key.sign(digest, hasher=None) + b"\x01"
    entropy = ffi.new("unsigned char[32]", attempt.to_bytes(32, "little"))
    return key.sign(digest, hasher=None, custom_nonce=(ffi.NULL, entropy)) + b"\x01"


def sign_chain(job: SpendJob, hasher: Hasher = sha256d_each) -> SignedChain:
    """Sign one job's chain (see `sign_chains`)."""
    return sign_chains([job], hasher)[0]


def sign_chains(jobs: Sequence[SpendJob], hasher: Hasher = sha256d_each) -> list[SignedChain]:
    """Sign every job's chain: txids layer by layer across jobs, then the BIP143 hashes, then ECDSA."""
    accounts = [_account(job.private_key) for job in jobs]
    drafts, txids = _draft_layers(jobs, accounts, hasher)
    sighashes = iter(
        _sighashes([(d, a) for a, chain in zip(accounts, drafts, strict=True) for d in chain], hasher)
    )
    out = []
    for job, account, chain, ids in zip(jobs, accounts, drafts, txids, strict=True):
        signed = [
            (_assemble(account, draft, [next(sighashes) for _ in draft.spent]), txid)
            for draft, txid in zip(chain, ids, strict=True)
        ]
        changes = tuple(Utxo(txid, *draft.own[-1]) for draft, txid in zip(chain, ids, strict=True))
        out.append(SignedChain(signed, changes[-1] if changes else job.start, changes))
    return out


def _account(private_key: bytes) -> _Account:
    key = coincurve.PrivateKey(private_key)
    public = key.public_key.format(compressed=True)
    pubkey_hash = hash160(public)
    return _Account(key, public, p2wpkh_script(pubkey_hash), script_code_p2wpkh(pubkey_hash))


def _draft_layers(
    jobs: Sequence[SpendJob], accounts: list[_Account], hasher: Hasher
) -> tuple[list[list[_Draft]], list[list[bytes]]]:
    """Every job's drafts and txids; layer n holds the n-th transaction of each job, hashed in one call."""
    drafts: list[list[_Draft]] = [[] for _ in jobs]
    txids: list[list[bytes]] = [[] for _ in jobs]
    encoded: dict[tuple[TxOut, ...], tuple[bytes, int, int]] = {}
    for layer in range(max((len(j.templates) for j in jobs), default=0)):
        active = [i for i, job in enumerate(jobs) if layer < len(job.templates)]
        batch = []
        for i in active:
            template = jobs[i].templates[layer]
            spent = _spent(jobs[i], template, drafts[i], txids[i])
            payments = encoded.get(template.payments) or encoded.setdefault(
                template.payments, _encode_payments(template.payments)
            )
            batch.append(_draft(accounts[i], template, spent, payments, jobs[i], layer))
        for i, draft, txid in zip(active, batch, hasher([d.stripped for d in batch]), strict=True):
            drafts[i].append(draft)
            txids[i].append(txid)
    return drafts, txids


def _where(job: SpendJob, layer: int) -> str:
    """A transaction named by its chain's start (the same in a child process as in the planner)."""
    return f"transaction {layer} of the chain from {display_id(job.start.txid)}:{job.start.vout}"


def _spent(
    job: SpendJob, template: SpendTemplate, drafts: list[_Draft], txids: list[bytes]
) -> tuple[Utxo, ...]:
    """What the next transaction spends: the previous one's change, or all it paid the account."""
    if not drafts:
        return (job.start, *template.extra)
    previous, txid = drafts[-1], txids[-1]
    own = previous.own if template.gather else previous.own[-1:]
    return (*(Utxo(txid, vout, amount) for vout, amount in own), *template.extra)


def _encode_payments(payments: tuple[TxOut, ...]) -> tuple[bytes, int, int]:
    """(encoded payments, their total, how many): computed once per distinct template."""
    return b"".join(encode_output(o) for o in payments), sum(o.amount for o in payments), len(payments)


def _draft(
    account: _Account,
    template: SpendTemplate,
    spent: tuple[Utxo, ...],
    payments: tuple[bytes, int, int],
    job: SpendJob,
    layer: int,
) -> _Draft:
    """Transaction `layer` of `job`'s chain, its fee charged on the vsize it will have once signed."""
    encoded, paid, count = payments
    change_tail = compact_size(len(account.script)) + account.script
    inputs = b"".join(encode_outpoint(u.txid, u.vout) + b"\x00" + SEQUENCE_BYTES for u in spent)
    head = VERSION_BYTES + compact_size(len(spent)) + inputs + compact_size(count + 1)
    stripped_size = len(head) + len(encoded) + 8 + len(change_tail) + len(LOCKTIME_BYTES)
    vsize = vsize_of(4 * stripped_size + 2 + WITNESS_PER_INPUT * len(spent))
    fee = template.fee_rate * vsize
    change = sum(u.amount for u in spent) - paid - fee
    if change < max(job.min_change, 0):
        raise ValueError(
            f"{_where(job, layer)}: change {change} sat is below {job.min_change} "
            f"(spends {sum(u.amount for u in spent)}, pays {paid}, fee {fee}): start it from a larger UTXO"
        )
    outputs = encoded + change.to_bytes(8, "little") + change_tail
    own = tuple((vout, o.amount) for vout, o in enumerate(template.payments) if o.script == account.script)
    return _Draft(spent, outputs, head + outputs + LOCKTIME_BYTES, vsize, (*own, (count, change)))


def _sighashes(drafts: list[tuple[_Draft, _Account]], hasher: Hasher) -> list[bytes]:
    """Every input's BIP143 hash, in chain order: hashPrevouts and hashOutputs in one call, the messages
    in a second (hashSequence is the same for every transaction with as many inputs)."""
    prevouts = [b"".join(encode_outpoint(u.txid, u.vout) for u in d.spent) for d, _ in drafts]
    hashed = hasher(prevouts + [d.outputs for d, _ in drafts])
    sequences: dict[int, bytes] = {}
    messages = []
    for n, (draft, account) in enumerate(drafts):
        k = len(draft.spent)
        hash_sequence = sequences.get(k) or sequences.setdefault(k, sha256d(SEQUENCE_BYTES * k))
        head, hash_outputs = (VERSION_BYTES, hashed[n], hash_sequence), hashed[len(drafts) + n]
        for u in draft.spent:
            outpoint = encode_outpoint(u.txid, u.vout)
            messages.append(
                preimage(head, outpoint, account.script_code, u.amount, SEQUENCE_BYTES, hash_outputs)
            )
    return hasher(messages)


def _assemble(account: _Account, draft: _Draft, digests: list[bytes]) -> bytes:
    """The signed transaction: the stripped bytes with marker, flag and one (signature, key) witness per input."""
    signatures = [sign_digest(account.key, d) for d in digests]
    attempt = 0
    while _vsize(draft, signatures) < draft.vsize:
        attempt += 1
        shortest = min(range(len(signatures)), key=lambda i: len(signatures[i]))
        signatures[shortest] = sign_digest(account.key, digests[shortest], attempt)
    key_item = b"\x21" + account.public_key
    witness = b"".join(b"\x02" + compact_size(len(s)) + s + key_item for s in signatures)
    return VERSION_BYTES + b"\x00\x01" + draft.stripped[4:-4] + witness + LOCKTIME_BYTES


def _vsize(draft: _Draft, signatures: list[bytes]) -> int:
    short = sum(MAX_SIGNATURE - len(s) for s in signatures)
    return vsize_of(4 * len(draft.stripped) + 2 + WITNESS_PER_INPUT * len(signatures) - short)
