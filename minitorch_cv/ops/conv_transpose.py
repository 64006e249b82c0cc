"""Transposed 2-D convolution, ``torch.nn.functional.conv_transpose2d``: the adjoint of conv2d.

conv2d with the same weight maps an [N, O, OH, OW] image to [N, C, H, W] via im2col and a GEMM;
conv_transpose2d maps [N, C, H, W] back, so it is that GEMM transposed followed by col2im
(the kernels of ``kernels/im2col.py``, with the transposed layer's output as the conv's input).
Per tile of images (``ops/tiles.py``; the backward rebuilds x2 from the saved input):
    forward   x [N, C, H, W] --> x2 [C, N*H*W]      cols_g = W_g^T @ x2_g    [O/g*kH*kW, N*H*W]
              cols --col2im--> out [N, O, OH, OW] (+ bias)
    backward  grad --im2col--> gcols [O*kH*kW, N*H*W]
              grad_x2_g = W_g @ gcols_g  (= conv2d of grad with W)    grad_W_g = x2_g @ gcols_g^T
Weights are [C_in, C_out/groups, kH, kW]; OH = (H - 1)*stride - 2*padding + dilation*(kH - 1)
+ output_padding + 1, as torch.
"""
import numpy as np

from ..autograd.function import Function
from ..kernels.im2col import col2im, gemm_to_nchw, im2col, nchw_to_gemm
from ..tensor import Tensor
from .conv import as_pair
from .conv1d import _single
from .tiles import items_per_tile, run_tiles, sum_over_tiles


def _gemm_layout(x):
    """[n, C, H, W] as [C, n*H*W] (the column order of ``kernels/im2col.py``)."""
    batch, channels = x.shape[:2]
    out = np.empty((channels, batch * x.shape[2] * x.shape[3]), dtype=x.dtype)
    nchw_to_gemm(np.ascontiguousarray(x).reshape(batch, channels, -1), out)
    return out


def _group_rows(groups, in_per_group, taps):
    """Per group, its rows of x2 / weight_rows and of the columns."""
    return [(slice(g * in_per_group, (g + 1) * in_per_group), slice(g * taps, (g + 1) * taps)) for g in range(groups)]


