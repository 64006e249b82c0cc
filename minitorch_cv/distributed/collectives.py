"""Collectives on tensors and NumPy arrays, in place, as ``torch.distributed``'s.

Each one takes the buffer behind a tensor (or the array itself), hands it to MPI, and writes
the result back into the same memory. ``async_op=True`` returns a ``Work`` to ``wait()`` on.
"""
import enum

import numpy as np

from ..tensor import Tensor
from .process_group import default_group


class ReduceOp(enum.Enum):
    SUM = "sum"
    AVG = "avg"
    PRODUCT = "product"
    MIN = "min"
    MAX = "max"

    def __repr__(self):
        return f"<RedOpType.{self.name}: {list(ReduceOp).index(self)}>"


def _check_op(op):
    if not isinstance(op, ReduceOp):
        raise ValueError(f"op must be a minitorch_cv.distributed.ReduceOp, got {op!r}")
    return op


def _array(obj, what):
    if isinstance(obj, Tensor):
        return obj._data
    if isinstance(obj, np.ndarray):
        return obj
    raise TypeError(f"{what}: expected a minitorch_cv Tensor or a NumPy array, got {type(obj).__name__}")


class _Buffer:
    """A C-contiguous array MPI can use for ``target``, copied back by ``finish`` if it was not one."""

    def __init__(self, target, what):
        self.target = _array(target, what)
        if not self.target.flags.writeable:
            raise ValueError(f"{what}: the tensor's memory is read-only")
        contiguous = self.target.flags.c_contiguous
        self.array = self.target if contiguous else np.ascontiguousarray(self.target)

    def finish(self):
        if self.array is not self.target:
            np.copyto(self.target, self.array)


class Work:
    """A collective in flight (``async_op=True``): ``wait()`` finishes it and writes the result."""

    def __init__(self, request=None, then=None):
        self._request = request
        self._then = then
        self._done = request is None

    def is_completed(self):
        if not self._done and self._request.Test():
            self._finish()
        return self._done

    def wait(self, timeout=None):
        if not self._done:
            self._request.Wait()
            self._finish()
        return True

    def _finish(self):
        self._done = True
        if self._then is not None:
            self._then()


def _finished(work, async_op):
    if async_op:
        return work
    work.wait()
    return None


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce ``tensor`` over all ranks; every rank ends with the result in ``tensor``."""
    pg = default_group(group)
    buffer = _Buffer(tensor, "all_reduce")
    _check_op(op)
    if op is ReduceOp.AVG and buffer.array.dtype.kind != "f":
        raise ValueError(f"all_reduce: ReduceOp.AVG needs a floating-point tensor, got {buffer.array.dtype}")

    def then():
        if op is ReduceOp.AVG and pg.size > 1:
            np.divide(buffer.array, pg.size, out=buffer.array)
        buffer.finish()

    request = pg.comm.Iallreduce(pg.in_place, buffer.array, pg.mpi_op(op))
    return _finished(Work(request, then), async_op)


def broadcast(tensor, src=0, group=None, async_op=False):
    """Copy rank ``src``'s ``tensor`` into ``tensor`` on every rank."""
    pg = default_group(group)
    if not 0 <= src < pg.size:
        raise ValueError(f"broadcast: src {src} is not a rank of a world of {pg.size}")
    buffer = _Buffer(tensor, "broadcast")
    pg.comm.Bcast(buffer.array, root=src)
    buffer.finish()
    return _finished(Work(), async_op)


def all_gather(tensor_list, tensor, group=None, async_op=False):
    """Fill ``tensor_list[r]`` with rank r's ``tensor`` (same shape and dtype on every rank)."""
    pg = default_group(group)
    source = np.ascontiguousarray(_array(tensor, "all_gather"))
    if len(tensor_list) != pg.size:
        raise ValueError(f"all_gather: tensor_list has {len(tensor_list)} entries, the world has {pg.size} ranks")
    gathered = np.empty((pg.size,) + source.shape, dtype=source.dtype)
    pg.comm.Allgather(source, gathered)
    for rank, target in enumerate(tensor_list):
        out = _array(target, "all_gather")
        if out.shape != source.shape:
            raise ValueError(f"all_gather: tensor_list[{rank}] has shape {out.shape}, expected {source.shape}")
        np.copyto(out, gathered[rank])
    return _finished(Work(), async_op)


def reduce_scatter(output, input_list, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce ``input_list`` elementwise over ranks; rank r receives entry r in ``output``."""
    pg = default_group(group)
    out = _Buffer(output, "reduce_scatter")
    if len(input_list) != pg.size:
        raise ValueError(f"reduce_scatter: input_list has {len(input_list)} entries, the world has {pg.size} ranks")
    pieces = [_array(item, "reduce_scatter") for item in input_list]
    for rank, piece in enumerate(pieces):
        if piece.shape != out.array.shape:
            raise ValueError(f"reduce_scatter: input_list[{rank}] has shape {piece.shape}, "
                             f"output has {out.array.shape}")
    send = np.ascontiguousarray(np.stack(pieces).astype(out.array.dtype, copy=False))
    pg.comm.Reduce_scatter_block(send, out.array, pg.mpi_op(_check_op(op)))
    if op is ReduceOp.AVG:
        np.divide(out.array, pg.size, out=out.array)
    out.finish()
    return _finished(Work(), async_op)


def barrier(group=None, async_op=False, device_ids=None):
    """Wait until every rank has reached this call."""
    default_group(group).comm.Barrier()
    return _finished(Work(), async_op)


def broadcast_object_list(object_list, src=0, group=None, device=None):
    """Replace ``object_list``'s entries on every rank with rank ``src``'s (pickled objects)."""
    pg = default_group(group)
    object_list[:] = pg.comm.bcast(list(object_list) if pg.rank == src else None, root=src)


def all_gather_object(object_list, obj, group=None):
    """Fill ``object_list[r]`` with rank r's ``obj`` (any picklable object)."""
    pg = default_group(group)
    object_list[:] = pg.comm.allgather(obj)
