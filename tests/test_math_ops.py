"""The wider elementwise API against torch: unary math, rounding, atan2/fmod/lerp/..., result dtypes for
integer and bool inputs, logical/bitwise/shift operators, rounded division and the errors torch raises."""
import subprocess
import sys
import zlib

import numpy as np
import pytest
import torch

import minitorch_cv as mt
from minitorch_cv.autograd import gradcheck
from torch_parity import compare, compare_or_same_error, same_error

DTYPES = ["float32", "float64"]
SHAPES = [(3, 4), (), (0, 2), (2, 1, 3)]


def _rng(*key):
    return np.random.default_rng(zlib.crc32(repr(key).encode()))


def _normal(rng, shape):
    return rng.standard_normal(shape)


def _unit(rng, shape):
    return rng.uniform(-0.9, 0.9, shape)


def _above_one(rng, shape):
    return rng.uniform(1.1, 3.0, shape)


def _positive(rng, shape):
    return rng.uniform(0.2, 3.0, shape)


def _not_half(rng, shape):
    """Values away from .5 so rounding can't tip either way under float error."""
    values = rng.uniform(-5, 5, shape)
    return np.where(np.abs(values - np.round(values) - 0.5) < 0.05, values + 0.1, values)


UNARY = {"sin": _normal, "cos": _normal, "tan": _unit, "asin": _unit, "acos": _unit, "atan": _normal,
         "sinh": _normal, "cosh": _normal, "asinh": _normal, "acosh": _above_one, "atanh": _unit,
         "rsqrt": _positive, "log2": _positive, "log10": _positive, "log1p": _positive, "expm1": _normal,
         "exp2": _normal, "reciprocal": _positive, "square": _normal, "erf": _normal, "floor": _not_half,
         "ceil": _not_half, "trunc": _not_half, "round": _not_half, "frac": _not_half, "sign": _normal,
         "arcsin": _unit, "arctan": _normal, "fix": _not_half, "sgn": _normal}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("name", list(UNARY))
def test_unary_method_and_function(name, shape, dtype):
    x = UNARY[name](_rng(name, shape), shape)
    compare(lambda T, a: getattr(a, name)(), [x], op=f"Tensor.{name}", dtype=dtype, kind="reduction")
    compare(lambda T, a: getattr(T, name)(a * 1.0), [x], op=f"torch.{name}", dtype=dtype, kind="reduction")


@pytest.mark.parametrize("name", list(UNARY))
def test_unary_gradcheck(name):
    x = mt.tensor(UNARY[name](_rng("gc", name), (2, 3)), dtype=mt.float64, requires_grad=True)
    assert gradcheck(lambda a: getattr(a, name)(), [x])


@pytest.mark.parametrize("decimals", [0, 1, 2, -1])
@pytest.mark.parametrize("dtype", DTYPES)
def test_round_decimals(decimals, dtype):
    x = _rng("round", decimals).uniform(-300, 300, (4, 5)).round(4) + 0.00003
    compare(lambda T, a: a.round(decimals=decimals), [x], op="round(decimals)", dtype=dtype, kind="exact")


INT_DTYPES = ["int64", "int32", "int16", "int8", "uint8", "bool"]


@pytest.mark.parametrize("dtype", INT_DTYPES)
@pytest.mark.parametrize("name", ["sin", "exp", "sqrt", "log2", "rsqrt", "reciprocal", "sigmoid", "floor",
                                  "ceil", "trunc", "round", "sign", "square", "abs", "neg", "frac", "tanh"])
def test_result_dtype_for_integer_and_bool_inputs(name, dtype):
    values = np.array([0, 1, 2, 5]) if dtype != "bool" else np.array([True, False, True, True])
    array = values.astype(dtype)
    fn = (lambda T, a: -a) if name == "neg" else (lambda T, a: getattr(a, name)())
    compare_or_same_error(fn, [array], f"{name} on {dtype}")


def _float_pair(rng, shape_a, shape_b):
    return rng.standard_normal(shape_a), rng.standard_normal(shape_b)


