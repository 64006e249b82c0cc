"""F.interpolate and nn.Upsample against torch: every mode, align_corners, antialias, sizes and
scale factors (non-integer, downsampling, recompute_scale_factor), 1-D/2-D/3-D spatial input,
outputs and gradients, float64 gradcheck, grad_fn names, printing and torch's errors."""
import numpy as np
import pytest
import torch

import minitorch_cv
from minitorch_cv import nn
from minitorch_cv.autograd.gradcheck import gradcheck
from minitorch_cv.nn import functional as F
from torch_parity import compare, same_error

MODES_2D = [("nearest", {}), ("nearest-exact", {}), ("area", {}),
            ("bilinear", dict(align_corners=False)), ("bilinear", dict(align_corners=True)),
            ("bicubic", dict(align_corners=False)), ("bicubic", dict(align_corners=True)),
            ("bilinear", dict(antialias=True)), ("bilinear", dict(antialias=True, align_corners=True)),
            ("bicubic", dict(antialias=True)), ("bicubic", dict(antialias=True, align_corners=True)),
            ("lanczos", dict(antialias=True))]
RESIZES_2D = [dict(size=(3, 4)), dict(size=(11, 17)), dict(size=(7, 9)), dict(size=1), dict(size=(2, 30)),
              dict(scale_factor=2), dict(scale_factor=0.5), dict(scale_factor=1.7), dict(scale_factor=(1.3, 0.45)),
              dict(scale_factor=0.3, recompute_scale_factor=True), dict(scale_factor=2.6, recompute_scale_factor=True)]


def _case(shape, seed):
    return np.random.default_rng(seed).standard_normal(shape)


@pytest.mark.parametrize("mode, options", MODES_2D, ids=lambda v: str(v))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_interpolate_2d_matches_torch(mode, options, dtype):
    x = _case((2, 3, 7, 9), seed=len(mode))
    for resize in RESIZES_2D:
        compare(lambda lib, t: lib.nn.functional.interpolate(t, mode=mode, **options, **resize), [x],
                f"interpolate {mode}", dtype=dtype)


@pytest.mark.parametrize("mode, options", [("nearest", {}), ("nearest-exact", {}), ("area", {}),
                                           ("linear", dict(align_corners=False)), ("linear", dict(align_corners=True))])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_interpolate_1d_matches_torch(mode, options, dtype):
    x = _case((2, 3, 10), seed=3)
    for resize in [dict(size=4), dict(size=23), dict(size=10), dict(scale_factor=1.5), dict(scale_factor=0.35),
                   dict(scale_factor=[2.2], recompute_scale_factor=True)]:
        compare(lambda lib, t: lib.nn.functional.interpolate(t, mode=mode, **options, **resize), [x],
                f"interpolate {mode}", dtype=dtype)


@pytest.mark.parametrize("mode, options", [("nearest", {}), ("nearest-exact", {}), ("area", {}),
                                           ("trilinear", dict(align_corners=False)),
                                           ("trilinear", dict(align_corners=True))])
def test_interpolate_3d_matches_torch(mode, options):
    x = _case((1, 2, 4, 5, 6), seed=4)
    for resize in [dict(size=(3, 7, 4)), dict(scale_factor=1.5), dict(scale_factor=(0.5, 2, 1))]:
        compare(lambda lib, t: lib.nn.functional.interpolate(t, mode=mode, **options, **resize), [x],
                f"interpolate {mode}", dtype="float64")


def test_interpolate_large_image_float32():
    """A realistic image size: indices computed in float32 as torch does (no off-by-one pixel)."""
    x = _case((1, 3, 61, 83), seed=5)
    for mode, options in MODES_2D:
        for resize in [dict(size=(128, 97)), dict(scale_factor=0.37), dict(scale_factor=3.1)]:
            compare(lambda lib, t: lib.nn.functional.interpolate(t, mode=mode, **options, **resize), [x],
                    f"interpolate {mode}", dtype="float32")


@pytest.mark.parametrize("mode, options", MODES_2D, ids=lambda v: str(v))
def test_interpolate_gradcheck(mode, options):
    x = minitorch_cv.tensor(_case((1, 2, 5, 6), seed=6), requires_grad=True)
    for resize in [dict(size=(3, 8)), dict(scale_factor=1.6)]:
        assert gradcheck(lambda t: F.interpolate(t, mode=mode, **options, **resize), [x])


