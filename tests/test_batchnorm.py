"""BatchNorm1d/2d and F.batch_norm against torch: a grid over every option (outputs, gradients,
running buffers after two steps), float64 gradcheck, state_dict versions, dtype moves, errors."""
import warnings

import numpy as np
import pytest
import torch

import minitorch_cv
from minitorch_cv import nn
from minitorch_cv.autograd.gradcheck import gradcheck
from minitorch_cv.nn import functional as F
from test_conv import covering_grid
from torch_parity import assert_matches, compare, same_error

BN_SETTINGS = {
    "shape": [(4, 3, 5, 6), (2, 5, 3, 3), (6, 3), (3, 4, 7), (2, 3, 1, 1)],
    "training": [True, False],
    "affine": [True, False],
    "bias": [True, False],
    "track_running_stats": [True, False],
    "momentum": [0.1, None, 0.35],
    "eps": [1e-5, 1e-2],
    "dtype": ["float32", "float64"],
}
BN_CASES = covering_grid(BN_SETTINGS, 24, seed=11)


def _layer(lib, case):
    cls = "BatchNorm2d" if len(case["shape"]) == 4 else "BatchNorm1d"
    return getattr(lib.nn, cls)(case["shape"][1], eps=case["eps"], momentum=case["momentum"], affine=case["affine"],
                                track_running_stats=case["track_running_stats"], bias=case["bias"])


def test_grid_covers_every_value():
    for name, values in BN_SETTINGS.items():
        assert {repr(case[name]) for case in BN_CASES} == {repr(v) for v in values}, name


@pytest.mark.parametrize("case", BN_CASES, ids=["-".join(map(str, c.values())) for c in BN_CASES])
def test_batch_norm_matches_torch(case):
    rng = np.random.default_rng(1)
    x = rng.standard_normal(case["shape"]) * 3 + 1
    ours, theirs = _layer(minitorch_cv, case), _layer(torch, case)
    if case["affine"]:
        with minitorch_cv.no_grad():
            ours.weight.copy_(minitorch_cv.tensor(rng.uniform(0.5, 1.5, case["shape"][1])))
            if ours.bias is not None:
                ours.bias.copy_(minitorch_cv.tensor(rng.standard_normal(case["shape"][1])))
    if case["track_running_stats"]:
        ours.running_mean.copy_(minitorch_cv.tensor(rng.standard_normal(case["shape"][1])))
        ours.running_var.copy_(minitorch_cv.tensor(rng.uniform(0.5, 2.0, case["shape"][1])))
    ours.train(case["training"])
    theirs.train(case["training"])
    if case["training"] and int(np.prod(case["shape"])) // case["shape"][1] == 1:
        message = same_error(lambda lib, t: _layer(lib, case)(t), x.astype(np.float32))
        assert "more than 1 value per channel" in message
        return

    def two_steps(lib, module, t):   # the second call sees the buffers the first one moved
        return module(t) + 0.5 * module(t * 0.5 + 1)

    compare(two_steps, [x], "batch_norm", dtype=case["dtype"], our_module=ours, torch_module=theirs)
    theirs_buffers = dict(theirs.named_buffers())
    assert sorted(theirs_buffers) == sorted(name for name, _ in ours.named_buffers())
    for name, buffer in ours.named_buffers():
        kind = "exact" if buffer.dtype is minitorch_cv.int64 else "reduction"
        assert_matches(name, buffer.numpy(), theirs_buffers[name], case["dtype"], kind, "batch_norm")


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("shape", [(3, 2, 2, 3), (4, 3), (2, 2, 3)])
@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm_gradcheck(training, shape, affine):
    rng = np.random.default_rng(2)
    x = minitorch_cv.tensor(rng.standard_normal(shape) * 2 + 0.5, requires_grad=True)
    channels = shape[1]
    weight = minitorch_cv.tensor(rng.uniform(0.5, 1.5, channels), requires_grad=True) if affine else None
    bias = minitorch_cv.tensor(rng.standard_normal(channels), requires_grad=True) if affine else None
    mean = minitorch_cv.tensor(rng.standard_normal(channels))
    var = minitorch_cv.tensor(rng.uniform(0.5, 2.0, channels))
    inputs = [x] + ([weight, bias] if affine else [])

    def fn(x, weight=None, bias=None):   # no buffers in training, so repeated calls see the same function
        return F.batch_norm(x, None if training else mean, None if training else var, weight, bias,
                            training=training, eps=1e-3)

    assert gradcheck(fn, inputs)


