"""The smooth activations (elu, celu, selu, softplus, softsign, mish, logsigmoid, softmin), one_hot,
normalize and scaled_dot_product_attention against torch: values, every gradient, errors, gradcheck."""
import zlib

import numpy as np
import pytest

import minitorch_cv as mt
from minitorch_cv.autograd import gradcheck
from torch_parity import compare, same_error

DTYPES = ["float32", "float64"]


def _x(key, shape, low=-4.0, high=4.0):
    return np.random.default_rng(zlib.crc32(repr(key).encode())).uniform(low, high, shape)


ACTIVATIONS = {
    "elu": lambda F, a: F.elu(a), "elu alpha": lambda F, a: F.elu(a, alpha=0.5), "celu": lambda F, a: F.celu(a),
    "celu alpha": lambda F, a: F.celu(a, 2.0), "selu": lambda F, a: F.selu(a), "softplus": lambda F, a: F.softplus(a),
    "softplus beta": lambda F, a: F.softplus(a, beta=2.0, threshold=3.0), "softsign": lambda F, a: F.softsign(a),
    "mish": lambda F, a: F.mish(a), "logsigmoid": lambda F, a: F.logsigmoid(a),
    "softmin": lambda F, a: F.softmin(a, dim=-1), "normalize": lambda F, a: F.normalize(a),
    "normalize p1": lambda F, a: F.normalize(a, p=1.0, dim=-1),
    "normalize p3 dim0": lambda F, a: F.normalize(a, p=3, dim=0),
    "normalize p-1": lambda F, a: F.normalize(a, p=-1),
    "normalize p0": lambda F, a: F.normalize(a, p=0),
    "norm inf": lambda F, a: a.norm(float("inf"), dim=(0, 1)),
    "norm -inf": lambda F, a: a.norm(float("-inf"), dim=-1, keepdim=True),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(3, 5), (2, 3, 4)], ids=str)
@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activations(name, shape, dtype):
    compare(lambda T, a: ACTIVATIONS[name](T.nn.functional, a), [_x(name, shape)], op=f"F.{name}", dtype=dtype)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activations_gradcheck(name):
    x = mt.tensor(_x(("gc", name), (2, 3)), dtype=mt.float64, requires_grad=True)
    assert gradcheck(lambda a: ACTIVATIONS[name](mt.nn.functional, a), [x])


@pytest.mark.parametrize("values", [[0.0, -0.0, 1e-8], [-100.0, 100.0, 30.0], [-30.0, 25.0, 19.9]], ids=str)
def test_activations_at_zero_and_extremes(values):
    for name in ("elu", "celu alpha", "selu", "softplus", "softplus beta", "mish", "logsigmoid", "softsign"):
        compare(lambda T, a: ACTIVATIONS[name](T.nn.functional, a), [np.array(values)], op=f"F.{name} edges",
                dtype="float32")


def test_one_hot():
    labels = np.array([[0, 3], [2, 1]])
    compare(lambda T, a: T.nn.functional.one_hot(a), [labels], op="one_hot", kind="exact")
    compare(lambda T, a: T.nn.functional.one_hot(a, num_classes=6), [labels], op="one_hot", kind="exact")
    for bad in (lambda T, a: T.nn.functional.one_hot(a, 2), lambda T, a: T.nn.functional.one_hot(-a - 1),
                lambda T, a: T.nn.functional.one_hot(a.int()), lambda T, a: T.nn.functional.one_hot(a[:0])):
        same_error(bad, labels, check_class=True)


SDPA = {
    "plain": dict(), "causal": dict(is_causal=True), "scale": dict(scale=0.3),
    "bool mask": dict(attn_mask="bool"), "float mask": dict(attn_mask="float"),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(SDPA))
@pytest.mark.parametrize("shapes", [((2, 3, 4, 8), (2, 3, 6, 8)), ((5, 4), (5, 4)), ((2, 4, 3, 8), (2, 2, 3, 8))],
                         ids=str)
def test_scaled_dot_product_attention(shapes, name, dtype):
    q_shape, kv_shape = shapes
    q, k, v = _x(("q", name), q_shape, -1, 1), _x(("k", name), kv_shape, -1, 1), _x(("v", name), kv_shape, -1, 1)
    gqa = q_shape[-3:-2] != kv_shape[-3:-2]
    options = dict(SDPA[name])
    mask = None
    if options.get("attn_mask") == "bool":
        mask = _x("mask", (q_shape[-2], kv_shape[-2])) > -2
        mask[:, 0] = True
    elif options.get("attn_mask") == "float":
        mask = _x("mask", (q_shape[-2], kv_shape[-2]))
    options.pop("attn_mask", None)

    def fn(T, q, k, v, *m):
        return T.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=m[0] if m else None,
                                                            enable_gqa=gqa, **options)

    arrays = [q, k, v] + ([mask] if mask is not None else [])
    compare(fn, arrays, op=f"sdpa {name}", dtype=dtype, grad=[True, True, True, False][:len(arrays)])


