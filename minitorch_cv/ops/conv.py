"""2-D convolution, ``torch.nn.functional.conv2d``: im2col, then one BLAS GEMM per group.

Cross-correlation (no kernel flip), weights ``[out, in/groups, kH, kW]``, as torch.

5x5 and 3x3 stride-1 layers with 16 or more channels in and out go to Winograd F(4x4, 5x5) and
F(4x4, 3x3) instead (``ops/conv_winograd.py``, 16% and 25% of the multiplies; 3x3 ones where
that measured faster, ``conv_winograd.applies``; ``minitorch_cv.backends.winograd`` turns it off);
1x1 layers without padding are one GEMM per image on the NCHW data (``ops/conv_1x1.py``);
other stride-2 layers (undilated, one group) build their columns from phase planes
(``ops/conv_stride2.py``); float32 stride-1 layers with at most 4 input channels (first layers
on images) run register-blocked direct kernels (``ops/conv_few_channels.py``);
images with no more pixels than the kernel has taps (ResNet-18's last stages on 32x32 inputs)
are one dense GEMM from input pixels to output pixels (``ops/conv_dense.py``);
everything below is the im2col path that serves all other layers.

The batch is cut into tiles of a few images, spread over worker threads (``ops/tiles.py``);
per tile (the column layout is documented in ``kernels/im2col.py``):
    forward   x --im2col--> cols [C*kH*kW, n*OH*OW]   result = W [O, C/g*kH*kW] @ cols
              result [O, n*OH*OW] --> out (NCHW, + bias)
              (one group and few taps: out[i] = [W | bias] @ [cols_i; 1] straight into NCHW per
              image; with many taps, result.T = cols.T @ W.T: see _TRANSPOSED_MIN_TAPS)
    backward  grad (NCHW) --> grad_result [O, n*OH*OW]
              grad_W.T += cols @ grad_result.T    grad_cols = W.T @ grad_result --col2im--> grad_x
              (the per-image forward above has a per-image backward: ``direct_backward_tiles``)
Each group is a contiguous block of rows of ``cols``, ``W`` and ``result``.

Memory decision: the backward recomputes each tile's columns instead of keeping them from the
forward. A tile's columns (about 1.5 MB) are rebuilt in cache in a fraction of the GEMM's time,
whereas keeping a batch's columns means 13-52 MB per layer at CIFAR sizes written to and read
back from DRAM. The input gradient needs no columns; a layer whose input needs no gradient
(the first) skips grad_cols and col2im entirely. The weight and bias gradients are summed per
tile while the tile is in cache, then over the workers' shares in order: bit-identical from run
to run at a given thread count.
"""
import numpy as np

from ..autograd.function import Function
from ..autograd.grad_mode import no_grad
from ..kernels.im2col import col2im, gemm_t_to_nchw, gemm_to_nchw, im2col, nchw_to_gemm
from ..kernels.sizes import conv_output_size, same_padding
from ..tensor import Tensor
from . import conv_1x1, conv_dense, conv_few_channels, conv_stride2, conv_winograd
from .tiles import gemm_tile, items_per_tile, run_tiles, sum_over_tiles


