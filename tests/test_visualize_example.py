"""examples/visualize.py on generated CIFAR files and a generated photo: every chapter is written."""
import numpy as np
import pytest
from PIL import Image

import minitorch_cv
from cifar_helpers import write_cifar_folder
from minitorch_cv.vision.utils import make_grid
from tensorboard_helpers import images, load
import visualize  # noqa: E402  (examples/, put on the path by cifar_helpers)

TRANSFORMS = ["Original", "ToTensor", "Resize", "CenterCrop", "RandomCrop", "RandomHorizontalFlip",
              "RandomVerticalFlip", "ColorJitter", "Normalize"]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return str(write_cifar_folder(tmp_path_factory.mktemp("data"), train_count=10, test_count=20))


def test_cifar_batches_and_layers(data_dir, tmp_path):
    assert visualize.main(["--data-dir", data_dir, "--logdir", str(tmp_path), "--batches", "2",
                           "--batch-size", "8"]) == 0
    run = load(tmp_path)
    tags = run.Tags()["images"]
    assert [t for t in tags if t.startswith("transforms/")] == [f"transforms/{n}" for n in TRANSFORMS]
    for tag in ("dataloader/batch", "conv/input", "maxpool/input", "maxpool/output"):
        assert [(step, img.shape) for step, img in images(run, tag)] == [(0, (32, 256, 3)), (1, (32, 256, 3))], tag
    assert images(run, "conv/output")[0][1].shape == (64, 256, 3)   # 8 x 6 channels as 16 RGB images
    # the tutorial's max pool (3x3, stride 1, padding 1) keeps the size, and never lowers a pixel
    for (_, before), (_, after) in zip(images(run, "maxpool/input"), images(run, "maxpool/output")):
        assert (after >= before).all()
    assert images(run, "cifar10cnn/0_Conv2d")[0][1].shape == (4 * 33 + 1, 8 * 33 + 1, 3)
    assert {n.op for n in run.Graph().node} >= {"Conv2d", "MaxPool2d", "Flatten", "Linear"}


def test_an_image_of_ones_own(tmp_path):
    photo = tmp_path / "photo.png"
    rng = np.random.default_rng(1)
    Image.fromarray(rng.integers(0, 256, (120, 90, 4), dtype=np.uint8), "RGBA").save(photo)
    logs = tmp_path / "logs"
    assert visualize.main(["--image", str(photo), "--logdir", str(logs)]) == 0
    run = load(logs)
    original = np.asarray(Image.open(photo).convert("RGB"))
    np.testing.assert_array_equal(images(run, "transforms/Original")[0][1], original)
    assert images(run, "transforms/Resize")[0][1].shape == (256, 256, 3)
    assert images(run, "transforms/CenterCrop")[0][1].shape == (90, 90, 3)
    np.testing.assert_array_equal(images(run, "transforms/RandomHorizontalFlip")[0][1], original[:, ::-1])
    # Normalize maps [0, 1] to [-1, 1]; torch's add_image clips the negative half to black
    expected = ((original / 255 - 0.5) / 0.5).astype(np.float32)
    np.testing.assert_array_equal(images(run, "transforms/Normalize")[0][1],
                                  (expected * 255).clip(0, 255).astype(np.uint8))
    grid = make_grid(minitorch_cv.zeros(1, 3, 32, 32))
    assert images(run, "dataloader/batch")[0][1].shape == tuple(grid.shape[1:]) + (3,)


def test_needs_an_input(tmp_path, capsys):
    with pytest.raises(SystemExit):
        visualize.main(["--logdir", str(tmp_path)])
    assert "give --image, --data-dir or both" in capsys.readouterr().err