class ConvTranspose2d(Function):
    """``x`` [N, C, H, W] with ``weight`` [C, O/groups, kH, kW] (+ ``bias`` [O]) to [N, O, OH, OW].

    The batch is cut into tiles of a few images spread over the worker threads (``ops/tiles.py``),
    so each tile's columns stay in cache, as in ``ops/conv.py``.
    """

    backward_name = "ConvolutionBackward0"

    @staticmethod
    def forward(ctx, x, weight, bias, stride, padding, dilation, groups, out_size):
        batch, channels, height, width = x.shape
        _, out_per_group, kernel_h, kernel_w = weight.shape
        geometry = (kernel_h, kernel_w, stride[0], stride[1], padding[0], padding[1],
                    dilation[0], dilation[1], height, width)
        taps = out_per_group * kernel_h * kernel_w
        weight_rows = np.ascontiguousarray(weight).reshape(channels, taps)
        blocks = _group_rows(groups, channels // groups, taps)
        out = np.empty((batch, groups * out_per_group) + tuple(out_size), dtype=x.dtype)
        per_tile = items_per_tile(batch, groups * taps * height * width * x.itemsize)

        def forward_tiles(tiles):
            for start, stop in tiles:
                x2 = _gemm_layout(x[start:stop])
                cols = np.empty((groups * taps, x2.shape[1]), dtype=x.dtype)
                for rows, cols_g in blocks:
                    np.matmul(weight_rows[rows].T, x2[rows], out=cols[cols_g])
                col2im(cols, out[start:stop], *geometry)

        run_tiles(forward_tiles, batch, per_tile)
        if bias is not None:
            out += bias.reshape(1, -1, 1, 1)
        ctx.save_for_backward(x, weight_rows)
        ctx.geometry, ctx.blocks, ctx.weight_shape, ctx.per_tile = geometry, blocks, weight.shape, per_tile
        ctx.column_rows = groups * taps
        return out

    @staticmethod
    def backward(ctx, grad):
        x, weight_rows = ctx.saved_arrays
        needs_x, needs_weight, needs_bias = ctx.needs_input_grad
        batch, channels, height, width = x.shape
        grad = np.ascontiguousarray(grad)
        grad_x = np.empty(x.shape, dtype=grad.dtype) if needs_x else None

        def backward_tiles(tiles):
            grad_rows = np.zeros_like(weight_rows) if needs_weight else None
            for start, stop in tiles:
                grad_cols = np.empty((ctx.column_rows, (stop - start) * height * width), dtype=grad.dtype)
                im2col(grad[start:stop], grad_cols, *ctx.geometry)
                x2 = _gemm_layout(x[start:stop]) if needs_weight else None
                grad_x2 = np.empty((channels, grad_cols.shape[1]), dtype=grad.dtype) if needs_x else None
                for rows, cols_g in ctx.blocks:
                    if needs_x:
                        np.matmul(weight_rows[rows], grad_cols[cols_g], out=grad_x2[rows])
                    if needs_weight:
                        grad_rows[rows] += x2[rows] @ grad_cols[cols_g].T
                if needs_x:
                    gemm_to_nchw(grad_x2, np.empty(0, grad.dtype),
                                 grad_x[start:stop].reshape(stop - start, channels, height * width))
            return (grad_rows,)

        grad_weight = None
        if needs_x or needs_weight:
            grad_rows, = sum_over_tiles(lambda: backward_tiles, batch, ctx.per_tile, weight_rows.nbytes)
            grad_weight = grad_rows.reshape(ctx.weight_shape) if needs_weight else None
        grad_bias = grad.sum(axis=(0, 2, 3)) if needs_bias else None
        return grad_x, grad_weight, grad_bias


def transposed_output_size(size, kernel, stride, padding, dilation, output_padding):
    """(H - 1)*stride - 2*padding + dilation*(kernel - 1) + output_padding + 1 along one axis."""
    return (size - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Transposed convolution ("deconvolution") of ``input`` [N, C_in, H, W] or [C_in, H, W], as torch.

    ``weight`` [C_in, C_out/groups, kH, kW]; ``bias`` [C_out] or None; ``stride``, ``padding``,
    ``output_padding`` (extra rows/columns on the bottom/right, smaller than stride or
    dilation), ``dilation``: ints or pairs.
    """
    for name, value in (("input", input), ("weight", weight)):
        if not isinstance(value, Tensor):
            raise TypeError(f"conv_transpose2d(): argument '{name}' must be a Tensor, not {type(value).__name__}")
    if bias is not None and not isinstance(bias, Tensor):
        raise TypeError(f"conv_transpose2d(): argument 'bias' must be a Tensor or None, not {type(bias).__name__}")
    if input.ndim not in (3, 4):
        raise RuntimeError("Expected 3D (unbatched) or 4D (batched) input to conv_transpose2d, but got input of "
                           f"size: {list(input.shape)}")
    if weight.ndim != 4:
        raise RuntimeError("conv_transpose2d: expected a 4-D weight [in_channels, out_channels/groups, kH, kW], "
                           f"got weight of size {list(weight.shape)}")
    stride, padding = as_pair(stride, "stride", "conv_transpose2d"), as_pair(padding, "padding", "conv_transpose2d")
    dilation = as_pair(dilation, "dilation", "conv_transpose2d")
    output_padding = as_pair(output_padding, "output_padding", "conv_transpose2d")
    if min(stride) <= 0:
        raise RuntimeError("non-positive stride is not supported")
    if min(padding) < 0:
        raise RuntimeError("negative padding is not supported")
    if min(dilation) <= 0:
        raise RuntimeError("dilation should be greater than zero")
    if min(output_padding) < 0:
        raise RuntimeError("negative output_padding is not supported")
    if any(op >= s and op >= d for op, s, d in zip(output_padding, stride, dilation)):
        raise RuntimeError("output padding must be smaller than either stride or dilation, but got "
                           f"output_padding_height: {output_padding[0]} output_padding_width: {output_padding[1]} "
                           f"stride_height: {stride[0]} stride_width: {stride[1]} dilation_height: {dilation[0]} "
                           f"dilation_width: {dilation[1]}")
    if not isinstance(groups, (int, np.integer)) or isinstance(groups, bool) or groups < 1:
        raise RuntimeError("non-positive groups is not supported")
    in_channels, out_per_group, kernel_h, kernel_w = weight.shape
    if in_channels % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
                           f"but got weight of size [{list(weight.shape)}] instead")
    if input.shape[-3] != in_channels:
        raise RuntimeError(f"Given transposed=1, weight of size {list(weight.shape)}, expected input"
                           f"{list(input.shape)} to have {in_channels} channels, but got {input.shape[-3]} "
                           "channels instead")
    if bias is not None and tuple(bias.shape) != (out_per_group * groups,):
        raise RuntimeError(f"Given transposed=1, weight of size {list(weight.shape)}, expected bias to be "
                           f"1-dimensional with {out_per_group * groups} elements, but got bias of size "
                           f"{list(bias.shape)} instead")
    if not input.dtype.is_floating_point or weight.dtype is not input.dtype or (
            bias is not None and bias.dtype is not input.dtype):
        raise RuntimeError(f"conv_transpose2d: input ({input.dtype.name}), weight ({weight.dtype.name}) and bias "
                           "must have the same floating-point dtype")
    height, width = input.shape[-2:]
    out_size = tuple(transposed_output_size(*args) for args in zip(
        (height, width), (kernel_h, kernel_w), stride, padding, dilation, output_padding))
    if min(out_size) < 1:
        raise RuntimeError(f"Given input size per channel: ({height} x {width}). Calculated output size per "
                           f"channel: ({out_size[0]} x {out_size[1]}). Output size is too small")
    unbatched = input.ndim == 3
    x = input.unsqueeze(0) if unbatched else input
    out = ConvTranspose2d.apply(x, weight, bias, stride=stride, padding=padding, dilation=dilation,
                                groups=int(groups), out_size=out_size)
    return out.squeeze(0) if unbatched else out


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Transposed 1-D convolution of ``input`` [N, C_in, L] or [C_in, L] with ``weight`` [C_in, C_out/groups, k],
    computed as ``conv_transpose2d`` over [N, C_in, 1, L]."""
    if not isinstance(input, Tensor) or input.ndim not in (2, 3):
        shape = list(input.shape) if isinstance(input, Tensor) else type(input).__name__
        raise RuntimeError(f"Expected 2D (unbatched) or 3D (batched) input to conv_transpose1d, but got input of "
                           f"size: {shape}")
    if not isinstance(weight, Tensor) or weight.ndim != 3:
        raise RuntimeError("conv_transpose1d: expected a 3-D weight [in_channels, out_channels/groups, k]")
    stride, padding, output_padding, dilation = (
        _single(value, name, "conv_transpose1d") for value, name in
        ((stride, "stride"), (padding, "padding"), (output_padding, "output_padding"), (dilation, "dilation")))
    out = conv_transpose2d(input.unsqueeze(-2), weight.unsqueeze(-2), bias, (1, stride), (0, padding),
                           (0, output_padding), groups, (1, dilation))
    return out.squeeze(-2)
