"""Transforms against torchvision on generated PIL images (RGB, L, RGBA; several sizes).

Deterministic transforms must give torchvision's values exactly; random ones must too once
both are forced to the same decision (p=1/p=0, fixed crop offsets, fixed jitter factors).
The batch path (uint8 [N, H, W, C] at once) must equal the per-image path.
"""
import zlib

import numpy as np
import pytest
import torch
import torchvision.transforms as T
from PIL import Image

import minitorch_cv
from minitorch_cv.vision import transforms as M
from minitorch_cv.vision.transforms import functional as MF

MODES = {"RGB": 3, "L": 1, "RGBA": 4}
SIZES = [(32, 32), (17, 23), (40, 31)]
CASES = [(mode, size) for mode in MODES for size in SIZES]
MEAN, STD = (0.4914, 0.4822, 0.4465, 0.5), (0.247, 0.243, 0.261, 0.25)


def _array(mode, size, salt=""):
    h, w = size
    rng = np.random.default_rng(zlib.crc32(repr((mode, size, salt)).encode()))
    shape = (h, w) if MODES[mode] == 1 else (h, w, MODES[mode])
    return rng.integers(0, 256, shape, dtype=np.uint8)


def _image(mode, size, salt=""):
    img = Image.fromarray(_array(mode, size, salt))
    assert img.mode == mode
    return img


def _values(x):
    """Pixels of a PIL image, or the array of a tensor from either framework."""
    if isinstance(x, torch.Tensor):
        return x.numpy()
    if isinstance(x, minitorch_cv.Tensor):
        return x.numpy()
    return np.asarray(x)


def _assert_same(ours, theirs, what):
    ours, theirs = _values(ours), _values(theirs)
    assert ours.shape == theirs.shape, f"{what}: shape {ours.shape} != torchvision's {theirs.shape}"
    assert ours.dtype == theirs.dtype, f"{what}: dtype {ours.dtype} != torchvision's {theirs.dtype}"
    np.testing.assert_array_equal(ours, theirs, err_msg=what)


@pytest.mark.parametrize("mode,size", CASES)
def test_to_tensor_and_normalize_match(mode, size):
    img = _image(mode, size)
    c = MODES[mode]
    ours, theirs = M.ToTensor()(img), T.ToTensor()(img)
    _assert_same(ours, theirs, f"ToTensor {mode} {size}")
    _assert_same(M.Normalize(MEAN[:c], STD[:c])(ours), T.Normalize(MEAN[:c], STD[:c])(theirs),
                 f"Normalize {mode} {size}")


def test_to_tensor_on_arrays_matches():
    for array in (_array("RGB", (9, 7)), _array("L", (9, 7)), np.linspace(0, 1, 12).reshape(2, 3, 2)):
        _assert_same(M.ToTensor()(array), T.ToTensor()(array), f"ToTensor array {array.dtype}")


def test_normalize_inplace_and_broadcast_mean():
    x = M.ToTensor()(_image("RGB", (8, 8)))
    expected = T.Normalize([0.5], [0.25])(T.ToTensor()(_image("RGB", (8, 8))))
    out = M.Normalize([0.5], [0.25], inplace=True)(x)
    assert out is x
    _assert_same(out, expected, "Normalize inplace, one mean for all channels")


@pytest.mark.parametrize("mode,size", CASES)
@pytest.mark.parametrize("target", [16, 50, (20, 10), [24]])
def test_resize_matches(mode, size, target):
    img = _image(mode, size)
    expected = T.Resize(target)(img)
    _assert_same(M.Resize(target)(img), expected, f"Resize({target}) {mode} {size}")
    _assert_same(M.Resize(target)(np.asarray(img)), expected, f"Resize({target}) array")


@pytest.mark.parametrize("interpolation", ["NEAREST", "BICUBIC", "LANCZOS"])
def test_resize_interpolation_and_max_size(interpolation):
    img = _image("RGB", (17, 23))
    ours = M.Resize(12, getattr(M.InterpolationMode, interpolation), max_size=14)(img)
    theirs = T.Resize(12, getattr(T.InterpolationMode, interpolation), max_size=14)(img)
    _assert_same(ours, theirs, f"Resize {interpolation} max_size")
    _assert_same(M.Resize(9, Image.BICUBIC)(img), T.Resize(9, Image.BICUBIC)(img), "PIL constant")


