"""F.conv1d as a 2-D convolution over [N, C, 1, L] (conv2d's forward and backward, ``ops/conv.py``)."""
from .conv import conv2d


def _single(value, name):
    if isinstance(value, str):
        return value
    if isinstance(value, (tuple, list)):
        if len(value) != 1:
            raise RuntimeError(f"conv1d: expected {name} to be a single integer value or a list of 1 values "
                               f"to match the convolution dimensions, but got {name}={list(value)}")
        value = value[0]
    return value


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """Apply a 1-D convolution over ``input`` [N, C, L] or unbatched [C, L] with ``weight`` [out, C/groups, k]."""
    if input.ndim not in (2, 3):
        raise RuntimeError(f"conv1d: expected 2-D (unbatched) or 3-D (batched) input, got input of shape "
                           f"{list(input.shape)}")
    if weight.ndim != 3:
        raise RuntimeError(f"conv1d: expected a 3-D weight [out_channels, in_channels/groups, k], got weight of "
                           f"shape {list(weight.shape)}")
    padding = _single(padding, "padding")
    padding = padding if isinstance(padding, str) else (0, padding)
    out = conv2d(input.unsqueeze(-2), weight.unsqueeze(-2), bias, (1, _single(stride, "stride")), padding,
                 (1, _single(dilation, "dilation")), groups)
    return out.squeeze(-2)
