"""Input checks shared by layers; every message starts with the layer's repr."""
from ...kernels.sizes import pool_output_size
from ...tensor import Tensor


def check_input(layer, input, ranks=None, expected=None):
    """``input`` must be a Tensor whose rank is in ``ranks`` (``expected`` describes them)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{layer!r}: expected a Tensor input, got {type(input).__name__}")
    if ranks is not None and input.ndim not in ranks:
        raise RuntimeError(f"{layer!r}: expected {expected} input, but got input of shape {list(input.shape)}")


def check_dtype(layer, input, parameter):
    """``input`` must be floating point and of the same dtype as the layer's ``parameter``."""
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"{layer!r}: expected a floating-point input ({parameter.dtype!r}), got "
                           f"{input.dtype!r}; convert it with .float()")
    if input.dtype is not parameter.dtype:
        raise RuntimeError(f"{layer!r}: input dtype {input.dtype!r} does not match the layer's "
                           f"{parameter.dtype!r} parameters; convert the input with .to({parameter.dtype!r}) "
                           f"or the model with .to({input.dtype!r})")


def check_spatial_size(layer, input, kernel, stride, padding, dilation, ceil_mode=False):
    """The (padded) input must be large enough for at least one window in each spatial dim.

    Arguments that are not pairs are left to the functional op, which names what is wrong.
    """
    if any(len(pair) != 2 for pair in (kernel, stride, padding, dilation)):
        return
    height, width = input.shape[-2:]
    out = [pool_output_size(size, k, s, p, d, ceil_mode)
           for size, k, s, p, d in zip((height, width), kernel, stride, padding, dilation)]
    if min(out) <= 0:
        effective = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
        raise RuntimeError(f"{layer!r}: input of spatial size ({height} x {width}) with padding {tuple(padding)} "
                           f"is smaller than the (dilated) kernel ({effective[0]} x {effective[1]}); "
                           f"the output would be ({out[0]} x {out[1]})")
