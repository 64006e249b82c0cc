"""Output-size rules of convolution and pooling, as torch computes them."""


def conv_output_size(size, kernel, stride, pad_before, pad_after, dilation):
    """Positions a (dilated) kernel takes along one axis: floor((in + pads - d*(k-1) - 1) / s) + 1.

    Can be <= 0 when the kernel does not fit; callers turn that into an error.
    """
    return (size + pad_before + pad_after - dilation * (kernel - 1) - 1) // stride + 1


def same_padding(kernel, dilation):
    """torch's padding='same' along one axis: (before, after), the odd extra going after."""
    total = dilation * (kernel - 1)
    return total // 2, total - total // 2


def pool_output_size(size, kernel, stride, padding, dilation, ceil_mode):
    """Windows along one axis, torch's rule including ceil_mode.

    With ceil_mode the division rounds up, but a last window that would start inside the right
    padding (at or past ``size + padding``) is dropped, as torch does.
    """
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    count = (span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (count - 1) * stride >= size + padding:
        count -= 1
    return count