BINARY = {
    "atan2": lambda T, a, b: T.atan2(a, b),
    "hypot": lambda T, a, b: T.hypot(a, b),
    "logaddexp": lambda T, a, b: T.logaddexp(a, b),
    "fmod": lambda T, a, b: T.fmod(a, b),
    "remainder": lambda T, a, b: T.remainder(a, b),
    "lerp tensor weight": lambda T, a, b: T.lerp(a, b, b.sigmoid()),
    "lerp scalar weight": lambda T, a, b: a.lerp(b, 0.75),
    "div trunc": lambda T, a, b: T.div(a, b, rounding_mode="trunc"),
    "div floor": lambda T, a, b: a.div(b, rounding_mode="floor"),
    "clamp tensors": lambda T, a, b: a.clamp(min=b, max=b + 1),
    "copysign": lambda T, a, b: T.copysign(a, b),
    "clamp_min": lambda T, a, b: a.clamp_min(b),
    "clamp_max": lambda T, a, b: T.clamp_max(a, b),
}
PAIRS = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((), (3,))]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shapes", PAIRS, ids=str)
@pytest.mark.parametrize("name", list(BINARY))
def test_binary_math(name, shapes, dtype):
    a, b = _float_pair(_rng(name, shapes), *shapes)
    b = np.where(np.abs(b) < 0.3, b + 0.6, b)
    compare(BINARY[name], [a, b], op=name, dtype=dtype, kind="reduction")


@pytest.mark.parametrize("name", ["atan2", "hypot", "logaddexp", "fmod", "remainder", "lerp tensor weight"])
def test_binary_gradcheck(name):
    rng = _rng("gc2", name)
    a = mt.tensor(rng.uniform(0.5, 2, (2, 3)), dtype=mt.float64, requires_grad=True)
    b = mt.tensor(rng.uniform(0.3, 0.45, (3,)), dtype=mt.float64, requires_grad=True)
    assert gradcheck(lambda x, y: BINARY[name](mt, x, y), [a, b])


def test_subgradients_at_kinks_match_torch():
    """At non-differentiable points torch picks a subgradient: these are pinned to its choice."""
    x = np.array([-1.0, 0.0, 0.0, 1.0, 2.0, 2.0])
    for fn in (lambda T, a: a.sign(), lambda T, a: a.round(), lambda T, a: a.floor(), lambda T, a: a.frac(),
               lambda T, a: a.clamp(0.0, 2.0), lambda T, a: a.amax(), lambda T, a: a.median(),
               lambda T, a: a.cummax(0).values, lambda T, a: a.prod(), lambda T, a: a.cumprod(0),
               lambda T, a: a.logsumexp(0), lambda T, a: T.fmod(a, 2.0)):
        compare(fn, [x], op="kinks", dtype="float64", kind="exact")


@pytest.mark.parametrize("dtypes", [("int64", "int32"), ("uint8", "int8"), ("int16", "uint8"), ("bool", "uint8"),
                                    ("int32", "float16"), ("float16", "float32"), ("float16", "int64"),
                                    ("bool", "bool"), ("int8", "float64")])
@pytest.mark.parametrize("op", ["add", "mul", "truediv", "max", "lt", "where"])
def test_promotion_between_dtypes(dtypes, op):
    a = np.array([[1, 2, 3], [0, 1, 1]]).astype(dtypes[0])
    b = np.array([1, 1, 2]).astype(dtypes[1])
    fns = {"add": lambda T, x, y: x + y, "mul": lambda T, x, y: x * y, "truediv": lambda T, x, y: x / (y + 1),
           "max": lambda T, x, y: T.maximum(x, y), "lt": lambda T, x, y: x < y,
           "where": lambda T, x, y: T.where(x > 0, x, y)}
    compare_or_same_error(fns[op], [a, b], f"promotion {op}")


