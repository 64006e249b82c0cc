"""Dropout and Dropout2d: torch parity with masks forced equal (torch's mask is fed to ours),
statistics of our own masks, eval identity, inplace, seeding, p validation and printing."""
import warnings

import numpy as np
import pytest
import torch

import minitorch_cv
from minitorch_cv import nn
from minitorch_cv.ops import dropout as dropout_ops
from minitorch_cv.autograd.gradcheck import gradcheck
from minitorch_cv.nn import functional as F
from torch_parity import compare, same_error

CASES = [("dropout", (4, 5), 0.5), ("dropout", (2, 3, 4, 4), 0.2), ("dropout", (7,), 0.9),
         ("dropout", (3, 4), 0.0), ("dropout", (3, 4), 1.0),
         ("dropout2d", (3, 6, 4, 4), 0.5), ("dropout2d", (2, 5, 3), 0.3), ("dropout2d", (4, 8, 2, 3), 1.0)]


def _torch_mask(kind, shape, p, seed):
    """The scaled mask torch draws after ``manual_seed(seed)`` (read off a tensor of ones)."""
    torch.manual_seed(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ones = getattr(torch.nn.functional, kind)(torch.ones(shape), p)
    if kind == "dropout2d":
        ones = ones[(slice(None), slice(None)) + (slice(0, 1),) * (len(shape) - 2)]
    return ones.numpy()


@pytest.mark.parametrize("kind, shape, p", CASES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_dropout_matches_torch_with_equal_masks(monkeypatch, kind, shape, p, dtype):
    mask = _torch_mask(kind, shape, p, seed=5)
    scale = 0.0 if p == 1 else 1 / (1 - p)
    monkeypatch.setattr(dropout_ops, "keep_mask",
                        lambda s, p, dt, generator=None: (mask != 0).astype(dt).reshape(s) * dt.type(scale))
    x = np.random.default_rng(0).standard_normal(shape) + 0.1

    def fn(lib, t):
        if lib is torch:
            torch.manual_seed(5)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return getattr(lib.nn.functional, kind)(t * 1.0, p)

    compare(fn, [x], kind, dtype=dtype, kind="exact")


def test_mask_statistics_and_scaling():
    minitorch_cv.manual_seed(0)
    x = minitorch_cv.ones(200, 500)
    out = F.dropout(x, 0.3).numpy()
    assert set(np.unique(out).tolist()) == {0.0, float(np.float32(1) / np.float32(0.7))}
    assert abs((out == 0).mean() - 0.3) < 0.01        # 100,000 draws: sd 0.0015
    channels = F.dropout2d(minitorch_cv.ones(50, 400, 3, 3), 0.25).numpy()
    assert (channels.reshape(50, 400, 9).std(axis=2) == 0).all()   # a channel is kept or dropped whole
    assert abs((channels[:, :, 0, 0] == 0).mean() - 0.25) < 0.02


def test_gradient_uses_the_same_mask():
    minitorch_cv.manual_seed(1)
    x = minitorch_cv.randn(6, 7, dtype=minitorch_cv.float64, requires_grad=True)
    out = F.dropout(x, 0.4)
    upstream = np.random.default_rng(2).standard_normal((6, 7))
    out.backward(minitorch_cv.tensor(upstream))
    scale = out.detach().numpy() / x.detach().numpy()
    np.testing.assert_allclose(x.grad.numpy(), upstream * scale, rtol=1e-12)


def test_seeding_and_generator():
    minitorch_cv.manual_seed(3)
    a = F.dropout(minitorch_cv.ones(50), 0.5)
    minitorch_cv.manual_seed(3)
    b = F.dropout(minitorch_cv.ones(50), 0.5)
    assert np.array_equal(a.numpy(), b.numpy())
    assert not np.array_equal(a.numpy(), F.dropout(minitorch_cv.ones(50), 0.5).numpy())


def test_eval_identity_inplace_and_modules():
    x = minitorch_cv.randn(3, 4, 2, 2)
    for layer in (nn.Dropout(0.5), nn.Dropout2d(0.5)):
        assert layer.eval()(x) is x
    y = x * 1.0
    result = nn.Dropout(0.5, inplace=True)(y)
    assert result is y and np.all((y.numpy() == 0) | np.isclose(y.numpy(), 2 * x.numpy()))
    leaf = minitorch_cv.randn(3, 4, requires_grad=True)
    hidden = leaf * 1.0
    F.dropout(hidden, 0.5, inplace=True).sum().backward()
    assert leaf.grad is not None and hidden.grad_fn.name() == "MulBackward0"


def test_printing_and_validation():
    for args in [(), (0.2, True)]:
        assert repr(nn.Dropout(*args)) == repr(torch.nn.Dropout(*args))
        assert repr(nn.Dropout2d(*args)) == repr(torch.nn.Dropout2d(*args))
    for p in (-0.1, 1.5):
        with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got"):
            nn.Dropout(p)
        assert "between 0 and 1" in same_error(lambda lib, t: lib.nn.functional.dropout(t, p), np.ones(3))
        assert "between 0 and 1" in same_error(lambda lib, t: lib.nn.functional.dropout2d(t, p), np.ones((2, 2, 2)))


def test_dropout2d_warns_like_torch():
    for shape in [(2, 3, 4), (2, 3, 4, 5, 6)]:
        with warnings.catch_warnings(record=True) as ours:
            warnings.simplefilter("always")
            F.dropout2d(minitorch_cv.ones(*shape), 0.5)
        with warnings.catch_warnings(record=True) as theirs:
            warnings.simplefilter("always")
            torch.nn.functional.dropout2d(torch.ones(*shape), 0.5)
        assert [str(w.message) for w in ours] == [str(w.message) for w in theirs]


@pytest.mark.parametrize("kind, shape, p", CASES)
def test_masks_after_the_same_seed_are_torchs(kind, shape, p):
    """Drawn as torch draws them (bernoulli_(1 - p) from the seeded generator): equal outputs, and
    the generators stay in step for the next draw."""
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32) + 0.1
    outputs = []
    for lib in (minitorch_cv, torch):
        lib.manual_seed(7)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            first = getattr(lib.nn.functional, kind)(lib.tensor(x), p)
        outputs.append((first.numpy(), lib.rand(3).numpy()))
    assert np.array_equal(outputs[0][0], outputs[1][0])
    assert np.array_equal(outputs[0][1], outputs[1][1])


@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
@pytest.mark.parametrize("kind", ["dropout", "dropout2d"])
def test_dropout_gradcheck(kind, p):
    """Float64 finite differences with the mask held fixed (the same seed before every call)."""
    x = minitorch_cv.tensor(np.random.default_rng(1).standard_normal((3, 4, 2, 2)), requires_grad=True)

    def fn(t):
        minitorch_cv.manual_seed(11)
        return getattr(F, kind)(t, p)

    assert gradcheck(fn, [x])
