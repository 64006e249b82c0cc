"""``DataLoader``: batches of a dataset in sampler order, collated into minitorch_cv tensors."""
import collections.abc

import numpy as np

from ... import _draws
from ...functional import stack
from ...tensor import Tensor
from .sampler import BatchSampler, RandomSampler, SequentialSampler


def _stack_tensors(tensors):
    shapes = {tuple(t.shape) for t in tensors}
    if len(shapes) > 1:
        first = tuple(tensors[0].shape)
        other = next(i for i, t in enumerate(tensors) if tuple(t.shape) != first)
        raise RuntimeError(f"default_collate: stack expects each tensor to be equal size, but got "
                           f"{list(first)} at entry 0 and {list(tensors[other].shape)} at entry {other}")
    if any(t.requires_grad for t in tensors):
        return stack(tensors)
    return Tensor._wrap(np.stack([t._data for t in tensors]))


def default_collate(batch):
    """Merge a list of samples into a batch, as ``torch.utils.data.default_collate`` does.

    Tensors and arrays are stacked along a new first dimension; Python ints become an int64
    tensor, floats a float64 one; strings stay a list; dicts, tuples and lists are collated
    field by field (a tuple of fields comes back as a list, as in torch).
    """
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _stack_tensors(batch)
    if isinstance(elem, np.ndarray) and elem.dtype.kind in "biuf":
        return _stack_tensors([Tensor._wrap(np.asarray(a)) for a in batch])
    if isinstance(elem, np.generic) and elem.dtype.kind in "biuf":
        return Tensor._wrap(np.array(batch))
    if isinstance(elem, bool):
        return Tensor._wrap(np.array(batch, dtype=np.bool_))
    if isinstance(elem, int):
        return Tensor._wrap(np.array(batch, dtype=np.int64))
    if isinstance(elem, float):
        return Tensor._wrap(np.array(batch, dtype=np.float64))
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        return {key: default_collate([sample[key] for sample in batch]) for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return type(elem)(*(default_collate(list(field)) for field in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        if any(len(sample) != len(elem) for sample in batch):
            raise RuntimeError("default_collate: each element in list of batch should be of equal size")
        return [default_collate(list(field)) for field in zip(*batch)]
    hint = (" Add transforms.ToTensor() to the dataset's transform."
            if type(elem).__module__.startswith("PIL.") else "")
    raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, dicts or "
                    f"lists; found {type(elem)}.{hint}")


class DataLoader:
    """Iterate over ``dataset`` in batches, like ``torch.utils.data.DataLoader``.

    Args:
        dataset: a map-style dataset (``__getitem__`` and ``__len__``).
        batch_size (int): samples per batch. Default 1.
        shuffle (bool): a new random order every epoch, drawn from ``generator``.
        sampler / batch_sampler: custom index order / custom index groups (exclusive with
            shuffle; batch_sampler also with batch_size, sampler and drop_last).
        num_workers (int): accepted for compatibility; loading always runs in this process.
            Array-backed datasets (CIFAR10, TensorDataset) build whole batches with
            ``get_batch`` instead, which is faster than worker processes would be.
        collate_fn: merges a list of samples; default ``default_collate``. Giving one turns
            the ``get_batch`` fast path off.
        pin_memory (bool): accepted for compatibility; there is no device memory to pin.
        drop_last (bool): drop the last batch when it is short.
        generator (minitorch_cv.Generator): source of the shuffling order (default: global).

    Example::

        loader = DataLoader(train_set, batch_size=64, shuffle=True)
        for images, labels in loader:   # float32 [64, 3, 32, 32], int64 [64]
            ...
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False,
                 generator=None, persistent_workers=False):
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None and (batch_size != 1 or shuffle or sampler is not None
                                          or drop_last):
            raise ValueError("DataLoader: batch_sampler option is mutually exclusive with "
                             "batch_size, shuffle, sampler, and drop_last")
        if num_workers < 0:
            raise ValueError("DataLoader: num_workers option should be non-negative; use "
                             "num_workers=0 to disable multiprocessing.")
        if batch_size is None:
            raise ValueError("DataLoader: batch_size=None (no automatic batching) is not supported; "
                             "use batch_size=1 or index the dataset directly")
        if sampler is None:
            sampler = (RandomSampler(dataset, generator=generator) if shuffle
                       else SequentialSampler(dataset))
        if batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        else:
            batch_size, drop_last = None, False
        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self.persistent_workers = persistent_workers
        self.generator = generator
        self.collate_fn = default_collate if collate_fn is None else collate_fn
        self._get_batch = getattr(dataset, "get_batch", None) if collate_fn is None else None

    def __iter__(self):
        batches = iter(self.batch_sampler)
        # torch draws its workers' base seed here, before the sampler's first draw; drawing it
        # too keeps the global generator, and so the shuffled order, in step with torch's.
        _draws.bits(np.empty((), np.int64), self.generator)
        for indices in batches:
            yield self._fetch(indices)

    def _fetch(self, indices):
        if self._get_batch is not None:
            batch = self._get_batch(indices)
            if batch is not None:
                return batch
        return self.collate_fn([self.dataset[i] for i in indices])

    def __len__(self):
        return len(self.batch_sampler)
