// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title Evidence: judicial evidence deposit, one document hash or the Merkle root of a batch.
/// @notice A batch root is over the documents' 32-byte hashes as leaves, in OpenZeppelin's
/// SimpleMerkleTree scheme (keccak256 of the sorted pair), so `verify` is `MerkleProof.verify`.
contract Evidence {
    struct Deposit {
        address depositor;
        uint64 timestamp;
        uint64 count; // 1 for a single document, K for a batch root
        string metadata;
    }

    mapping(bytes32 => Deposit) private deposits;
    uint256 public depositCount;

    event Stored(bytes32 indexed hash, address indexed depositor, uint256 count);

    error AlreadyStored(bytes32 hash);
    error EmptyBatch();

    /// Deposit one document's hash with its metadata.
    function store(bytes32 documentHash, string calldata metadata) external {
        _store(documentHash, 1, metadata);
    }

    /// Deposit the Merkle root of `count` document hashes with the batch's metadata.
    function storeBatch(bytes32 root, uint256 count, string calldata metadata) external {
        if (count == 0) revert EmptyBatch();
        _store(root, count, metadata);
    }

    /// The deposit stored under `hash` (a document hash or a batch root); count 0 when none.
    function deposit(
        bytes32 hash
    ) external view returns (address depositor, uint256 timestamp, uint256 count, string memory metadata) {
        Deposit storage d = deposits[hash];
        return (d.depositor, d.timestamp, d.count, d.metadata);
    }

    /// True if `root` is a stored batch and `proof` shows `leaf` in it; `index` must be below its count.
    /// The sorted-pair hash does not bind a proof to an index: `index` is only range-checked.
    function verify(
        bytes32 root,
        bytes32 leaf,
        bytes32[] calldata proof,
        uint256 index
    ) external view returns (bool) {
        if (index >= deposits[root].count) return false;
        bytes32 node = leaf;
        for (uint256 i = 0; i < proof.length; i++) {
            node = _hashPair(node, proof[i]);
        }
        return node == root;
    }

    function _store(bytes32 hash, uint256 count, string calldata metadata) private {
        if (deposits[hash].count != 0) revert AlreadyStored(hash);
        deposits[hash] = Deposit(msg.sender, uint64(block.timestamp), uint64(count), metadata);
        depositCount++;
        emit Stored(hash, msg.sender, count);
    }

    function _hashPair(bytes32 a, bytes32 b) private pure returns (bytes32) {
        return a < b ? keccak256(abi.encodePacked(a, b)) : keccak256(abi.encodePacked(b, a));
    }
}
