"""``Conv1d``/``Conv2d``/``Conv3d``: cross-correlation over (N, C, *spatial) or unbatched input,
and ``ConvTranspose2d``."""
from ... import _dtype
from ..._dtype import as_dtype
from ...device import device as _device
from ...factories import empty
from .. import functional as F
from .. import init
from ..parameter import Parameter
from ._checks import check_dtype, check_input, check_spatial_size
from .module import Module

_PADDING_STRINGS = {"same", "valid"}


def _check_settings(in_channels, out_channels, groups, device):
    """torch's ValueErrors for a convolution layer's device and groups."""
    if device is not None:
        _device(device)
    if groups <= 0:
        raise ValueError("groups must be a positive integer")
    if in_channels % groups != 0:
        raise ValueError("in_channels must be divisible by groups")
    if out_channels % groups != 0:
        raise ValueError("out_channels must be divisible by groups")


def _add_parameters(layer, weight_shape, bias, dtype):
    """The layer's weight, its bias (one per output channel) or a None ``bias``, then torch's init."""
    layer.weight = Parameter(empty(*weight_shape, dtype=dtype))
    if bias:
        layer.bias = Parameter(empty(layer.out_channels, dtype=dtype))
    else:
        layer.register_parameter("bias", None)
    layer.reset_parameters()


def _pair(value):
    return tuple(value) if isinstance(value, (tuple, list)) else (value, value)


