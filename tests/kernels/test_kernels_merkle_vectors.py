"""Published Merkle test vectors: real Bitcoin blocks, Certificate Transparency (RFC 6962), OpenZeppelin."""

import pytest
from Crypto.Hash import keccak

from bench.kernels import merkle_proof, merkle_root, verify_proof

# Real Bitcoin blocks: txids and Merkle roots as explorers display them (reverse of internal byte order).
BITCOIN_BLOCKS = {
    # Block 170 (00000000d1145790...), the first person-to-person transaction: coinbase + 1 spend.
    "170": (
        [
            "b1fea52486ce0c62bb442b530a3f0132b826c74e473d1f2c220bfa78111c5082",
            "f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16",
        ],
        "7dac2c5666815c17a3b36427de37bb9d2e2c5ccec3f8633eb91a4205cb4c10ff",
    ),
    # Block 100000 (000000000003ba27...), four transactions.
    "100000": (
        [
            "8c14f0db3df150123e6f3dbbf30f8b955a8249b62ac1d1ff16284aefa3d06d87",
            "fff2525b8931402dd09222c50775608f75787bd2b87e56995a7bdd30f79702c4",
            "6359f0868171b1d194cbee1af2f16ea598ae8fad666d9b012c8ed2b79a236ec4",
            "e9a66845e05d5abc0ad04ec80f774a7e585c6e8db975962d069a522137b80c1d",
        ],
        "f3e94742aca4b5ef85488dc37c06c3282295ffec960994b2c0d5ac2a25a95766",
    ),
    # Block 000000000000307b75c9b213f61b2a0c429a34b41b628daae9774cb9b5ff1059, eight transactions
    # (test case from https://gist.github.com/thereal1024/45bb035e580430988a34).
    "8-tx": (
        [
            "04a2808134e646ba67ff83f0bc7535a008b6e154c98953f5e2c9d40429880faf",
            "b6b3ff7b4d004a788c751f3f8fc881f96c7b647ae06eb9a720bddc924e6f9147",
            "e614ebb7e059e248e1f4c440f91af5c9617394a05d72233d7acf6feb153362f1",
            "5bbc4545145126108c91689e62c1806646468c547999241f5c2883a526e015b6",
            "de56c21783d3d466c0a5a155ed909c7011879df1996d8c418dac74465ebc3564",
            "d327f96d32afdbf4238458684570189de26ba5dc300d5cd19fa1a9cdcecdb527",
            "702c3d845810f31c194e7c9ea3d2b3636f3b8b9ee71f3d93a2f36e9d1a4e9a81",
            "b320e44b0e4cbe5973b4ebdea0c63939f9cc196982e3f4d15daaa1baa16f0004",
        ],
        "0b0192e318af62f8f91243948ea4c7ea9d696197e88b9401bce35ecb0a0cb59b",
    ),
    # Block 0000000000004563d49a8e7f7f2a2f0aec01101fa971fb63714b8fbf32f62f91, thirteen transactions, so
    # odd levels pair the last node with itself (same gist as above).
    "13-tx": (
        [
            "df70f26b6df54332ad29c08aab5e5d5560d1468311e90484ebd89f87ac6264e8",
            "2148314cd02237786abe127f23b7346df8a116a2851745cb987652a3e132fc50",
            "06c303894833eb5d639f06f95ceb2c4bd08e0ab4ae1d94cccfa54f02e9b35990",
            "90ae3d27a5215dbb8e2e1657c927f81bdb9601106a6159f5384b4cde53836f24",
            "51cfe20029ed6366e7f475a123ad84c96c54522e9ae64cb2f548811124a6f833",
            "1e856be000b0fbaa5929b887755095106f4f0d3d19f9cd9cb07ab2239c8b4b18",
            "9d6314d68d9de8250513563e02f83ffc80973ec8b7c2966835e2cbcac3320898",
            "5d6e3fc4b0c44b867b83b7d7ca365754a8bb87d93c4f365ecacc1f0109b4c99c",
            "58afcfed0a60792c3e15d8bb2bd8d59f2a968639473e575e2fc1c270fcfae910",
            "50a0e15c32c257934f75ee2fa125dd7e9a542d38b5989efc380ea2c06a299804",
            "acd706cdbe74f82040cc583e42dfc28d8603c2f7d2fe29c0d41ee2e8d78be51b",
            "c7be55d3b55bd59f1ca19d2dc3ffbe8c28917c9e27f02456872755215b4b8a1f",
            "e323fe6719e707b8deb108d3f4bcc43d9e018cf48e027b8f88941886a0744f60",
        ],
        "560a4d3b44e57ff78be70d29698a8f98ce11677c1a59fb9966a7cd1795c9b47b",
    ),
    # Jimmy Song, "Programming Bitcoin" (O'Reilly 2019), chapter 11, example 4: seven testnet txids.
    "programming-bitcoin": (
        [
            "42f6f52f17620653dcc909e58bb352e0bd4bd1381e2955d19c00959a22122b2e",
            "94c3af34b9667bf787e1c6a0a009201589755d01d02fe2877cc69b929d2418d4",
            "959428d7c48113cb9149d0566bde3d46e98cf028053c522b8fa8f735241aa953",
            "a9f27b99d5d108dede755710d4a1ffa2c74af70b4ca71726fa57d68454e609a2",
            "62af110031e29de1efcad103b3ad4bec7bdcf6cb9c9f4afdd586981795516577",
            "766900590ece194667e9da2984018057512887110bf54fe0aa800157aec796ba",
            "e8270fb475763bc8d855cfe45ed98060988c1bdcad2ffc8364f783c98999a208",
        ],
        "654d6181e18e4ac4368383fdc5eead11bf138f9b7ac1e15334e4411b3c4797d9",
    ),
}


