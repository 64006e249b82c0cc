"""Elementwise tensor ops against torch: values, result dtypes and gradients (random upstream), float32 and float64."""
import zlib

import numpy as np
import pytest

from torch_parity import compare

DTYPES = ["float32", "float64"]

BROADCAST_PAIRS = [((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 1), (1, 4)), ((2, 3, 4), (3, 1)),
                   ((), (3,)), ((5,), ()), ((2, 1, 4), (3, 1)), ((), ())]


def _rng(*key):
    """A generator seeded from the case's name, the same in every run."""
    return np.random.default_rng(zlib.crc32(repr(key).encode()))


def _normal(rng, shape):
    return rng.standard_normal(shape)


def _positive(rng, shape):
    return rng.uniform(0.5, 2.0, shape)


def _kind(*shapes):
    """Broadcasting sums gradients, so those cases use the reduction tolerance."""
    return "exact" if all(tuple(s) == tuple(shapes[0]) for s in shapes) else "reduction"


BINARY_OPS = {
    "add": (lambda T, a, b: a + b, _normal, _normal),
    "sub": (lambda T, a, b: a - b, _normal, _normal),
    "mul": (lambda T, a, b: a * b, _normal, _normal),
    "div": (lambda T, a, b: a / b, _normal, _positive),
    "pow": (lambda T, a, b: a ** b, _positive, _normal),
    "add method alpha": (lambda T, a, b: a.add(b, alpha=2.0), _normal, _normal),
    "sub method alpha": (lambda T, a, b: a.sub(b, alpha=0.5), _normal, _normal),
    "maximum": (lambda T, a, b: T.maximum(a, b), _normal, _normal),
    "minimum": (lambda T, a, b: T.minimum(a, b), _normal, _normal),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shapes", BROADCAST_PAIRS, ids=str)
@pytest.mark.parametrize("name", list(BINARY_OPS))
def test_binary_op_with_broadcasting(name, shapes, dtype):
    fn, make_a, make_b = BINARY_OPS[name]
    rng = _rng(name, shapes)
    a, b = make_a(rng, shapes[0]), make_b(rng, shapes[1])
    compare(fn, [a, b], op=name, dtype=dtype, kind=_kind(*shapes))


SCALAR_OPS = {
    "tensor + scalar": lambda T, a: a + 2.5,
    "scalar + tensor": lambda T, a: 2.5 + a,
    "tensor - scalar": lambda T, a: a - 3,
    "scalar - tensor": lambda T, a: 3 - a,
    "tensor * scalar": lambda T, a: a * -1.5,
    "scalar * tensor": lambda T, a: 2 * a,
    "tensor / scalar": lambda T, a: a / 3.0,
    "scalar / tensor": lambda T, a: 2.0 / a,
    "tensor ** 2": lambda T, a: a ** 2,
    "tensor ** 3": lambda T, a: a ** 3,
    "tensor ** 0.5": lambda T, a: a ** 0.5,
    "tensor ** -1.5": lambda T, a: a ** -1.5,
    "tensor ** 0": lambda T, a: a ** 0,
    "scalar ** tensor": lambda T, a: 2 ** a,
    "pow method": lambda T, a: a.pow(2),
    "neg": lambda T, a: -a,
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(SCALAR_OPS))
def test_op_with_python_scalar(name, dtype):
    a = _positive(_rng(name), (3, 4))
    compare(SCALAR_OPS[name], [a], op=name, dtype=dtype, kind="exact")


MIXED_DTYPE_CASES = {
    "float + int tensor": (lambda T, a, b: a + b, "f", "i"),
    "int - float tensor": (lambda T, a, b: a - b, "i", "f"),
    "float * bool tensor": (lambda T, a, b: a * b, "f", "b"),
    "int * bool tensor": (lambda T, a, b: a * b, "i", "b"),
    "int + int tensor": (lambda T, a, b: a + b, "i", "i"),
    "int / int tensor": (lambda T, a, b: a / b, "i", "p"),
    "bool + bool tensor": (lambda T, a, b: a + b, "b", "b"),
    "bool * bool tensor": (lambda T, a, b: a * b, "b", "b"),
    "bool / bool tensor": (lambda T, a, b: a / (b | True), "b", "b"),
    "int + float scalar": (lambda T, a, b: a + 2.5 + b, "i", "i"),
    "int * int scalar": (lambda T, a, b: a * 3 + b, "i", "i"),
    "bool + int scalar": (lambda T, a, b: (a + 1) * b, "b", "i"),
    "bool * float scalar": (lambda T, a, b: a * 2.5 + b, "b", "f"),
    "bool + bool scalar": (lambda T, a, b: a + True, "b", "b"),
    "int / int scalar": (lambda T, a, b: a / 2, "i", "i"),
    "int ** int scalar": (lambda T, a, b: a ** 2, "i", "i"),
    "int ** float scalar": (lambda T, a, b: a ** 2.0, "i", "i"),
    "int scalar ** int tensor": (lambda T, a, b: 2 ** a, "p", "i"),
    "float + 0-d float64": (lambda T, a, b: a + b.double(), "f", "f0"),
    "int + 0-d float64": (lambda T, a, b: a + b.double(), "i", "f0"),
    "int + 0-d float": (lambda T, a, b: a * b, "i", "f0"),
    "bool + 0-d int": (lambda T, a, b: a + b, "b", "i0"),
    "0-d int + 0-d float64": (lambda T, a, b: a + b.double(), "i0", "f0"),
    "float64 * float": (lambda T, a, b: a.double() * b, "f", "f"),
    "exp of int": (lambda T, a, b: a.exp() + b, "i", "f"),
    "sqrt of int": (lambda T, a, b: a.sqrt() * b, "p", "f"),
    "sigmoid of bool": (lambda T, a, b: a.sigmoid() * b, "b", "f"),
    "abs of int": (lambda T, a, b: a.abs() + b, "i", "i"),
    "relu of int": (lambda T, a, b: a.relu() + b, "i", "i"),
    "clamp int to float": (lambda T, a, b: a.clamp(0, 1.5) + b, "i", "i"),
    "clamp int to int": (lambda T, a, b: a.clamp(-1, 1) + b, "i", "i"),
    "where int and float": (lambda T, a, b: T.where(a > 0, a, b), "i", "f"),
    "where scalars": (lambda T, a, b: T.where(a > 0, 1, 0.5) * b, "i", "f"),
    "cat int and float": (lambda T, a, b: T.cat([a, b]), "i", "f"),
    "float * numpy float64 scalar": (lambda T, a, b: a * np.float64(1.5) + b, "f", "f"),
    "int * numpy float64 scalar": (lambda T, a, b: a * np.float64(1.5) + b, "i", "f"),
}


def _typed(rng, code):
    shape = () if code.endswith("0") else (3, 4)
    if code[0] == "f":
        return rng.standard_normal(shape)
    if code[0] == "i":
        return rng.integers(-5, 6, shape).astype(np.int64)
    if code[0] == "p":
        return rng.integers(1, 4, shape).astype(np.int64)
    return rng.random(shape) > 0.5


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(MIXED_DTYPE_CASES))
def test_result_dtype_follows_torch_promotion(name, dtype):
    fn, code_a, code_b = MIXED_DTYPE_CASES[name]
    rng = _rng(name)
    compare(fn, [_typed(rng, code_a), _typed(rng, code_b)], op="dtype promotion", dtype=dtype, kind="exact")


