"""Direct convolution kernels blocked in registers, for layers with few input channels (an
image's RGB planes), where im2col's GEMM has few inner terms (3 channels x 5x5: 75) and
OpenBLAS runs it at half its speed.

Forward: per output row, a block of OUT_BLOCK output channels x WIDTH columns is summed in
registers over every tap: each tap loads WIDTH neighbouring inputs (one vector) and OUT_BLOCK
weights, and does OUT_BLOCK vector multiply-adds; the block is stored once, plus the bias.
Weight gradient: per input channel and kernel column, ``grad_block(kH)`` output channels'
gradient vectors meet the input at each of the kH kernel rows, summed in registers over the
tile's images; each WIDTH-lane sum is added up once at the end.

numba keeps small local arrays in memory, so a register block is written as one scalar per
element, and LLVM's SLP vectorizer packs neighbouring scalars into vectors: the source of each
kernel is generated below and compiled by ``_jit.generated_kernel`` (SLP on, multiply-adds
fused). Two things the measurements forced: the sums are loop-carried scalars, not an array
updated in the loop (numba cannot tell LLVM that the array does not alias the inputs, so every
iteration stored all of it: 35 instead of 95 GFLOP/s), and every vector loaded is at its own
address (taps at overlapping shifts of one row were merged into one load and rebuilt by
shuffles: 30 GFLOP/s). Layouts (float32, C-contiguous):
    xp       [N, C, Hp, Wp]    the input, zero-padded, one spare zero row: Hp = OH + kH,
                               Wp = WIDTH * blocks + kW - 1
    weight_t [C*kH*kW, O8]     tap-major weights, O8 output channels (a multiple of OUT_BLOCK)
    rows     [N, O8, OH, WIDTH * blocks]   the forward's output, whole blocks wide
    grid     [N, O8, L]        the output gradient at h * Wp + s, zero elsewhere (L: OH * Wp
                               rounded up to WIDTH)
Measured, one thread, CIFAR10CNN's first layer (3->32, 5x5, 64 images at 32x32): forward
3.3-3.8 ms (84-94 GFLOP/s; im2col + GEMM 7.0, torch 4.4), weight gradient 3.2-3.7 ms.
"""
import functools

from ._jit import generated_kernel

OUT_BLOCK = 8
"""Output channels per forward register block."""
WIDTH = 16
"""Output columns per register block: one AVX-512 register of float32 (two AVX2 ones)."""

_FORWARD = """
def rows_forward(xp, weight_t, bias, rows, kernel_h, kernel_w):
    images, channels, plane_h, plane_w = xp.shape
    outputs, out_h, row_width = rows.shape[1], rows.shape[2], rows.shape[3]
    fx, fw, fr = xp.ravel(), weight_t.ravel(), rows.ravel()
    step, plane, z = U(outputs), U(out_h * row_width), np.float32(0)
    for n in range(images):
        for h in range(out_h):
            for b in range(row_width // {width}):
                for ob in range(0, outputs, {block}):
{zero}
                    for c in range(channels):
                        for kh in range(kernel_h):
                            x = U(((n * channels + c) * plane_h + h + kh) * plane_w + {width} * b)
                            w = U(((c * kernel_h + kh) * kernel_w) * outputs + ob)
                            for kw in range(kernel_w):
{load_x}
{load_w}
{multiply_add}
                                x += U(1)
                                w += step
                    r = U(((n * outputs + ob) * out_h + h) * row_width + {width} * b)
{store}
"""


def _indent(lines, depth):
    """Source lines at ``depth`` spaces, one string."""
    return "\n".join(" " * depth + line for line in lines)


def _zeroed(names):
    """One statement setting the scalars ``names`` to the kernel's float32 zero ``z``."""
    return " = ".join(names) + " = z"