@pytest.mark.parametrize("mode,size", CASES)
@pytest.mark.parametrize("target", [16, 50, (20, 10), (31, 40), 1])
def test_center_crop_matches(mode, size, target):
    img = _image(mode, size)
    expected = T.CenterCrop(target)(img)
    _assert_same(M.CenterCrop(target)(img), expected, f"CenterCrop({target}) {mode} {size}")
    _assert_same(M.CenterCrop(target)(np.asarray(img)), expected, f"CenterCrop({target}) array")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("padding_mode", ["constant", "edge", "reflect", "symmetric"])
@pytest.mark.parametrize("padding", [4, (2, 3), (1, 2, 3, 4)])
def test_random_crop_padding_matches(mode, padding_mode, padding):
    """A crop as large as the padded image has one possible offset, so both are deterministic."""
    img = _image(mode, (17, 23))
    left, top, right, bottom = MF.parse_padding(padding)
    size = (17 + top + bottom, 23 + left + right)
    fill = 7 if MODES[mode] == 1 else tuple(range(7, 7 + MODES[mode]))
    expected = T.RandomCrop(size, padding, fill=fill, padding_mode=padding_mode)(img)
    ours = M.RandomCrop(size, padding, fill=fill, padding_mode=padding_mode)
    _assert_same(ours(img), expected, f"RandomCrop pad {padding} {padding_mode} {mode}")
    _assert_same(ours(np.asarray(img)), expected, f"RandomCrop pad {padding} {padding_mode} array")


def test_random_crop_pad_if_needed_matches():
    img = _image("RGB", (17, 23))
    for mode in ("constant", "edge", "reflect"):
        kwargs = dict(pad_if_needed=True, fill=3, padding_mode=mode)
        ours, theirs = M.RandomCrop((21, 29), **kwargs), T.RandomCrop((21, 29), **kwargs)
        with_offsets(ours, theirs, [(0, 0)])
        _assert_same(ours(img), theirs(img), f"pad_if_needed {mode}")


def with_offsets(ours, theirs, offsets):
    """Force both RandomCrops to crop at ``offsets`` (top, left), in order."""
    queue = list(offsets)
    theirs_queue = list(offsets)

    def ours_params(img, output_size, generator=None):
        return (*queue.pop(0), *output_size)

    def theirs_params(img, output_size):
        return (*theirs_queue.pop(0), *output_size)

    ours.get_params = ours_params
    theirs.get_params = theirs_params


@pytest.mark.parametrize("mode,size", CASES)
def test_random_crop_at_fixed_offsets_matches(mode, size):
    img = _image(mode, size)
    offsets = [(0, 0), (3, 5), (8, 8), (1, 7)]
    ours, theirs = M.RandomCrop(16, padding=4), T.RandomCrop(16, padding=4)
    with_offsets(ours, theirs, offsets)
    for offset in offsets:
        _assert_same(ours(img), theirs(img), f"RandomCrop at {offset} {mode} {size}")


@pytest.mark.parametrize("mode,size", CASES)
def test_flips_forced_match(mode, size):
    img = _image(mode, size)
    for ours_cls, theirs_cls in ((M.RandomHorizontalFlip, T.RandomHorizontalFlip),
                                 (M.RandomVerticalFlip, T.RandomVerticalFlip)):
        for p in (0.0, 1.0):
            expected = theirs_cls(p)(img)
            _assert_same(ours_cls(p)(img), expected, f"{ours_cls.__name__}(p={p}) {mode}")
            _assert_same(ours_cls(p)(np.asarray(img)), expected, f"{ours_cls.__name__} array")


def test_tensor_inputs_match_torchvision_tensor_ops():
    img = _image("RGB", (17, 23))
    ours, theirs = M.ToTensor()(img), T.ToTensor()(img)
    _assert_same(M.RandomHorizontalFlip(1.0)(ours), T.RandomHorizontalFlip(1.0)(theirs), "hflip tensor")
    _assert_same(M.RandomVerticalFlip(1.0)(ours), T.RandomVerticalFlip(1.0)(theirs), "vflip tensor")
    _assert_same(M.CenterCrop((9, 30))(ours), T.CenterCrop((9, 30))(theirs), "center crop tensor")
    for mode in ("constant", "edge", "reflect", "symmetric"):
        _assert_same(MF.pad(ours, [1, 2, 3, 4], 0.5, mode), T.functional.pad(theirs, [1, 2, 3, 4], 0.5, mode),
                     f"pad tensor {mode}")
    _assert_same(MF.crop(ours, -2, 20, 6, 7), T.functional.crop(theirs, -2, 20, 6, 7), "crop outside")


