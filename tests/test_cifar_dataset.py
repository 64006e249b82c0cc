"""CIFAR10 read from small batch files written here in the official layout, against torchvision.

Also: a Python-2 style batch, clear errors for missing / truncated / wrong files, malicious
pickles refused without running anything, and the DataLoader's batch path equal to the
per-item path and to torchvision's DataLoader.
"""
import os
import pickle

import numpy as np
import pytest
import torch
import torch.utils.data as tud
import torchvision
import torchvision.transforms as T

import minitorch_cv
from minitorch_cv.utils.data import DataLoader, default_collate
from minitorch_cv.vision import datasets, transforms as M

CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
BATCHES = ["data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5", "test_batch"]
MEAN, STD = (0.4914, 0.4822, 0.4465), (0.247, 0.243, 0.261)


def write_cifar(root, per_batch=12, protocol=4, array_wrapper=None):
    """Write a tiny CIFAR-10 in the official layout under ``root``; return {name: (data, labels)}."""
    folder = os.path.join(root, "cifar-10-batches-py")
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(0)
    written = {}
    for name in BATCHES:
        data = rng.integers(0, 256, (per_batch, 3072), dtype=np.uint8)
        labels = rng.integers(0, 10, per_batch).tolist()
        entry = {"batch_label": f"{name} of 1", "labels": labels,
                 "data": array_wrapper(data) if array_wrapper else data,
                 "filenames": [f"{name}_{i}.png" for i in range(per_batch)]}
        _dump(os.path.join(folder, name), entry, protocol)
        written[name] = (data, labels)
    _dump(os.path.join(folder, "batches.meta"),
          {"num_cases_per_batch": per_batch, "label_names": CLASSES, "num_vis": 3072}, protocol)
    return written


def _dump(path, obj, protocol):
    with open(path, "wb") as f:
        pickle.dump(obj, f, protocol=protocol)


class TorchvisionCIFAR10(torchvision.datasets.CIFAR10):
    """torchvision's reader without its md5 check (it only knows the official files' sums)."""

    train_list = [[name, None] for name in BATCHES[:5]]
    test_list = [["test_batch", None]]
    meta = {**torchvision.datasets.CIFAR10.meta, "md5": None}


@pytest.mark.parametrize("protocol", [2, 4, 5])
@pytest.mark.parametrize("train", [True, False])
def test_reads_what_torchvision_reads(tmp_path, protocol, train):
    write_cifar(tmp_path, protocol=protocol)
    ours = datasets.CIFAR10(tmp_path, train=train)
    theirs = TorchvisionCIFAR10(str(tmp_path), train=train)
    assert len(ours) == len(theirs) == (60 if train else 12)
    assert ours.data.shape == theirs.data.shape and ours.data.dtype == np.uint8
    np.testing.assert_array_equal(ours.data, theirs.data)
    assert ours.targets == theirs.targets and isinstance(ours.targets, list)
    assert ours.classes == theirs.classes == CLASSES and ours.class_to_idx == theirs.class_to_idx
    for i in (0, 5, len(ours) - 1):
        (img, label), (their_img, their_label) = ours[i], theirs[i]
        assert img.mode == "RGB" and img.size == (32, 32) and label == their_label
        np.testing.assert_array_equal(np.asarray(img), np.asarray(their_img))


class Python2Array:
    """Pickles an array as Python 2 did: the raw bytes as a (latin-1) str."""

    def __init__(self, array):
        self.array = array

    def __reduce__(self):
        fn, args, (version, shape, dtype, fortran, raw) = self.array.__reduce__()
        return fn, args, (version, shape, dtype, fortran, raw.decode("latin1"))


