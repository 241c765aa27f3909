// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title PoolToken: an ERC-20 token of the AMM's pair, created by the pool, which may move its holders'
/// tokens into the pool (so a swap needs no approval transaction first).
contract PoolToken {
    string public name;
    string public constant symbol = "CMP";
    uint8 public constant decimals = 18;
    address public immutable pool;

    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    error InsufficientBalance(address from, uint256 balance, uint256 needed);
    error InsufficientAllowance(address spender, uint256 allowance, uint256 needed);
    error NotPool(address caller);

    constructor(string memory name_, uint256 supply, address holder) {
        name = name_;
        pool = msg.sender;
        totalSupply = supply;
        balanceOf[holder] = supply;
        emit Transfer(address(0), holder, supply);
    }

    function transfer(address to, uint256 value) external returns (bool) {
        _transfer(msg.sender, to, value);
        return true;
    }

    function approve(address spender, uint256 value) external returns (bool) {
        allowance[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
        return true;
    }

    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        uint256 allowed = allowance[from][msg.sender];
        if (allowed < value) revert InsufficientAllowance(msg.sender, allowed, value);
        allowance[from][msg.sender] = allowed - value;
        _transfer(from, to, value);
        return true;
    }

    /// The pool moves `value` of `from`'s tokens (into itself, or out of itself).
    function poolMove(address from, address to, uint256 value) external {
        if (msg.sender != pool) revert NotPool(msg.sender);
        _transfer(from, to, value);
    }

    function _transfer(address from, address to, uint256 value) private {
        uint256 balance = balanceOf[from];
        if (balance < value) revert InsufficientBalance(from, balance, value);
        unchecked {
            balanceOf[from] = balance - value;
            balanceOf[to] += value; // cannot overflow: the sum of all balances is totalSupply
        }
        emit Transfer(from, to, value);
    }
}

/// @title AMM: a constant-product pool (x * y = k, 0.3 % fee) of two ERC-20 tokens, for the `amm-swap` and
/// `amm-add-liquidity` scenarios; every swap reads and writes the same reserves (DeFi's hot spot).
contract AMM {
    PoolToken public immutable token0;
    PoolToken public immutable token1;
    uint256 public reserve0;
    uint256 public reserve1;
    uint256 public totalShares;
    mapping(address => uint256) public shares;

    event Swap(address indexed sender, bool zeroForOne, uint256 amountIn, uint256 amountOut);
    event Liquidity(address indexed sender, uint256 amount0, uint256 amount1, uint256 minted);

    error AlreadyStarted();
    error NotStarted();

    /// Both tokens' whole supplies go to the deployer.
    constructor(uint256 supply) {
        token0 = new PoolToken("chainmark A", supply, msg.sender);
        token1 = new PoolToken("chainmark B", supply, msg.sender);
    }

    /// Give each of `to` `amount` of both tokens from the caller (the setup funds every workload account).
    function distribute(address[] calldata to, uint256 amount) external {
        for (uint256 i = 0; i < to.length; i++) {
            token0.poolMove(msg.sender, to[i], amount);
            token1.poolMove(msg.sender, to[i], amount);
        }
    }

    /// The first liquidity, at the price amount1 / amount0.
    function start(uint256 amount0, uint256 amount1) external {
        if (totalShares != 0) revert AlreadyStarted();
        _deposit(amount0, amount1, amount0);
    }

    /// Add `amount0` of token0 and as much token1 as keeps the price (rounded up: never dilutes the pool).
    function addLiquidity(uint256 amount0) external returns (uint256 minted) {
        if (totalShares == 0) revert NotStarted();
        uint256 amount1 = (amount0 * reserve1 + reserve0 - 1) / reserve0;
        minted = (amount0 * totalShares) / reserve0;
        _deposit(amount0, amount1, minted);
    }

    /// Swap `amountIn` of token0 for token1 (`zeroForOne`) or the other way, at the constant product less 0.3 %.
    function swap(bool zeroForOne, uint256 amountIn) external returns (uint256 amountOut) {
        (PoolToken tokenIn, PoolToken tokenOut) = zeroForOne ? (token0, token1) : (token1, token0);
        (uint256 reserveIn, uint256 reserveOut) = zeroForOne ? (reserve0, reserve1) : (reserve1, reserve0);
        amountOut = (amountIn * 997 * reserveOut) / (reserveIn * 1000 + amountIn * 997);
        tokenIn.poolMove(msg.sender, address(this), amountIn);
        tokenOut.poolMove(address(this), msg.sender, amountOut);
        if (zeroForOne) {
            (reserve0, reserve1) = (reserve0 + amountIn, reserve1 - amountOut);
        } else {
            (reserve0, reserve1) = (reserve0 - amountOut, reserve1 + amountIn);
        }
        emit Swap(msg.sender, zeroForOne, amountIn, amountOut);
    }

    function _deposit(uint256 amount0, uint256 amount1, uint256 minted) private {
        token0.poolMove(msg.sender, address(this), amount0);
        token1.poolMove(msg.sender, address(this), amount1);
        reserve0 += amount0;
        reserve1 += amount1;
        totalShares += minted;
        shares[msg.sender] += minted;
        emit Liquidity(msg.sender, amount0, amount1, minted);
    }
}
