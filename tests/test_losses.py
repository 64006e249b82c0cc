"""Losses against torch: every reduction, class weights, ignore_index, label smoothing, shapes, dtypes."""
import re

import numpy as np
import pytest
import torch

import minitorch_cv
from minitorch_cv import nn
from minitorch_cv.autograd import gradcheck
from torch_parity import compare, same_error

DTYPES = ["float32", "float64"]
REDUCTIONS = ["mean", "sum", "none"]
SHAPES = {"N,C": (6, 5), "N,C,H,W": (2, 5, 3, 4), "C": (5,)}


def _inputs(shape, ignore_index=None, seed=0):
    """Logits of ``shape``, class-index targets (some set to ``ignore_index``) and class weights."""
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal(shape) * 2
    target_shape = shape[:1] + shape[2:] if len(shape) > 1 else ()
    target = rng.integers(0, shape[0 if len(shape) == 1 else 1], target_shape).astype(np.int64)
    if ignore_index is not None and target.ndim:
        target.reshape(-1)[::3] = ignore_index
    weight = rng.uniform(0.5, 2.0, shape[0 if len(shape) == 1 else 1])
    return logits, target, weight


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", list(SHAPES), ids=list(SHAPES))
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("ignore_index", [-100, 2], ids=["default_ignore", "ignore_2"])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
def test_cross_entropy_matches_torch(dtype, reduction, shape, weighted, ignore_index, label_smoothing):
    logits, target, weight = _inputs(SHAPES[shape], ignore_index if ignore_index != -100 else None)

    def fn(lib, x, t, w):
        loss = lib.nn.CrossEntropyLoss(weight=w if weighted else None, ignore_index=ignore_index,
                                       reduction=reduction, label_smoothing=label_smoothing)
        return loss(x, t)

    compare(fn, [logits, target, weight], op="CrossEntropyLoss", dtype=dtype, grad=[True, False, False])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", list(SHAPES), ids=list(SHAPES))
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("ignore_index", [-100, 1], ids=["default_ignore", "ignore_1"])
def test_nll_loss_matches_torch(dtype, reduction, shape, weighted, ignore_index):
    logits, target, weight = _inputs(SHAPES[shape], ignore_index if ignore_index != -100 else None, seed=1)

    def fn(lib, x, t, w):
        loss = lib.nn.NLLLoss(weight=w if weighted else None, ignore_index=ignore_index, reduction=reduction)
        return loss(lib.nn.functional.log_softmax(x, dim=0 if x.ndim == 1 else 1), t)

    compare(fn, [logits, target, weight], op="NLLLoss", dtype=dtype, grad=[True, False, False])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(6, 5), (2, 5, 3, 4), (5,)], ids=["N,C", "N,C,H,W", "C"])
@pytest.mark.parametrize("options", [{}, {"label_smoothing": 0.3}, {"weight": True},
                                     {"weight": True, "label_smoothing": 0.1}],
                         ids=["plain", "smoothing", "weighted", "weighted_smoothing"])
def test_cross_entropy_with_class_probabilities_matches_torch(dtype, reduction, shape, options):
    rng = np.random.default_rng(2)
    logits = rng.standard_normal(shape)
    probs = rng.uniform(0, 1, shape)
    probs /= probs.sum(axis=0 if len(shape) == 1 else 1, keepdims=True)
    weight = rng.uniform(0.5, 2.0, shape[0 if len(shape) == 1 else 1])

    def fn(lib, x, p, w):
        return lib.nn.functional.cross_entropy(x, p, weight=w if options.get("weight") else None, reduction=reduction,
                                               label_smoothing=options.get("label_smoothing", 0.0))

    compare(fn, [logits, probs, weight], op="cross_entropy(probabilities)", dtype=dtype, grad=[True, True, False])


def test_cross_entropy_mean_with_every_target_ignored_is_nan_like_torch():
    logits, target, _ = _inputs((4, 3))
    target[:] = -100
    ours, theirs = compare(lambda lib, x, t: lib.nn.functional.cross_entropy(x, t), [logits, target],
                           op="CrossEntropyLoss")
    assert np.isnan(ours.item()) and np.isnan(theirs.item())


def test_cross_entropy_is_stable_and_has_finite_gradients_for_huge_logits():
    logits = np.array([[1e4, -1e4, 0.0], [-5e3, 5e3, 1.0], [80.0, 90.0, 100.0]])
    target = np.array([1, 1, 0])
    ours, _ = compare(lambda lib, x, t: lib.nn.functional.cross_entropy(x, t), [logits, target],
                      op="CrossEntropyLoss")
    assert np.isfinite(ours.item())


