"""Shared by the CIFAR10CNN tests: import paths for examples/ and reference/, generated CIFAR files."""
import os
import pickle
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = os.path.join(ROOT, "examples")
for _path in (ROOT, EXAMPLES):
    if _path not in sys.path:
        sys.path.insert(0, _path)

CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


def generated_images(count, seed):
    """uint8 images [count, 32, 32, 3] whose class (0-9) shows in their colour, plus the labels."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, size=count)
    palette = rng.integers(0, 256, size=(10, 1, 1, 3))
    noise = rng.integers(0, 256, size=(count, 32, 32, 3))
    images = (noise // 2 + palette[labels] // 2).astype(np.uint8)
    return images, labels


def write_cifar_folder(root, train_count, test_count, seed=0):
    """Write ``root/cifar-10-batches-py`` in the official python-batch layout (5 train batches)."""
    folder = os.path.join(root, "cifar-10-batches-py")
    os.makedirs(folder, exist_ok=True)
    images, labels = generated_images(train_count + test_count, seed)
    rows = images.transpose(0, 3, 1, 2).reshape(len(images), -1)
    splits = np.array_split(np.arange(train_count), 5) + [np.arange(train_count, len(images))]
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    for name, index in zip(names, splits):
        batch = {"batch_label": name, "labels": labels[index].tolist(), "data": rows[index],
                 "filenames": [f"{i}.png" for i in index]}
        with open(os.path.join(folder, name), "wb") as f:
            pickle.dump(batch, f)
    with open(os.path.join(folder, "batches.meta"), "wb") as f:
        pickle.dump({"label_names": CLASSES, "num_cases_per_batch": 10000, "num_vis": 3072}, f)
    return root


@pytest.fixture(scope="module")
def single_thread():
    """Run a module's training on one thread (or MINITORCH_TEST_THREADS), then restore the settings.

    The tests' batches are tiny, and on a busy machine two threads per library spin against
    each other: one thread made a step twenty times faster here. CI runs the suite once more
    with MINITORCH_TEST_THREADS=2 so that these tests see two threads too.
    """
    import torch

    import minitorch_cv
    before = minitorch_cv.get_num_threads(), torch.get_num_threads()
    threads = int(os.environ.get("MINITORCH_TEST_THREADS", "1"))
    minitorch_cv.set_num_threads(threads)
    torch.set_num_threads(threads)
    yield
    minitorch_cv.set_num_threads(before[0])
    torch.set_num_threads(before[1])
