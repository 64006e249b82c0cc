"""``DistributedSampler``: each rank's share of a dataset, with torch's exact index rule."""
import math

from ...factories import randperm
from ...random import Generator
from .sampler import Sampler


def epoch_permutation(n, seed):
    """torch's shuffle: ``randperm(n)`` from a generator seeded with ``seed`` (= seed + epoch)."""
    generator = Generator()
    generator.manual_seed(seed)
    return randperm(n, generator=generator).tolist()


class DistributedSampler(Sampler):
    """The indices of ``dataset`` that rank ``rank`` of ``num_replicas`` visits this epoch.

    As torch's: all ranks draw the same order (a permutation seeded with ``seed + epoch`` when
    ``shuffle``, else 0..N-1); with ``drop_last=False`` the list is padded with its own first
    indices up to a multiple of ``num_replicas``, with ``drop_last=True`` it is cut down to one;
    rank r takes every ``num_replicas``-th index starting at r. Call ``set_epoch(epoch)`` before
    each epoch, or every epoch repeats the first one's order.
    """

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0, drop_last=False):
        if num_replicas is None or rank is None:
            from ... import distributed as dist
            if not dist.is_initialized():
                raise RuntimeError("Requires distributed package to be available")
            num_replicas = dist.get_world_size() if num_replicas is None else num_replicas
            rank = dist.get_rank() if rank is None else rank
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        n = len(dataset)
        if drop_last and n % num_replicas != 0:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self):
        n = len(self.dataset)
        indices = epoch_permutation(n, self.seed + self.epoch) if self.shuffle else list(range(n))
        if not self.drop_last:
            padding = self.total_size - len(indices)
            if padding <= len(indices):
                indices += indices[:padding]
            else:
                indices += (indices * math.ceil(padding / len(indices)))[:padding]
        else:
            indices = indices[:self.total_size]
        return iter(indices[self.rank:self.total_size:self.num_replicas])

    def __len__(self):
        return self.num_samples

    def set_epoch(self, epoch):
        """Use ``seed + epoch`` for the next shuffle (the same on every rank)."""
        self.epoch = epoch