@pytest.mark.parametrize("scalar", [2, 2.5, True, -3])
@pytest.mark.parametrize("dtype", ["int32", "uint8", "int8", "bool", "float16", "float64", "int64"])
def test_promotion_with_python_scalars_and_zero_dim(scalar, dtype):
    a = np.array([1, 0, 1]).astype(dtype)
    for fn in (lambda T, x: x + scalar, lambda T, x: x * scalar, lambda T, x: x if isinstance(scalar, bool) or dtype == "bool" else scalar - x,
               lambda T, x: x + T.tensor(scalar), lambda T, x: x * T.tensor(2.0, dtype=T.float64)):
        compare(fn, [a], op="scalar promotion", kind="exact", grad=[False])
    assert mt.result_type(mt.tensor(a), scalar) is getattr(mt, str(torch.result_type(torch.tensor(a), scalar))
                                                           .split(".")[1])


def test_dtype_objects_and_conversions():
    assert (mt.int, mt.short, mt.half, mt.long, mt.double) == (mt.int32, mt.int16, mt.float16, mt.int64, mt.float64)
    x = mt.tensor([1.7, -2.2, 300.0])
    for name in ("int", "short", "char", "byte", "half", "long", "double", "float", "bool"):
        ours, theirs = getattr(x, name)(), getattr(torch.tensor([1.7, -2.2, 300.0]), name)()
        assert str(ours.dtype).split(".")[1] == str(theirs.dtype).split(".")[1]
        if name not in ("char", "byte"):  # float -> small int overflow is undefined behaviour in C
            np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert mt.promote_types(mt.uint8, mt.int8) is mt.int16
    assert mt.can_cast(mt.float32, mt.int32) is torch.can_cast(torch.float32, torch.int32)
    assert mt.finfo(mt.float16).eps == torch.finfo(torch.float16).eps
    assert mt.iinfo(mt.int16).max == torch.iinfo(torch.int16).max
    assert "dtype=minitorch_cv.int32" in repr(mt.tensor([1, 2], dtype=mt.int))
    half = mt.tensor([1.0, 2.0], dtype=mt.float16, requires_grad=True)
    (half * 3).sum().backward()
    assert half.grad.dtype is mt.float16


def test_bfloat16_storage():
    pytest.importorskip("ml_dtypes")
    x = mt.tensor([1.0, 2.7, -3.3]).to(mt.bfloat16)
    theirs = torch.tensor([1.0, 2.7, -3.3]).to(torch.bfloat16)
    np.testing.assert_array_equal(x.float().numpy(), theirs.float().numpy())
    np.testing.assert_array_equal((x + x).float().numpy(), (theirs + theirs).float().numpy())
    assert (x + mt.tensor([1.0], dtype=mt.float16)).dtype is mt.float32
    assert "dtype=minitorch_cv.bfloat16" in repr(x)


def test_bfloat16_loads_ml_dtypes_only_when_used():
    """ml_dtypes' import takes 0.5-1 s: a fresh process that never touches bfloat16 skips it, and
    ml_dtypes' own bfloat16 type still names minitorch_cv.bfloat16."""
    ml_dtypes = pytest.importorskip("ml_dtypes")
    script = ("import sys, minitorch_cv as mt; mt.ones(2).float().sum(); assert 'ml_dtypes' not in sys.modules; "
              "mt.finfo(mt.float16); x = mt.ones(2).bfloat16(); assert 'ml_dtypes' in sys.modules; print(x.dtype)")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "minitorch_cv.bfloat16"
    assert mt.zeros(2, dtype=ml_dtypes.bfloat16).dtype is mt.bfloat16
    assert mt.finfo(mt.bfloat16).eps == torch.finfo(torch.bfloat16).eps


INTS = np.array([[5, -7, 12], [0, 3, -1]])


@pytest.mark.parametrize("dtype", ["int64", "int32", "int16", "int8", "uint8", "bool"])
@pytest.mark.parametrize("op", ["and", "or", "xor", "invert", "lshift", "rshift", "logical_and", "logical_or",
                                "logical_xor", "logical_not", "floordiv", "mod", "div trunc", "fmod"])
