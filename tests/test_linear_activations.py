"""Linear, Flatten, Identity and the activations (ReLU, Sigmoid, Tanh, Softmax, LogSoftmax) against torch."""
import numpy as np
import pytest
import torch

import minitorch_cv
from minitorch_cv import nn
from minitorch_cv.autograd import gradcheck
from torch_parity import compare, same_error

DTYPES = ["float32", "float64"]


def _randn(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("input_shape", [(8, 5), (5,), (2, 3, 5)])
def test_linear_module_matches_torch(dtype, bias, input_shape):
    minitorch_cv.manual_seed(1)
    ours, theirs = nn.Linear(5, 7, bias=bias), torch.nn.Linear(5, 7, bias=bias)
    compare(lambda lib, m, x: m(x), [_randn(*input_shape)], op="Linear", dtype=dtype,
            our_module=ours, torch_module=theirs)


@pytest.mark.parametrize("dtype", DTYPES)
def test_functional_linear_matches_torch(dtype):
    arrays = [_randn(6, 4, seed=1), _randn(3, 4, seed=2), _randn(3, seed=3)]
    compare(lambda lib, x, w, b: lib.nn.functional.linear(x, w, b), arrays, op="F.linear", dtype=dtype)
    compare(lambda lib, x, w: lib.nn.functional.linear(x, w), arrays[:2], op="F.linear", dtype=dtype)


def test_linear_keeps_float32_and_rejects_mismatched_input():
    layer = nn.Linear(4, 3)
    out = layer(minitorch_cv.randn(2, 4))
    assert out.dtype is minitorch_cv.float32
    with pytest.raises(RuntimeError, match=r"Linear\(in_features=4.*float64 does not match"):
        layer(minitorch_cv.randn(2, 4, dtype=minitorch_cv.float64))
    with pytest.raises(RuntimeError, match="should be the same"):
        nn.functional.linear(minitorch_cv.randn(2, 4), minitorch_cv.randn(3, 4).double())


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("start_dim,end_dim", [(1, -1), (0, -1), (1, 2), (2, 3), (-3, -2)])
def test_flatten_matches_torch(dtype, start_dim, end_dim):
    compare(lambda lib, x: lib.nn.Flatten(start_dim, end_dim)(x), [_randn(2, 3, 4, 5)],
            op="Flatten", dtype=dtype, kind="exact")


def test_identity_passes_input_through_and_ignores_arguments():
    x = minitorch_cv.randn(3, requires_grad=True)
    assert nn.Identity(54, unused="x")(x) is x


def _away_from_zero(*shape, seed=0):
    x = _randn(*shape, seed=seed)
    return np.where(np.abs(x) < 0.05, 0.5, x)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layer", ["ReLU", "Sigmoid", "Tanh"])
def test_elementwise_activations_match_torch(dtype, layer):
    compare(lambda lib, x: getattr(lib.nn, layer)()(x), [_away_from_zero(4, 3, 5, 5)],
            op=layer, dtype=dtype, kind="exact")


@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh"])
def test_functional_activations_match_torch(name):
    compare(lambda lib, x: getattr(lib.nn.functional, name)(x), [_away_from_zero(7, 3)],
            op=f"F.{name}", kind="exact")


def test_relu_at_exactly_zero_has_zero_gradient_like_torch():
    x = np.array([-1.0, 0.0, 0.0, 2.0, -0.0])
    ours, _ = compare(lambda lib, t: lib.nn.ReLU()(t), [x], op="ReLU", kind="exact")
    assert ours.detach().numpy().tolist() == [0.0, 0.0, 0.0, 2.0, 0.0]


def test_sigmoid_and_tanh_saturate_without_overflow():
    x = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])
    with np.errstate(over="raise", invalid="raise"):
        compare(lambda lib, t: lib.nn.Sigmoid()(t), [x], op="Sigmoid", kind="exact")
        compare(lambda lib, t: lib.nn.Tanh()(t), [x], op="Tanh", kind="exact")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layer", ["Softmax", "LogSoftmax"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_layers_match_torch(dtype, layer, dim):
    compare(lambda lib, x: getattr(lib.nn, layer)(dim=dim)(x), [_randn(4, 6, 3) * 3],
            op=layer, dtype=dtype)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_functions_and_methods_match_torch(name):
    x = [_randn(5, 7, seed=4)]
    compare(lambda lib, t: getattr(lib.nn.functional, name)(t, dim=1), x, op=f"F.{name}")
    compare(lambda lib, t: getattr(t, name)(0), x, op=f"Tensor.{name}")
    compare(lambda lib, t: getattr(lib.nn.functional, name)(t, 1, dtype=lib.float64), x, op=f"F.{name}")


