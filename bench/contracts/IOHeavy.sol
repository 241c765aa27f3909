// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title IOHeavy: the BLOCKBENCH micro workload that isolates storage (write, then scan, N slots).
contract IOHeavy {
    mapping(uint256 => uint256) private slots;

    event Written(uint256 startKey, uint256 n);

    /// Write slots `startKey` .. `startKey + n - 1`, slot k holding uint256(keccak256(abi.encode(seed, k))).
    function write(uint256 startKey, uint256 n, uint256 seed) external {
        for (uint256 k = startKey; k < startKey + n; k++) {
            slots[k] = uint256(keccak256(abi.encode(seed, k)));
        }
        emit Written(startKey, n);
    }

    /// Read slots `startKey` .. `startKey + n - 1` (0 where never written).
    function scan(uint256 startKey, uint256 n) external view returns (uint256[] memory values) {
        values = new uint256[](n);
        for (uint256 i = 0; i < n; i++) {
            values[i] = slots[startKey + i];
        }
    }
}