class Conv2d(Function):
    """Batched convolution of ``x`` [N, C, H, W] with ``weight`` [O, C/groups, kH, kW] (+ ``bias`` [O]).

    ``padding`` is (top, bottom, left, right); arguments are validated by ``conv2d``.
    """

    backward_name = "ConvolutionBackward0"

    @staticmethod
    def forward(ctx, x, weight, bias, stride, padding, dilation, groups, epilogue=None):
        """``epilogue``: None, or a ``conv_epilogue.Epilogue`` applied to each tile of the output
        as soon as it is written (inference only: the backward does not know it)."""
        x = np.ascontiguousarray(x)
        batch, channels, height, width = x.shape
        out_channels, _, kernel_h, kernel_w = weight.shape
        out_h = conv_output_size(height, kernel_h, stride[0], padding[0], padding[1], dilation[0])
        out_w = conv_output_size(width, kernel_w, stride[1], padding[2], padding[3], dilation[1])
        ctx.winograd = ctx.one_by_one = ctx.dense = ctx.stride2 = ctx.few_channels = None
        if conv_1x1.applies(weight.shape, padding, dilation, groups):
            ctx.one_by_one = stride
            ctx.save_for_backward(x, weight)
            return conv_1x1.forward(x, weight, bias, stride, epilogue)
        if conv_dense.applies(x.shape, weight.shape, groups):
            ctx.dense = (height, width, kernel_h, kernel_w, *stride, padding[0], padding[2], *dilation, out_h, out_w)
            ctx.save_for_backward(x, weight)
            out, ctx.dense_matrix = conv_dense.forward(x, weight, bias, ctx.dense, epilogue)
            return out
        if conv_winograd.applies(x.shape, weight.shape, stride, dilation, groups, out_h, out_w):
            out, ctx.winograd = conv_winograd.forward(x, weight, bias, padding, out_h, out_w, epilogue)
            ctx.save_for_backward(x)
            ctx.weight_shape = weight.shape
            return out
        if conv_stride2.applies(weight.shape, stride, dilation, groups):
            out, ctx.stride2 = conv_stride2.forward(x, weight, bias, padding, out_h, out_w, epilogue)
            ctx.save_for_backward(x, weight)
            return out
        if conv_few_channels.applies(x.dtype, x.shape, weight.shape, stride, dilation, groups, padding):
            out, ctx.few_channels = conv_few_channels.forward(x, weight, bias, padding, out_h, out_w, epilogue)
            ctx.save_for_backward(x, weight)
            return out
        geometry = (kernel_h, kernel_w, stride[0], stride[1], padding[0], padding[2],
                    dilation[0], dilation[1], out_h, out_w)
        weight_rows = np.ascontiguousarray(weight).reshape(out_channels, -1)
        bias = np.empty(0, dtype=x.dtype) if bias is None else np.ascontiguousarray(bias)
        pixels, taps = out_h * out_w, channels * kernel_h * kernel_w
        out = np.empty((batch, out_channels, pixels), dtype=x.dtype)

        taps_per_group = weight_rows.shape[1]
        transposed = taps_per_group >= _TRANSPOSED_MIN_TAPS
        weight_t = _per_group_transposed(weight_rows, groups) if transposed else None
        # One group, few taps, large images: the GEMM writes each image's output in place, the
        # bias riding along as an extra column of weights times a row of ones in the columns.
        # Its per-image GEMMs ran fastest here on half the usual tile (2 CIFAR images, not 5).
        direct = groups == 1 and not transposed and pixels >= _DIRECT_MIN_PIXELS
        per_tile = items_per_tile(batch, taps * pixels * x.itemsize, budget=768 * 1024 if direct else 1536 * 1024)
        if transposed:
            per_tile = gemm_tile(batch, per_tile, pixels, _MIN_GEMM_ROWS)
        rows = taps + 1 if direct and bias.size else taps
        weight_direct = np.hstack([weight_rows, bias[:, None]]) if rows > taps else weight_rows

        def forward_tiles(tiles):
            cols_buffer = np.empty(rows * per_tile * pixels, dtype=x.dtype)
            result_buffer = None if direct else np.empty(out_channels * per_tile * pixels, dtype=x.dtype)
            for start, stop in tiles:
                columns = (stop - start) * pixels
                cols = cols_buffer[:rows * columns].reshape(rows, columns)
                im2col(x[start:stop], cols[:taps], *geometry)
                if direct:
                    cols[taps:] = 1
                    per_image = cols.reshape(rows, stop - start, pixels).transpose(1, 0, 2)
                    np.matmul(weight_direct, per_image, out=out[start:stop])
                elif transposed:
                    result_t = result_buffer[:out_channels * columns].reshape(groups, columns, -1)
                    for g in range(groups):
                        cols_g = cols[g * taps_per_group:(g + 1) * taps_per_group]
                        np.matmul(cols_g.T, weight_t[g], out=result_t[g])
                    gemm_t_to_nchw(result_t, bias, out[start:stop])
                else:
                    result = result_buffer[:out_channels * columns].reshape(out_channels, columns)
                    for weight_g, cols_g, result_g in _group_blocks(weight_rows, cols, result, groups):
                        np.matmul(weight_g, cols_g, out=result_g)
                    gemm_to_nchw(result, bias, out[start:stop])
                if epilogue is not None:
                    epilogue(out, start, stop)

        run_tiles(forward_tiles, batch, per_tile)
        ctx.save_for_backward(x, weight_rows)
        ctx.geometry, ctx.groups, ctx.weight_shape, ctx.per_tile = geometry, groups, weight.shape, per_tile
        ctx.direct = direct
        return out.reshape(batch, out_channels, out_h, out_w)

    @staticmethod
    def backward(ctx, grad):
        if ctx.one_by_one is not None:
            x, weight = ctx.saved_arrays
            return conv_1x1.backward(x, weight, ctx.one_by_one, grad, *ctx.needs_input_grad)
        if ctx.dense is not None:
            x, weight = ctx.saved_arrays
            return conv_dense.backward(x, weight, ctx.dense_matrix, ctx.dense, grad, *ctx.needs_input_grad)
        if ctx.stride2 is not None:
            x, weight = ctx.saved_arrays
            return conv_stride2.backward(ctx.stride2, x, weight, grad, *ctx.needs_input_grad)
        if ctx.few_channels is not None:
            x, weight = ctx.saved_arrays
            return conv_few_channels.backward(ctx.few_channels, x, weight, grad, *ctx.needs_input_grad)
        if ctx.winograd is not None:
            x, = ctx.saved_arrays
            return conv_winograd.backward(ctx.winograd, x, ctx.weight_shape, np.ascontiguousarray(grad),
                                          *ctx.needs_input_grad)
        x, weight_rows = ctx.saved_arrays
        batch, out_channels, out_h, out_w = grad.shape
        grad = np.ascontiguousarray(grad).reshape(batch, out_channels, out_h * out_w)
        needs_x, needs_weight, needs_bias = ctx.needs_input_grad
        grad_x = np.empty(x.shape, dtype=grad.dtype) if needs_x else None
        taps, columns_per_tile = weight_rows.shape[1] * ctx.groups, ctx.per_tile * out_h * out_w
        groups, geometry = ctx.groups, ctx.geometry

        def direct_worker():
            """One group: per image, [grad_W | grad_b].T += [cols_i; 1] @ grad_i.T and
            grad_cols_i = W.T @ grad_i, straight from the NCHW gradient."""
            rows = taps + 1 if needs_weight and needs_bias else taps
            cols_buffer = np.empty(rows * columns_per_tile, dtype=grad.dtype)

            def direct_backward_tiles(tiles):
                grad_weight_t = np.zeros((rows, out_channels), grad.dtype)
                grad_bias = np.zeros(out_channels, grad.dtype)
                for start, stop in tiles:
                    cols = cols_buffer[:rows * (stop - start) * out_h * out_w].reshape(rows, -1)
                    per_image = cols.reshape(rows, stop - start, -1).transpose(1, 0, 2)
                    if needs_weight:
                        im2col(x[start:stop], cols[:taps], *geometry)
                        cols[taps:] = 1
                        grad_weight_t += np.matmul(per_image, grad[start:stop].transpose(0, 2, 1)).sum(axis=0)
                    elif needs_bias:
                        grad_bias += grad[start:stop].sum(axis=(0, 2))
                    if needs_x:
                        np.matmul(weight_rows.T, grad[start:stop], out=per_image[:, :taps])
                        col2im(cols[:taps], grad_x[start:stop], *geometry)
                if rows > taps:
                    grad_bias = grad_weight_t[taps]
                return grad_weight_t[None, :taps] if needs_weight else None, grad_bias if needs_bias else None

            return direct_backward_tiles

        def gemm_worker():
            grad_result_buffer = np.empty(out_channels * columns_per_tile, dtype=grad.dtype)
            cols_buffer = np.empty(taps * columns_per_tile, dtype=grad.dtype)
            out_per_group, taps_per_group = weight_rows.shape[0] // groups, weight_rows.shape[1]
            product = np.empty((groups, taps_per_group, out_per_group), grad.dtype) if needs_weight else None

            def backward_tiles(tiles):
                # The weight gradient is summed transposed, [group, tap, out]: cols @ grad_result.T
                # runs about 1.4x faster in OpenBLAS than grad_result @ cols.T.
                grad_weight_t = np.zeros_like(product) if needs_weight else None
                grad_bias = np.zeros(out_channels, grad.dtype) if needs_bias else None
                for start, stop in tiles:
                    columns = (stop - start) * out_h * out_w
                    grad_result = grad_result_buffer[:out_channels * columns].reshape(out_channels, columns)
                    cols = cols_buffer[:taps * columns].reshape(taps, columns)
                    nchw_to_gemm(grad[start:stop], grad_result)
                    if needs_bias:
                        grad_bias += grad_result.sum(axis=1)
                    if needs_weight:
                        im2col(x[start:stop], cols, *geometry)
                        blocks = _group_blocks(weight_rows, cols, grad_result, groups)
                        for product_g, (_, cols_g, grad_result_g) in zip(product, blocks):
                            np.matmul(cols_g, grad_result_g.T, out=product_g)
                        grad_weight_t += product
                    if needs_x:
                        for weight_g, grad_cols_g, grad_result_g in _group_blocks(weight_rows, cols, grad_result,
                                                                                  groups):
                            np.matmul(weight_g.T, grad_result_g, out=grad_cols_g)
                        col2im(cols, grad_x[start:stop], *geometry)
                return grad_weight_t, grad_bias

            return backward_tiles

        result_bytes = (weight_rows.size + out_channels) * grad.itemsize
        grad_weight_t, grad_bias = sum_over_tiles(direct_worker if ctx.direct else gemm_worker, batch, ctx.per_tile,
                                                  result_bytes)
        grad_weight = None
        if needs_weight:
            grad_weight = np.ascontiguousarray(grad_weight_t.transpose(0, 2, 1)).reshape(ctx.weight_shape)
        return grad_x, grad_weight, grad_bias


