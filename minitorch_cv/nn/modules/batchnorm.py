"""``BatchNorm1d`` and ``BatchNorm2d``: per-channel normalization with running statistics.

The module keeps ``weight``/``bias`` (when ``affine``) and the buffers ``running_mean``,
``running_var`` and ``num_batches_tracked`` (when ``track_running_stats``), and decides what
``F.batch_norm`` gets, as torch does: batch statistics in training or when there are no
buffers; the buffers move only in training with tracking on; ``momentum=None`` averages
cumulatively (factor 1 / num_batches_tracked).
"""
import numpy as np

from ... import factories
from ...autograd.grad_mode import no_grad
from ...tensor import Tensor
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module


class _BatchNorm(Module):
    """The shared body of BatchNorm1d/2d; subclasses state which input ranks they accept."""

    _version = 2
    _ranks = ()
    _expected = ""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, device=None,
                 dtype=None, *, bias=True):
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = Parameter(factories.empty(num_features, dtype=dtype, device=device))
            if bias:
                self.bias = Parameter(factories.empty(num_features, dtype=dtype, device=device))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", factories.zeros(num_features, dtype=dtype, device=device))
            self.register_buffer("running_var", factories.ones(num_features, dtype=dtype, device=device))
            self.register_buffer("num_batches_tracked", Tensor._wrap(np.array(0, dtype=np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self):
        if self.track_running_stats:
            with no_grad():
                self.running_mean.zero_()
                self.running_var.fill_(1)
                self.num_batches_tracked.zero_()

    def reset_parameters(self):
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def _check_input_dim(self, input):
        if not isinstance(input, Tensor):
            raise TypeError(f"{self._get_name()}: expected a Tensor input, got {type(input).__name__}")
        if input.ndim not in self._ranks:
            raise ValueError(f"expected {self._expected} input (got {input.ndim}D input)")

    def forward(self, input):
        self._check_input_dim(input)
        factor = self._momentum_factor()
        batch_stats = self.training or (self.running_mean is None and self.running_var is None)
        use_buffers = not self.training or self.track_running_stats
        return F.batch_norm(input, self.running_mean if use_buffers else None,
                            self.running_var if use_buffers else None, self.weight, self.bias,
                            batch_stats, factor, self.eps)

    def _momentum_factor(self):
        """The running buffers' update factor of this call, counting the batch in training
        (``momentum=None``: the cumulative average over the batches seen)."""
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            with no_grad():
                self.num_batches_tracked.add_(1)
            factor = 1.0 / float(self.num_batches_tracked) if self.momentum is None else self.momentum
        return factor

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                              error_msgs):
        """Checkpoints from before version 2 have no ``num_batches_tracked``: keep ours (as torch does)."""
        version = local_metadata.get("version", None)
        key = prefix + "num_batches_tracked"
        if (version is None or version < 2) and self.track_running_stats and key not in state_dict:
            state_dict[key] = (self.num_batches_tracked if self.num_batches_tracked is not None
                               else Tensor._wrap(np.array(0, dtype=np.int64)))
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                                      error_msgs)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalization over [N, C] or [N, C, L] input (statistics per C over N and L).

    Args:
        num_features: C.
        eps: added to the variance for stability. Default 1e-5.
        momentum: weight of the batch in the running averages; None for a cumulative average.
        affine: learn ``weight`` (init 1) and ``bias`` (init 0).
        track_running_stats: keep running_mean/running_var for eval; without them eval uses batch stats.

    Example::

        >>> bn = nn.BatchNorm1d(4)
        >>> bn(minitorch_cv.randn(8, 4)).shape
        minitorch_cv.Size([8, 4])
    """

    _ranks = (2, 3)
    _expected = "2D or 3D"


class BatchNorm2d(_BatchNorm):
    """Batch normalization over [N, C, H, W] input (statistics per C over N, H and W).

    Args as ``BatchNorm1d``. Training uses the biased batch variance to normalize and the
    unbiased one to update ``running_var``.

    Example::

        >>> bn = nn.BatchNorm2d(16)
        >>> bn(minitorch_cv.randn(2, 16, 8, 8)).shape
        minitorch_cv.Size([2, 16, 8, 8])
    """

    _ranks = (4,)
    _expected = "4D"
