"""``DistributedDataParallel``: one model copy per rank, gradients averaged during backward."""
import contextlib

import numpy as np

from ... import distributed as dist
from ...autograd.grad_mode import is_grad_enabled
from ..modules.module import Module
from .reducer import Reducer

_DEFAULT_BUCKET_CAP_MB = 25


def _broadcast_coalesced(tensors, group):
    """Broadcast ``tensors`` from rank 0, one flat buffer per dtype (few large messages)."""
    by_dtype = {}
    for t in tensors:
        by_dtype.setdefault(t._data.dtype, []).append(t)
    for dtype, group_tensors in by_dtype.items():
        flat = np.concatenate([t._data.ravel() for t in group_tensors]) if group.rank == 0 else \
            np.empty(sum(t._data.size for t in group_tensors), dtype=dtype)
        group.comm.Bcast(flat, root=0)
        offset = 0
        for t in group_tensors:
            t._data[...] = flat[offset:offset + t._data.size].reshape(t._data.shape)
            offset += t._data.size


class DistributedDataParallel(Module):
    """Wrap ``module`` so that each backward averages its gradients over all ranks.

    At construction rank 0's parameters and buffers are copied to every rank. In each training
    forward (with ``broadcast_buffers``) rank 0's buffers are copied again, e.g. BatchNorm's
    running statistics. During backward, gradients are gathered into buckets of about
    ``bucket_cap_mb`` MB whose allreduce starts as soon as each bucket is full, overlapping the
    rest of backward; at its end ``.grad`` holds the average over ranks. Inside ``no_sync()``
    gradients only accumulate locally. State dict keys start with ``module.``, as torch's.

    Args:
        module: the model (same architecture on every rank).
        broadcast_buffers: copy rank 0's buffers at the start of each training forward.
        bucket_cap_mb: bucket size in MB (default 25; the first bucket holds at most 1 MiB).
        find_unused_parameters: allow parameters that get no gradient in some backward (they
            count as zero on that rank); without it such a backward raises.
        process_group: None (the default group; the only one there is).

    ``device_ids``, ``output_device``, ``dim``, ``gradient_as_bucket_view`` and ``static_graph``
    are accepted for torch compatibility and have no effect on a CPU-only engine.
    """

    def __init__(self, module, device_ids=None, output_device=None, dim=0, broadcast_buffers=True,
                 process_group=None, bucket_cap_mb=None, find_unused_parameters=False, check_reduction=False,
                 gradient_as_bucket_view=False, static_graph=False, **unused):
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DistributedDataParallel: expected an nn.Module to wrap, got {type(module).__name__}")
        if not dist.is_initialized():
            raise ValueError("DistributedDataParallel: Default process group has not been initialized, please "
                             "make sure to call init_process_group.")
        params = [p for p in module.parameters() if p.requires_grad]
        if not params:
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't have any parameter "
                               "that requires a gradient.")
        cap = _DEFAULT_BUCKET_CAP_MB if bucket_cap_mb is None else bucket_cap_mb
        if cap <= 0:
            raise ValueError(f"DistributedDataParallel: bucket_cap_mb must be positive, got {bucket_cap_mb}")
        self.module = module
        self.process_group = dist.process_group.default_group(process_group)
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.bucket_bytes_cap = int(cap * 1024 * 1024)
        self.require_backward_grad_sync = True
        self.device_ids = device_ids
        self.dim = dim
        _broadcast_coalesced(list(module.parameters()) + self._buffers_to_sync(), self.process_group)
        self.reducer = Reducer(params, self.process_group, self.bucket_bytes_cap, find_unused_parameters)

    def _buffers_to_sync(self):
        return [b for b in self.module.buffers() if b is not None]

    def forward(self, *inputs, **kwargs):
        if self.training and self.broadcast_buffers and self.process_group.size > 1:
            buffers = self._buffers_to_sync()
            if buffers:
                _broadcast_coalesced(buffers, self.process_group)
        if is_grad_enabled() and self.require_backward_grad_sync:
            self.reducer.prepare_for_backward()
        else:
            self.reducer.armed = False
        return self.module(*inputs, **kwargs)

    @contextlib.contextmanager
    def no_sync(self):
        """Backward passes run inside only accumulate gradients locally; the first synced backward
        afterwards averages the accumulated sums."""
        previous = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous
