"""2-D convolution, ``torch.nn.functional.conv2d``: im2col, then one BLAS GEMM per group.

Cross-correlation (no kernel flip), weights ``[out, in/groups, kH, kW]``, as torch.

Data flow (the layouts are documented in ``kernels/im2col.py``):
    forward   x --im2col--> cols [N*OH*OW, C*kH*kW]   rows = cols @ W.T   rows --> out (NCHW, + bias)
    backward  grad (NCHW) --> grad_rows [N*OH*OW, O]
              grad_W = grad_rows.T @ cols             grad_cols = grad_rows @ W --col2im--> grad_x

Memory decision: the columns are kept from the forward for the weight gradient (only when the
weight requires grad) rather than recomputed: im2col is a memory-bound pass as long as the GEMM
that follows, and at CIFAR sizes the columns of a batch of 64 are 20-50 MB per layer. The input
gradient does not need them; a layer whose input needs no gradient (the first) skips col2im.
"""
import numpy as np

from ..autograd.function import Function
from ..kernels.im2col import col2im, im2col, nchw_to_rows, rows_to_nchw
from ..kernels.sizes import conv_output_size, same_padding
from ..tensor import Tensor


class Conv2d(Function):
    """Batched convolution of ``x`` [N, C, H, W] with ``weight`` [O, C/groups, kH, kW] (+ ``bias`` [O]).

    ``padding`` is (top, bottom, left, right); arguments are validated by ``conv2d``.
    """

    backward_name = "ConvolutionBackward0"

    @staticmethod
    def forward(ctx, x, weight, bias, stride, padding, dilation, groups):
        x = np.ascontiguousarray(x)
        batch, channels, height, width = x.shape
        out_channels, _, kernel_h, kernel_w = weight.shape
        out_h = conv_output_size(height, kernel_h, stride[0], padding[0], padding[1], dilation[0])
        out_w = conv_output_size(width, kernel_w, stride[1], padding[2], padding[3], dilation[1])
        geometry = (kernel_h, kernel_w, stride[0], stride[1], padding[0], padding[2],
                    dilation[0], dilation[1], out_h, out_w)
        cols = np.empty((batch * out_h * out_w, channels * kernel_h * kernel_w), dtype=x.dtype)
        im2col(x, cols, *geometry)
        weight_rows = np.ascontiguousarray(weight).reshape(out_channels, -1)
        rows = np.empty((cols.shape[0], out_channels), dtype=x.dtype)
        for cols_g, weight_g, rows_g in _group_blocks(cols, weight_rows, rows, groups):
            np.matmul(cols_g, weight_g.T, out=rows_g)
        out = np.empty((batch, out_channels, out_h, out_w), dtype=x.dtype)
        no_bias = np.empty(0, dtype=x.dtype)
        rows_to_nchw(rows, no_bias if bias is None else np.ascontiguousarray(bias), out.reshape(batch, out_channels, out_h * out_w))
        ctx.save_for_backward(cols if ctx.needs_input_grad[1] else None, weight_rows)
        ctx.geometry, ctx.groups, ctx.x_shape, ctx.weight_shape = geometry, groups, x.shape, weight.shape
        return out

    @staticmethod
    def backward(ctx, grad):
        cols, weight_rows = ctx.saved_arrays
        batch, out_channels, out_h, out_w = grad.shape
        grad = np.ascontiguousarray(grad).reshape(batch, out_channels, out_h * out_w)
        grad_rows = np.empty((grad.shape[0] * grad.shape[2], out_channels), dtype=grad.dtype)
        nchw_to_rows(grad, grad_rows)
        grad_x = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:
            grad_cols = np.empty((grad_rows.shape[0], weight_rows.shape[1] * ctx.groups), dtype=grad.dtype)
            for grad_cols_g, weight_g, grad_rows_g in _group_blocks(grad_cols, weight_rows, grad_rows, ctx.groups):
                np.matmul(grad_rows_g, weight_g, out=grad_cols_g)
            grad_x = np.empty(ctx.x_shape, dtype=grad.dtype)
            col2im(grad_cols, grad_x, *ctx.geometry)
        if ctx.needs_input_grad[1]:
            grad_weight = np.empty_like(weight_rows)
            for cols_g, grad_weight_g, grad_rows_g in _group_blocks(cols, grad_weight, grad_rows, ctx.groups):
                np.matmul(grad_rows_g.T, cols_g, out=grad_weight_g)
            grad_weight = grad_weight.reshape(ctx.weight_shape)
        if ctx.needs_input_grad[2]:
            grad_bias = grad.sum(axis=2).sum(axis=0)
        return grad_x, grad_weight, grad_bias


def _group_blocks(cols, weight_rows, rows, groups):
    """Per group: its column block of ``cols``, its rows of ``weight_rows``, its column block of ``rows``."""
    taps = cols.shape[1] // groups
    per_group = weight_rows.shape[0] // groups
    for g in range(groups):
        yield (cols[:, g * taps:(g + 1) * taps], weight_rows[g * per_group:(g + 1) * per_group],
               rows[:, g * per_group:(g + 1) * per_group])


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """Apply a 2-D convolution over ``input`` [N, C, H, W] or unbatched [C, H, W], as torch.

    Args: ``weight`` [out, C/groups, kH, kW]; ``bias`` [out] or None; ``stride``, ``dilation``:
    an int or a pair; ``padding``: an int, a pair, ``'valid'`` (none) or ``'same'`` (output as
    large as the input, stride 1 only; an odd total padding puts the extra row/column after).
    Output: [N, out, OH, OW] with OH = floor((H + pads - dilation*(kH-1) - 1) / stride) + 1.
    """
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
    out = Conv2d.apply(x, weight, bias, stride=stride, padding=pads, dilation=dilation, groups=int(groups))
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
    """An int or a sequence of one or two ints as an (h, w) pair of Python ints."""
    items = tuple(value) if isinstance(value, (tuple, list)) else (value,)
    if len(items) not in (1, 2) or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                                           for v in items):
        raise TypeError(f"{function}: {name} must be an int or a tuple of two ints, got {value!r}")
    items = tuple(int(v) for v in items)
    return items * 2 if len(items) == 1 else items