@pytest.mark.parametrize("layer", ["Softmax", "LogSoftmax"])
def test_softmax_is_stable_for_huge_logits(layer):
    x = np.array([[1e4, 0.0, -1e4], [1e30, 1e30, -1e30], [-1e30, -1e30, -1e30]])
    ours, _ = compare(lambda lib, t: getattr(lib.nn, layer)(dim=1)(t), [x], op=layer)
    assert np.all(np.isfinite(ours.detach().numpy()))


def test_softmax_without_dim_uses_torch_legacy_choice_with_warning():
    x = [_randn(2, 3, 4)]
    with pytest.warns(UserWarning, match="Implicit dimension"):
        compare(lambda lib, t: lib.nn.Softmax()(t), x, op="Softmax")


def test_softmax_rejects_integer_input_naming_the_function():
    with pytest.raises(RuntimeError, match="softmax: expected a floating-point input"):
        nn.functional.softmax(minitorch_cv.tensor([1, 2, 3]), dim=0)


def _double(*shape, seed=0, away_from_zero=False):
    data = _away_from_zero(*shape, seed=seed) if away_from_zero else _randn(*shape, seed=seed)
    return minitorch_cv.tensor(data, dtype=minitorch_cv.float64, requires_grad=True)


def test_gradcheck_linear():
    x, w, b = _double(3, 4), _double(2, 4, seed=1), _double(2, seed=2)
    assert gradcheck(lambda x, w, b: nn.functional.linear(x, w, b), [x, w, b])


@pytest.mark.parametrize("fn", [
    lambda x: nn.functional.softmax(x, dim=1),
    lambda x: nn.functional.log_softmax(x, dim=0),
    lambda x: nn.functional.sigmoid(x),
    lambda x: nn.functional.tanh(x),
    lambda x: nn.functional.relu(x),
    lambda x: nn.Flatten(0)(x),
], ids=["softmax", "log_softmax", "sigmoid", "tanh", "relu", "flatten"])
def test_gradcheck_activations(fn):
    assert gradcheck(fn, [_double(3, 5, away_from_zero=True)])


@pytest.mark.parametrize("fn", [lambda lib, x: lib.softmax(x, 0), lambda lib, x: lib.log_softmax(x, 0),
                                lambda lib, x: x.softmax(0), lambda lib, x: lib.nn.functional.softmin(x, 0),
                                lambda lib, x: lib.nn.functional.cross_entropy(x.reshape(2, 3), lib.tensor([0, 1]))])
@pytest.mark.parametrize("dtype", ["int64", "int32", "bool"])
def test_softmax_family_on_integer_or_bool_input_is_not_implemented_like_torch(fn, dtype):
    same_error(lambda lib, x: fn(lib, x.to(getattr(lib, dtype))), np.arange(6), check_class=True)
    assert torch.softmax(torch.arange(3), 0, dtype=torch.float32).dtype == torch.float32
    assert minitorch_cv.softmax(minitorch_cv.arange(3), 0, dtype=minitorch_cv.float32).dtype == minitorch_cv.float32
