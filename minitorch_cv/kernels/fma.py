"""``fma(a, b, c)``: a * b + c rounded once, as the FMA instructions torch's CPU kernels compile to.

LLVM's ``llvm.fma`` intrinsic: one instruction on FMA hardware, an exact libm call elsewhere;
numba never contracts a * b + c by itself (no fastmath), so the callers say where torch fuses.
"""
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic


@intrinsic
def fma(typingctx, a, b, c):
    """Fused multiply-add of three floats of one type (float32 or float64)."""
    if not (isinstance(a, types.Float) and a == b == c):
        return None

    def codegen(context, builder, signature, args):
        value_type = context.get_value_type(signature.return_type)
        name = "llvm.fma.f32" if a.bitwidth == 32 else "llvm.fma.f64"
        function = cgutils.get_or_insert_function(builder.module, ir.FunctionType(value_type, [value_type] * 3), name)
        return builder.call(function, args)

    return a(a, b, c), codegen
