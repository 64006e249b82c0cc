"""``--distributed``: data-parallel training over the ranks of ``mpiexec``, on either backend.

    mpiexec -n 2 python -m mpi4py examples/train_cifar.py --distributed --threads 1 ...

Every rank builds the whole global batch of ``--batch-size`` images (the same order and
augmentation as a one-process run, so results do not depend on the number of ranks) and
trains on its share of it; DistributedDataParallel averages the gradients. A share's loss is
weighted by (share size x ranks / batch size), which makes the average over ranks the mean over
the global batch even when the batch does not split evenly; a rank whose share is empty (a last
batch smaller than the number of ranks) contributes a zero-weighted image. The test set is split
over the ranks too. Rank 0 alone reads and writes the run folder and prints; what it reads
(checkpoint, whether a run exists) it passes to the others, so a multi-machine job needs the run
folder on rank 0's machine only. The stop request of Ctrl-C is agreed on by all ranks every step.

numpy backend: ``minitorch_cv.distributed`` on MPI. torch backend: ``torch.distributed`` with
gloo, its rank and size taken from the MPI launcher's variables (MASTER_ADDR defaults to
127.0.0.1 and MASTER_PORT to 29500: set both for several machines).
"""
import atexit
import os
import sys

import numpy as np

from . import data
from .loop import evaluate as evaluate_locally

_RANK_VARIABLES = (("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"), ("PMI_RANK", "PMI_SIZE"),
                   ("PMIX_RANK", "PMIX_SIZE"))


def add_arguments(parser):
    parser.add_argument("--distributed", action="store_true",
                        help="data-parallel over the ranks of `mpiexec -n N python -m mpi4py ...` "
                             "(--batch-size is the global batch, split over the ranks)")


def setup(args, backend):
    """The group this process trains in: ``Local`` without --distributed, else ``Distributed``."""
    return Distributed(backend) if args.distributed else Local(backend)


class Local:
    """One process: every hook leaves the single-process script as it was."""

    rank, world, is_main = 0, 1, True

    def __init__(self, backend):
        self.backend = backend

    def agree(self, value):
        """Rank 0's ``value`` on every rank."""
        return value

    def on_rank0(self, read, errors):
        """``read()`` run by rank 0 alone; its result, or the exception of class ``errors`` it
        raised, reaches every rank."""
        outcome = None
        if self.is_main:
            try:
                outcome = (True, read())
            except errors as error:
                outcome = (False, error)
        succeeded, value = self.agree(outcome)
        if not succeeded:
            raise value
        return value

    def training_model(self, model):
        return model

    def stop(self, stop_requested):
        return stop_requested

    train_step = None   # train_epoch's own: one process's step

    def evaluate(self, model, criterion, test_set, batch_size, stop_requested):
        return evaluate_locally(self.backend, model, criterion, data.eval_batches(test_set, batch_size),
                                stop_requested)

    def record(self):
        return {}


def _launcher_rank_and_size():
    for rank_name, size_name in _RANK_VARIABLES:
        if rank_name in os.environ and size_name in os.environ:
            return int(os.environ[rank_name]), int(os.environ[size_name])
    raise SystemExit("train_cifar.py: --distributed needs an MPI launcher: "
                     "mpiexec -n N python -m mpi4py examples/train_cifar.py --distributed ...")


class Distributed(Local):
    """A rank of an MPI job, training with the backend's DistributedDataParallel."""

    def __init__(self, backend):
        super().__init__(backend)
        self.dist = backend.lib.distributed
        if backend.name == "numpy":
            self.dist.init_process_group("mpi")
        else:
            rank, world = _launcher_rank_and_size()
            os.environ.setdefault("RANK", str(rank))
            os.environ.setdefault("WORLD_SIZE", str(world))
            os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
            os.environ.setdefault("MASTER_PORT", "29500")
            self._abort_job_on_exception()
            self.dist.init_process_group("gloo")
        atexit.register(self._leave)
        self.rank, self.world = self.dist.get_rank(), self.dist.get_world_size()
        self.is_main = self.rank == 0
        self._model = self._wrapped = None
        self._stop_requested = lambda: False
        self._stop_agreed = False
        if not self.is_main:
            sys.stdout = open(os.devnull, "w")

    def _leave(self):
        """Leave the group before Python shuts down: gloo's threads still running then abort the process."""
        if self.dist.is_initialized():
            self.dist.destroy_process_group()

    @staticmethod
    def _abort_job_on_exception():
        """gloo would leave the other ranks waiting for a rank that raised: abort through MPI."""
        try:
            from mpi4py import MPI
        except ImportError:
            return
        from minitorch_cv.distributed._world import abort_on_uncaught_exception
        abort_on_uncaught_exception(MPI.COMM_WORLD)

    def agree(self, value):
        shared = [value]
        self.dist.broadcast_object_list(shared, src=0)
        return shared[0]

    def training_model(self, model):
        """``model`` in DistributedDataParallel; on the numpy backend its BatchNorm layers become
        SyncBatchNorm (global batch statistics, so BatchNorm models do not depend on the number of
        ranks either; torch's SyncBatchNorm refuses CPU tensors, so the torch backend keeps
        per-rank statistics). The layers are swapped inside ``model``: its state_dict keys stay."""
        if self._model is not model:
            self._model = model
            if self.backend.name == "numpy":
                self.backend.lib.nn.SyncBatchNorm.convert_sync_batchnorm(model)
            self._wrapped = self.backend.lib.nn.parallel.DistributedDataParallel(model)
        return self._wrapped

    def stop(self, stop_requested):
        self._stop_requested = stop_requested
        return lambda: self._stop_agreed

    def _sum_over_ranks(self, *values):
        totals = np.array(values, dtype=np.float64)
        self.dist.all_reduce(self.backend.tensor(totals))
        return totals

    def train_step(self, model, criterion, optimizer, images, labels):
        """One step on this rank's share of the global batch; the global (loss, correct) back."""
        size = len(labels)
        start, end = size * self.rank // self.world, size * (self.rank + 1) // self.world
        weight = (end - start) * self.world / size
        share = slice(start, end) if end > start else slice(0, 1)
        outputs = model(images[share])
        loss = criterion(outputs, labels[share])
        optimizer.zero_grad()
        (loss * weight).backward()
        optimizer.step()
        correct = int((outputs.argmax(1) == labels[share]).sum().item()) if end > start else 0
        loss_sum, correct, stop = self._sum_over_ranks(loss.item() * (end - start), correct,
                                                       float(self._stop_requested()))
        self._stop_agreed = stop > 0
        return loss_sum / size, int(correct)

    def evaluate(self, model, criterion, test_set, batch_size, stop_requested):
        from minitorch_cv.utils.data import Subset
        shard = Subset(test_set, range(self.rank, len(test_set), self.world))
        result = evaluate_locally(self.backend, model, criterion, data.eval_batches(shard, batch_size)) \
            if len(shard) else (0.0, 0.0)
        loss_sum, correct, stop = self._sum_over_ranks(result[0] * len(shard), result[1] * len(shard),
                                                       float(stop_requested()))
        return None if stop else (loss_sum / len(test_set), round(correct) / len(test_set))

    def record(self):
        return {"ranks": self.world}
