"""Pooling layers over (N, C, H, W) or (C, H, W) input: MaxPool2d, AvgPool2d, AdaptiveAvgPool2d,
AdaptiveMaxPool2d, MaxUnpool1d/2d/3d,
MaxPool1d/3d, AvgPool1d/3d."""
from .. import functional as F
from ._checks import check_input, check_spatial_size
from .module import Module


def _pair(value):
    return tuple(value) if isinstance(value, (tuple, list)) else (value, value)


class _MaxPoolNd(Module):
    """Settings and printing shared by the 1-, 2- and 3-D layers (as torch's _MaxPoolNd)."""

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool2d(_MaxPoolNd):
    """2-D max pooling with torch's arguments and defaults.

    Args:
        kernel_size: window size; stride defaults to kernel_size.
        padding: implicit -inf padding on both sides (at most half the kernel).
        dilation: spacing between window elements.
        return_indices: also return the flat (H*W) argmax of each window.
        ceil_mode: round the output size up (a window starting in the right padding is dropped).

    Shape: (N, C, H, W) -> (N, C, H_out, W_out),
    ``H_out = floor((H + 2*padding - dilation*(kernel_size-1) - 1) / stride + 1)`` (ceil with ceil_mode).

    Example::

        >>> pool = nn.MaxPool2d(2)
        >>> pool(minitorch_cv.randn(1, 3, 32, 32)).shape
        minitorch_cv.Size([1, 3, 16, 16])
    """

    def forward(self, input):
        check_input(self, input, (3, 4), "3D (unbatched) or 4D (batched)")
        if not input.dtype.is_floating_point:
            raise RuntimeError(f"{self!r}: expected a floating-point input, got {input.dtype!r}; "
                               "convert it with .float()")
        check_spatial_size(self, input, _pair(self.kernel_size), _pair(self.stride), _pair(self.padding),
                           _pair(self.dilation), self.ceil_mode)
        return F.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class AdaptiveAvgPool2d(Module):
    """Average over ``output_size`` bins whatever the input size (int, pair, or None to keep a size).

    Bin ``i`` covers ``floor(i*In/Out)`` to ``ceil((i+1)*In/Out)``, so sizes need not divide.

    Example::

        >>> nn.AdaptiveAvgPool2d((1, 1))(minitorch_cv.randn(2, 512, 7, 7)).shape
        minitorch_cv.Size([2, 512, 1, 1])
    """

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, input):
        return F.adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveMaxPool2d(Module):
    """Maximum over adaptive bins (see AdaptiveAvgPool2d); ``return_indices`` also gives the argmax."""

    def __init__(self, output_size, return_indices=False):
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices

    def forward(self, input):
        return F.adaptive_max_pool2d(input, self.output_size, self.return_indices)

    def extra_repr(self):
        return f"output_size={self.output_size}"


class _AvgPoolNd(Module):
    """Settings and printing shared by the 1-, 2- and 3-D layers (as torch's _AvgPoolNd)."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                 divisor_override=None):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool2d(_AvgPoolNd):
    """2-D average pooling with torch's arguments and defaults.

    Args:
        kernel_size: window size; stride defaults to kernel_size.
        padding: implicit zero padding on both sides (at most half the kernel).
        ceil_mode: round the output size up (a window starting in the right padding is dropped).
        count_include_pad: count the zero padding in the divisor (never the ceil_mode overhang).
        divisor_override: divide every window sum by this instead.

    Shape: (N, C, H, W) -> (N, C, H_out, W_out), ``H_out = floor((H + 2*padding - kernel_size) / stride + 1)``.

    Example::

        >>> nn.AvgPool2d(2)(minitorch_cv.randn(1, 3, 8, 8)).shape
        minitorch_cv.Size([1, 3, 4, 4])
    """

    def forward(self, input):
        return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)


class _MaxUnpoolNd(Module):
    """Partial inverse of max pooling: ``forward(input, indices, output_size=None)``."""

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        spatial = self._spatial
        as_tuple = (lambda v: tuple(v) if isinstance(v, (tuple, list)) else (v,) * spatial)
        self.kernel_size = as_tuple(kernel_size)
        self.stride = as_tuple(stride if stride is not None else kernel_size)
        self.padding = as_tuple(padding)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpoolNd):
    _spatial = 1

    def forward(self, input, indices, output_size=None):
        return F.max_unpool1d(input, indices, self.kernel_size, self.stride, self.padding, output_size)


class MaxUnpool2d(_MaxUnpoolNd):
    _spatial = 2

    def forward(self, input, indices, output_size=None):
        return F.max_unpool2d(input, indices, self.kernel_size, self.stride, self.padding, output_size)


class MaxUnpool3d(_MaxUnpoolNd):
    _spatial = 3

    def forward(self, input, indices, output_size=None):
        return F.max_unpool3d(input, indices, self.kernel_size, self.stride, self.padding, output_size)


class MaxPool1d(_MaxPoolNd):
    """1-D max pooling over (N, C, L) or (C, L), with MaxPool2d's arguments and printing."""

    def forward(self, input):
        return F.max_pool1d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class MaxPool3d(_MaxPoolNd):
    """3-D max pooling over (N, C, D, H, W) or (C, D, H, W), with MaxPool2d's arguments and printing."""

    def forward(self, input):
        return F.max_pool3d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class AvgPool1d(Module):
    """1-D average pooling over (N, C, L) or (C, L); settings kept as 1-tuples, as torch prints them."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
        super().__init__()
        single = (lambda v: tuple(v) if isinstance(v, (tuple, list)) else (v,))
        self.kernel_size = single(kernel_size)
        self.stride = single(stride if stride is not None else kernel_size)
        self.padding = single(padding)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def forward(self, input):
        return F.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool3d(_AvgPoolNd):
    """3-D average pooling over (N, C, D, H, W) or (C, D, H, W), with AvgPool2d's arguments and printing."""

    def forward(self, input):
        return F.avg_pool3d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)