@functools.lru_cache(maxsize=None)
def forward_kernel():
    """``rows[n, o, h, s] = bias[o] + sum_{c,i,j} weight_t[(c*kH + i)*kW + j, o] xp[n, c, h+i, s+j]``:
    rows_forward(xp, weight_t, bias, rows, kernel_h, kernel_w)."""
    accumulators = [[f"a{i}_{s}" for s in range(WIDTH)] for i in range(OUT_BLOCK)]
    source = _FORWARD.format(
        width=WIDTH, block=OUT_BLOCK,
        zero=_indent([_zeroed(row) for row in accumulators], 20),
        load_x=_indent([f"x{s} = fx[x + U({s})]" for s in range(WIDTH)], 32),
        load_w=_indent([f"w{i} = fw[w + U({i})]" for i in range(OUT_BLOCK)], 32),
        multiply_add=_indent([f"{accumulators[i][s]} += w{i} * x{s}" for i in range(OUT_BLOCK)
                              for s in range(WIDTH)], 32),
        store=_indent([f"fr[r + U({i}) * plane + U({s})] = {accumulators[i][s]} + bias[ob + {i}]"
                       for i in range(OUT_BLOCK) for s in range(WIDTH)], 20))
    return generated_kernel(source, "rows_forward", "void(float32[:,:,:,::1], float32[:,::1], float32[::1], "
                            "float32[:,:,:,::1], int64, int64)", __name__)


_WEIGHT_GRAD = """
def grid_weight_grad_{kernel_h}(xp, grid, grad_weight_t, kernel_w):
    images, channels, plane_h, plane_w = xp.shape
    outputs, length = grid.shape[1], grid.shape[2]
    fx, fg, fw = xp.ravel(), grid.ravel(), grad_weight_t.ravel()
    row, z = U(plane_w), np.float32(0)
    sums = np.empty({sums}, np.float32)
    for c in range(channels):
        for kw in range(kernel_w):
            for ob in range(0, outputs, {block}):
{zero}
                for n in range(images):
                    x = U((n * channels + c) * plane_h * plane_w + kw)
                    g = U((n * outputs + ob) * length)
                    for b in range(length // {width}):
{load_x}
{load_g}
{multiply_add}
                        x += U({width})
                        g += U({width})
{keep}
                for kh in range({kernel_h}):
                    w = U(((c * {kernel_h} + kh) * kernel_w + kw) * outputs + ob)
                    for i in range({block}):
                        first = (kh * {block} + i) * {width}
                        total = sums[first]
                        for s in range(1, {width}):
                            total += sums[first + s]
                        fw[w + U(i)] += total
"""


def grad_block(kernel_h):
    """Output channels per weight-gradient block for ``kernel_h`` rows, so that the block's
    kernel_h x block sums and its input and gradient vectors fit AVX-512's 32 registers."""
    return 4 if kernel_h <= 5 else 2 if kernel_h <= 10 else 1


@functools.lru_cache(maxsize=None)
def weight_grad_kernel(kernel_h):
    """``grad_weight_t[(c*kH + i)*kW + j, o] += sum_{n,p} grid[n, o, p] xp[n, c].flat[p + i*Wp + j]``:
    grid_weight_grad_<kH>(xp, grid, grad_weight_t, kernel_w). The grid's zeros beyond the
    output's width meet spare input columns and add nothing. One function per kernel height
    (its sums are unrolled), each under its own name, which numba's disk cache keys on."""
    block = grad_block(kernel_h)
    source = _WEIGHT_GRAD.format(
        width=WIDTH, block=block, kernel_h=kernel_h, sums=kernel_h * block * WIDTH,
        load_x=_indent([f"x{k}_{s} = fx[x + U({k}) * row + U({s})]" for k in range(kernel_h) for s in range(WIDTH)],
                       24),
        load_g=_indent([f"g{i}_{s} = fg[g + U({i} * length + {s})]" for i in range(block) for s in range(WIDTH)], 24),
        zero=_indent([_zeroed(f"a{k}_{i}_{s}" for s in range(WIDTH)) for k in range(kernel_h)
                      for i in range(block)], 16),
        multiply_add=_indent([f"a{k}_{i}_{s} += x{k}_{s} * g{i}_{s}" for k in range(kernel_h) for i in range(block)
                              for s in range(WIDTH)], 24),
        keep=_indent([f"sums[U({(k * block + i) * WIDTH + s})] = a{k}_{i}_{s}" for k in range(kernel_h)
                      for i in range(block) for s in range(WIDTH)], 16))
    return generated_kernel(source, f"grid_weight_grad_{kernel_h}", "void(float32[:,:,:,::1], float32[:,:,::1], "
                            "float32[:,::1], int64)", __name__)