def test_bitwise_logical_and_integer_division(op, dtype):
    a = INTS.astype(dtype) if dtype != "bool" else INTS > 0
    b = np.array([2, 3, 1]).astype(dtype) if dtype != "bool" else np.array([True, False, True])
    fns = {"and": lambda T, x, y: x & y, "or": lambda T, x, y: x | y, "xor": lambda T, x, y: x ^ y,
           "invert": lambda T, x, y: ~x, "lshift": lambda T, x, y: x << y, "rshift": lambda T, x, y: x >> y,
           "logical_and": lambda T, x, y: T.logical_and(x, y), "logical_or": lambda T, x, y: x.logical_or(y),
           "logical_xor": lambda T, x, y: T.logical_xor(x, y), "logical_not": lambda T, x, y: T.logical_not(x),
           "floordiv": lambda T, x, y: x // y, "mod": lambda T, x, y: x % y,
           "div trunc": lambda T, x, y: T.div(x, y, rounding_mode="trunc"), "fmod": lambda T, x, y: T.fmod(x, y)}
    compare_or_same_error(fns[op], [a, b], op)


@pytest.mark.parametrize("fn", [
    lambda T, a, b: a & 1.5, lambda T, a, b: a.float() << 1, lambda T, a, b: ~a.float(),
    lambda T, a, b: a // T.zeros_like(a), lambda T, a, b: a % 0, lambda T, a, b: T.fmod(a, 0),
    lambda T, a, b: T.div(a, b, rounding_mode="round"), lambda T, a, b: a.float().isclose(a),
    lambda T, a, b: T.lerp(a, a, 0.5), lambda T, a, b: a.float().lerp(b, 0.5), lambda T, a, b: a.float().frac() + a.frac(),
    lambda T, a, b: a.bool().floor(), lambda T, a, b: a.round(decimals=2), lambda T, a, b: -(a > 0),
    lambda T, a, b: a + b[:2], lambda T, a, b: T.atan2(a, b[:2])],
    ids=["and float", "shift float", "invert float", "int div by zero", "int mod zero", "int fmod zero",
         "bad rounding_mode", "isclose dtypes", "lerp int", "lerp dtypes", "frac int", "floor bool",
         "round int decimals", "neg bool", "broadcast", "broadcast float op"])
def test_errors_match_torch(fn):
    same_error(fn, INTS, np.array([1, 2, 3]), check_class=True)


@pytest.mark.parametrize("args", [dict(), dict(rtol=0.1), dict(atol=0.5), dict(equal_nan=True)], ids=str)
def test_isclose_allclose(args):
    a = np.array([1.0, np.nan, np.inf, -np.inf, 2.0, 1e-9])
    b = np.array([1.05, np.nan, np.inf, np.inf, 2.4, 0.0])
    compare(lambda T, x, y: T.isclose(x, y, **args), [a, b], op="isclose", kind="exact", grad=[False, False])
    assert mt.allclose(mt.tensor(a), mt.tensor(b), **args) == torch.allclose(torch.tensor(a), torch.tensor(b), **args)


@pytest.mark.parametrize("name", ["sin", "floor", "round", "clamp_min", "lerp", "bitwise_and", "logical_not",
                                  "fmod", "square", "atan2", "div"])
def test_inplace_forms(name):
    args = {"clamp_min": (0.2,), "lerp": ("other", 0.3), "bitwise_and": (3,), "fmod": (0.7,), "atan2": ("other",),
            "div": ("other",)}
    array = INTS.astype(np.int64) if name in ("bitwise_and", "logical_not") else _rng(name).standard_normal((2, 3))
    other = _rng(name, 1).standard_normal((2, 3))
    for lib in (mt, torch):
        resolved = [lib.tensor(other) if a == "other" else a for a in args.get(name, ())]
        x = lib.tensor(array)
        result = getattr(x, name + "_")(*resolved)
        assert result is x
        if lib is mt:
            ours = x.numpy()
        else:
            np.testing.assert_allclose(ours, x.numpy(), rtol=1e-12)