COMPARISONS = {
    "==": lambda T, a, b: a == b, "!=": lambda T, a, b: a != b, "<": lambda T, a, b: a < b,
    "<=": lambda T, a, b: a <= b, ">": lambda T, a, b: a > b, ">=": lambda T, a, b: a >= b,
    "eq method": lambda T, a, b: a.eq(b), "gt scalar": lambda T, a, b: a > 0.25,
    "scalar lt": lambda T, a, b: 0.25 < a, "int tensor vs float scalar": lambda T, a, b: a.long() == 0.5,
    "and/or/invert": lambda T, a, b: ((a > 0) & (b > 0)) | ~(a > b),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shapes", BROADCAST_PAIRS[:4], ids=str)
@pytest.mark.parametrize("name", list(COMPARISONS))
def test_comparison_gives_bool(name, shapes, dtype):
    rng = _rng(name, shapes)
    a = rng.integers(-2, 3, shapes[0]) / 2
    b = rng.integers(-2, 3, shapes[1]) / 2
    out, _ = compare(COMPARISONS[name], [a, b], op="comparison", dtype=dtype, grad=[False, False])
    assert not out.requires_grad


UNARY_OPS = {
    "exp": (lambda T, a: a.exp(), _normal),
    "log": (lambda T, a: a.log(), _positive),
    "sqrt": (lambda T, a: a.sqrt(), _positive),
    "abs": (lambda T, a: a.abs(), _normal),
    "relu": (lambda T, a: a.relu(), _normal),
    "sigmoid": (lambda T, a: a.sigmoid(), _normal),
    "tanh": (lambda T, a: a.tanh(), _normal),
    "clamp": (lambda T, a: a.clamp(-0.5, 0.7), _normal),
    "clamp min": (lambda T, a: a.clamp(min=0.1), _normal),
    "clamp max": (lambda T, a: T.clamp(a, max=-0.1), _normal),
    "clip": (lambda T, a: a.clip(-1, 1), _normal),
    "torch.exp": (lambda T, a: T.exp(a), _normal),
    "torch.log": (lambda T, a: T.log(a), _positive),
    "torch.sqrt": (lambda T, a: T.sqrt(a), _positive),
    "torch.abs": (lambda T, a: T.abs(a), _normal),
    "torch.relu": (lambda T, a: T.relu(a), _normal),
    "torch.sigmoid": (lambda T, a: T.sigmoid(a), _normal),
    "torch.tanh": (lambda T, a: T.tanh(a), _normal),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(7,), (3, 4), (2, 3, 4), ()], ids=str)
@pytest.mark.parametrize("name", list(UNARY_OPS))
def test_unary_op(name, shape, dtype):
    fn, make = UNARY_OPS[name]
    compare(fn, [make(_rng(name, shape), shape)], op=name, dtype=dtype, kind="exact")


