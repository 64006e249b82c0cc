"""``SyncBatchNorm``: BatchNorm whose training statistics cover the batch of every rank."""
from ... import distributed as dist
from ...autograd.grad_mode import no_grad
from ...distributed.collectives import ReduceOp, all_reduce
from ...ops.sync_batch_norm import SyncBatchNorm as SyncBatchNormFunction
from ...tensor import Tensor
from .batchnorm import _BatchNorm


def _all_sum(array):
    all_reduce(array, op=ReduceOp.SUM)


class SyncBatchNorm(_BatchNorm):
    """Batch normalization with the mean and variance of the global batch (all ranks) in training.

    In a process group of more than one rank, training normalizes with the statistics of the
    inputs of all ranks together and moves the running buffers with them, so N ranks with B
    images each behave as BatchNorm on N x B images. In eval mode, or without a group of more
    than one rank, it is BatchNorm. Any input of at least 2 dims [N, C, ...]. Use
    ``SyncBatchNorm.convert_sync_batchnorm(model)`` to swap a model's BatchNorm layers.

    Args: as ``BatchNorm2d``, plus ``process_group`` (None: the default group, the only one).
    """

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 process_group=None, device=None, dtype=None):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype)
        self.process_group = process_group

    def _check_input_dim(self, input):
        if not isinstance(input, Tensor):
            raise TypeError(f"SyncBatchNorm: expected a Tensor input, got {type(input).__name__}")
        if input.ndim < 2:
            raise ValueError(f"expected at least 2D input (got {input.ndim}D input)")

    def forward(self, input):
        self._check_input_dim(input)
        synced = self.training and dist.is_initialized() and dist.get_world_size(self.process_group) > 1
        if not synced:
            return super().forward(input)
        if input.shape[1] != self.num_features:
            raise ValueError(f"SyncBatchNorm: expected {self.num_features} channels, got input of shape "
                             f"{list(input.shape)}")
        factor = 0.0 if self.momentum is None else self.momentum
        if self.track_running_stats and self.num_batches_tracked is not None:
            with no_grad():
                self.num_batches_tracked.add_(1)
            factor = 1.0 / float(self.num_batches_tracked) if self.momentum is None else self.momentum
        buffers = [b._data if self.track_running_stats and b is not None else None
                   for b in (self.running_mean, self.running_var)]
        return SyncBatchNormFunction.apply(input, self.weight, self.bias, *buffers, momentum=factor, eps=self.eps,
                                           all_sum=_all_sum)

    @classmethod
    def convert_sync_batchnorm(cls, module, process_group=None):
        """``module`` with every BatchNorm*d replaced by a SyncBatchNorm holding the same parameters
        and buffers (the same objects), returned as torch's does (the root itself if it is one)."""
        converted = module
        if isinstance(module, _BatchNorm) and not isinstance(module, SyncBatchNorm):
            converted = cls(module.num_features, module.eps, module.momentum, module.affine,
                            module.track_running_stats, process_group)
            if module.affine:
                converted.weight, converted.bias = module.weight, module.bias
            converted.running_mean = module.running_mean
            converted.running_var = module.running_var
            converted.num_batches_tracked = module.num_batches_tracked
            converted.training = module.training
        for name, child in module._modules.items():
            if child is not None:
                converted.add_module(name, cls.convert_sync_batchnorm(child, process_group))
        return converted