def test_reads_python2_style_batches(tmp_path):
    written = write_cifar(tmp_path, protocol=2, array_wrapper=Python2Array)
    for name in BATCHES:  # protocol 2 writes module names as text lines: use numpy 1.x's name
        path = tmp_path / "cifar-10-batches-py" / name
        path.write_bytes(path.read_bytes().replace(b"numpy._core.multiarray", b"numpy.core.multiarray"))
    test = datasets.CIFAR10(tmp_path, train=False)
    data, labels = written["test_batch"]
    np.testing.assert_array_equal(test.data, data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
    assert test.targets == labels


def test_missing_file_names_it_and_says_what_to_do(tmp_path):
    write_cifar(tmp_path)
    os.remove(tmp_path / "cifar-10-batches-py" / "data_batch_3")
    with pytest.raises(FileNotFoundError, match=r"data_batch_3.*download=True"):
        datasets.CIFAR10(tmp_path, train=True)
    assert len(datasets.CIFAR10(tmp_path, train=False)) == 12
    with pytest.raises(FileNotFoundError, match=r"no folder .*elsewhere.*cifar-10-batches-py"):
        datasets.CIFAR10(tmp_path / "elsewhere", train=False)


def test_truncated_batch_is_reported(tmp_path):
    write_cifar(tmp_path)
    path = tmp_path / "cifar-10-batches-py" / "data_batch_2"
    path.write_bytes(path.read_bytes()[:20000])
    with pytest.raises(RuntimeError, match=r"data_batch_2 is truncated or corrupt.*download=True"):
        datasets.CIFAR10(tmp_path, train=True)


@pytest.mark.parametrize("entry,problem", [
    ({"data": np.zeros((3, 100), np.uint8), "labels": [0, 1, 2]}, "uint8 array"),
    ({"data": np.zeros((3, 3072), np.float32), "labels": [0, 1, 2]}, "uint8 array"),
    ({"data": np.zeros((3, 3072), np.uint8), "labels": [0, 1]}, "list of 3 ints"),
    ({"data": np.zeros((3, 3072), np.uint8), "labels": [0, 1, 10]}, r"ints in \[0, 10\)"),
    ([1, 2, 3], "expected a dict"),
])
def test_wrong_batch_content_is_reported(tmp_path, entry, problem):
    write_cifar(tmp_path)
    _dump(tmp_path / "cifar-10-batches-py" / "test_batch", entry, 4)
    with pytest.raises(RuntimeError, match=rf"test_batch .*{problem}"):
        datasets.CIFAR10(tmp_path, train=False)


class RunsCode:
    def __init__(self, fn, *args):
        self.call = (fn, args)

    def __reduce__(self):
        return self.call


class CraftedDtype:
    """A dtype whose pickled state claims it holds Python objects."""

    def __init__(self, spec, flags):
        self.spec, self.flags = spec, flags

    def __reduce__(self):
        return np.dtype, (self.spec, False, True), (3, "|", None, None, None, 8, 1, self.flags)


@pytest.mark.parametrize("payload", [
    lambda marker: RunsCode(os.system, f"touch {marker}"),
    lambda marker: RunsCode(exec, f"open({str(marker)!r}, 'w').close()"),
    lambda marker: RunsCode(np.save, str(marker), np.zeros(1)),
    lambda marker: np.array([1, "x"], dtype=object),
    lambda marker: CraftedDtype("V8", 63),
    lambda marker: CraftedDtype("u1", 63),
    lambda marker: RunsCode(np.ndarray, (1,), "O", b"\0" * 8),
])
def test_malicious_pickle_is_refused_without_running_it(tmp_path, payload):
    write_cifar(tmp_path)
    marker = tmp_path / "pwned"
    _dump(tmp_path / "cifar-10-batches-py" / "batches.meta",
          {"label_names": CLASSES, "evil": payload(marker)}, 4)
    with pytest.raises(datasets.UnsafePickleError, match=r"refusing to load .*batches.meta"):
        datasets.CIFAR10(tmp_path, train=False)
    assert not marker.exists()


def test_without_transform_items_are_pil_and_collate_says_to_add_to_tensor(tmp_path):
    write_cifar(tmp_path)
    loader = DataLoader(datasets.CIFAR10(tmp_path, train=False), batch_size=4)
    with pytest.raises(TypeError, match="ToTensor"):
        next(iter(loader))


def test_tutorial_loading_code(tmp_path):
    write_cifar(tmp_path)
    test_set = datasets.CIFAR10(root=tmp_path, train=False, download=False, transform=M.ToTensor())
    batches = list(DataLoader(test_set, batch_size=5))
    images, labels = batches[0]
    assert images.shape == (5, 3, 32, 32) and images.dtype == minitorch_cv.float32
    assert labels.shape == (5,) and labels.dtype == minitorch_cv.int64
    assert 0.0 <= images.numpy().min() and images.numpy().max() <= 1.0
    assert [len(y) for _, y in batches] == [5, 5, 2]


@pytest.mark.parametrize("train", [True, False])
def test_batch_path_equals_item_path_and_torchvision(tmp_path, train):
    write_cifar(tmp_path)
    ours = datasets.CIFAR10(tmp_path, train=train,
                            transform=M.Compose([M.CenterCrop(28), M.ToTensor(), M.Normalize(MEAN, STD)]))
    theirs = TorchvisionCIFAR10(str(tmp_path), train=train,
                                transform=T.Compose([T.CenterCrop(28), T.ToTensor(), T.Normalize(MEAN, STD)]))
    fast = DataLoader(ours, batch_size=8)
    per_item = DataLoader(ours, batch_size=8, collate_fn=default_collate)
    reference = tud.DataLoader(theirs, batch_size=8)
    for (x1, y1), (x2, y2), (x3, y3) in zip(fast, per_item, reference, strict=True):
        np.testing.assert_array_equal(x1.numpy(), x2.numpy())
        np.testing.assert_array_equal(x1.numpy(), x3.numpy())
        np.testing.assert_array_equal(y1.numpy(), y3.numpy())
        assert y1.dtype == y2.dtype == minitorch_cv.int64


def test_batch_path_used_only_when_possible(tmp_path):
    write_cifar(tmp_path)
    ds = datasets.CIFAR10(tmp_path, train=False, transform=M.ToTensor())
    images, labels = ds.get_batch([3, 0, 7])
    np.testing.assert_array_equal(images.numpy()[1], ds[0][0].numpy())
    assert labels.numpy().tolist() == [ds.targets[3], ds.targets[0], ds.targets[7]]
    ds.target_transform = lambda y: y + 1
    assert ds.get_batch([0]) is None
    ds.target_transform, ds.transform = None, M.Compose([M.Resize(16), M.ToTensor()])
    assert ds.get_batch([0]) is None
    ds.transform = M.RandomCrop(30)
    assert ds.get_batch([0]) is None


def test_seeded_augmented_epochs_are_reproducible(tmp_path):
    write_cifar(tmp_path)
    augment = M.Compose([M.RandomCrop(32, padding=4), M.RandomHorizontalFlip(), M.ToTensor(),
                         M.Normalize(MEAN, STD)])
    ds = datasets.CIFAR10(tmp_path, train=True, transform=augment)

    def epoch():
        minitorch_cv.manual_seed(3)
        return [(x.numpy(), y.numpy()) for x, y in DataLoader(ds, batch_size=16, shuffle=True)]

    first, second = epoch(), epoch()
    for (x1, y1), (x2, y2) in zip(first, second):
        np.testing.assert_array_equal(x1, x2)
        np.testing.assert_array_equal(y1, y2)
    assert sorted(np.concatenate([y for _, y in first]).tolist()) == sorted(ds.targets)


def test_download_is_skipped_when_files_are_present(tmp_path, monkeypatch):
    write_cifar(tmp_path)
    monkeypatch.setattr(datasets.CIFAR10, "url", "http://127.0.0.1:9/unreachable.tar.gz")
    assert len(datasets.CIFAR10(tmp_path, train=True, download=True)) == 60
    assert sorted(os.listdir(tmp_path)) == ["cifar-10-batches-py"]
