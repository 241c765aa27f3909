// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title DoNothing: the BLOCKBENCH micro workload that isolates consensus (no execution, no storage).
contract DoNothing {
    /// Does nothing.
    function nothing() external {}
}
