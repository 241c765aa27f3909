"""SHA-256 compression with the x86 SHA extensions (SHA-NI), emitted as LLVM intrinsics through numba.

`compress_block(state, data, pos)` runs one SHA-256 compression of the 64 bytes data[pos:pos+64] on the
8-word state using `llvm.x86.sha256rnds2` / `sha256msg1` / `sha256msg2`, following the instruction
sequence of Intel's "SHA Extensions" white paper (Gulley et al., 2013). It only runs on CPUs with the
`sha` feature: callers choose it with `bench.kernels.cpu.cpu_features().sha_ni`.

The SHA instructions exist only in the legacy SSE encoding; after 256-bit AVX code the upper register
halves are dirty and each legacy instruction pays a transition penalty, so every block starts with
`vzeroupper`.
"""

from typing import Any

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from bench.kernels.sha256 import K

_I32 = ir.IntType(32)
_V4 = ir.VectorType(_I32, 4)


def _declare(builder: ir.IRBuilder, name: str, ret: ir.Type, args: list[ir.Type]) -> ir.Function:
    return cgutils.get_or_insert_function(builder.module, ir.FunctionType(ret, args), name)


def _shuffle(builder: ir.IRBuilder, a: ir.Value, b: ir.Value, mask: list[int]) -> ir.Value:
    return builder.shuffle_vector(a, b, ir.Constant(ir.VectorType(_I32, len(mask)), mask))


def _load_words(builder: ir.IRBuilder, block_ptr: ir.Value, prefix: ir.Value | None) -> list[ir.Value]:
    """The block's 4 x 4 big-endian words; with `prefix` (an i8), the block is prefix || block_ptr[0:63].

    Prefixed, chunks 1..3 are plain loads one byte early and chunk 0 is shifted up one byte as an i128
    (a 128-bit `pslldq`; byte shuffles here became 256-bit AVX-512 permutes, which dirty the upper
    register halves and stall every following legacy-encoded SHA instruction).
    """
    bswap = _declare(builder, "llvm.bswap.v4i32", _V4, [_V4])
    i128 = ir.IntType(128)
    words = []
    for g in range(4):
        offset = 16 * g - (1 if prefix is not None and g > 0 else 0)
        ptr = builder.gep(block_ptr, [ir.Constant(ir.IntType(64), offset)])
        if prefix is not None and g == 0:
            chunk = builder.load(builder.bitcast(ptr, i128.as_pointer()), align=1)
            chunk = builder.or_(builder.shl(chunk, ir.Constant(i128, 8)), builder.zext(prefix, i128))
            chunk = builder.bitcast(chunk, _V4)
        else:
            chunk = builder.load(builder.bitcast(ptr, _V4.as_pointer()), align=1)
        words.append(builder.call(bswap, [chunk]))
    return words


