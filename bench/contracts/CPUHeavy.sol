// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title CPUHeavy: the BLOCKBENCH micro workload that isolates execution (sort an in-memory array).
contract CPUHeavy {
    event Sorted(uint256 n, uint256 median);

    /// Quicksort `n` pseudo-random words drawn from `seed`; returns the median (element n / 2), 0 if n = 0.
    /// The words: x[0] = seed, x[i + 1] = x[i] * 6364136223846793005 + 1442695040888963407 (mod 2**256).
    function sort(uint256 n, uint256 seed) external returns (uint256 median) {
        median = sorted(n, seed);
        emit Sorted(n, median);
    }

    /// The same work without the event, for eth_call.
    function sorted(uint256 n, uint256 seed) public pure returns (uint256) {
        if (n == 0) return 0;
        uint256[] memory data = new uint256[](n);
        uint256 x = seed;
        for (uint256 i = 0; i < n; i++) {
            data[i] = x;
            unchecked {
                x = x * 6364136223846793005 + 1442695040888963407;
            }
        }
        _quickSort(data, 0, int256(n) - 1);
        return data[n / 2];
    }

    function _quickSort(uint256[] memory data, int256 lo, int256 hi) private pure {
        if (lo >= hi) return;
        uint256 pivot = data[uint256(lo + (hi - lo) / 2)];
        int256 i = lo;
        int256 j = hi;
        while (i <= j) {
            while (data[uint256(i)] < pivot) i++;
            while (pivot < data[uint256(j)]) j--;
            if (i <= j) {
                (data[uint256(i)], data[uint256(j)]) = (data[uint256(j)], data[uint256(i)]);
                i++;
                j--;
            }
        }
        if (lo < j) _quickSort(data, lo, j);
        if (i < hi) _quickSort(data, i, hi);
    }
}
