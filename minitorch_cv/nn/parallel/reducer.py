"""Gradient buckets and their allreduce, started from the gradient hooks during backward.

Parameters are put in buckets in reverse registration order (roughly the order backward
produces their gradients), grouped by dtype, the first bucket capped at 1 MiB so communication
starts early, the others at ``bucket_cap_mb``. When the last gradient of a bucket has been
copied into its flat buffer, a non-blocking allreduce of that buffer starts; buckets start in
index order on every rank (MPI needs the same collective order everywhere). A callback at the
end of backward starts the rest, waits for all, and writes the averages back into ``.grad``.
"""
import numpy as np

from ...autograd.engine import queue_callback
from ...distributed.collectives import _in_place, _mpi_op, ReduceOp
from ...tensor import Tensor

_FIRST_BUCKET_BYTES = 1024 * 1024


class Bucket:
    """A flat buffer for a few parameters' gradients, with each one's offset in it."""

    def __init__(self, params):
        self.params = params
        self.dtype = params[0]._data.dtype
        self.offsets, total = [], 0
        for p in params:
            self.offsets.append(total)
            total += p._data.size
        self.buffer = np.zeros(total, dtype=self.dtype)
        self.ready = set()
        self.request = None

    def view(self, index):
        p = self.params[index]
        start = self.offsets[index]
        return self.buffer[start:start + p._data.size].reshape(p._data.shape)


def make_buckets(params, cap_bytes):
    """Split ``params`` (in the order gradients are expected) into buckets of at most ``cap_bytes``."""
    buckets, current, size, limit = [], [], 0, min(_FIRST_BUCKET_BYTES, cap_bytes)
    for p in params:
        nbytes = p._data.nbytes
        if current and (size + nbytes > limit or p._data.dtype != current[0]._data.dtype):
            buckets.append(Bucket(current))
            current, size, limit = [], 0, cap_bytes
        current.append(p)
        size += nbytes
    if current:
        buckets.append(Bucket(current))
    return buckets


class Reducer:
    """Averages the gradients of ``params`` over the ranks of ``group`` during each synced backward."""

    def __init__(self, params, group, cap_bytes, find_unused_parameters):
        self.group = group
        self.find_unused_parameters = find_unused_parameters
        self.buckets = make_buckets(list(reversed(params)), cap_bytes)
        self.where = {}
        for b, bucket in enumerate(self.buckets):
            for i, p in enumerate(bucket.params):
                self.where[id(p)] = (b, i)
        self.armed = False
        self.next_bucket = 0
        self.callback_queued = False
        self.handles = [p.register_post_accumulate_grad_hook(self._on_gradient) for p in params]

    def prepare_for_backward(self):
        """Called by the forward pass: the next backward's gradients are to be averaged."""
        self.armed = True
        self.next_bucket = 0
        self.callback_queued = False
        for bucket in self.buckets:
            bucket.ready.clear()
            bucket.request = None

    def _on_gradient(self, param):
        if not self.armed:
            return
        if not self.callback_queued:
            queue_callback(self._finish)
            self.callback_queued = True
        b, i = self.where[id(param)]
        bucket = self.buckets[b]
        if i in bucket.ready:
            raise RuntimeError("DistributedDataParallel: a parameter received its gradient twice in one "
                               "backward pass (reentrant backward or a parameter shared by two modules is "
                               "not supported)")
        np.copyto(bucket.view(i), param.grad._data)
        bucket.ready.add(i)
        self._start_ready_buckets()

    def _start_ready_buckets(self):
        while (self.next_bucket < len(self.buckets)
               and len(self.buckets[self.next_bucket].ready) == len(self.buckets[self.next_bucket].params)):
            self._start(self.buckets[self.next_bucket])
            self.next_bucket += 1
        for bucket in self.buckets[:self.next_bucket]:
            if bucket.request is not None:
                bucket.request.Test()   # lets MPI progress the transfers already started

    def _start(self, bucket):
        comm = self.group.comm
        bucket.buffer /= self.group.size
        bucket.request = comm.Iallreduce(_in_place(comm), bucket.buffer, _mpi_op(ReduceOp.SUM, comm))

    def _finish(self):
        """End of backward: zero-fill unused parameters (or refuse), start the rest, wait, write back."""
        self.armed = False
        missing = [(bucket, i) for bucket in self.buckets for i in range(len(bucket.params))
                   if i not in bucket.ready]
        if missing and not self.find_unused_parameters:
            raise RuntimeError(
                "DistributedDataParallel: Expected to have finished reduction in the prior iteration before "
                f"starting a new one. {len(missing)} parameter(s) received no gradient in this backward pass; "
                "pass find_unused_parameters=True to DistributedDataParallel if the forward pass does not "
                "use every parameter, and make sure all forward outputs take part in the loss.")
        for bucket, i in missing:
            bucket.view(i)[...] = 0
            bucket.ready.add(i)
        self._start_ready_buckets()
        used = self._globally_used(missing)     # after every bucket: the same collective order on all ranks
        for bucket in self.buckets:
            bucket.request.Wait()
            for i, p in enumerate(bucket.params):
                if p.grad is not None:
                    np.copyto(p.grad._data, bucket.view(i))
                elif used[id(p)]:
                    p.grad = Tensor._wrap(bucket.view(i).copy())

    def _globally_used(self, missing):
        """Whether some rank produced a gradient for each parameter; a parameter no rank used keeps
        ``grad`` None, as torch's reducer does (one small allreduce, only with find_unused_parameters)."""
        flags = np.ones(len(self.where), dtype=np.int32)
        order = {key: n for n, key in enumerate(self.where)}
        for bucket, i in missing:
            flags[order[id(bucket.params[i])]] = 0
        if self.find_unused_parameters and self.group.size > 1:
            comm = self.group.comm
            comm.Allreduce(_in_place(comm), flags, _mpi_op(ReduceOp.MAX, comm))
        return {key: bool(flags[n]) for key, n in order.items()}

    def remove_hooks(self):
        for handle in self.handles:
            handle.remove()