# From this many taps per group, the forward computes the transposed product cols.T @ W.T:
# with K = 800 (CIFAR's conv2, conv3) OpenBLAS runs it fast enough that the whole forward takes
# 7-10% less time, but with few taps (conv1, K = 75) the strided copy back to NCHW costs more
# than the product saves.
_TRANSPOSED_MIN_TAPS = 256

# With many taps (the transposed product), a tile holds at least this many output pixels (GEMM
# rows) where the batch has them (``tiles.gemm_tile``): ResNet-50's 512-channel layers at 7x7
# fit one image (49 rows) in the cache budget, and each such product streamed all 9.4 MB of W.
_MIN_GEMM_ROWS = 192

# From this many output pixels per image, a one-group layer with fewer taps runs one GEMM per
# image straight from and into NCHW (the first CIFAR layer: 1,024 pixels, 75 taps); smaller
# images make those GEMMs too short, and they go through the [O, n*OH*OW] layout.
_DIRECT_MIN_PIXELS = 256


def _per_group_transposed(weight_rows, groups):
    """``weight_rows`` [O, K_g] as [groups, K_g, O/groups], contiguous: each group's W.T."""
    out_channels, taps_per_group = weight_rows.shape
    blocks = weight_rows.reshape(groups, out_channels // groups, taps_per_group)
    return np.ascontiguousarray(blocks.transpose(0, 2, 1))


def _group_blocks(weight_rows, cols, result, groups):
    """Per group, the matching row blocks of ``weight_rows`` [O, K_g], ``cols`` [K, M] and ``result`` [O, M]."""
    taps = cols.shape[0] // groups
    per_group = weight_rows.shape[0] // groups
    for g in range(groups):
        yield (weight_rows[g * per_group:(g + 1) * per_group], cols[g * taps:(g + 1) * taps],
               result[g * per_group:(g + 1) * per_group])


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """Apply a 2-D convolution over ``input`` [N, C, H, W] or unbatched [C, H, W], as torch.

    Args: ``weight`` [out, C/groups, kH, kW]; ``bias`` [out] or None; ``stride``, ``dilation``:
    an int or a pair; ``padding``: an int, a pair, ``'valid'`` (none) or ``'same'`` (output as
    large as the input, stride 1 only; an odd total padding puts the extra row/column after).
    Output: [N, out, OH, OW] with OH = floor((H + pads - dilation*(kH-1) - 1) / stride) + 1.
    """
    return _conv2d(input, weight, bias, stride, padding, dilation, groups, None)


def conv2d_inference(input, weight, bias, stride, padding, dilation, groups, epilogue):
    """``conv2d``, then ``epilogue`` (a ``conv_epilogue.Epilogue``) on each tile of the output
    while it is in cache. No graph is recorded: for inputs that need no gradient."""
    with no_grad():
        return _conv2d(input, weight, bias, stride, padding, dilation, groups, epilogue)


def _conv2d(input, weight, bias, stride, padding, dilation, groups, epilogue):
    _check_tensors(input, weight, bias)
    if input.ndim not in (3, 4):
        raise RuntimeError(f"conv2d: expected 3-D (unbatched) or 4-D (batched) input, "
                           f"got input of shape {list(input.shape)}")
    if weight.ndim != 4:
        raise RuntimeError(f"conv2d: expected a 4-D weight [out_channels, in_channels/groups, kH, kW], "
                           f"got weight of shape {list(weight.shape)}")
    stride = as_pair(stride, "stride", "conv2d")
    dilation = as_pair(dilation, "dilation", "conv2d")
    if not isinstance(groups, (int, np.integer)) or isinstance(groups, bool) or groups < 1:
        raise RuntimeError(f"conv2d: groups must be a positive integer, got {groups!r}")
    if min(stride) < 1 or min(dilation) < 1:
        raise RuntimeError(f"conv2d: stride and dilation must be positive, got stride={stride}, dilation={dilation}")
    out_channels, in_per_group, kernel_h, kernel_w = weight.shape
    if out_channels == 0 or out_channels % groups:
        raise RuntimeError(f"conv2d: the weight's out_channels ({out_channels}) must be a positive "
                           f"multiple of groups={groups} (weight {list(weight.shape)})")
    channels = input.shape[-3]
    if channels != in_per_group * groups:
        raise RuntimeError(f"conv2d: expected input with {in_per_group * groups} channels (weight "
                           f"{list(weight.shape)}, groups={groups}), got input of shape {list(input.shape)}")
    if bias is not None and tuple(bias.shape) != (out_channels,):
        raise RuntimeError(f"conv2d: expected bias of shape [{out_channels}] (weight {list(weight.shape)}), "
                           f"got bias of shape {list(bias.shape)}")
    pads = _padding(padding, stride, kernel_h, kernel_w, dilation)
    height, width = input.shape[-2:]
    out_h = conv_output_size(height, kernel_h, stride[0], pads[0], pads[1], dilation[0])
    out_w = conv_output_size(width, kernel_w, stride[1], pads[2], pads[3], dilation[1])
    if out_h < 1 or out_w < 1:
        raise RuntimeError(f"conv2d: the kernel ({kernel_h} x {kernel_w}, dilation {dilation}) is larger than "
                           f"the padded input ({height + pads[0] + pads[1]} x {width + pads[2] + pads[3]})")
    unbatched = input.ndim == 3
    x = input.unsqueeze(0) if unbatched else input
    out = Conv2d.apply(x, weight, bias, stride=stride, padding=pads, dilation=dilation, groups=int(groups),
                       epilogue=epilogue)
    return out.squeeze(0) if unbatched else out


def _check_tensors(input, weight, bias):
    for name, value in (("input", input), ("weight", weight)):
        if not isinstance(value, Tensor):
            raise TypeError(f"conv2d: expected {name} to be a Tensor, got {type(value).__name__}")
    if bias is not None and not isinstance(bias, Tensor):
        raise TypeError(f"conv2d: expected bias to be a Tensor or None, got {type(bias).__name__}")
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"conv2d: expected a floating point input, got {input.dtype.name}")
    if weight.dtype is not input.dtype:
        raise RuntimeError(f"conv2d: input ({input.dtype.name}) and weight ({weight.dtype.name}) "
                           f"must have the same dtype")
    if bias is not None and bias.dtype is not input.dtype:
        raise RuntimeError(f"conv2d: input ({input.dtype.name}) and bias ({bias.dtype.name}) "
                           f"must have the same dtype")


def _padding(padding, stride, kernel_h, kernel_w, dilation):
    """(top, bottom, left, right) from an int, a pair, 'valid' or 'same' (torch's rules)."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0, 0, 0)
        if padding == "same":
            if stride != (1, 1):
                raise RuntimeError(f"conv2d: padding='same' is not supported for strided convolutions "
                                   f"(stride={stride})")
            return same_padding(kernel_h, dilation[0]) + same_padding(kernel_w, dilation[1])
        raise RuntimeError(f"conv2d: invalid padding string {padding!r}, should be 'valid' or 'same'")
    pad_h, pad_w = as_pair(padding, "padding", "conv2d")
    if pad_h < 0 or pad_w < 0:
        raise RuntimeError(f"conv2d: negative padding is not supported, got padding={(pad_h, pad_w)}")
    return (pad_h, pad_h, pad_w, pad_w)


def as_pair(value, name, function):
    """An int or a sequence of one or two ints as an (h, w) pair of Python ints.

    As in torch, a wrong type is a TypeError and a sequence of the wrong length a RuntimeError.
    """
    items = tuple(value) if isinstance(value, (tuple, list)) else (value,)
    message = f"{function}: {name} must be an int or a tuple of two ints, got {value!r}"
    if not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in items):
        raise TypeError(message)
    if len(items) not in (1, 2):
        raise RuntimeError(message)
    items = tuple(int(v) for v in items)
    return items * 2 if len(items) == 1 else items
