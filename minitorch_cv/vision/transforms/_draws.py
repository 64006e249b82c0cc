"""torchvision's random draws for the transforms, from minitorch_cv's torch-identical generator.

Per image, the transforms make torchvision's calls (``torch.randint(0, n, (1,))``,
``torch.rand(1) < p``, ``torch.randperm(4)``, ``torch.empty(1).uniform_(a, b)``) on the same
stream, so after the same seed they crop, flip and jitter as torchvision does. A batch must
consume the stream as the per-image loop would: image 0's words for every random transform,
then image 1's, ... ``Compose.apply_batch`` therefore counts each random transform's words per
image on a one-image dry run (``WordCounter``), draws one [images, words] block per generator
and hands every transform its columns (``SampleWords``), which it reads like a generator.
"""
import numpy as np

from ... import _draws
from ...random import resolve


def randint(high, generator):
    """``torch.randint(0, high, size=(1,)).item()``."""
    return int(_draws.integers(np.empty(1, np.int64), 0, high, generator)[0])


def rand(generator):
    """``torch.rand(1)`` as a float32 scalar."""
    return _draws.uniform(np.empty(1, np.float32), 0.0, 1.0, generator)[0]


def uniform(low, high, generator):
    """``float(torch.empty(1).uniform_(low, high))``."""
    return float(_draws.uniform(np.empty(1, np.float32), low, high, generator)[0])


def randperm(n, generator):
    """``torch.randperm(n)`` as an int64 array."""
    return _draws.permutation(n, generator)


def unit_floats(words):
    """``torch.rand`` values from 32-bit words: the low 24 bits as a float32 fraction."""
    return (words & np.uint32(0xFFFFFF)).astype(np.float32) * np.float32(2.0 ** -24)


def below(words, high):
    """``torch.randint(0, high)`` values from 32-bit words (ranges under 2**28 take one word each)."""
    if high >= 1 << 28:
        raise ValueError(f"random offsets below {high} need 64-bit draws; images are never that large")
    return (words.astype(np.int64) % high).astype(np.int64)


class SampleWords:
    """One transform's columns of a batch's words: ``words(count)`` hands out the next
    ``count // images`` columns, image by image, as the per-image loop would draw them."""

    def __init__(self, columns):
        self.columns = columns
        self.used = 0

    def words(self, count):
        per_image = count // len(self.columns) if len(self.columns) else 0
        block = self.columns[:, self.used:self.used + per_image]
        self.used += per_image
        return np.ascontiguousarray(block).ravel()


class WordCounter:
    """Stands in for a generator on a one-image dry run: counts the words asked for."""

    def __init__(self):
        self.count = 0

    def words(self, count):
        self.count += count
        return np.zeros(count, np.uint32)


def is_random(transform):
    return hasattr(transform, "generator") and callable(getattr(transform, "apply_batch", None))


def word_counts(transforms, batch):
    """{index: words per image} of the random transforms, from a dry run on the first image."""
    counters, probe = {}, batch[:1]
    for index, transform in enumerate(transforms):
        if is_random(transform):
            counters[index] = WordCounter()
            probe = transform.apply_batch(probe, counters[index])
        else:
            probe = transform.apply_batch(probe)
    return {index: counter.count for index, counter in counters.items()}


def sources(transforms, batch, counts):
    """{index: SampleWords} for the random transforms among ``transforms`` applied to ``batch``,
    given their ``word_counts``."""
    groups = {}
    for index, count in counts.items():
        generator = resolve(transforms[index].generator)
        groups.setdefault(id(generator), (generator, []))[1].append((index, count))
    result = {}
    for generator, members in groups.values():
        total = sum(count for _, count in members)
        block = generator.words(len(batch) * total).reshape(len(batch), total)
        start = 0
        for index, count in members:
            result[index] = SampleWords(block[:, start:start + count])
            start += count
    return result