def internal(display_hex: str) -> bytes:
    return bytes.fromhex(display_hex)[::-1]


@pytest.mark.parametrize("block", BITCOIN_BLOCKS)
def test_bitcoin_block_merkle_roots(block: str) -> None:
    txids, root = BITCOIN_BLOCKS[block]
    leaves = [internal(t) for t in txids]
    assert merkle_root(leaves, "bitcoin") == internal(root)
    for i, leaf in enumerate(leaves):
        proof = merkle_proof(leaves, i, "bitcoin")
        assert verify_proof(leaf, i, proof, internal(root), len(leaves), "bitcoin")


def test_bitcoin_single_transaction_block_root_is_the_txid() -> None:
    # Genesis block: one coinbase, Merkle root 4a5e1e4b...da33b equals its txid.
    genesis = internal("4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b")
    assert merkle_root([genesis], "bitcoin") == genesis
    assert merkle_proof([genesis], 0, "bitcoin") == []


# Certificate Transparency / RFC 6962 test data: the eight leaves of the CT reference implementation's
# merkle_tree_test (also google/trillian merkle/rfc6962 and transparency-dev/merkle testonly), and the
# tree head (MTH) of each prefix D[0:n], n = 1..8.
CT_LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    b"\x50\x51\x52\x53\x54\x55\x56\x57",
    b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
]
CT_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]

# Inclusion proofs (0-based leaf index, tree size, audit path) from google/trillian
# merkle/log_verifier_test.go, as used by AOSP avb's libavb_aftl tests (RootFromIcp).
CT_INCLUSION = [
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]


@pytest.mark.parametrize("n", range(1, 9))
def test_rfc6962_ct_roots(n: int) -> None:
    assert merkle_root(CT_LEAVES[:n], "rfc6962").hex() == CT_ROOTS[n - 1]


def test_rfc6962_empty_tree_root_is_sha256_of_nothing() -> None:
    # RFC 6962 section 2.1: MTH({}) = SHA-256().
    expected = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert merkle_root([], "rfc6962").hex() == expected


@pytest.mark.parametrize(("index", "size", "path"), CT_INCLUSION)
def test_rfc6962_trillian_inclusion_proofs(index: int, size: int, path: list[str]) -> None:
    proof = [bytes.fromhex(p) for p in path]
    root = bytes.fromhex(CT_ROOTS[size - 1])
    assert merkle_proof(CT_LEAVES[:size], index, "rfc6962") == proof
    assert verify_proof(CT_LEAVES[index], index, proof, root, size, "rfc6962")