JITTER = [("brightness", 0, 1.7), ("contrast", 1, 0.4), ("saturation", 2, 1.6), ("hue", 3, -0.2),
          ("hue", 3, 0.45)]


@pytest.mark.parametrize("mode", ["RGB", "L"])
@pytest.mark.parametrize("name,index,factor", JITTER)
def test_color_jitter_single_factor_matches(mode, name, index, factor):
    img = _image(mode, (17, 23))
    factors = [None] * 4
    factors[index] = factor
    order = [3, 1, 0, 2]
    jitter_args = {name: (factor, factor)}
    ours, theirs = M.ColorJitter(**jitter_args), T.ColorJitter(**jitter_args)
    ours.get_params = lambda *a, **k: (np.array(order), *factors)
    theirs.get_params = lambda *a: (torch.tensor(order), *factors)
    _assert_same(ours(img), theirs(img), f"ColorJitter {name}={factor} {mode}")


@pytest.mark.parametrize("order", [[0, 1, 2, 3], [3, 2, 1, 0], [2, 0, 3, 1]])
def test_color_jitter_order_matches(order):
    img = _image("RGB", (40, 31))
    factors = [1.3, 0.7, 1.4, 0.1]
    ours = M.ColorJitter(0.5, 0.5, 0.5, 0.2)
    theirs = T.ColorJitter(0.5, 0.5, 0.5, 0.2)
    ours.get_params = lambda *a, **k: (np.array(order), *factors)
    theirs.get_params = lambda *a: (torch.tensor(order), *factors)
    _assert_same(ours(img), theirs(img), f"ColorJitter order {order}")
    _assert_same(ours(np.asarray(img)), theirs(img), f"ColorJitter order {order} array")


def test_color_jitter_factor_ranges_follow_torchvision():
    for kwargs in (dict(brightness=0.5), dict(contrast=(0.2, 1.5)), dict(saturation=2),
                   dict(hue=0.3), dict(brightness=0)):
        ours, theirs = M.ColorJitter(**kwargs), T.ColorJitter(**kwargs)
        assert (ours.brightness, ours.contrast, ours.saturation, ours.hue) == \
            (theirs.brightness, theirs.contrast, theirs.saturation, theirs.hue)
    g = minitorch_cv.Generator().manual_seed(0)
    for _ in range(50):
        fn_idx, b, c, s, h = M.ColorJitter.get_params((0.5, 1.5), None, (0.0, 2.0), (-0.1, 0.1), g)
        assert sorted(fn_idx.tolist()) == [0, 1, 2, 3] and c is None
        assert 0.5 <= b <= 1.5 and 0 <= s <= 2 and -0.1 <= h <= 0.1
    with pytest.raises(ValueError, match="hue"):
        M.ColorJitter(hue=0.7)


def _batch(n=6, size=(20, 24)):
    return np.stack([_array("RGB", size, salt=i) for i in range(n)])


def _force_batch_offsets(monkeypatch, offsets):
    """Make both crop paths use ``offsets``: in order per image, as arrays for the batch."""
    queue = list(offsets)
    monkeypatch.setattr(M.RandomCrop, "get_params",
                        staticmethod(lambda img, size, generator=None: (*queue.pop(0), *size)))
    tops, lefts = np.array(offsets).T
    monkeypatch.setattr(M.RandomCrop, "get_batch_params",
                        staticmethod(lambda n, h, w, size, generator=None: (tops, lefts)))


@pytest.mark.parametrize("padding_mode", ["constant", "reflect"])
@pytest.mark.parametrize("p", [0.0, 1.0])
def test_batch_path_equals_per_image_path(monkeypatch, padding_mode, p):
    batch = _batch()
    offsets = [(0, 0), (8, 8), (3, 1), (5, 7), (2, 6), (8, 0)]
    _force_batch_offsets(monkeypatch, offsets)
    pipeline = M.Compose([M.RandomCrop(20, padding=4, fill=9, padding_mode=padding_mode),
                          M.RandomHorizontalFlip(p), M.RandomVerticalFlip(1 - p),
                          M.CenterCrop(18), M.ToTensor(), M.Normalize(MEAN[:3], STD[:3])])
    assert M.supports_batch(pipeline)
    batched = pipeline.apply_batch(batch)
    per_image = np.stack([pipeline(Image.fromarray(img)).numpy() for img in batch])
    assert batched.shape == (6, 3, 18, 18) and batched.dtype == minitorch_cv.float32
    np.testing.assert_array_equal(batched.numpy(), per_image)


