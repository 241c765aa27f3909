// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title Storage: the `storage-write` scenario; every call writes `n` storage slots never written before.
contract Storage {
    uint256 public slotsWritten;
    mapping(uint256 => uint256) private slots;

    event Stored(address indexed by, uint256 first, uint256 n);

    /// Write the next `n` fresh slots (slot k holds k + 1, so a written slot is never zero).
    function write(uint256 n) external {
        uint256 first = slotsWritten;
        for (uint256 k = first; k < first + n; k++) {
            slots[k] = k + 1;
        }
        slotsWritten = first + n;
        emit Stored(msg.sender, first, n);
    }

    /// The value of slot `k` (0 where never written).
    function slotAt(uint256 k) external view returns (uint256) {
        return slots[k];
    }
}
