"""F.conv3d as a sum of 2-D convolutions, one per kernel depth offset (conv2d's forward and
backward, ``ops/conv.py``; the rest is slicing and reshaping that autograd differentiates).

For depth offset ``kd`` the input depths ``kd*dilation + od*stride`` (one per output depth
``od``) are moved into the batch and convolved with ``weight[:, :, kd]``; the kD results add up.
"""
from .conv import conv2d
from .padding import pad as _pad


def _triple(value, name):
    items = tuple(value) if isinstance(value, (tuple, list)) else (value,) * 3
    if len(items) == 1:
        items = items * 3
    if len(items) != 3:
        raise RuntimeError(f"conv3d: expected {name} to be a single integer value or a list of 3 values to match "
                           f"the convolution dimensions, but got {name}={list(items)}")
    return tuple(int(v) for v in items)


def _same_padding(input, kernel, stride, dilation):
    """'same' as torch: total d*(k-1) per dim, the odd extra on the right (stride must be 1)."""
    if any(s != 1 for s in stride):
        raise RuntimeError("padding='same' is not supported for strided convolutions")
    pairs = []
    for k, d in zip(reversed(kernel), reversed(dilation)):
        total = d * (k - 1)
        pairs += [total // 2, total - total // 2]
    return _pad(input, pairs)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D convolution of ``input`` [N, C, D, H, W] or unbatched [C, D, H, W] with ``weight``
    [out, C/groups, kD, kH, kW]; stride, padding (or 'valid'/'same') and dilation per dim."""
    if input.ndim not in (4, 5):
        raise RuntimeError(f"conv3d: expected 4-D (unbatched) or 5-D (batched) input, got input of shape "
                           f"{list(input.shape)}")
    if weight.ndim != 5:
        raise RuntimeError(f"conv3d: expected a 5-D weight [out_channels, in_channels/groups, kD, kH, kW], got "
                           f"weight of shape {list(weight.shape)}")
    if input.ndim == 4:
        return conv3d(input.unsqueeze(0), weight, bias, stride, padding, dilation, groups).squeeze(0)
    stride, dilation = _triple(stride, "stride"), _triple(dilation, "dilation")
    kernel = tuple(weight.shape[2:])
    if isinstance(padding, str):
        if padding not in ("valid", "same"):
            raise ValueError(f"Invalid padding string '{padding}', should be one of ('valid', 'same')")
        input = _same_padding(input, kernel, stride, dilation) if padding == "same" else input
        padding = (0, 0, 0)
    padding = _triple(padding, "padding")
    if padding[0]:
        input = _pad(input, (0, 0, 0, 0, padding[0], padding[0]))
    batch, channels, depth, height, width = input.shape
    out_depth = (depth - dilation[0] * (kernel[0] - 1) - 1) // stride[0] + 1
    if out_depth < 1:
        raise RuntimeError(f"conv3d: calculated output depth {out_depth} is too small for input of shape "
                           f"{list(input.shape)} (padded) and kernel depth {kernel[0]}, dilation {dilation[0]}")
    out = None
    for kd in range(kernel[0]):
        start = kd * dilation[0]
        planes = input[:, :, start:start + (out_depth - 1) * stride[0] + 1:stride[0]]
        planes = planes.permute(0, 2, 1, 3, 4).reshape(batch * out_depth, channels, height, width)
        part = conv2d(planes, weight[:, :, kd], None, stride[1:], padding[1:], dilation[1:], groups)
        out = part if out is None else out + part
    out = out.reshape(batch, out_depth, *out.shape[1:]).permute(0, 2, 1, 3, 4)
    if bias is not None:
        out = out + bias.reshape(1, -1, 1, 1, 1)
    return out.contiguous()