def test_cross_entropy_equals_log_softmax_then_nll():
    logits, target, weight = _inputs((8, 4), ignore_index=-100, seed=3)
    x = minitorch_cv.tensor(logits)
    t, w = minitorch_cv.tensor(target), minitorch_cv.tensor(weight, dtype=minitorch_cv.float32)
    fused = nn.functional.cross_entropy(x, t, weight=w)
    split = nn.functional.nll_loss(nn.functional.log_softmax(x, dim=1), t, weight=w)
    assert np.allclose(fused.item(), split.item(), rtol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("loss", ["MSELoss", "L1Loss"])
def test_pointwise_losses_match_torch(dtype, reduction, loss):
    rng = np.random.default_rng(4)
    arrays = [rng.standard_normal((4, 3, 5)), rng.standard_normal((4, 3, 5))]
    compare(lambda lib, x, y: getattr(lib.nn, loss)(reduction=reduction)(x, y), arrays, op=loss, dtype=dtype)


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_weighted_pointwise_losses_match_torch(name, reduction):
    rng = np.random.default_rng(5)
    arrays = [rng.standard_normal((6, 2)), rng.standard_normal((6, 2)), rng.uniform(0.1, 2, (6, 2))]
    compare(lambda lib, x, y, w: getattr(lib.nn.functional, name)(x, y, reduction=reduction, weight=w),
            arrays, op=f"F.{name}", grad=[True, True, False])


def test_l1_loss_gradient_is_zero_where_input_equals_target():
    x = np.array([1.0, 2.0, 3.0])
    compare(lambda lib, a, b: lib.nn.functional.l1_loss(a, b), [x, np.array([1.0, 0.0, 3.0])], op="F.l1_loss")


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss"])
def test_pointwise_losses_broadcast_with_a_warning_like_torch(name):
    rng = np.random.default_rng(6)
    with pytest.warns(UserWarning, match="target size"):
        compare(lambda lib, x, y: getattr(lib.nn.functional, name)(x, y),
                [rng.standard_normal((4, 1)), rng.standard_normal((4, 3))], op=f"F.{name}")


def test_legacy_size_average_and_reduce_map_to_reduction():
    logits, target, _ = _inputs((5, 3))
    for kwargs in ({"size_average": False}, {"reduce": False}, {"size_average": True, "reduce": True}):
        with pytest.warns(UserWarning):
            compare(lambda lib, x, t: lib.nn.CrossEntropyLoss(**kwargs)(x, t), [logits, target],
                    op="CrossEntropyLoss")


def test_loss_module_weight_is_a_buffer_like_torch():
    weight = [1.0, 2.0, 3.0]
    ours, theirs = nn.CrossEntropyLoss(weight=minitorch_cv.tensor(weight)), torch.nn.CrossEntropyLoss(
        weight=torch.tensor(weight))
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
    assert list(nn.NLLLoss().state_dict()) == list(torch.nn.NLLLoss().state_dict()) == []
    assert repr(ours) == repr(theirs) == "CrossEntropyLoss()"


# ----- bad input -----

def test_target_out_of_range_names_the_loss_and_the_class_count():
    x, bad = np.zeros((2, 10)), np.array([1, 12])
    message = same_error(lambda lib, a, t: lib.nn.CrossEntropyLoss()(a, t), x, bad)
    assert "CrossEntropyLoss()" in message and "Target 12 is out of bounds for 10 classes" in message
    message = same_error(lambda lib, a, t: lib.nn.functional.nll_loss(a, t), x, np.array([-3, 0]))
    assert message.startswith("nll_loss: Target -3 is out of bounds for 10 classes")


def test_ignore_index_outside_the_class_range_is_allowed():
    compare(lambda lib, x, t: lib.nn.functional.cross_entropy(x, t, ignore_index=255),
            [np.random.default_rng(0).standard_normal((3, 4)), np.array([255, 1, 3])], op="CrossEntropyLoss")


@pytest.mark.parametrize("logits_shape,target,match", [
    ((2, 10), np.array([1, 2, 3]), r"Expected input batch_size \(2\) to match target batch_size \(3\)"),
    ((2, 10, 3), np.array([1, 2]), r"Expected target size \[2, 3\], got \[2\]"),
    ((2, 10), np.array([1.0, 2.0]), "expected target of dtype int64"),
    ((2, 10), np.zeros((2, 10), dtype=np.int64), "Expected floating point type for target with class probabilities"),
])
def test_cross_entropy_rejects_bad_targets(logits_shape, target, match):
    message = same_error(lambda lib, x, t: lib.nn.functional.cross_entropy(x, t), np.zeros(logits_shape), target)
    assert message.startswith("cross_entropy: ")
    assert re.search(match, message)


def test_cross_entropy_rejects_bad_options_and_integer_input():
    x, t = minitorch_cv.zeros(2, 10), minitorch_cv.tensor([1, 2])
    with pytest.raises(RuntimeError, match=r"weight tensor should be defined either for all 10 classes .* \[3\]"):
        nn.CrossEntropyLoss(weight=minitorch_cv.ones(3))(x, t)
    with pytest.raises(RuntimeError, match="label_smoothing must be between 0.0 and 1.0. Got: 1.5"):
        nn.CrossEntropyLoss(label_smoothing=1.5)(x, t)
    with pytest.raises(ValueError, match="foo is not a valid value for reduction"):
        nn.CrossEntropyLoss(reduction="foo")(x, t)
    with pytest.raises(RuntimeError, match=r"CrossEntropyLoss\(\): expected a floating-point input"):
        nn.CrossEntropyLoss()(minitorch_cv.tensor([[1, 2]]), minitorch_cv.tensor([0]))
    with pytest.raises(TypeError, match="expected target to be a Tensor"):
        nn.CrossEntropyLoss()(x, [1, 2])


def test_mse_loss_rejects_unbroadcastable_shapes():
    with pytest.raises(RuntimeError, match=r"MSELoss\(\): The size of input \[2, 3\] and target \[4\]"), \
            pytest.warns(UserWarning):
        nn.MSELoss()(minitorch_cv.zeros(2, 3), minitorch_cv.zeros(4))


# The tutorial's own line: an int64 input against a float target is promoted, as in torch.
MIXED = {"int64-float": (np.array([1, 2, 3, 4, 5]), np.array([1.5, 2.5, 3.5, 4.5, 5.5])),
         "float-int64": (np.array([0.5, -2.0, 3.25]), np.array([1, 2, 3]))}


@pytest.mark.parametrize("form", ["module", "functional"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("loss", ["MSELoss", "L1Loss"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", list(MIXED))
def test_pointwise_losses_promote_integer_operands_like_torch(case, dtype, loss, reduction, form):
    functional = {"MSELoss": "mse_loss", "L1Loss": "l1_loss"}[loss]

    def fn(lib, x, y):
        if form == "module":
            return getattr(lib.nn, loss)(reduction=reduction)(x, y)
        return getattr(lib.nn.functional, functional)(x, y, reduction=reduction)

    compare(fn, list(MIXED[case]), op=f"{loss}(mixed dtypes)", dtype=dtype)


@pytest.mark.parametrize("loss", ["mse_loss", "l1_loss"])
def test_pointwise_losses_promote_float32_with_float64_like_torch(loss):
    rng = np.random.default_rng(6)
    compare(lambda lib, x, y: getattr(lib.nn.functional, loss)(x, y.double()),
            [rng.standard_normal(5), rng.standard_normal(5)], op=f"F.{loss}(float32, float64)")


@pytest.mark.parametrize("reduction", ["sum", "none"])
def test_l1_loss_of_two_integer_tensors_stays_integer_like_torch(reduction):
    arrays = [np.array([1, 5, -3]), np.array([4, 2, 0])]
    compare(lambda lib, x, y: lib.nn.L1Loss(reduction=reduction)(x, y), arrays, op="L1Loss(integers)")


def test_pointwise_losses_refuse_what_torch_refuses():
    ints, floats, flags = np.array([1, 2]), np.array([0.5, 1.5]), np.array([True, False])
    message = same_error(lambda lib, x, y: lib.nn.L1Loss()(x, y), ints, ints, error=RuntimeError)
    assert "L1Loss()" in message and "Long" in message and ".float()" in message
    for reduction in REDUCTIONS:
        message = same_error(lambda lib, x, y: lib.nn.MSELoss(reduction=reduction)(x, y), ints, ints,
                             error=NotImplementedError)
        assert "MSELoss()" in message and "Long" in message
    for pair in [(flags, floats), (floats, flags), (flags, flags)]:
        assert "L1Loss()" in same_error(lambda lib, x, y: lib.nn.L1Loss()(x, y), *pair, error=NotImplementedError)
    assert "mse_loss" in same_error(lambda lib, x, y: lib.nn.functional.mse_loss(x, y), flags, flags,
                                    error=NotImplementedError)
    compare(lambda lib, x, y: lib.nn.functional.mse_loss(x, y), [flags, floats], op="F.mse_loss(bool, float)")


# ----- float64 finite differences, independent of torch -----

def _double(array, grad=True):
    return minitorch_cv.tensor(array, dtype=minitorch_cv.float64, requires_grad=grad)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_gradcheck_cross_entropy_with_weight_ignore_and_smoothing(reduction):
    logits, target, weight = _inputs((2, 4, 2, 2), ignore_index=1, seed=7)
    t, w = minitorch_cv.tensor(target), _double(weight, grad=False)
    assert gradcheck(lambda x: nn.functional.cross_entropy(x, t, weight=w, ignore_index=1, reduction=reduction,
                                                           label_smoothing=0.15), [_double(logits)])


def test_gradcheck_cross_entropy_with_probabilities():
    rng = np.random.default_rng(8)
    logits, probs, weight = rng.standard_normal((3, 4)), rng.uniform(0, 1, (3, 4)), _double(rng.uniform(1, 2, 4), False)
    assert gradcheck(lambda x, p: nn.functional.cross_entropy(x, p, weight=weight, label_smoothing=0.2),
                     [_double(logits), _double(probs)])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_gradcheck_nll_loss(reduction):
    logits, target, weight = _inputs((5, 3), ignore_index=2, seed=8)
    t, w = minitorch_cv.tensor(target), _double(weight, grad=False)
    assert gradcheck(lambda x: nn.functional.nll_loss(x, t, weight=w, ignore_index=2, reduction=reduction),
                     [_double(logits)])


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_gradcheck_pointwise_losses(name, reduction):
    rng = np.random.default_rng(10)
    x, y = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    assert gradcheck(lambda a, b: getattr(nn.functional, name)(a, b, reduction=reduction), [_double(x), _double(y)])
