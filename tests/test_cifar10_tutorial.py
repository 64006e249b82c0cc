"""PyTorch's beginner CIFAR-10 tutorial program (examples/cifar10_tutorial.py) runs to the end on
minitorch_cv, make_grid included, on generated CIFAR files."""
import numpy as np
import pytest
import torch
import torchvision
from PIL import Image

import minitorch_cv
from cifar_helpers import single_thread, write_cifar_folder  # noqa: F401
import cifar10_tutorial  # noqa: E402  (examples/, put on the path by cifar_helpers)


@pytest.mark.usefixtures("single_thread")
def test_tutorial_program_runs_to_the_end(tmp_path, capsys):
    data_dir = write_cifar_folder(tmp_path / "data", train_count=24, test_count=12)
    accuracy = cifar10_tutorial.main(["--data-dir", str(data_dir), "--out", str(tmp_path / "out"),
                                      "--print-every", "3"])
    printed = capsys.readouterr().out
    assert 0 <= accuracy <= 1
    assert "Finished Training" in printed and printed.count("Accuracy for class:") == 10
    assert f"Accuracy of the network on the 10000 test images: {int(100 * accuracy)} %" in printed
    assert printed.count("] loss: ") == 4                          # 6 batches of 4 per epoch, 2 epochs
    for name in ("train_batch.png", "test_batch.png"):
        assert Image.open(tmp_path / "out" / name).size[0] > 100
    assert set(minitorch_cv.load(str(tmp_path / "out" / "cifar_net.npz"))) >= {"conv1.weight", "fc3.bias"}


def test_tutorial_grid_equals_torchvisions():
    images = np.random.default_rng(0).uniform(-1, 1, (4, 3, 32, 32)).astype(np.float32)
    ours = minitorch_cv.vision.utils.make_grid(minitorch_cv.from_numpy(images)) / 2 + 0.5
    theirs = torchvision.utils.make_grid(torch.from_numpy(images)) / 2 + 0.5
    assert ours.shape == (3, 36, 138)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
