"""Float64 finite differences for every differentiable tensor op, independent of torch.

Inputs stay away from kinks (0 for relu/abs, clamp bounds, ties for max) so central
differences are valid; the torch parity tests pin the behaviour at those points.
"""
import zlib

import numpy as np
import pytest

import minitorch_cv as mt
from minitorch_cv.autograd import gradcheck


def _inputs(key, *shapes, low=None):
    rng = np.random.default_rng(zlib.crc32(key.encode()))
    arrays = []
    for shape in shapes:
        if low is None:
            values = rng.standard_normal(shape)
            values = np.where(np.abs(values) < 0.1, values + 0.3, values)
        else:
            values = rng.uniform(low, low + 1.5, shape)
        arrays.append(mt.tensor(values, dtype=mt.float64, requires_grad=True))
    return arrays


def _distinct(key, shape):
    """Distinct values 0.1 apart, so max/min and comparisons are unambiguous under eps."""
    rng = np.random.default_rng(zlib.crc32(key.encode()))
    values = rng.permutation(int(np.prod(shape))).reshape(shape) * 0.1 - 0.35
    return mt.tensor(values, dtype=mt.float64, requires_grad=True)


UNARY = {
    "neg": lambda a: -a,
    "exp": lambda a: a.exp(),
    "log": lambda a: a.abs().log(),
    "sqrt": lambda a: (a * a + 0.5).sqrt(),
    "abs": lambda a: a.abs(),
    "relu": lambda a: a.relu(),
    "sigmoid": lambda a: a.sigmoid(),
    "tanh": lambda a: a.tanh(),
    "clamp": lambda a: a.clamp(-0.55, 0.65),
    "clamp min": lambda a: a.clamp(min=0.05),
    "pow 3": lambda a: a ** 3,
    "pow -2": lambda a: a ** -2,
    "pow 1.5 of abs": lambda a: a.abs() ** 1.5,
    "rpow": lambda a: 1.7 ** a,
    "scalar div": lambda a: 2.0 / a,
    "rsub": lambda a: 1 - a,
    "clone": lambda a: a.clone(),
    "sum": lambda a: a.sum(),
    "sum dims": lambda a: a.sum((0, -1), keepdim=True),
    "mean": lambda a: a.mean(1),
    "var": lambda a: a.var(0),
    "std": lambda a: a.std(),
    "norm": lambda a: a.norm(dim=1),
    "1-norm": lambda a: a.norm(1),
    "reshape": lambda a: a.reshape(-1, 2) * a.reshape(-1, 2),
    "flatten": lambda a: a.flatten(1) ** 2,
    "unsqueeze squeeze": lambda a: a.unsqueeze(1).squeeze(1) * a,
    "permute": lambda a: a.permute(2, 0, 1) @ a.permute(2, 1, 0),
    "transpose": lambda a: a.transpose(0, 1) * 3,
    "T": lambda a: a.flatten(1).T.exp(),
    "expand": lambda a: a[:1].expand(3, 2, 3, 4) * a,
    "select": lambda a: a[1] * a[0],
    "slice step": lambda a: a[:, ::2, 1:] ** 2,
    "None and Ellipsis": lambda a: a[None, ..., 2].exp(),
    "repeated long index": lambda a: a[mt.tensor([0, 0, 1, 0])] ** 2,
    "paired long index": lambda a: a[mt.tensor([0, 1, 1]), :, mt.tensor([2, 2, 3])] ** 2,
    "bool mask": lambda a: a[a > 0] ** 2,
    "cat": lambda a: mt.cat([a, a * 2, a[:, :1]], dim=1).exp(),
    "stack": lambda a: mt.stack([a, a ** 2], dim=-1).sum(2),
    "where": lambda a: mt.where(a > 0, a ** 2, -a),
    "remainder": lambda a: (a * 3) % 1.3,
}


@pytest.mark.parametrize("name", list(UNARY))
def test_unary_and_shape_ops(name):
    (a,) = _inputs(name, (2, 3, 4))
    assert gradcheck(UNARY[name], [a])


BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a.abs() ** b,
    "maximum": lambda a, b: mt.maximum(a, b),
    "minimum": lambda a, b: mt.minimum(a, b),
    "clamp with tensor bounds": lambda a, b: a.clamp(min=b - 2.0, max=b),
    "remainder tensor": lambda a, b: a % (b.abs() + 0.5),
    "where broadcast": lambda a, b: mt.where(b > 0, a, b),
}


@pytest.mark.parametrize("shapes", [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((), (3,))], ids=str)
@pytest.mark.parametrize("name", list(BINARY))
def test_binary_ops_with_broadcasting(name, shapes):
    a, b = _inputs(name + str(shapes), *shapes)
    assert gradcheck(BINARY[name], [a, b])


@pytest.mark.parametrize("shapes", [((3, 4), (4, 2)), ((4,), (4,)), ((4,), (4, 2)), ((3, 4), (4,)),
                                    ((2, 3, 4), (4, 2)), ((2, 1, 3, 4), (5, 4, 2))], ids=str)
def test_matmul(shapes):
    a, b = _inputs("matmul" + str(shapes), *shapes)
    assert gradcheck(lambda x, y: x @ y, [a, b])


@pytest.mark.parametrize("which", ["max", "min"])
def test_max_and_min(which):
    a = _distinct(which, (3, 4))
    assert gradcheck(lambda x: getattr(x, which)(), [a])
    assert gradcheck(lambda x: getattr(x, which)(1).values, [a])
    assert gradcheck(lambda x: getattr(x, which)(0, keepdim=True)[0], [a])


def test_in_place_ops_inside_the_graph():
    a, b = _inputs("in place", (3, 4), (3, 4))

    def residual(x, y):
        out = x * 2
        out += y
        out.mul_(y)
        out[0] = y[1] * 3
        return out.relu_()

    assert gradcheck(residual, [a, b])


def test_gradcheck_catches_a_wrong_backward():
    from minitorch_cv.autograd import Function

    class WrongSquare(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_arrays
            return grad * x

    (a,) = _inputs("wrong", (3,))
    with pytest.raises(AssertionError, match="analytic and numeric gradients differ"):
        gradcheck(WrongSquare.apply, [a])
    assert gradcheck(WrongSquare.apply, [a], raise_exception=False) is False


def test_gradcheck_refuses_float32_inputs():
    x = mt.randn(3, requires_grad=True)
    with pytest.raises(ValueError, match="float64"):
        gradcheck(lambda t: t * 2, [x])
