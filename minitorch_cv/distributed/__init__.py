"""Process groups and collectives with ``torch.distributed``'s API, on MPI (mpi4py).

    import minitorch_cv.distributed as dist
    dist.init_process_group(backend="mpi")      # under: mpiexec -n 4 python -m mpi4py train.py
    dist.all_reduce(tensor, op=dist.ReduceOp.SUM)

Collectives work in place on minitorch_cv tensors and on NumPy arrays. Launched without an MPI
launcher (and ``WORLD_SIZE`` unset or 1) the group is a world of one process, so the same
script runs on its own without mpi4py.
"""
from .collectives import (ReduceOp, Work, all_gather, all_gather_object, all_reduce, barrier, broadcast,
                          broadcast_object_list, reduce_scatter)
from .process_group import (destroy_process_group, get_backend, get_rank, get_world_size, init_process_group,
                            is_available, is_initialized, is_mpi_available)

__all__ = ["ReduceOp", "Work", "all_gather", "all_gather_object", "all_reduce", "barrier", "broadcast",
           "broadcast_object_list", "destroy_process_group", "get_backend", "get_rank", "get_world_size",
           "init_process_group", "is_available", "is_initialized", "is_mpi_available", "reduce_scatter"]