# OpenZeppelin merkle-tree, src/simple.test.ts: SimpleMerkleTree.of(leaves) with the default sortLeaves,
# leaves = keccak256 of "a".."f"; the expected tree is its `render()` output (array index) node hash).
OZ_ABCDEF_TREE = [
    "1b404f199ea828ec5771fb30139c222d8417a82175fefad5cd42bc3a189bd8d5",
    "ec554bdfb01d31fa838d0830339b0e6e8a70e0d55a8f172ffa8bebbf8e8d5ba0",
    "af46af0745b433e1d5bed9a04b1fdf4002f67a733c20db2fca5b2af6120d9bcb",
    "434d51cfeb80272378f4c3a8fd2824561c2cad9fce556ea600d46f20550976a6",
    "7dea550f679f3caab547cbbc5ee1a4c978c8c039b572ba00af1baa6481b88360",
    "f1918e8562236eb17adc8502332f4c9c82bc14e19bfc0aa10ab674ff75b3d2f3",
    "d1e8aeb79500496ef3dc2e57ba746a8315d048b7a664a2bf948db4fa91960483",
    "b5553de315e0edf504d9150af82dafa5c4667fa618ed0a6f19c69b41166c5510",
    "a8982c89d80987fb9a510e25981ee9170206be21af3c8e0eb312ef1d3382e761",
    "3ac225168df54212a25c1c01fd35bebfea408fdac2e31ddd6f80a4bbf9a5f1cb",
    "0b42b6393c1f53060fe3ddbfcd7aadcca894465a5a438f69c87d790b2299b9b2",
]

# OpenZeppelin merkle-tree, src/simple.test.ts.md, "dump (with seed=0)" snapshot 1 (sorted leaves): the
# twelve values in input order with their treeIndex, and the root tree[0].
OZ_SEED0_VALUES = [
    (21, "1d3d2f27573475675df2df1fb427256b05d4fb3c1b60baa7f58e479719daa0aa"),
    (18, "46cfb9f0d1f86847e17e8975657bb314b1a3b6bb89e4a55f7d6f4c2fdf0e5422"),
    (22, "0229437bdff01e90d3cd2c5dc9d3253d2c13bcb59c0b1caf0862bac2bd829db1"),
    (16, "8c11d27a6e9c74765e13271dc8aeae29070438ee6ee872b94347de321c114657"),
    (17, "88a73a1171ee3428809bb0a61a2e3c5d1cbf719910d939ae243ec2859fdad36a"),
    (14, "aa504056e189fd775322d63793b5a16fa1207441aa1a32439deb249fcdf54c3b"),
    (12, "e6c6ce5eb372e601197002c965ee5d050cb2925dbb89822c5c8f27585a9b5a96"),
    (15, "9f71c4166a5f935a4bb399392a0e19c8f6f6d70f9a57a5f49b76fd723b694795"),
    (20, "223dc038a27b04f90f865157aefbee4e661bdcf6a35cf443f57daae5e6eb3e10"),
    (11, "f26f6ac933beb3e3608203578396131902729b62338aae6b4e1a767ae30c8b76"),
    (19, "2fac6f51addc8d004b3ff871d87c51837a4d881adb95b2a27820dbcafa94e7b8"),
    (13, "c36697399f86481780854e17b7cbc50072efd74da5bfe81a712db493185c82ec"),
]
OZ_SEED0_ROOT = "6e12fdaf4d30f09cb298cbae1fefca45e012f15c4cbe029971591354cb02fb93"


def oz_proof_from_tree(tree: list[bytes], tree_index: int) -> list[bytes]:
    """OpenZeppelin core.ts getProof: siblings from the leaf's array index up to the root."""
    proof = []
    while tree_index > 0:
        proof.append(tree[tree_index + 1 if tree_index % 2 else tree_index - 1])
        tree_index = (tree_index - 1) // 2
    return proof


def test_openzeppelin_abcdef_tree() -> None:
    leaves = [keccak.new(digest_bits=256, data=c.encode()).digest() for c in "abcdef"]
    tree = [bytes.fromhex(h) for h in OZ_ABCDEF_TREE]
    root = merkle_root(leaves, "openzeppelin")
    assert root == tree[0]
    for i, leaf in enumerate(leaves):
        proof = merkle_proof(leaves, i, "openzeppelin")
        assert proof == oz_proof_from_tree(tree, tree.index(leaf))
        assert verify_proof(leaf, i, proof, root, len(leaves), "openzeppelin")


def test_openzeppelin_seed0_dump() -> None:
    leaves = [bytes.fromhex(v) for _, v in OZ_SEED0_VALUES]
    assert merkle_root(leaves, "openzeppelin").hex() == OZ_SEED0_ROOT
    # With the dump's layout, leaf i sits at tree[treeIndex]: its proof's length is that node's depth.
    for i, (tree_index, _) in enumerate(OZ_SEED0_VALUES):
        assert len(merkle_proof(leaves, i, "openzeppelin")) == (tree_index + 1).bit_length() - 1
