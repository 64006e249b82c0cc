"""make_grid and save_image against torchvision.utils on the same data, every argument."""
import io
import itertools

import numpy as np
import pytest
import torch
import torchvision.utils as tv_utils
from PIL import Image

import minitorch_cv
from minitorch_cv.vision.utils import make_grid, save_image

SHAPES = [(1, 3, 5, 4), (5, 3, 6, 7), (10, 1, 4, 4), (3, 4, 5, 5), (3, 6, 5), (1, 5, 6), (6, 5)]
OPTIONS = [dict(nrow=n, padding=p, pad_value=v) for n, p, v in [(8, 2, 0.0), (3, 0, 0.0), (2, 5, 0.7), (1, 1, -1.5)]]
NORMALIZE = [dict(), dict(normalize=True), dict(normalize=True, scale_each=True),
             dict(normalize=True, value_range=(-0.5, 0.8)), dict(normalize=True, value_range=(0, 1), scale_each=True)]


def images(shape, dtype, seed):
    return (np.random.default_rng(seed).standard_normal(shape) * 0.8 + 0.3).astype(dtype)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_make_grid_equals_torchvision(shape, dtype):
    data = images(shape, dtype, len(shape) * 7 + shape[0])
    for options, norm in itertools.product(OPTIONS, NORMALIZE):
        ours = make_grid(minitorch_cv.from_numpy(data.copy()), **options, **norm)
        theirs = tv_utils.make_grid(torch.from_numpy(data.copy()), **options, **norm)
        assert ours.dtype == getattr(minitorch_cv, str(theirs.dtype).split(".")[1])
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy(), err_msg=f"{shape} {options} {norm}")


def test_make_grid_of_a_list_and_input_left_alone():
    data = images((4, 3, 5, 5), np.float32, 1)
    tensors = [minitorch_cv.from_numpy(d) for d in data]
    ours = make_grid(tensors, nrow=3, normalize=True)
    theirs = tv_utils.make_grid([torch.from_numpy(d) for d in data], nrow=3, normalize=True)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    np.testing.assert_array_equal(tensors[0].numpy(), data[0])   # normalize works on a copy


def test_make_grid_errors():
    with pytest.raises(TypeError, match="tensor or list of tensors expected"):
        make_grid(np.zeros((2, 3, 4, 4)))
    with pytest.raises(TypeError, match="list containing"):
        make_grid([minitorch_cv.zeros(3, 4, 4), np.zeros((3, 4, 4))])
    with pytest.raises(TypeError, match="value_range has to be a tuple"):
        make_grid(minitorch_cv.zeros(2, 3, 4, 4), normalize=True, value_range=[0, 1])
    with pytest.raises(RuntimeError, match="same shape"):
        make_grid([minitorch_cv.zeros(3, 4, 4), minitorch_cv.zeros(3, 5, 4)])


@pytest.mark.parametrize("options", [dict(), dict(nrow=2, padding=3, pad_value=0.5),
                                     dict(normalize=True, scale_each=True)])
def test_save_image_pixels_equal_torchvision(tmp_path, options):
    data = images((5, 3, 7, 6), np.float32, 3)
    ours, theirs = tmp_path / "ours.png", tmp_path / "theirs.png"
    save_image(minitorch_cv.from_numpy(data), ours, **options)
    tv_utils.save_image(torch.from_numpy(data), theirs, **options)
    np.testing.assert_array_equal(np.asarray(Image.open(ours)), np.asarray(Image.open(theirs)))
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".tmp"] == []   # temporary file renamed


def test_save_image_to_a_file_object_and_format_errors(tmp_path):
    data = images((3, 4, 4), np.float32, 4)
    buffer = io.BytesIO()
    save_image(minitorch_cv.from_numpy(data), buffer, format="PNG")
    reference = io.BytesIO()
    tv_utils.save_image(torch.from_numpy(data), reference, format="PNG")
    np.testing.assert_array_equal(np.asarray(Image.open(buffer)), np.asarray(Image.open(reference)))
    with pytest.raises(ValueError, match="unknown image file extension"):
        save_image(minitorch_cv.from_numpy(data), tmp_path / "image.unknown")
