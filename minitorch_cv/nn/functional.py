"""Stateless layer functions with torch.nn.functional's names, arguments and defaults."""
import warnings

from ..ops import activation as _activation
from ..ops import dropout as _dropout
from ..ops import elementwise as _elementwise
from ..ops import linalg as _linalg
from ..ops import loss as _loss
from ..ops.adaptive_pool import adaptive_avg_pool2d, adaptive_max_pool2d
from ..ops.avg_pool import avg_pool2d
from ..ops.conv import conv2d
from ..ops.normalization import batch_norm
from ..ops.padding import pad
from ..ops.pooling import max_pool2d
from ..ops.attention import normalize, scaled_dot_product_attention  # noqa: F401
from ..ops.conv1d import conv1d  # noqa: F401
from ..ops.indexing import one_hot  # noqa: F401
from ..ops.smooth_activations import celu, elu, logsigmoid, mish, selu, softmin, softplus, softsign  # noqa: F401
from ..ops.conv3d import conv3d  # noqa: F401
from ..ops.pool_nd import avg_pool1d, avg_pool3d, max_pool1d, max_pool3d  # noqa: F401
from ..ops.unpool import max_unpool1d, max_unpool2d, max_unpool3d  # noqa: F401
from ..tensor import Tensor

__all__ = ["conv2d", "max_pool2d", "relu", "sigmoid", "tanh", "linear", "softmax", "log_softmax", "cross_entropy",
           "nll_loss", "mse_loss", "l1_loss", "batch_norm", "dropout", "dropout2d", "adaptive_avg_pool2d",
           "adaptive_max_pool2d", "avg_pool2d", "pad", "relu6", "hardtanh", "leaky_relu", "gelu", "silu", "hardswish",
           "hardsigmoid"]


def _check_tensor(input, name):
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' must be a Tensor, not {type(input).__name__}")


def relu(input, inplace=False):
    """max(input, 0); with ``inplace`` the input tensor itself is updated and returned (as torch)."""
    _check_tensor(input, "relu")
    return input.relu_() if inplace else _elementwise.ReLU.apply(input)


def sigmoid(input):
    _check_tensor(input, "sigmoid")
    return input.sigmoid()


def tanh(input):
    _check_tensor(input, "tanh")
    return input.tanh()


def linear(input, weight, bias=None):
    """``input @ weight.T + bias`` as one fused op; weight is (out_features, in_features)."""
    for name, tensor in (("input", input), ("weight", weight), ("bias", bias)):
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"linear(): argument '{name}' must be a Tensor, not {type(tensor).__name__}")
    if weight.ndim != 2:
        raise RuntimeError(f"linear(): expected a 2-D weight (out_features, in_features), "
                           f"got shape {list(weight.shape)}")
    if input.ndim == 0 or input.shape[-1] != weight.shape[1]:
        rows = input.numel() // max(input.shape[-1], 1) if input.ndim else 1
        raise RuntimeError(f"linear(): mat1 and mat2 shapes cannot be multiplied "
                           f"({rows}x{input.shape[-1] if input.ndim else 1} and {weight.shape[1]}x{weight.shape[0]})")
    if input.dtype is not weight.dtype or (bias is not None and bias.dtype is not weight.dtype):
        raise RuntimeError(f"linear(): input dtype {input.dtype!r} and weight dtype {weight.dtype!r} "
                           "should be the same")
    if bias is not None and tuple(bias.shape) != (weight.shape[0],):
        raise RuntimeError(f"linear(): expected bias of shape [{weight.shape[0]}], got {list(bias.shape)}")
    return _linalg.Linear.apply(input, weight, bias)