def test_sigmoid_and_exp_at_extreme_inputs():
    x = np.array([-1000.0, -100.0, -20.0, 0.0, 20.0, 100.0, 1000.0])
    compare(lambda T, a: a.sigmoid(), [x], op="sigmoid", kind="exact")
    compare(lambda T, a: a.tanh(), [x], op="tanh", kind="exact")
    compare(lambda T, a: a.exp(), [x[:4]], op="exp", kind="exact")


BOUNDARY_CASES = {
    "relu at 0": (lambda T, a: a.relu(), [0.0, -0.0, 1.0, -1.0]),
    "abs at 0": (lambda T, a: a.abs(), [0.0, -0.0, 2.0, -2.0]),
    "clamp at bounds": (lambda T, a: a.clamp(-1.0, 1.0), [-1.0, 1.0, 0.5, -2.0, 2.0]),
    "clamp min above max": (lambda T, a: a.clamp(1.0, -1.0), [-2.0, 0.0, 2.0]),
    "sqrt at 0": (lambda T, a: a.sqrt(), [0.0, 4.0]),
    "log at 0 and below": (lambda T, a: a.log(), [0.0, -1.0, 1.0]),
    "pow 2 at 0": (lambda T, a: a ** 2, [0.0, -1.0]),
    "pow 0.5 at 0": (lambda T, a: a ** 0.5, [0.0, 4.0]),
    "pow 0 at 0": (lambda T, a: a ** 0, [0.0, 3.0]),
    "div by 0": (lambda T, a: 1.0 / a, [0.0, 2.0]),
    "maximum ties": (lambda T, a: T.maximum(a, T.zeros_like(a)), [0.0, 1.0, -1.0]),
    "tensor pow at 0": (lambda T, a: a ** a.detach(), [0.0, 2.0]),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(BOUNDARY_CASES))
def test_gradient_at_boundary_points_matches_torch(name, dtype):
    fn, values = BOUNDARY_CASES[name]
    compare(fn, [np.array(values)], op="boundary " + name.split()[0], dtype=dtype, kind="exact")


def test_tensor_exponent_gradients_for_negative_base_and_zero():
    base = np.array([0.0, 0.0, -2.0, 3.0])
    exponent = np.array([0.0, 2.0, 2.0, 0.5])
    compare(lambda T, a, b: a ** b, [base, exponent], op="pow", kind="exact")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shapes", [((3, 4), (3, 4), (3, 4)), ((3, 4), (4,), (3, 1)), ((1, 4), (3, 1), ())], ids=str)
def test_where(shapes, dtype):
    rng = _rng("where", shapes)
    cond = rng.standard_normal(shapes[0])
    a, b = rng.standard_normal(shapes[1]), rng.standard_normal(shapes[2])
    compare(lambda T, c, x, y: T.where(c > 0, x, y), [cond, a, b], op="where", dtype=dtype,
            grad=[False, True, True])
    compare(lambda T, c, x, y: T.where(c > 0, x, 0.0), [cond, a, b], op="where", dtype=dtype,
            grad=[False, True, False])
    compare(lambda T, c, x, y: T.where(c > 0, -1, y), [cond, a, b], op="where", dtype=dtype,
            grad=[False, False, True])


CONVERSIONS = {
    "detach": lambda T, a: a.detach() * 2 + a,
    "clone": lambda T, a: a.clone(),
    "double": lambda T, a: a.double() * 2,
    "float": lambda T, a: a.float(),
    "to float64": lambda T, a: a.to(T.float64),
    "to dtype kwarg": lambda T, a: a.to(dtype=T.float32),
    "to cpu float64": lambda T, a: a.to("cpu", T.float64),
    "to other tensor": lambda T, a: a.to(T.zeros(1, dtype=T.float64)),
    "type": lambda T, a: a.type(T.float64),
    "long": lambda T, a: a.long(),
    "bool": lambda T, a: a.bool(),
    "long then float": lambda T, a: a.long().float() + a,
    "to int64 name": lambda T, a: a.to(T.long),
    "to double name": lambda T, a: a.to(T.double) + a,
    "data": lambda T, a: a.data * 2 + a,
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(CONVERSIONS))
def test_detach_clone_and_dtype_conversions(name, dtype):
    x = _normal(_rng(name), (3, 4)) * 3
    compare(CONVERSIONS[name], [x], op="conversion", dtype=dtype, kind="exact")


@pytest.mark.parametrize("dtype", DTYPES)
def test_composite_expression_like_a_training_step(dtype):
    rng = _rng("training step")
    x, w, b = rng.standard_normal((8, 5)), rng.standard_normal((5, 3)) * 0.5, rng.standard_normal(3)
    target = rng.integers(0, 3, 8)

    def step(T, x, w, b, target):
        logits = (x @ w + b).relu() * 2 - 1
        shifted = logits - logits.max(1, keepdim=True).values
        log_probs = shifted - shifted.exp().sum(1, keepdim=True).log()
        return -log_probs[T.arange(8), target].mean()

    compare(step, [x, w, b, target], op="training step", dtype=dtype)
