"""DataLoader, samplers, collate, TensorDataset, Subset and random_split (torch as reference)."""
import numpy as np
import pytest
import torch
import torch.utils.data as tud
from PIL import Image

import minitorch_cv
from minitorch_cv.utils.data import (BatchSampler, DataLoader, Dataset, RandomSampler,
                                     SequentialSampler, Subset, SubsetRandomSampler, TensorDataset,
                                     default_collate, random_split)


class Items(Dataset):
    """Per-item dataset: sample i is (float32 [2, 3] filled with i, label i)."""

    def __init__(self, n):
        self.n = n

    def __getitem__(self, i):
        return minitorch_cv.tensor(np.full((2, 3), i, dtype=np.float32)), i

    def __len__(self):
        return self.n


class ArrayBacked(Items):
    """Same samples, plus ``get_batch``; records the indices it is asked for."""

    def __init__(self, n):
        super().__init__(n)
        self.data = np.repeat(np.arange(n, dtype=np.float32), 6).reshape(n, 2, 3)
        self.requests = []

    def get_batch(self, indices):
        self.requests.append(list(indices))
        index = np.asarray(indices)
        return [minitorch_cv.from_numpy(self.data[index]), minitorch_cv.from_numpy(index.astype(np.int64))]


def _labels(loader):
    return [int(v) for _, labels in loader for v in labels.numpy()]


@pytest.mark.parametrize("drop_last,sizes", [(False, [4, 4, 2]), (True, [4, 4])])
def test_batch_sizes_and_len(drop_last, sizes):
    loader = DataLoader(Items(10), batch_size=4, drop_last=drop_last)
    batches = list(loader)
    assert len(loader) == len(sizes) == len(batches)
    assert [len(labels) for _, labels in batches] == sizes
    images, labels = batches[0]
    assert images.shape == (4, 2, 3) and images.dtype == minitorch_cv.float32
    assert labels.dtype == minitorch_cv.int64 and labels.numpy().tolist() == [0, 1, 2, 3]
    assert len(DataLoader(Items(10), batch_size=4, drop_last=drop_last)) == \
        len(tud.DataLoader(range(10), batch_size=4, drop_last=drop_last))


@pytest.mark.parametrize("dataset_cls", [Items, ArrayBacked])
def test_shuffle_seeded_and_every_sample_once(dataset_cls):
    def order(seed):
        g = minitorch_cv.Generator().manual_seed(seed)
        loader = DataLoader(dataset_cls(50), batch_size=8, shuffle=True, generator=g)
        return _labels(loader), _labels(loader)

    first_epoch, second_epoch = order(7)
    assert (first_epoch, second_epoch) == order(7)
    assert sorted(first_epoch) == sorted(second_epoch) == list(range(50))
    assert first_epoch != second_epoch and first_epoch != list(range(50))
    assert order(8)[0] != first_epoch


def test_manual_seed_fixes_the_global_shuffle():
    loader = DataLoader(Items(30), batch_size=4, shuffle=True)
    minitorch_cv.manual_seed(11)
    first = _labels(loader)
    minitorch_cv.manual_seed(11)
    assert _labels(loader) == first


def test_get_batch_fast_path_equals_item_path():
    fast = ArrayBacked(23)
    slow = DataLoader(ArrayBacked(23), batch_size=5, collate_fn=default_collate)
    batches = list(DataLoader(fast, batch_size=5))
    assert fast.requests == [list(range(i, min(i + 5, 23))) for i in range(0, 23, 5)]
    for (x1, y1), (x2, y2) in zip(batches, slow):
        np.testing.assert_array_equal(x1.numpy(), x2.numpy())
        np.testing.assert_array_equal(y1.numpy(), y2.numpy())
        assert (x1.dtype, y1.dtype) == (x2.dtype, y2.dtype)


def test_get_batch_returning_none_falls_back_to_items():
    class Declines(Items):
        def get_batch(self, indices):
            return None

    assert _labels(DataLoader(Declines(7), batch_size=3)) == list(range(7))


def test_subset_forwards_batches_and_random_split_keeps_the_fast_path():
    data = ArrayBacked(20)
    train, val = random_split(data, [15, 5], generator=minitorch_cv.Generator().manual_seed(0))
    seen = _labels(DataLoader(train, batch_size=4)) + _labels(DataLoader(val, batch_size=4))
    assert sorted(seen) == list(range(20))
    assert all(len(r) <= 4 for r in data.requests) and sum(map(len, data.requests)) == 20
    assert Subset(Items(10), [3, 1])[1][1] == 1
    assert [s[1] for s in Subset(ArrayBacked(10), [4, 2, 9])] == [4, 2, 9]


