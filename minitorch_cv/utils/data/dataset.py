"""Map-style datasets: ``Dataset``, ``TensorDataset``, ``Subset`` and ``random_split``."""
import itertools
import math

import numpy as np

from ... import _draws
from ...tensor import Tensor


class Dataset:
    """Base class of map-style datasets: subclasses define ``__getitem__`` and ``__len__``.

    Optional fast path: ``get_batch(indices)`` returns the batch for ``indices`` already
    collated (what ``default_collate`` would make of the items), or ``None`` when the
    dataset cannot build it in its current configuration. The DataLoader calls it, when
    present and no custom ``collate_fn`` is given, instead of fetching item by item.
    """

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")


class TensorDataset(Dataset):
    """Samples are the ``index``-th rows of tensors that share their first dimension."""

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        sizes = [t.shape[0] if t.ndim else None for t in tensors]
        if any(size != sizes[0] for size in sizes) or sizes[0] is None:
            raise ValueError(f"Size mismatch between tensors: first dimensions are {sizes}")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        return self.tensors[0].shape[0]

    def get_batch(self, indices):
        """The rows ``indices`` of every tensor, gathered in one indexing operation each."""
        index = np.asarray(indices, dtype=np.int64)
        return [t[index] if t.requires_grad else Tensor._wrap(t._data[index]) for t in self.tensors]


class Subset(Dataset):
    """The samples of ``dataset`` at positions ``indices``, in that order."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, index):
        if isinstance(index, list):
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __len__(self):
        return len(self.indices)

    def get_batch(self, indices):
        """Forward a whole batch to the wrapped dataset when it can build batches itself."""
        get_batch = getattr(self.dataset, "get_batch", None)
        if get_batch is None:
            return None
        return get_batch([self.indices[i] for i in indices])


def _lengths_from_fractions(fractions, total):
    """torch's rule: floor each share, then hand the remainder out one by one from the front."""
    lengths = []
    for i, frac in enumerate(fractions):
        if not 0 <= frac <= 1:
            raise ValueError(f"Fraction at index {i} is not between 0 and 1")
        lengths.append(int(math.floor(total * frac)))
    for i in range(total - sum(lengths)):
        lengths[i % len(lengths)] += 1
    return lengths


def random_split(dataset, lengths, generator=None):
    """Split ``dataset`` into non-overlapping random ``Subset``s of the given lengths.

    ``lengths`` are counts summing to ``len(dataset)`` or fractions summing to 1. The
    permutation comes from ``generator`` (default: the global one), so a seed fixes it.
    """
    lengths = list(lengths)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        lengths = _lengths_from_fractions(lengths, len(dataset))
    if sum(lengths) != len(dataset):
        raise ValueError(f"Sum of input lengths ({sum(lengths)}) does not equal the length of the "
                         f"input dataset ({len(dataset)})!")
    indices = _draws.permutation(len(dataset), generator).tolist()
    return [Subset(dataset, indices[end - length:end])
            for end, length in zip(itertools.accumulate(lengths), lengths)]
