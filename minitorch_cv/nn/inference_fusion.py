"""Fast paths for conv -> BatchNorm [-> + residual] [-> ReLU], the chain ResNet blocks run.

In eval mode with no gradient to record, ``conv_bn`` runs the chain as one convolution whose
output tiles get the BatchNorm's per-channel map, the residual sum and the ReLU while they are
in cache (``ops/conv_epilogue.py``), instead of four passes over the activation in memory. In
training, when a ReLU ends the chain, the BatchNorm, the sum and the ReLU are one op
(``ops/normalization.BatchNormAddReLU``) after the convolution module. Either way the values and
gradients are the separate modules' bit for bit. Anything else runs the modules one by one,
exactly as the chain reads: a forward hook on the BatchNorm or the ReLU (or, in eval, the
convolution), a module replaced or subclassed (model surgery), a BatchNorm without running
statistics, an eval model whose gradient is recorded, an input a module would reject (its own
error then).

Measured on ResNet-50 inference, batch 8, 224x224, and ResNet training steps, 2 threads: see
README ("ResNet speed").
"""
import numpy as np

from ..autograd.grad_mode import is_grad_enabled
from ..kernels.sizes import conv_output_size
from ..ops.conv import conv2d_inference
from ..ops.conv_epilogue import Epilogue
from ..ops.normalization import BatchNormAddReLU, eval_affine
from ..tensor import Tensor
from .modules.activation import ReLU
from .modules.batchnorm import BatchNorm2d
from .modules.container import Sequential
from .modules.conv import Conv2d
from . import functional as F


def conv_bn(x, conv, bn, relu=None, residual=None):
    """``bn(conv(x))``, then ``+= residual`` if given, then ``relu(...)`` if given: an ``nn.ReLU``
    module, or True for ``F.relu``."""
    if _fusable(x, conv, bn, relu, residual):
        scale, shift = eval_affine(bn.running_mean._data, bn.running_var._data,
                                   None if bn.weight is None else bn.weight._data,
                                   None if bn.bias is None else bn.bias._data, bn.eps, x._data.dtype)[1:]
        epilogue = Epilogue(scale, shift, None if residual is None else residual._data, relu is not None)
        return conv2d_inference(x, conv.weight, conv.bias, conv.stride, conv.padding, conv.dilation, conv.groups,
                                epilogue)
    out = conv(x)
    if _trainable(out, bn, relu, residual):
        return BatchNormAddReLU.apply(out, bn.weight, bn.bias, residual, running_mean=bn.running_mean._data,
                                      running_var=bn.running_var._data, momentum=bn._momentum_factor(), eps=bn.eps)
    out = bn(out)
    if residual is not None:
        out += residual
    if relu is None:
        return out
    return F.relu(out) if relu is True else relu(out)


def downsample(x, module):
    """``module(x)``; a plain ``Sequential(Conv2d, BatchNorm2d)`` (torchvision's ResNet shortcut)
    through ``conv_bn``."""
    if type(module) is Sequential and len(module) == 2 and not _hooked(module):
        return conv_bn(x, module[0], module[1])
    return module(x)


def _hooked(module):
    return bool(module.__dict__.get("_forward_hooks"))


def _plain_relu(relu):
    """None, True (``F.relu``) or an ``nn.ReLU`` itself without hooks."""
    return relu is None or relu is True or (type(relu) is ReLU and not _hooked(relu))


def _trainable(out, bn, relu, residual):
    """Whether BatchNorm [+ residual] + ReLU may run as ``BatchNormAddReLU``: a training
    BatchNorm2d with running statistics, a ReLU, no hooks, and what the modules would accept."""
    if relu is None or not _plain_relu(relu):
        return False
    if type(bn) is not BatchNorm2d or _hooked(bn) or not bn.training or not bn.track_running_stats:
        return False
    if bn.running_mean is None or bn.running_var is None or bn.eps <= 0:
        return False
    if not isinstance(out, Tensor) or out.ndim != 4 or out.shape[1] != bn.num_features or out._data.dtype not in _FLOATS:
        return False
    if out.shape[0] * out.shape[2] * out.shape[3] < 2:
        return False
    tensors = (bn.weight, bn.bias, bn.running_mean, bn.running_var, residual)
    if any(t is not None and (not isinstance(t, Tensor) or t.dtype is not out.dtype) for t in tensors):
        return False
    return residual is None or tuple(residual.shape) == tuple(out.shape)


def _fusable(x, conv, bn, relu, residual):
    if is_grad_enabled() and any(t is not None and t.requires_grad
                                 for t in (x, conv.weight, conv.bias, bn.weight, bn.bias, residual)):
        return False
    if type(conv) is not Conv2d or type(bn) is not BatchNorm2d or not _plain_relu(relu):
        return False
    if any(_hooked(m) for m in (conv, bn)) or bn.training or conv.padding_mode != "zeros":
        return False
    if bn.running_mean is None or bn.running_var is None or bn.num_features != conv.out_channels:
        return False
    if not isinstance(x, Tensor) or x.ndim != 4 or x.shape[1] != conv.in_channels or x._data.dtype not in _FLOATS:
        return False
    tensors = (conv.weight, conv.bias, bn.weight, bn.bias, bn.running_mean, bn.running_var, residual)
    if any(t is not None and (not isinstance(t, Tensor) or t.dtype is not x.dtype) for t in tensors):
        return False
    shape = _output_shape(x, conv)
    return min(shape) > 0 and (residual is None or tuple(residual.shape) == shape)


_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def _output_shape(x, conv):
    """The convolution's output shape (a size below 1 where the input is too small)."""
    if conv.padding == "same":
        return (x.shape[0], conv.out_channels) + tuple(x.shape[2:])
    padding = (0, 0) if conv.padding == "valid" else conv.padding
    return (x.shape[0], conv.out_channels) + tuple(
        conv_output_size(size, kernel, stride, pad, pad, dilation)
        for size, kernel, stride, pad, dilation in zip(x.shape[2:], conv.kernel_size, conv.stride, padding,
                                                       conv.dilation))