class _ConvNd(Module):
    """Settings, parameters and printing shared by Conv1d/2d/3d (``_dims`` spatial dims)."""

    _dims = 2

    def _tuple(self, value):
        """An int or a sequence as a tuple of one int per spatial dim (torch's _pair/_single/_triple)."""
        return tuple(value) if isinstance(value, (tuple, list)) else (value,) * self._dims

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__()
        _check_settings(in_channels, out_channels, groups, device)
        stride = self._tuple(stride)
        if isinstance(padding, str):
            if padding not in _PADDING_STRINGS:
                raise ValueError(f"Invalid padding string {padding!r}, should be one of {_PADDING_STRINGS}")
            if padding == "same" and any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
        if padding_mode != "zeros":
            raise ValueError(f"padding_mode={padding_mode!r} is not supported by minitorch_cv; only 'zeros' is")
        dtype = as_dtype(dtype) or _dtype.default_float
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = self._tuple(kernel_size)
        self.stride = stride
        self.padding = padding if isinstance(padding, str) else self._tuple(padding)
        self.dilation = self._tuple(dilation)
        self.groups = groups
        self.padding_mode = padding_mode
        _add_parameters(self, (out_channels, in_channels // groups, *self.kernel_size), bias, dtype)

    def reset_parameters(self):
        init._default_layer_init_(self.weight, self.bias)

    def extra_repr(self):
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * self._dims:
            text += f", padding={self.padding}"
        if self.dilation != (1,) * self._dims:
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        return text

    def forward(self, input):
        dims = self._dims
        check_input(self, input, (dims + 1, dims + 2), f"{dims + 1}D (unbatched) or {dims + 2}D (batched)")
        channels = input.shape[-dims - 1]
        if channels != self.in_channels:
            raise RuntimeError(f"{self!r}: expected input{list(input.shape)} to have {self.in_channels} channels, "
                               f"but got {channels} channels instead")
        check_dtype(self, input, self.weight)
        if self.padding != "same":
            padding = (0,) * dims if self.padding == "valid" else self.padding
            check_spatial_size(self, input, self.kernel_size, self.stride, padding, self.dilation)
        convolve = getattr(F, f"conv{dims}d")
        return convolve(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class Conv2d(_ConvNd):
    """2-D convolution (cross-correlation, no kernel flip), as ``torch.nn.Conv2d``.

    Args:
        in_channels, out_channels: channels in the input and produced by the layer.
        kernel_size, stride (1), padding (0, or 'valid'/'same'), dilation (1): ints or pairs.
        groups: split channels into this many independent groups (default 1).
        bias: learn a per-channel bias (default True).
        padding_mode: only 'zeros' is supported.

    Shape: input (N, C_in, H, W) or (C_in, H, W) -> output (N, C_out, H_out, W_out) with
    ``H_out = floor((H + 2*padding[0] - dilation[0]*(kernel_size[0]-1) - 1) / stride[0] + 1)``.
    Weight is (out_channels, in_channels // groups, kH, kW), initialised as torch does.

    Example::

        >>> conv = nn.Conv2d(3, 32, kernel_size=5, padding=2)
        >>> conv(minitorch_cv.randn(8, 3, 32, 32)).shape
        minitorch_cv.Size([8, 32, 32, 32])
    """


class Conv1d(_ConvNd):
    """1-D convolution over (N, C_in, L) or (C_in, L), as ``torch.nn.Conv1d``;
    weight (out_channels, in_channels // groups, k)."""

    _dims = 1


class Conv3d(_ConvNd):
    """3-D convolution over (N, C_in, D, H, W) or (C_in, D, H, W), as ``torch.nn.Conv3d``; weight
    (out_channels, in_channels // groups, kD, kH, kW), initialised as torch does."""

    _dims = 3



class ConvTranspose2d(Module):
    """2-D transposed convolution (the adjoint of Conv2d, "deconvolution"), as ``torch.nn.ConvTranspose2d``.

    Args:
        in_channels, out_channels, kernel_size, stride (1), padding (0), output_padding (0),
        groups (1), bias (True), dilation (1): as torch; padding_mode: only 'zeros'.

    Shape: (N, C_in, H, W) or (C_in, H, W) -> (N, C_out, H_out, W_out) with
    ``H_out = (H - 1)*stride[0] - 2*padding[0] + dilation[0]*(kernel_size[0] - 1) + output_padding[0] + 1``.
    ``forward(input, output_size=None)``: an explicit ``output_size`` picks the output padding.
    Weight is (in_channels, out_channels // groups, kH, kW), initialised as torch does.

    Example::

        >>> up = nn.ConvTranspose2d(16, 8, kernel_size=4, stride=2, padding=1)
        >>> up(minitorch_cv.randn(2, 16, 8, 8)).shape
        minitorch_cv.Size([2, 8, 16, 16])
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None):
        super().__init__()
        _check_settings(in_channels, out_channels, groups, device)
        if isinstance(padding, str):
            raise ValueError(f"padding={padding!r} is not supported for ConvTranspose2d; give an int or a pair")
        if padding_mode != "zeros":
            raise ValueError('Only "zeros" padding mode is supported for ConvTranspose2d')
        dtype = as_dtype(dtype) or _dtype.default_float
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.padding = _pair(kernel_size), _pair(stride), _pair(padding)
        self.dilation, self.output_padding = _pair(dilation), _pair(output_padding)
        self.groups, self.padding_mode = groups, padding_mode
        _add_parameters(self, (in_channels, out_channels // groups, *self.kernel_size), bias, dtype)

    def reset_parameters(self):
        init._default_layer_init_(self.weight, self.bias)

    def _output_padding(self, input, output_size):
        """The output padding that gives ``output_size`` (torch's rule and ValueError messages)."""
        if output_size is None:
            return self.output_padding
        output_size = list(output_size)
        leading = 2 if input.ndim == 4 else 1
        if len(output_size) == leading + 2:
            output_size = output_size[leading:]
        if len(output_size) != 2:
            raise ValueError(f"ConvTranspose2D: for {input.ndim}D input, output_size must have 2 or {leading + 2} "
                             f"elements (got {len(output_size)})")
        smallest = [(input.shape[d - 2] - 1) * self.stride[d] - 2 * self.padding[d]
                    + self.dilation[d] * (self.kernel_size[d] - 1) + 1 for d in range(2)]
        largest = [smallest[d] + self.stride[d] - 1 for d in range(2)]
        if any(not lo <= size <= hi for size, lo, hi in zip(output_size, smallest, largest)):
            raise ValueError(f"requested an output size of {output_size}, but valid sizes range from {smallest} to "
                             f"{largest} (for an input of {input.shape[-2:]})")
        return tuple(size - lo for size, lo in zip(output_size, smallest))

    def forward(self, input, output_size=None):
        check_input(self, input, (3, 4), "3D (unbatched) or 4D (batched)")
        check_dtype(self, input, self.weight)
        output_padding = self._output_padding(input, output_size)
        return F.conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding, output_padding,
                                  self.groups, self.dilation)

    def extra_repr(self):
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        for name, default in (("padding", (0, 0)), ("dilation", (1, 1)), ("output_padding", (0, 0))):
            if getattr(self, name) != default:
                text += f", {name}={getattr(self, name)}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        return text
