"""``Linear`` (y = x W^T + b) and ``Identity``."""
from ... import _dtype
from ..._dtype import as_dtype
from ...device import device as _device
from ...factories import empty
from .. import functional as F
from .. import init
from ..parameter import Parameter
from ._checks import check_dtype, check_input
from .module import Module


class Identity(Module):
    """Returns its input unchanged; accepts and ignores any constructor arguments."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


class Linear(Module):
    """Affine map ``y = x @ weight.T + bias``.

    Args:
        in_features: size of each input sample's last dimension.
        out_features: size of each output sample's last dimension.
        bias: learn an additive bias (default True).

    Shape: input (*, in_features) -> output (*, out_features).
    Weight (out_features, in_features) and bias are drawn like torch's: kaiming_uniform_(a=sqrt(5))
    and U(-1/sqrt(in_features), 1/sqrt(in_features)).

    Example::

        >>> fc = nn.Linear(20, 30)
        >>> fc(minitorch_cv.randn(128, 20)).shape
        minitorch_cv.Size([128, 30])
    """

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        if device is not None:
            _device(device)
        dtype = as_dtype(dtype) or _dtype.default_float
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(empty(out_features, in_features, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_features, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        init._default_layer_init_(self.weight, self.bias)

    def forward(self, input):
        check_input(self, input)
        if input.ndim == 0 or input.shape[-1] != self.in_features:
            raise RuntimeError(f"{self!r}: expected input with last dimension {self.in_features}, "
                               f"got shape {list(input.shape)}")
        check_dtype(self, input, self.weight)
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"
