"""The default process group: created by ``init_process_group``, read by every collective."""
import importlib.util
import os

from . import _world

_NOT_INITIALIZED = ("Default process group has not been initialized, please make sure to call "
                    "init_process_group.")
_group = None


class _ProcessGroup:
    """The communicator with its rank and size, and the MPI constants collectives hand it
    (``mpi`` is mpi4py's MPI module; None for the one-process world, which ignores them)."""

    def __init__(self, comm, backend, mpi=None):
        self.comm = comm
        self.backend = backend
        self.rank = comm.Get_rank()
        self.size = comm.Get_size()
        self.in_place = mpi.IN_PLACE if mpi else None
        self._ops = dict(SUM=mpi.SUM, AVG=mpi.SUM, PRODUCT=mpi.PROD, MIN=mpi.MIN, MAX=mpi.MAX) if mpi else {}

    def mpi_op(self, op):
        """MPI's operation for ``op`` (a ReduceOp; AVG is a SUM that the caller divides)."""
        return self._ops.get(op.name)


def is_available():
    return True


def is_mpi_available():
    """Whether mpi4py can be imported (the ``mpi`` extra is installed)."""
    return importlib.util.find_spec("mpi4py") is not None


def is_initialized():
    return _group is not None


def _env_int(name):
    value = os.environ.get(name)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"init_process_group: environment variable {name} must be an integer, "
                         f"got {value!r}") from None


def init_process_group(backend="mpi", init_method=None, timeout=None, world_size=-1, rank=-1, store=None,
                       group_name="", pg_options=None, device_id=None):
    """Join the job's default group: all ranks of ``mpiexec``, or a world of one.

    Only ``backend="mpi"`` exists (torch's ``gloo``/``nccl`` need torch). Under an MPI launcher
    the rank and size come from MPI; ``world_size``/``rank`` (or ``WORLD_SIZE``/``RANK``), when
    given, must agree with them. An uncaught exception on any rank then aborts the whole job.
    """
    global _group
    if _group is not None:
        raise ValueError("trying to initialize the default process group twice!")
    name = str(backend or "mpi").lower()
    if name != "mpi":
        raise ValueError(f"init_process_group: backend {backend!r} is not available in minitorch_cv; "
                         "use backend='mpi' (launched with mpiexec)")
    want_size = world_size if world_size != -1 else _env_int("WORLD_SIZE")
    want_rank = rank if rank != -1 else _env_int("RANK")
    if _world.launched_by_mpi():
        mpi = _world.import_mpi()
        group = _ProcessGroup(mpi.COMM_WORLD, name, mpi)
    elif want_size in (None, 1) and want_rank in (None, 0):
        group = _ProcessGroup(_world.SingleProcessComm(), name)
    else:
        raise RuntimeError(f"init_process_group: world size {want_size}, rank {want_rank} asked for, but this "
                           "process was not started by an MPI launcher; run it under "
                           "`mpiexec -n N python -m mpi4py script.py`")
    for label, wanted, actual in (("world size", want_size, group.size), ("rank", want_rank, group.rank)):
        if wanted is not None and wanted != actual:
            raise RuntimeError(f"init_process_group: {label} {wanted} asked for (argument or environment), "
                               f"but MPI gives {actual}")
    if group.size > 1:
        _world.abort_on_uncaught_exception(group.comm)
    _group = group


def destroy_process_group(group=None):
    """Leave the default group (MPI itself stays up until the process exits, as mpi4py arranges)."""
    global _group
    if _group is None:
        raise ValueError(_NOT_INITIALIZED)
    _group = None


def default_group(group=None):
    if _group is None:
        raise ValueError(_NOT_INITIALIZED)
    if group is not None and group is not _group:
        raise ValueError("minitorch_cv.distributed has only the default process group (group=None)")
    return _group


def get_rank(group=None):
    return default_group(group).rank


def get_world_size(group=None):
    return default_group(group).size


def get_backend(group=None):
    return default_group(group).backend