def test_random_split_like_torch():
    for lengths in ([0.7, 0.2, 0.1], [0.33, 0.33, 0.34], [3, 7]):
        ours = random_split(Items(10), lengths, generator=minitorch_cv.Generator().manual_seed(1))
        theirs = tud.random_split(range(10), lengths, generator=torch.Generator().manual_seed(1))
        assert [len(s) for s in ours] == [len(s) for s in theirs]
        indices = [i for s in ours for i in s.indices]
        assert sorted(indices) == list(range(10))
    again = random_split(Items(10), [5, 5], generator=minitorch_cv.Generator().manual_seed(1))
    assert again[0].indices == random_split(Items(10), [5, 5],
                                            generator=minitorch_cv.Generator().manual_seed(1))[0].indices
    with pytest.raises(ValueError, match="does not equal the length"):
        random_split(Items(10), [5, 6])
    with pytest.raises(ValueError, match="not between 0 and 1"):
        random_split(Items(10), [1.5, -0.5])


def test_tensor_dataset_loader_matches_torch():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((13, 3, 4, 4)).astype(np.float32), rng.integers(0, 10, 13)
    ours = DataLoader(TensorDataset(minitorch_cv.tensor(x), minitorch_cv.tensor(y)), batch_size=5)
    theirs = tud.DataLoader(tud.TensorDataset(torch.tensor(x), torch.tensor(y)), batch_size=5)
    for (a, b), (c, d) in zip(ours, theirs):
        np.testing.assert_array_equal(a.numpy(), c.numpy())
        np.testing.assert_array_equal(b.numpy(), d.numpy())
    assert len(TensorDataset(minitorch_cv.tensor(x))) == 13
    with pytest.raises(ValueError, match="Size mismatch"):
        TensorDataset(minitorch_cv.tensor(x), minitorch_cv.tensor(y[:4]))


def _assert_collated_alike(ours, theirs, path="batch"):
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, minitorch_cv.Tensor), path
        assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1], path
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy(), err_msg=path)
    elif isinstance(theirs, dict):
        assert ours.keys() == theirs.keys(), path
        for key in theirs:
            _assert_collated_alike(ours[key], theirs[key], f"{path}[{key!r}]")
    elif isinstance(theirs, (list, tuple)) and not isinstance(theirs[0], str):
        assert type(ours) is type(theirs) and len(ours) == len(theirs), path
        for i, (a, b) in enumerate(zip(ours, theirs)):
            _assert_collated_alike(a, b, f"{path}[{i}]")
    else:
        assert ours == theirs, path


def test_default_collate_matches_torch():
    rng = np.random.default_rng(0)
    samples = [{"image": rng.standard_normal((2, 2)).astype(np.float32), "label": i, "w": 0.5 * i,
                "name": f"s{i}", "flag": i % 2 == 0, "pair": (np.int64(i), [i, i + 1])}
               for i in range(4)]
    theirs = tud.default_collate(samples)
    _assert_collated_alike(default_collate(samples), theirs)


def test_collate_errors_are_clear():
    with pytest.raises(TypeError, match="ToTensor"):
        default_collate([(Image.new("RGB", (2, 2)), 0)] * 2)
    with pytest.raises(RuntimeError, match=r"equal size, but got \[2\] at entry 0 and \[3\] at entry 1"):
        default_collate([minitorch_cv.from_numpy(np.zeros(2)), minitorch_cv.from_numpy(np.zeros(3))])
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([[1, 2], [1]])


def test_samplers():
    assert list(SequentialSampler(range(4))) == [0, 1, 2, 3]
    g = minitorch_cv.Generator().manual_seed(0)
    drawn = list(RandomSampler(range(5), replacement=True, num_samples=40, generator=g))
    assert len(drawn) == 40 and set(drawn) <= set(range(5))
    long = list(RandomSampler(range(5), num_samples=12, generator=g))
    assert sorted(long[:10]) == sorted(list(range(5)) * 2) and len(long) == 12
    assert sorted(SubsetRandomSampler([3, 8, 9], generator=g)) == [3, 8, 9]
    batches = list(BatchSampler(SequentialSampler(range(7)), 3, drop_last=False))
    assert batches == [[0, 1, 2], [3, 4, 5], [6]]
    with pytest.raises(ValueError, match="batch_size"):
        BatchSampler(range(3), 0, False)
    with pytest.raises(ValueError, match="num_samples"):
        RandomSampler(range(3), num_samples=0)
    loader = DataLoader(Items(7), batch_sampler=BatchSampler(SequentialSampler(range(7)), 2, True))
    assert _labels(loader) == list(range(6)) and len(loader) == 3


def test_argument_errors():
    with pytest.raises(ValueError, match="mutually exclusive with shuffle"):
        DataLoader(Items(3), sampler=SequentialSampler(range(3)), shuffle=True)
    with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive"):
        DataLoader(Items(3), batch_size=2, batch_sampler=[[0, 1]])
    with pytest.raises(ValueError, match="num_workers"):
        DataLoader(Items(3), num_workers=-1)