@pytest.mark.parametrize("dtype", DTYPES)
def test_dot_std_mean_var_mean(dtype):
    rng = _rng("dot")
    compare(lambda T, a, b: T.dot(a, b), [rng.standard_normal(5), rng.standard_normal(5)], op="dot", dtype=dtype)
    compare(lambda T, a, b: a.inner(b), [rng.standard_normal(5), rng.standard_normal(5)], op="inner", dtype=dtype)
    x = rng.standard_normal((3, 4))
    for i in range(2):
        compare(lambda T, a: T.std_mean(a, 1)[i], [x], op="std_mean", dtype=dtype)
        compare(lambda T, a: T.var_mean(a, 0, keepdim=True)[i], [x], op="var_mean", dtype=dtype)
    same_error(lambda T, a, b: T.dot(a, b.double()), np.ones(3, np.float32), np.ones(3, np.float32), check_class=True)


@pytest.mark.parametrize("pair", [("float32", "int32"), ("float32", "uint8"), ("int64", "float64"), ("int32", "int16"),
                                  ("float16", "int16")], ids=str)
def test_view_as_another_dtype(pair):
    x = np.arange(-4, 4).reshape(2, 4).astype(pair[0]) * 3
    compare(lambda T, a: a.view(getattr(T, pair[1])), [x], op="view(dtype)", kind="exact", grad=[False])
    if np.dtype(pair[0]).itemsize < np.dtype(pair[1]).itemsize:  # a last dim of 1 can't hold the wider type
        same_error(lambda T, a: a.view(getattr(T, pair[1])), x[:, :1], check_class=True)


def test_integer_powers_and_float_only_ops_follow_torch():
    base, exponent = np.array([2, -2, 1, -1, 3, 0]), np.array([-1, -3, -2, -3, 0, 2])
    compare(lambda T, b, e: b ** e, [base, exponent], op="int ** negative tensor", kind="exact", grad=[False, False])
    compare(lambda T, e: 2 ** e, [exponent], op="2 ** negative tensor", kind="exact", grad=[False])
    for fn in (lambda T, b, e: b ** -1, lambda T, b, e: T.hypot(b, e), lambda T, b, e: T.logaddexp(b, e),
               lambda T, b, e: (b > 0).reshape(2, 3).trace(), lambda T, b, e: (b > 0).argmax(),
               lambda T, b, e: b[:0].argmax(), lambda T, b, e: b[:0].float().amax(), lambda T, b, e: T.lerp(b > 0, b, 0.5),
               lambda T, b, e: b.reshape(2, 3)[:, :0].argmin(1)):
        same_error(fn, base, exponent, check_class=True)


@pytest.mark.parametrize("mode", ["trunc", "floor"])
def test_inplace_division_with_rounding_mode(mode):
    ours, theirs = mt.tensor([7, -7, 5]), torch.tensor([7, -7, 5])
    ours.div_(2, rounding_mode=mode)
    theirs.div_(2, rounding_mode=mode)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert ours.dtype is mt.int64


@pytest.mark.parametrize("fn", [
    lambda T: T.tensor([8, -8, 3], dtype=T.int32) >> T.tensor([-1, 40, 1], dtype=T.int32),
    lambda T: T.tensor([250, 7], dtype=T.uint8) >> T.tensor([9, 1], dtype=T.uint8),
    lambda T: T.tensor([0, 5, 250], dtype=T.uint8).clamp(-1), lambda T: T.tensor([-128, 5], dtype=T.int8).clamp(max=100),
    lambda T: T.tensor([0, 5, 250], dtype=T.uint8) + 300, lambda T: T.tensor([-128, 5, 127], dtype=T.int8) - 200],
    ids=["shift past width", "unsigned shift past width", "clamp wraps bound", "clamp wraps max", "u8 + 300", "i8 - 200"])
def test_integer_wraparound_and_shifts_as_torch(fn):
    ours, theirs = fn(mt), fn(torch)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert ours.numpy().dtype == theirs.numpy().dtype


def test_isclose_needs_tensors_and_bool_subtraction_is_not_implemented():
    for bound in (dict(max=200), dict(min=-129)):
        same_error(lambda T, a: a.to(T.int8).clamp(**bound), np.array([1, 2]), check_class=True)
    same_error(lambda T, a: a.to(T.uint8).clamp(min=-256), np.array([1, 2]), check_class=True)
    same_error(lambda T, a: T.isclose(a, 1), np.array([1, 2]), check_class=True)
    same_error(lambda T, a: a - a, np.array([True, False]), check_class=True)
