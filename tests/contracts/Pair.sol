// SPDX-License-Identifier: MIT
// A Uniswap-V2-style constant-product pair for zkseq's end-to-end tests
// (written for zkseq, after the V2 whitepaper's rules): liquidity minted as
// the geometric mean first and pro rata after, a 0.3% fee on the input,
// the invariant checked on balances after an optimistic transfer out, and
// a router-free swap: the trader sends the input first, then calls swap.
pragma solidity ^0.8.20;

interface IERC20 {
    function balanceOf(address) external view returns (uint256);
    function transfer(address, uint256) external returns (bool);
}

contract Pair {
    address public immutable token0;
    address public immutable token1;
    uint112 private reserve0;
    uint112 private reserve1;
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;
    uint256 private constant MINIMUM_LIQUIDITY = 1000;

    event Mint(address indexed sender, uint256 amount0, uint256 amount1);
    event Swap(address indexed sender, uint256 amount0In, uint256 amount1In, uint256 amount0Out, uint256 amount1Out,
               address indexed to);
    event Sync(uint112 reserve0, uint112 reserve1);
    event Transfer(address indexed from, address indexed to, uint256 value);

    constructor(address a, address b) {
        require(a != b, "Pair: identical tokens");
        (token0, token1) = a < b ? (a, b) : (b, a);
    }

    function getReserves() public view returns (uint112, uint112) {
        return (reserve0, reserve1);
    }

    function _sqrt(uint256 y) internal pure returns (uint256 z) {
        if (y > 3) {
            z = y;
            uint256 x = y / 2 + 1;
            while (x < z) {
                z = x;
                x = (y / x + x) / 2;
            }
        } else if (y != 0) {
            z = 1;
        }
    }

    function _mintTo(address to, uint256 v) internal {
        totalSupply += v;
        balanceOf[to] += v;
        emit Transfer(address(0), to, v);
    }

    function _update(uint256 b0, uint256 b1) internal {
        require(b0 <= type(uint112).max && b1 <= type(uint112).max, "Pair: overflow");
        reserve0 = uint112(b0);
        reserve1 = uint112(b1);
        emit Sync(reserve0, reserve1);
    }

    // The tokens were sent to the pair first; the liquidity goes to `to`.
    function mint(address to) external returns (uint256 liquidity) {
        uint256 b0 = IERC20(token0).balanceOf(address(this));
        uint256 b1 = IERC20(token1).balanceOf(address(this));
        uint256 a0 = b0 - reserve0;
        uint256 a1 = b1 - reserve1;
        if (totalSupply == 0) {
            liquidity = _sqrt(a0 * a1) - MINIMUM_LIQUIDITY;
            _mintTo(address(0xdead), MINIMUM_LIQUIDITY);
        } else {
            uint256 l0 = a0 * totalSupply / reserve0;
            uint256 l1 = a1 * totalSupply / reserve1;
            liquidity = l0 < l1 ? l0 : l1;
        }
        require(liquidity > 0, "Pair: insufficient liquidity minted");
        _mintTo(to, liquidity);
        _update(b0, b1);
        emit Mint(msg.sender, a0, a1);
    }

    function swap(uint256 out0, uint256 out1, address to) external {
        require(out0 > 0 || out1 > 0, "Pair: insufficient output amount");
        (uint112 r0, uint112 r1) = (reserve0, reserve1);
        require(out0 < r0 && out1 < r1, "Pair: insufficient liquidity");
        if (out0 > 0) require(IERC20(token0).transfer(to, out0), "Pair: transfer failed");
        if (out1 > 0) require(IERC20(token1).transfer(to, out1), "Pair: transfer failed");
        uint256 b0 = IERC20(token0).balanceOf(address(this));
        uint256 b1 = IERC20(token1).balanceOf(address(this));
        uint256 in0 = b0 > r0 - out0 ? b0 - (r0 - out0) : 0;
        uint256 in1 = b1 > r1 - out1 ? b1 - (r1 - out1) : 0;
        require(in0 > 0 || in1 > 0, "Pair: insufficient input amount");
        uint256 adj0 = b0 * 1000 - in0 * 3;
        uint256 adj1 = b1 * 1000 - in1 * 3;
        require(adj0 * adj1 >= uint256(r0) * r1 * 1000 ** 2, "Pair: K");
        _update(b0, b1);
        emit Swap(msg.sender, in0, in1, out0, out1, to);
    }
}
