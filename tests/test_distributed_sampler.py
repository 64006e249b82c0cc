"""DistributedSampler's index lists against torch's for many dataset sizes, ranks and seeds."""
import itertools

import pytest
import torch
import torch.utils.data as tdata

from minitorch_cv.utils.data import DistributedSampler

SIZES = (1, 2, 5, 10, 17, 64, 101)
REPLICAS = (1, 2, 3, 4, 7)


def _torch_lists(n, replicas, **options):
    return [list(tdata.DistributedSampler(range(n), num_replicas=replicas, rank=r, **options))
            for r in range(replicas)]


def _our_lists(n, replicas, epoch=0, **options):
    samplers = [DistributedSampler(range(n), num_replicas=replicas, rank=r, **options) for r in range(replicas)]
    for s in samplers:
        s.set_epoch(epoch)
    return [list(s) for s in samplers], [len(s) for s in samplers]


@pytest.mark.parametrize("n,replicas,drop_last", itertools.product(SIZES, REPLICAS, (False, True)))
def test_unshuffled_rule_is_torchs(n, replicas, drop_last):
    ours, lengths = _our_lists(n, replicas, shuffle=False, drop_last=drop_last)
    theirs = _torch_lists(n, replicas, shuffle=False, drop_last=drop_last)
    assert ours == theirs
    assert lengths == [len(t) for t in theirs]


@pytest.mark.parametrize("n,replicas,drop_last,seed,epoch",
                         [(n, r, d, s, e) for n, r, d in itertools.product(SIZES, REPLICAS, (False, True))
                          for s, e in ((0, 0), (3, 1), (12345, 4))])
def test_shuffled_rule_is_torchs(n, replicas, drop_last, seed, epoch):
    """seed + epoch, minitorch_cv's randperm (bit-identical to torch's), padding, striding."""
    ours, _ = _our_lists(n, replicas, epoch, shuffle=True, seed=seed, drop_last=drop_last)
    samplers = [tdata.DistributedSampler(range(n), num_replicas=replicas, rank=r, shuffle=True, seed=seed,
                                         drop_last=drop_last) for r in range(replicas)]
    for s in samplers:
        s.set_epoch(epoch)
    assert ours == [list(s) for s in samplers]


def test_every_epoch_a_different_order_the_same_on_all_ranks():
    ours0, _ = _our_lists(20, 2, epoch=0)
    ours1, _ = _our_lists(20, 2, epoch=1)
    assert sorted(ours0[0] + ours0[1]) == list(range(20)) and ours0 != ours1


def test_fewer_samples_than_ranks():
    for drop_last in (False, True):
        ours, lengths = _our_lists(2, 7, shuffle=False, drop_last=drop_last)
        assert ours == _torch_lists(2, 7, shuffle=False, drop_last=drop_last)


def test_errors_are_torchs():
    with pytest.raises(ValueError, match=r"Invalid rank 2, rank should be in the interval \[0, 1\]"):
        DistributedSampler(range(4), num_replicas=2, rank=2)
    with pytest.raises(ValueError, match=r"Invalid rank -1"):
        DistributedSampler(range(4), num_replicas=2, rank=-1)
    with pytest.raises(RuntimeError, match="Requires distributed package to be available"):
        DistributedSampler(range(4))