def test_sdpa_gradcheck_and_errors():
    q, k, v = (mt.tensor(_x(n, (2, 3, 4), -1, 1), dtype=mt.float64, requires_grad=True) for n in "qkv")
    assert gradcheck(lambda a, b, c: mt.nn.functional.scaled_dot_product_attention(a, b, c, is_causal=True), [q, k, v])
    x = np.ones((2, 3, 4), dtype=np.float32)
    same_error(lambda T, a: T.nn.functional.scaled_dot_product_attention(a, a, a, attn_mask=a > 0, is_causal=True),
               x, check_class=True)
    same_error(lambda T, a: T.nn.functional.scaled_dot_product_attention(a, a.double(), a), x, check_class=True)


CONV1D = [((2, 4, 9), (6, 4, 3), {}), ((2, 4, 9), (6, 2, 3), dict(groups=2, stride=2)),
          ((1, 3, 10), (2, 3, 4), dict(padding=2, dilation=2)), ((3, 7), (5, 3, 3), dict(padding="same")),
          ((2, 3, 8), (4, 3, 2), dict(padding="valid", stride=(3,)))]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("x_shape,w_shape,options", CONV1D, ids=str)
def test_conv1d(x_shape, w_shape, options, bias, dtype):
    arrays = [_x("x", x_shape, -1, 1), _x("w", w_shape, -1, 1)] + ([_x("b", w_shape[:1], -1, 1)] if bias else [])
    compare(lambda T, x, w, *b: T.nn.functional.conv1d(x, w, *b, **options), arrays, op="conv1d", dtype=dtype)


def test_conv1d_errors():
    x = np.ones((2, 3, 8), dtype=np.float32)
    same_error(lambda T, a: T.nn.functional.conv1d(a, a[:, :2]), x, check_class=True)
    same_error(lambda T, a: T.nn.functional.conv1d(a[0, 0], a[:1]), x, check_class=True)


def test_linspace_errors():
    same_error(lambda T: T.linspace(5, 10, 3, dtype=T.bool), check_class=True)
    same_error(lambda T: T.linspace(1, 2, -1), check_class=True)


BCE = {
    "bce": lambda F, x, y: F.binary_cross_entropy(x.sigmoid(), y),
    "bce sum weight": lambda F, x, y: F.binary_cross_entropy(x.sigmoid(), y, weight=(y[0] * 0 + 0.5).detach(),
                                                                 reduction="sum"),
    "bce none": lambda F, x, y: F.binary_cross_entropy(x.sigmoid(), y, reduction="none"),
    "bce logits": lambda F, x, y: F.binary_cross_entropy_with_logits(x, y),
    "bce logits none": lambda F, x, y: F.binary_cross_entropy_with_logits(x * 30, y, reduction="none"),
    "bce logits pos_weight": lambda F, x, y: F.binary_cross_entropy_with_logits(
        x, y, pos_weight=(y[0] * 0 + 2.0).detach(), weight=(y * 0 + 0.3).detach(), reduction="sum"),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(BCE))
def test_binary_cross_entropy(name, dtype):
    x, y = _x(("x", name), (4, 3)), _x(("y", name), (4, 3), 0, 1)
    compare(lambda T, a, b: BCE[name](T.nn.functional, a, b), [x, y], op=f"F.{name}", dtype=dtype)
    target = mt.tensor(y, dtype=mt.float64, requires_grad=True)
    assert gradcheck(lambda a, b: BCE[name](mt.nn.functional, a, b), [mt.tensor(x, requires_grad=True), target])


def test_binary_cross_entropy_edges_and_errors():
    x, y = np.array([0.0, 1.0, 0.5, 1e-20]), np.array([1.0, 0.0, 0.5, 1.0])
    compare(lambda T, a, b: T.nn.functional.binary_cross_entropy(a, b, reduction="none"), [x, y], op="bce clamp",
            dtype="float64", grad=[False, True])
    same_error(lambda T, a, b: T.nn.functional.binary_cross_entropy(a + 1, b), x, y, check_class=True)
    same_error(lambda T, a, b: T.nn.functional.binary_cross_entropy(a, b[:2]), x, y, check_class=True)
    same_error(lambda T, a, b: T.nn.functional.binary_cross_entropy_with_logits(a, b[:2]), x, y, check_class=True)
    same_error(lambda T, a, b: T.nn.functional.binary_cross_entropy(a, b, reduction="avg"), x, y, check_class=True)
    same_error(lambda T, a, b: T.nn.functional.binary_cross_entropy(a, b, weight=b.requires_grad_()), x, y,
               check_class=True)