def _emit_compress(
    builder: ir.IRBuilder, streams: list[tuple[ir.Value, ir.Value]], prefix: ir.Value | None = None
) -> None:
    """Emit one compression per stream, interleaved round group by round group.

    Each stream is (state_ptr, block_ptr): i32* to 8 words A..H and i8* to 64 message bytes. Independent
    streams hide the latency of the dependent `sha256rnds2` chain.
    """
    rnds2 = _declare(builder, "llvm.x86.sha256rnds2", _V4, [_V4, _V4, _V4])
    msg1 = _declare(builder, "llvm.x86.sha256msg1", _V4, [_V4, _V4])
    msg2 = _declare(builder, "llvm.x86.sha256msg2", _V4, [_V4, _V4])
    vzeroupper = _declare(builder, "llvm.x86.avx.vzeroupper", ir.VoidType(), [])

    v4ptr = _V4.as_pointer()
    ptrs, abef, cdgh, saved, w = [], [], [], [], []
    for state_ptr, block_ptr in streams:
        abcd_ptr = builder.bitcast(state_ptr, v4ptr)
        efgh_ptr = builder.bitcast(builder.gep(state_ptr, [ir.Constant(_I32, 4)]), v4ptr)
        abcd = builder.load(abcd_ptr, align=4)
        efgh = builder.load(efgh_ptr, align=4)
        # The rounds instruction wants lanes [F, E, B, A] and [H, G, D, C].
        abef.append(_shuffle(builder, abcd, efgh, [5, 4, 1, 0]))
        cdgh.append(_shuffle(builder, abcd, efgh, [7, 6, 3, 2]))
        saved.append((abef[-1], cdgh[-1]))
        ptrs.append((abcd_ptr, efgh_ptr))
        w.append(_load_words(builder, block_ptr, prefix))
    # After the (VEX-encoded) loads and shuffles, before the first legacy-encoded SHA instruction.
    builder.call(vzeroupper, [])
    for g in range(16):
        k = ir.Constant(_V4, [int(x) for x in K[4 * g : 4 * g + 4]])
        for s in range(len(streams)):
            ws = w[s]
            if g >= 4:
                # W[g] = msg2(msg1(W[g-4], W[g-3]) + (W[g-2] || W[g-1]) >> 32 bits, W[g-1])
                t = builder.call(msg1, [ws[g - 4], ws[g - 3]])
                t = builder.add(t, _shuffle(builder, ws[g - 2], ws[g - 1], [1, 2, 3, 4]))
                ws.append(builder.call(msg2, [t, ws[g - 1]]))
            kw = builder.add(ws[g], k)
            cdgh[s] = builder.call(rnds2, [cdgh[s], abef[s], kw])
            abef[s] = builder.call(rnds2, [abef[s], cdgh[s], _shuffle(builder, kw, kw, [2, 3, 0, 0])])
    for s in range(len(streams)):
        x = builder.add(abef[s], saved[s][0])
        y = builder.add(cdgh[s], saved[s][1])
        builder.store(_shuffle(builder, x, y, [3, 2, 7, 6]), ptrs[s][0], align=4)
        builder.store(_shuffle(builder, x, y, [1, 0, 5, 4]), ptrs[s][1], align=4)


def _block_ptr(context, builder, arrty, arr, pos):
    data = context.make_array(arrty)(context, builder, arr).data
    return builder.bitcast(builder.gep(data, [pos]), ir.IntType(8).as_pointer())


def _compress_block(typingctx, state, data, pos):
    """SHA-256 compress data[pos:pos+64] (uint8 array) into state (uint32[8] array), using SHA-NI."""
    sig = types.void(state, data, types.int64)

    def codegen(context, builder, signature, args):
        state_ptr = context.make_array(signature.args[0])(context, builder, args[0]).data
        block = _block_ptr(context, builder, signature.args[1], args[1], args[2])
        _emit_compress(builder, [(state_ptr, block)])
        return context.get_dummy_value()

    return sig, codegen


def _compress_block2(typingctx, state, data_a, pos_a, data_b, pos_b):
    """Two independent compressions, interleaved: data_a[pos_a:] into state[0:8], data_b[pos_b:] into
    state[8:16]."""
    sig = types.void(state, data_a, types.int64, data_b, types.int64)

    def codegen(context, builder, signature, args):
        state_ptr = context.make_array(signature.args[0])(context, builder, args[0]).data
        block_a = _block_ptr(context, builder, signature.args[1], args[1], args[2])
        block_b = _block_ptr(context, builder, signature.args[3], args[3], args[4])
        state_b = builder.gep(state_ptr, [ir.Constant(_I32, 8)])
        _emit_compress(builder, [(state_ptr, block_a), (state_b, block_b)])
        return context.get_dummy_value()

    return sig, codegen


def _compress_prefixed2(typingctx, state, data_a, pos_a, data_b, pos_b, prefix):
    """Like compress_block2, but each block is the byte `prefix` followed by data[pos:pos+63]."""
    sig = types.void(state, data_a, types.int64, data_b, types.int64, types.int64)

    def codegen(context, builder, signature, args):
        state_ptr = context.make_array(signature.args[0])(context, builder, args[0]).data
        block_a = _block_ptr(context, builder, signature.args[1], args[1], args[2])
        block_b = _block_ptr(context, builder, signature.args[3], args[3], args[4])
        state_b = builder.gep(state_ptr, [ir.Constant(_I32, 8)])
        byte = builder.trunc(args[5], ir.IntType(8))
        _emit_compress(builder, [(state_ptr, block_a), (state_b, block_b)], byte)
        return context.get_dummy_value()

    return sig, codegen


# Typed as Any: numba's intrinsic wrapper hides the typing context from callers, which mypy cannot see.
compress_block: Any = intrinsic(_compress_block)
compress_block2: Any = intrinsic(_compress_block2)
compress_prefixed2: Any = intrinsic(_compress_prefixed2)
