"""One batch source for both backends: minitorch_cv's CIFAR10 and DataLoader, as NumPy arrays.

Each epoch's order is a permutation drawn from (seed, epoch), and the augmentation generator
is reseeded from (seed, epoch, batch) just before each batch is built. Every batch is thus a
function of its position alone: a resumed run skips the batches already done and sees exactly
the ones an uninterrupted run would have seen, on either backend.
"""
import numpy as np

import minitorch_cv
from minitorch_cv.utils.data import DataLoader, RandomSampler, Subset
from minitorch_cv.vision import datasets, transforms

from .recipes import CIFAR_MEAN, CIFAR_STD


def derived_seed(*keys):
    """A 64-bit seed that depends on every key (NumPy's SeedSequence mixing)."""
    return int(np.random.SeedSequence([int(k) for k in keys]).generate_state(1, np.uint64)[0])


def cifar_split(data_dir, train, limit=None, augment_generator=None, download=False, normalize="none"):
    """The CIFAR-10 training or test set as tensors in [0, 1] (the tutorial's ``ToTensor``).

    With ``augment_generator``, training images also get ``RandomCrop(32, padding=4)`` and a
    horizontal flip drawn from that generator. ``normalize="cifar"`` then standardizes each
    channel with CIFAR-10's mean and std. ``limit`` keeps the first ``limit`` images.
    """
    steps = []
    if augment_generator is not None:
        steps = [transforms.RandomCrop(32, padding=4, generator=augment_generator),
                 transforms.RandomHorizontalFlip(generator=augment_generator)]
    steps.append(transforms.ToTensor())
    if normalize == "cifar":
        steps.append(transforms.Normalize(CIFAR_MEAN, CIFAR_STD))
    transform = transforms.Compose(steps)
    dataset = datasets.CIFAR10(data_dir, train=train, transform=transform, download=download)
    if limit is not None:
        dataset = Subset(dataset, range(min(limit, len(dataset))))
    return dataset


class EpochBatches:
    """Index batches of one epoch, from batch ``start`` on (a DataLoader ``batch_sampler``).

    The order comes from (seed, epoch); before handing out batch k it reseeds
    ``augment_generator`` (when given) from (seed, epoch, k), so that batch's random crops and
    flips are fixed too, whatever batches were skipped before it.
    """

    def __init__(self, size, batch_size, seed, epoch, start=0, augment_generator=None):
        self.size = size
        self.batch_size = batch_size
        self.seed = seed
        self.epoch = epoch
        self.start = start
        self.augment_generator = augment_generator

    def __len__(self):
        return batches_per_epoch(self.size, self.batch_size) - self.start

    def __iter__(self):
        order_generator = minitorch_cv.Generator().manual_seed(derived_seed(self.seed, self.epoch))
        order = list(RandomSampler(range(self.size), generator=order_generator))
        for k in range(self.start, self.start + len(self)):
            if self.augment_generator is not None:
                self.augment_generator.manual_seed(derived_seed(self.seed, self.epoch, k))
            yield order[k * self.batch_size:(k + 1) * self.batch_size]


def batches_per_epoch(size, batch_size):
    """Batches in an epoch of ``size`` images; the last one may be short, as in the tutorial."""
    return -(-size // batch_size)


def train_batches(dataset, batch_size, seed, epoch, start=0, augment_generator=None):
    """(images, labels) NumPy batches of epoch ``epoch`` from batch ``start`` on."""
    sampler = EpochBatches(len(dataset), batch_size, seed, epoch, start, augment_generator)
    for images, labels in DataLoader(dataset, batch_sampler=sampler):
        yield images.numpy(), labels.numpy()


def eval_batches(dataset, batch_size):
    """(images, labels) NumPy batches of the whole set in order."""
    for images, labels in DataLoader(dataset, batch_size=batch_size):
        yield images.numpy(), labels.numpy()