def test_batch_path_after_to_tensor_equals_per_image(monkeypatch):
    batch = _batch()
    offsets = [(1, 2), (0, 0), (4, 4), (2, 3), (3, 0), (0, 4)]
    _force_batch_offsets(monkeypatch, offsets)
    pipeline = M.Compose([M.ToTensor(), M.RandomCrop(20, padding=2, padding_mode="edge"),
                          M.RandomHorizontalFlip(1.0), M.Normalize(MEAN[:3], STD[:3])])
    per_image = np.stack([pipeline(img).numpy() for img in batch])
    np.testing.assert_array_equal(pipeline.apply_batch(batch).numpy(), per_image)


def test_batch_flips_are_per_sample_and_seeded():
    batch = _batch(n=400, size=(4, 5))
    flip = M.RandomHorizontalFlip(0.5, generator=minitorch_cv.Generator().manual_seed(3))
    out = flip.apply_batch(batch)
    flipped = np.array([np.array_equal(o, b[:, ::-1]) for o, b in zip(out, batch)])
    kept = np.array([np.array_equal(o, b) for o, b in zip(out, batch)])
    assert np.all(flipped ^ kept)
    assert 150 < flipped.sum() < 250
    again = M.RandomHorizontalFlip(0.5, generator=minitorch_cv.Generator().manual_seed(3))
    np.testing.assert_array_equal(again.apply_batch(batch), out)


def test_batch_crop_offsets_cover_the_range_uniformly():
    g = minitorch_cv.Generator().manual_seed(0)
    tops, lefts = M.RandomCrop.get_batch_params(20000, 40, 36, (32, 32), g)
    assert set(tops.tolist()) == set(range(9)) and set(lefts.tolist()) == set(range(5))
    counts = np.bincount(tops, minlength=9)
    assert counts.min() > 0.8 * 20000 / 9
    tops, lefts = M.RandomCrop.get_batch_params(5, 32, 32, (32, 32), g)
    assert not tops.any() and not lefts.any()


def test_random_transforms_reproducible_with_manual_seed():
    img = _image("RGB", (32, 32))
    pipeline = M.Compose([M.RandomCrop(28, padding=2), M.RandomHorizontalFlip(),
                          M.ColorJitter(0.4, 0.4, 0.4, 0.1), M.ToTensor()])
    minitorch_cv.manual_seed(5)
    first = [pipeline(img).numpy() for _ in range(4)]
    minitorch_cv.manual_seed(5)
    second = [pipeline(img).numpy() for _ in range(4)]
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(first[0], other) for other in first[1:])


def test_supports_batch_and_lambda():
    assert not M.supports_batch(M.Compose([M.Resize(16), M.ToTensor()]))
    assert not M.supports_batch(M.Compose([M.Lambda(lambda x: x), M.ToTensor()]))
    assert M.supports_batch(M.ToTensor())
    assert M.Lambda(lambda x: x + 1)(1) == 2
    with pytest.raises(TypeError, match="callable"):
        M.Lambda(3)
    with pytest.raises(TypeError, match="no batch version"):
        M.Compose([M.Resize(16)]).apply_batch(_batch())


def test_clear_errors():
    img = _image("RGB", (8, 8))
    with pytest.raises(TypeError, match="ToTensor first"):
        M.Normalize([0.5], [0.5])(img)
    with pytest.raises(NotImplementedError, match="bilinear interpolation only"):
        M.Resize(4, M.InterpolationMode.NEAREST)(M.ToTensor()(img))
    with pytest.raises(ValueError, match=r"crop size \(9, 9\) is larger than input image size \(8, 8\)"):
        M.RandomCrop(9)(img)
    with pytest.raises(ValueError, match="padding_mode"):
        M.RandomCrop(4, padding=1, padding_mode="wrap")
    with pytest.raises(ValueError, match="std evaluated to zero"):
        M.Normalize([0.5], [0.0])(M.ToTensor()(img))
    with pytest.raises(ValueError, match="2 values but the tensor has 3 channels"):
        M.Normalize([0.5, 0.5], [0.5, 0.5])(M.ToTensor()(img))
