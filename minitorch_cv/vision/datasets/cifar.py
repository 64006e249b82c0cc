"""CIFAR-10 from the official python-batch layout, as ``torchvision.datasets.CIFAR10`` reads it."""
import os
import pickle

import numpy as np
from PIL import Image

from ...tensor import Tensor
from ..transforms import supports_batch
from . import safe_pickle
from .download import download_url, extract_folder, md5sum
from .vision import VisionDataset


class CIFAR10(VisionDataset):
    """CIFAR-10: 32x32 RGB images of 10 classes, 50,000 for training and 10,000 for testing.

    Args:
        root (str or Path): folder that holds (or will hold) ``cifar-10-batches-py/``.
        train (bool): the five training batches if True, else the test batch.
        transform (callable): applied to each PIL image (e.g. ``transforms.ToTensor()``).
        target_transform (callable): applied to each int label.
        download (bool): fetch and unpack the official archive into ``root`` when the batch
            files are missing (md5-checked; nothing is fetched when they are present).

    Attributes: ``data`` (uint8 [N, 32, 32, 3]), ``targets`` (list of ints), ``classes`` and
    ``class_to_idx``. An item is ``(PIL image, int)`` without transforms, as in torchvision.

    Batch fast path: when ``transform`` has a batch version ending in a tensor (e.g.
    ``Compose([RandomCrop(32, padding=4), RandomHorizontalFlip(), ToTensor(), Normalize(...)])``)
    and there is no ``target_transform``, ``get_batch`` transforms a whole batch of ``data`` at
    once; the DataLoader uses it automatically.

    The batch files are not md5-checked (copies rebuilt from other sources differ from the
    official sums); ``url`` and ``tgz_md5`` describe the archive and can be overridden.
    """

    base_folder = "cifar-10-batches-py"
    url = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    filename = "cifar-10-python.tar.gz"
    tgz_md5 = "c58f30108f718f92721af3b95e74349a"
    train_list = ("data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5")
    test_list = ("test_batch",)
    meta = {"filename": "batches.meta", "key": "label_names"}
    image_size = 32

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        super().__init__(root, transform, target_transform)
        self.train = train
        if download:
            self.download()
        names = self.train_list if train else self.test_list
        missing = self._missing(names + (self.meta["filename"],))
        if missing:
            folder = os.path.join(self.root, self.base_folder)
            what = missing[0] if os.path.isdir(folder) else f"no folder {folder}"
            raise FileNotFoundError(
                f"CIFAR-10 file not found: {what}. Pass download=True to fetch the official "
                f"archive, or set root to the folder that contains {self.base_folder}/")
        self.classes = self._load_classes()
        self.class_to_idx = {name: i for i, name in enumerate(self.classes)}
        self.data, self.targets = self._load_batches(names)

    def _path(self, name):
        return os.path.join(self.root, self.base_folder, name)

    def _missing(self, names):
        return [self._path(n) for n in names if not os.path.isfile(self._path(n))]

    def _read(self, name):
        path = self._path(name)
        try:
            entry = safe_pickle.load(path)
        except safe_pickle.UnsafePickleError:
            raise
        except pickle.UnpicklingError as exc:
            raise RuntimeError(f"{exc}. Delete {os.path.dirname(path)} and load with download=True, "
                               "or copy the file again") from None
        if not isinstance(entry, dict):
            raise RuntimeError(f"{path} is not a CIFAR batch: it holds a {type(entry).__name__}, "
                               "expected a dict")
        return entry

    def _load_classes(self):
        path, key = self._path(self.meta["filename"]), self.meta["key"]
        classes = self._read(self.meta["filename"]).get(key)
        if not (isinstance(classes, list) and classes and all(isinstance(c, str) for c in classes)):
            raise RuntimeError(f"{path} has no list of class names under {key!r}; the file is "
                               "corrupt: copy or download it again")
        return classes

    def _load_batches(self, names):
        """Read each batch, check it, and write its images straight into one HWC array."""
        entries, total = [], 0
        for name in names:
            data, labels = self._check_batch(name, self._read(name))
            entries.append((data, labels))
            total += len(labels)
        size = self.image_size
        images = np.empty((total, size, size, 3), dtype=np.uint8)
        pixels = images.reshape(total, size * size, 3)
        targets, start = [], 0
        for data, labels in entries:
            for channel in range(3):  # rows hold the R, G and B planes in turn
                plane = data[:, channel * size * size:(channel + 1) * size * size]
                pixels[start:start + len(labels), :, channel] = plane
            targets.extend(labels)
            start += len(labels)
        return images, targets

    def _check_batch(self, name, entry):
        path, pixels = self._path(name), 3 * self.image_size ** 2
        data = entry.get("data")
        labels = entry.get("labels")
        problem = None
        if not (isinstance(data, np.ndarray) and data.dtype == np.uint8 and data.ndim == 2
                and data.shape[1] == pixels):
            problem = (f"'data' should be a uint8 array [N, {pixels}], got "
                       f"{getattr(data, 'dtype', type(data).__name__)} {getattr(data, 'shape', '')}")
        elif not isinstance(labels, list) or len(labels) != len(data):
            problem = f"'labels' should be a list of {len(data)} ints"
        elif labels and not all(type(y) is int and 0 <= y < len(self.classes) for y in labels):
            problem = f"'labels' should hold ints in [0, {len(self.classes)})"
        if problem:
            raise RuntimeError(f"{path} is not a valid CIFAR batch: {problem}. Delete "
                               f"{os.path.dirname(path)} and load with download=True")
        return data, labels

    def download(self):
        """Fetch, check and unpack the archive, unless every batch file is already there."""
        names = self.train_list + self.test_list + (self.meta["filename"],)
        if not self._missing(names):
            return
        os.makedirs(self.root, exist_ok=True)
        archive = os.path.join(self.root, self.filename)
        if not (os.path.isfile(archive) and md5sum(archive) == self.tgz_md5):
            download_url(self.url, archive, self.tgz_md5)
        extract_folder(archive, self.root, self.base_folder, names)

    def __getitem__(self, index):
        return self._transformed(Image.fromarray(self.data[index]), self.targets[index])

    def __len__(self):
        return len(self.data)

    def get_batch(self, indices):
        """[images, labels] for ``indices`` via the transform's batch path, or None without one."""
        if (self.transform is None or self.target_transform is not None
                or not supports_batch(self.transform)):
            return None
        index = np.asarray(indices, dtype=np.int64)
        images = self.transform.apply_batch(self.data[index])
        if not isinstance(images, Tensor):
            return None  # no ToTensor: the per-item path gives the usual collate error
        labels = np.array([self.targets[i] for i in index.tolist()], dtype=np.int64)
        return [images, Tensor._wrap(labels)]

    def extra_repr(self):
        return f"Split: {'Train' if self.train else 'Test'}"