def test_grad_fn_names_match_torch():
    for shape, mode, options in [((1, 1, 4), "nearest", {}), ((1, 1, 4), "linear", {}),
                                 ((1, 1, 4, 4), "nearest-exact", {}), ((1, 1, 4, 4), "bilinear", {}),
                                 ((1, 1, 4, 4), "bicubic", dict(antialias=True)), ((1, 1, 4, 4), "area", {}),
                                 ((1, 1, 3, 4, 4), "trilinear", {})]:
        x = np.ones(shape, np.float32)
        ours = F.interpolate(minitorch_cv.tensor(x, requires_grad=True), size=3, mode=mode, **options)
        theirs = torch.nn.functional.interpolate(torch.tensor(x, requires_grad=True), size=3, mode=mode, **options)
        assert ours.grad_fn.name() == type(theirs.grad_fn).__name__


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_upsample_modules_match_torch(dtype):
    x = _case((2, 3, 5, 6), seed=7)
    for make in [lambda lib: lib.nn.Upsample(scale_factor=2), lambda lib: lib.nn.Upsample(size=(4, 9), mode="bicubic"),
                 lambda lib: lib.nn.Upsample(scale_factor=(1.5, 0.5), mode="bilinear", align_corners=True),
                 lambda lib: lib.nn.UpsamplingNearest2d(size=7),
                 lambda lib: lib.nn.UpsamplingBilinear2d(scale_factor=3)]:
        compare(lambda lib, t: make(lib)(t), [x], "Upsample", dtype=dtype)
        assert repr(make(minitorch_cv)) == repr(make(torch))


@pytest.mark.parametrize("call", [
    lambda lib, t: lib.nn.functional.interpolate(t, size=3, scale_factor=2),
    lambda lib, t: lib.nn.functional.interpolate(t),
    lambda lib, t: lib.nn.functional.interpolate(t, size=(3, 3, 3)),
    lambda lib, t: lib.nn.functional.interpolate(t, size=(3.0, 3)),
    lambda lib, t: lib.nn.functional.interpolate(t, scale_factor=(2, 2, 2)),
    lambda lib, t: lib.nn.functional.interpolate(t, size=3, align_corners=True),
    lambda lib, t: lib.nn.functional.interpolate(t, size=3, mode="area", align_corners=False),
    lambda lib, t: lib.nn.functional.interpolate(t, size=3, recompute_scale_factor=True),
    lambda lib, t: lib.nn.functional.interpolate(t, size=3, mode="nearest", antialias=True),
    lambda lib, t: lib.nn.functional.interpolate(t, size=3, mode="linear"),
    lambda lib, t: lib.nn.functional.interpolate(t, size=3, mode="trilinear"),
    lambda lib, t: lib.nn.functional.interpolate(t, size=3, mode="cubic"),
    lambda lib, t: lib.nn.functional.interpolate(t, size=3, mode="lanczos"),
    lambda lib, t: lib.nn.functional.interpolate(t, size=3, mode="lanczos", antialias=True, align_corners=True),
    lambda lib, t: lib.nn.functional.interpolate(t, size=(3, 0), mode="bilinear"),
    lambda lib, t: lib.nn.functional.interpolate(t, scale_factor=0.1),
    lambda lib, t: lib.nn.functional.interpolate(t[0, 0], size=3),
    lambda lib, t: lib.nn.functional.interpolate(t[0], size=3, mode="bilinear"),
])
def test_interpolate_errors_match_torch(call):
    same_error(call, np.ones((1, 2, 4, 5), np.float32), check_class=True)


def test_size_error_message_names_axes():
    message = same_error(lambda lib, t: lib.nn.functional.interpolate(t, size=(3, 0)), np.ones((1, 1, 4, 4)))
    assert message == "Input and output sizes should be greater than 0, but got input (H: 4, W: 4) output (H: 3, W: 0)"


def test_deprecated_upsample_functions_warn_and_match_torch():
    x = _case((1, 2, 4, 5), seed=8)
    for name, kwargs in [("upsample", dict(size=(7, 3), mode="bicubic")), ("upsample_nearest", dict(scale_factor=2)),
                         ("upsample_bilinear", dict(size=6))]:
        with pytest.warns(UserWarning, match=f"`nn.functional.{name}` is deprecated"):
            getattr(F, name)(minitorch_cv.tensor(x), **kwargs)
        with pytest.warns(UserWarning):
            compare(lambda lib, t: getattr(lib.nn.functional, name)(t, **kwargs), [x], f"interpolate {name}",
                    dtype="float64")


def test_float16_is_resampled_in_float32_and_rounded_back():
    x = _case((1, 2, 5, 6), seed=9).astype(np.float16)
    for mode in ["nearest", "bilinear", "bicubic"]:
        ours = F.interpolate(minitorch_cv.tensor(x), size=(7, 4), mode=mode).numpy()
        theirs = torch.nn.functional.interpolate(torch.tensor(x), size=(7, 4), mode=mode).numpy()
        assert ours.dtype == np.float16
        np.testing.assert_allclose(ours.astype(np.float32), theirs.astype(np.float32), rtol=1e-3, atol=1e-3)
