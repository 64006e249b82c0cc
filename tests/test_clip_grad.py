"""nn.utils: clip_grad_norm_ (every norm type, non-finite norms), clip_grad_value_, parameters <-> vector."""
import numpy as np
import pytest
import torch

import minitorch_cv
from minitorch_cv import nn
from torch_parity import assert_matches

SHAPES = [(3, 4), (5,), (2, 2, 3)]


def _twins(dtype, scale=1.0, seed=0):
    rng = np.random.default_rng(seed)
    ours, theirs = [], []
    for shape in SHAPES:
        value, grad = rng.standard_normal(shape).astype(dtype), (scale * rng.standard_normal(shape)).astype(dtype)
        o, t = nn.Parameter(minitorch_cv.tensor(value)), torch.nn.Parameter(torch.tensor(value))
        o.grad, t.grad = minitorch_cv.tensor(grad), torch.tensor(grad)
        ours.append(o), theirs.append(t)
    if seed == 1:   # one parameter without a gradient
        ours[1].grad = theirs[1].grad = None
    return ours, theirs


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("norm_type", [2.0, 1, 3.5, 0.5, float("inf"), "inf", float("-inf"), 0])
@pytest.mark.parametrize("max_norm, seed", [(0.5, 0), (1e6, 0), (2.0, 1)])
def test_clip_grad_norm_matches_torch(dtype, norm_type, max_norm, seed):
    ours, theirs = _twins(np.dtype(dtype), seed=seed)
    total = nn.utils.clip_grad_norm_(ours, max_norm, norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type, foreach=False)
    assert_matches("total norm", total.numpy(), expected, dtype, "reduction", "clip_grad_norm_")
    for i, (o, t) in enumerate(zip(ours, theirs)):
        assert (o.grad is None) == (t.grad is None)
        if o.grad is not None:
            assert_matches(f"grad {i}", o.grad.numpy(), t.grad, dtype, "reduction", "clip_grad_norm_")


@pytest.mark.parametrize("bad", [np.inf, np.nan])
def test_non_finite_norm_raises_when_asked_and_scales_otherwise(bad):
    ours, theirs = _twins(np.float32)
    ours[0].grad.numpy()[0, 0] = bad
    theirs[0].grad[0, 0] = bad
    for lib, params in ((nn, ours), (torch.nn, theirs)):
        with pytest.raises(RuntimeError, match="The total norm of order 2.0 for gradients from `parameters` is "
                                               "non-finite, so it cannot be clipped"):
            lib.utils.clip_grad_norm_(params, 1.0, error_if_nonfinite=True)
    total = nn.utils.clip_grad_norm_(ours, 1.0)
    expected = torch.nn.utils.clip_grad_norm_(theirs, 1.0, foreach=False)
    assert np.isnan(total.item()) == np.isnan(expected.item())
    assert_matches("grad", ours[2].grad.numpy(), theirs[2].grad, "float32", "exact", "clip_grad_norm_")


def test_no_gradients_give_a_zero_norm_and_a_single_tensor_is_accepted():
    p = nn.Parameter(minitorch_cv.ones(3))
    assert nn.utils.clip_grad_norm_([p], 1.0).item() == torch.nn.utils.clip_grad_norm_(
        [torch.nn.Parameter(torch.ones(3))], 1.0).item() == 0.0
    p.grad = minitorch_cv.tensor([3.0, 4.0, 0.0])
    assert nn.utils.clip_grad_norm_(p, 1.0).item() == 5.0
    assert np.allclose(p.grad.numpy(), [0.6, 0.8, 0.0])
    with pytest.warns(UserWarning, match="empty generator"):
        nn.utils.clip_grad_norm_((q for q in []), 1.0)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_clip_grad_value_matches_torch(dtype):
    ours, theirs = _twins(np.dtype(dtype), scale=3.0, seed=1)
    nn.utils.clip_grad_value_(ours, 1.5)
    torch.nn.utils.clip_grad_value_(theirs, 1.5, foreach=False)
    for o, t in zip(ours, theirs):
        if t.grad is not None:
            assert_matches("grad", o.grad.numpy(), t.grad, dtype, "exact", "clip_grad_value_")


def test_parameters_to_vector_and_back_match_torch_and_share_memory():
    ours, theirs = _twins(np.float64)
    vector = nn.utils.parameters_to_vector(ours)
    assert_matches("vector", vector.detach().numpy(), torch.nn.utils.parameters_to_vector(theirs), "float64",
                   "exact", "parameters_to_vector")
    vector.sum().backward()
    fresh = minitorch_cv.arange(vector.numel(), dtype=minitorch_cv.float64)
    nn.utils.vector_to_parameters(fresh, ours)
    assert np.array_equal(ours[1].detach().numpy(), np.arange(12, 17))
    assert np.array_equal(ours[2].detach().numpy(), np.arange(17, 29).reshape(2, 2, 3))
    fresh.numpy()[12] = -1.0
    assert ours[1].detach().numpy()[0] == -1.0
    with pytest.raises(TypeError, match="expected torch.Tensor, but got: numpy.ndarray"):
        nn.utils.vector_to_parameters(np.zeros(29), ours)