def _implicit_softmax_dim(name, ndim, stacklevel):
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. "
                  "Change the call to include dim=X as an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """exp(x) / sum(exp(x)) along ``dim``, computed from x - max for stability."""
    _check_tensor(input, "softmax")
    dim = _implicit_softmax_dim("softmax", input.ndim, _stacklevel) if dim is None else dim
    return _loss.softmax(input.to(dtype) if dtype is not None else input, dim)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """log(softmax(x)) along ``dim`` via log-sum-exp (never log of 0)."""
    _check_tensor(input, "log_softmax")
    dim = _implicit_softmax_dim("log_softmax", input.ndim, _stacklevel) if dim is None else dim
    return _loss.log_softmax(input.to(dtype) if dtype is not None else input, dim)


def legacy_reduction(size_average, reduce, reduction):
    """Map the deprecated ``size_average``/``reduce`` flags onto ``reduction``, as torch does."""
    if size_average is None and reduce is None:
        return reduction
    warnings.warn("size_average and reduce args will be deprecated, please use reduction='...' instead.",
                  stacklevel=3)
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if size_average and reduce:
        return "mean"
    return "sum" if reduce else "none"


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """Cross-entropy of logits ``input`` (C), (N, C) or (N, C, d1, ...) against class indices
    (or class probabilities of the input's shape); fused log_softmax + NLL."""
    return _loss.cross_entropy(input, target, weight, ignore_index,
                               legacy_reduction(size_average, reduce, reduction), label_smoothing)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    """Negative log-likelihood of log-probabilities ``input`` at class indices ``target``."""
    return _loss.nll_loss(input, target, weight, ignore_index, legacy_reduction(size_average, reduce, reduction))


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean squared error (optionally weighted elementwise)."""
    return _loss.pointwise_loss(input, target, True, legacy_reduction(size_average, reduce, reduction),
                                weight, name="mse_loss")


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean absolute error (optionally weighted elementwise)."""
    return _loss.pointwise_loss(input, target, False, legacy_reduction(size_average, reduce, reduction),
                                weight, name="l1_loss")


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability ``p`` and scale the rest by 1 / (1 - p) (identity unless training)."""
    return _dropout.dropout(input, p, training, inplace)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of [N, C, H, W] input with probability ``p`` (3-D input: [N, C, L], as torch)."""
    _check_tensor(input, "dropout2d")
    _dropout.check_probability(p)
    if input.ndim not in (3, 4):
        warnings.warn(f"dropout2d: Received a {input.ndim}-D input to dropout2d, which is deprecated and will "
                      "result in an error in a future release. To retain the behavior and silence this "
                      "warning, please use dropout instead. Note that dropout2d exists to provide channel-wise "
                      "dropout on inputs with 2 spatial dimensions, a channel dimension, and an optional batch "
                      "dimension (i.e. 3D or 4D inputs).", stacklevel=2)
    if input.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
                      "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel "
                      "dim. This behavior will change in a future release to interpret the input as one without "
                      "a batch dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout "
                      "behavior, please switch to using dropout1d instead.", stacklevel=2)
    return _dropout.dropout(input, p, training, inplace, feature=True)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """clip(input, min_val, max_val); the gradient passes strictly between the bounds."""
    return _activation.activate("hardtanh", _activation.Hardtanh, input, inplace, min_val=min_val, max_val=max_val)


def relu6(input, inplace=False):
    """min(max(input, 0), 6) (MobileNetV2's activation)."""
    return _activation.activate("relu6", _activation.Hardtanh, input, inplace, min_val=0.0, max_val=6.0)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """input where positive, else negative_slope * input."""
    return _activation.activate("leaky_relu", _activation.LeakyReLU, input, inplace, negative_slope=negative_slope)


def gelu(input, approximate="none"):
    """x * Phi(x), Phi the standard normal CDF (``approximate='tanh'``: the tanh formula)."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    return _activation.activate("gelu", _activation.GELU, input, approximate=approximate)


def silu(input, inplace=False):
    """x * sigmoid(x) (also called swish)."""
    return _activation.activate("silu", _activation.SiLU, input, inplace)


def hardswish(input, inplace=False):
    """x * relu6(x + 3) / 6 (MobileNetV3)."""
    return _activation.activate("hardswish", _activation.Hardswish, input, inplace)


def hardsigmoid(input, inplace=False):
    """relu6(x + 3) / 6."""
    return _activation.activate("hardsigmoid", _activation.Hardsigmoid, input, inplace)
def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """Binary cross-entropy of probabilities ``input`` in [0, 1] against ``target`` (logs clamped at -100)."""
    from ..ops.bce import binary_cross_entropy as bce
    return bce(input, target, weight, legacy_reduction(size_average, reduce, reduction))


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None, reduction="mean",
                                     pos_weight=None):
    """Binary cross-entropy of logits (a fused, overflow-free sigmoid), ``pos_weight`` scaling the positives."""
    from ..ops.bce import binary_cross_entropy_with_logits as bce_logits
    return bce_logits(input, target, weight, legacy_reduction(size_average, reduce, reduction), pos_weight)
from ..ops.interpolate import interpolate, upsample, upsample_bilinear, upsample_nearest  # noqa: E402,F401
from ..ops.conv_transpose import conv_transpose1d, conv_transpose2d  # noqa: E402,F401
__all__ += ["interpolate", "conv_transpose1d", "conv_transpose2d"]