def test_cumulative_average_and_counter():
    """momentum=None: running stats are the plain average of the batches seen; counter counts training only."""
    rng = np.random.default_rng(3)
    bn = nn.BatchNorm1d(2, momentum=None)
    batches = [rng.standard_normal((5, 2)).astype(np.float32) for _ in range(3)]
    for b in batches:
        bn(minitorch_cv.tensor(b))
    bn.eval()
    bn(minitorch_cv.tensor(batches[0]))
    assert bn.num_batches_tracked.item() == 3 and bn.num_batches_tracked.dtype is minitorch_cv.int64
    expected_mean = np.mean([b.mean(0) for b in batches], axis=0)
    # factor 1/k at step k: the first batch replaces the initial buffers, then a plain average
    expected_var = np.mean([b.var(0, ddof=1) for b in batches], axis=0)
    np.testing.assert_allclose(bn.running_mean.numpy(), expected_mean, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(bn.running_var.numpy(), expected_var, rtol=1e-5, atol=1e-6)


def test_state_dict_keys_versions_and_old_checkpoints():
    bn, tbn = nn.BatchNorm2d(3), torch.nn.BatchNorm2d(3)
    state = bn.state_dict()
    assert list(state) == list(tbn.state_dict())
    assert state._metadata[""] == tbn.state_dict()._metadata[""] == {"version": 2}
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4))
    assert dict(model.state_dict()._metadata) == {"": {"version": 1}, "0": {"version": 1}, "1": {"version": 2}}
    # a checkpoint written before num_batches_tracked existed (no metadata, key missing) loads
    old = {k: v for k, v in bn.state_dict().items() if k != "num_batches_tracked"}
    fresh = nn.BatchNorm2d(3)
    fresh.num_batches_tracked.fill_(7)
    assert repr(fresh.load_state_dict(old)) == "<All keys matched successfully>"
    assert fresh.num_batches_tracked.item() == 7
    # a version-2 checkpoint missing it is an error, as in torch
    new = minitorch_cv.nn.BatchNorm2d(3).state_dict()
    del new["num_batches_tracked"]
    with pytest.raises(RuntimeError, match='Missing key\\(s\\) in state_dict: "num_batches_tracked"'):
        fresh.load_state_dict(new)
    torch_new = tbn.state_dict()
    del torch_new["num_batches_tracked"]
    with pytest.raises(RuntimeError, match="num_batches_tracked"):
        tbn.load_state_dict(torch_new)


def test_buffers_follow_dtype_moves_and_persistence():
    bn = nn.BatchNorm2d(3)
    bn.double()
    assert bn.running_mean.dtype is minitorch_cv.float64 and bn.running_var.dtype is minitorch_cv.float64
    assert bn.num_batches_tracked.dtype is minitorch_cv.int64
    bn.to(minitorch_cv.float32)
    assert bn.running_var.dtype is minitorch_cv.float32
    bn.register_buffer("scratch", minitorch_cv.zeros(3), persistent=False)
    assert "scratch" in dict(bn.named_buffers()) and "scratch" not in bn.state_dict()
    assert nn.BatchNorm2d(3, track_running_stats=False).state_dict().keys() == {"weight", "bias"}


def test_printing_matches_torch():
    for args, kwargs in [((64,), {}), ((3,), dict(momentum=None, affine=False)),
                         ((5,), dict(eps=1e-3, track_running_stats=False, bias=False))]:
        assert repr(nn.BatchNorm2d(*args, **kwargs)) == repr(torch.nn.BatchNorm2d(*args, **kwargs))
        assert repr(nn.BatchNorm1d(*args, **kwargs)) == repr(torch.nn.BatchNorm1d(*args, **kwargs))


def test_errors_match_torch():
    x4, x2 = np.ones((2, 3, 2, 2), np.float32), np.ones((2, 3), np.float32)
    assert "expected 4D input (got 2D input)" in same_error(lambda lib, t: lib.nn.BatchNorm2d(3)(t), x2)
    assert "expected 2D or 3D input (got 4D input)" in same_error(lambda lib, t: lib.nn.BatchNorm1d(3)(t), x4)
    assert "Expected more than 1 value per channel" in same_error(
        lambda lib, t: lib.nn.BatchNorm1d(3)(t), np.ones((1, 3), np.float32))
    same_error(lambda lib, t: lib.nn.BatchNorm2d(4)(t), x4)
    same_error(lambda lib, t: lib.nn.functional.batch_norm(t, None, None, training=False), x4)
    with pytest.raises(ValueError, match="eps must be positive"):
        F.batch_norm(minitorch_cv.tensor(x4), None, None, training=True, eps=0.0)


def test_eval_output_ignores_the_batch():
    """In eval with buffers, each sample is normalized alone (no batch statistics)."""
    bn = nn.BatchNorm2d(3).eval()
    x = minitorch_cv.randn(4, 3, 2, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        whole, first = bn(x), bn(x[:1])
    np.testing.assert_allclose(whole.detach().numpy()[:1], first.detach().numpy(), rtol=1e-6)
