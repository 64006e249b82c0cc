"""ImageFolder on a small class_name/image.png tree written here, against torchvision's."""
import os

import numpy as np
import pytest
import torchvision
from PIL import Image

import minitorch_cv
from minitorch_cv.utils.data import DataLoader
from minitorch_cv.vision import datasets, transforms


def write_tree(root):
    """cat/ (RGB, L, RGBA and a nested folder), dog/ (png, jpg, a .txt to skip)."""
    rng = np.random.default_rng(0)
    files = {"cat/a.png": (9, 7, 3), "cat/b.PNG": (9, 7), "cat/deeper/c.png": (5, 6, 4),
             "dog/x.jpg": (8, 8, 3), "dog/y.bmp": (4, 9, 3)}
    for name, shape in files.items():
        path = os.path.join(root, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8)).save(path)
    with open(os.path.join(root, "dog", "notes.txt"), "w") as f:
        f.write("not an image")


def test_matches_torchvision(tmp_path):
    write_tree(tmp_path)
    ours, theirs = datasets.ImageFolder(tmp_path), torchvision.datasets.ImageFolder(str(tmp_path))
    assert ours.classes == theirs.classes == ["cat", "dog"]
    assert ours.class_to_idx == theirs.class_to_idx
    assert ours.samples == theirs.samples and ours.targets == theirs.targets and len(ours) == 5
    for i in range(len(ours)):
        (img, label), (their_img, their_label) = ours[i], theirs[i]
        assert img.mode == "RGB" and label == their_label
        np.testing.assert_array_equal(np.asarray(img), np.asarray(their_img))


def test_loads_through_a_dataloader(tmp_path):
    write_tree(tmp_path)
    ds = datasets.ImageFolder(tmp_path, transform=transforms.Compose([transforms.Resize((6, 6)),
                                                                     transforms.ToTensor()]),
                              target_transform=lambda y: 10 + y)
    images, labels = next(iter(DataLoader(ds, batch_size=5)))
    assert images.shape == (5, 3, 6, 6) and images.dtype == minitorch_cv.float32
    assert labels.numpy().tolist() == [10, 10, 10, 11, 11]


def test_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="is not a folder"):
        datasets.ImageFolder(tmp_path / "missing")
    with pytest.raises(FileNotFoundError, match="Couldn't find any class folder"):
        datasets.ImageFolder(tmp_path)
    write_tree(tmp_path)
    os.makedirs(tmp_path / "empty")
    with pytest.raises(FileNotFoundError, match="Found no valid file for the classes empty"):
        datasets.ImageFolder(tmp_path)
    assert datasets.ImageFolder(tmp_path, allow_empty=True).classes == ["cat", "dog", "empty"]
    only_png = datasets.ImageFolder(tmp_path, is_valid_file=lambda p: p.endswith(".png"),
                                    allow_empty=True)
    assert [os.path.basename(p) for p, _ in only_png.samples] == ["a.png", "c.png"]
