// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title KVStore: the YCSB key-value table for the `kvstore` workload (workloads A-F).
/// @notice Keys and values are opaque bytes: the record count and the field size are workload
/// parameters, chosen by the plan. Keys are kept in insertion order, which is the order `scan` walks.
contract KVStore {
    mapping(bytes => bytes) private values;
    mapping(bytes => uint256) private position; // index in `keys` plus one; 0 = absent
    bytes[] private keys;

    event Inserted(bytes32 indexed keyHash);
    event Updated(bytes32 indexed keyHash);

    error KeyExists(bytes key);
    error KeyMissing(bytes key);

    /// Add a new record; reverts if the key is already present.
    function insert(bytes calldata key, bytes calldata value) external {
        if (position[key] != 0) revert KeyExists(key);
        keys.push(key);
        position[key] = keys.length;
        values[key] = value;
        emit Inserted(keccak256(key));
    }

    /// Replace the value of an existing record; reverts if the key is absent.
    function update(bytes calldata key, bytes calldata value) external {
        if (position[key] == 0) revert KeyMissing(key);
        values[key] = value;
        emit Updated(keccak256(key));
    }

    /// YCSB read-modify-write: read the record, then write its new value; returns the old value.
    function readModifyWrite(bytes calldata key, bytes calldata value) external returns (bytes memory old) {
        if (position[key] == 0) revert KeyMissing(key);
        old = values[key];
        values[key] = value;
        emit Updated(keccak256(key));
    }

    /// The value of `key`; `found` is false (and `value` empty) when the key is absent.
    function read(bytes calldata key) external view returns (bool found, bytes memory value) {
        return (position[key] != 0, values[key]);
    }

    /// Up to `count` records in insertion order, starting at `startKey`; reverts if it is absent.
    function scan(
        bytes calldata startKey,
        uint256 count
    ) external view returns (bytes[] memory outKeys, bytes[] memory outValues) {
        uint256 start = position[startKey];
        if (start == 0) revert KeyMissing(startKey);
        uint256 n = keys.length - (start - 1);
        if (count < n) n = count;
        outKeys = new bytes[](n);
        outValues = new bytes[](n);
        for (uint256 i = 0; i < n; i++) {
            bytes storage key = keys[start - 1 + i];
            outKeys[i] = key;
            outValues[i] = values[key];
        }
    }

    /// How many records the table holds.
    function recordCount() external view returns (uint256) {
        return keys.length;
    }
}
