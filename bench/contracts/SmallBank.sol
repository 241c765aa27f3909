// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title SmallBank: the six SmallBank transactions over customers with a checking and a savings account.
/// @notice Semantics of Cahill, Roehm and Fekete, "Serializable isolation for snapshot databases"
/// (SIGMOD 2008), as in H-Store and BLOCKBENCH: a transaction that would abort there reverts here.
/// Balances are signed: write_check may overdraw checking, with a penalty of 1.
contract SmallBank {
    mapping(uint256 => int256) public checking;
    mapping(uint256 => int256) public savings;
    mapping(uint256 => bool) public exists;

    event AccountsOpened(uint256 first, uint256 count);

    error NoSuchCustomer(uint256 customer);
    error CustomerExists(uint256 customer);
    error NegativeAmount(int256 amount);
    error InsufficientFunds(uint256 customer, int256 balance, int256 needed);

    /// Open customers `first` .. `first + count - 1`, each with the given opening balances.
    function openAccounts(uint256 first, uint256 count, int256 checkingBalance, int256 savingsBalance) external {
        for (uint256 id = first; id < first + count; id++) {
            if (exists[id]) revert CustomerExists(id);
            exists[id] = true;
            checking[id] = checkingBalance;
            savings[id] = savingsBalance;
        }
        emit AccountsOpened(first, count);
    }

    /// Amalgamate: move all of `from`'s savings and checking into `to`'s checking.
    function amalgamate(uint256 from, uint256 to) external {
        _require(from);
        _require(to);
        int256 total = checking[from] + savings[from];
        checking[from] = 0;
        savings[from] = 0;
        checking[to] += total;
    }

    /// Balance: the customer's checking plus savings (a read).
    function balance(uint256 customer) external view returns (int256) {
        _require(customer);
        return checking[customer] + savings[customer];
    }

    /// DepositChecking: add `amount` (>= 0) to the customer's checking.
    function depositChecking(uint256 customer, int256 amount) external {
        _require(customer);
        _nonNegative(amount);
        checking[customer] += amount;
    }

    /// SendPayment: move `amount` from `from`'s checking to `to`'s checking; reverts if it would overdraw.
    function sendPayment(uint256 from, uint256 to, int256 amount) external {
        _require(from);
        _require(to);
        _nonNegative(amount);
        int256 available = checking[from];
        if (available < amount) revert InsufficientFunds(from, available, amount);
        checking[from] = available - amount;
        checking[to] += amount;
    }

    /// TransactSavings: add `amount` (either sign) to savings; reverts if savings would go negative.
    function transactSavings(uint256 customer, int256 amount) external {
        _require(customer);
        int256 updated = savings[customer] + amount;
        if (updated < 0) revert InsufficientFunds(customer, savings[customer], -amount);
        savings[customer] = updated;
    }

    /// WriteCheck: debit `amount` from checking; if checking plus savings is below it, debit one more.
    function writeCheck(uint256 customer, int256 amount) external {
        _require(customer);
        _nonNegative(amount);
        if (checking[customer] + savings[customer] < amount) {
            checking[customer] -= amount + 1;
        } else {
            checking[customer] -= amount;
        }
    }

    function _require(uint256 customer) private view {
        if (!exists[customer]) revert NoSuchCustomer(customer);
    }

    function _nonNegative(int256 amount) private pure {
        if (amount < 0) revert NegativeAmount(amount);
    }
}
