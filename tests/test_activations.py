"""ReLU6, Hardtanh, LeakyReLU, GELU, SiLU, Hardswish, Hardsigmoid (modules and F.*), and the
Softmax/LogSoftmax modules, against torch: values and gradients (inputs away from the kinks,
plus the kinks themselves), float64 gradcheck, inplace, printing and errors."""
import numpy as np
import pytest
import torch

import minitorch_cv
from minitorch_cv import nn
from minitorch_cv.autograd.gradcheck import gradcheck
from minitorch_cv.nn import functional as F
from torch_parity import compare, same_error

# (name, functional call, module constructor) with the same arguments on both libraries
ACTIVATIONS = [
    ("relu6", lambda lib, t: lib.nn.functional.relu6(t), lambda lib: lib.nn.ReLU6()),
    ("hardtanh", lambda lib, t: lib.nn.functional.hardtanh(t), lambda lib: lib.nn.Hardtanh()),
    ("hardtanh(-2, 3)", lambda lib, t: lib.nn.functional.hardtanh(t, -2.0, 3.0), lambda lib: lib.nn.Hardtanh(-2.0, 3.0)),
    ("leaky_relu", lambda lib, t: lib.nn.functional.leaky_relu(t), lambda lib: lib.nn.LeakyReLU()),
    ("leaky_relu(0.2)", lambda lib, t: lib.nn.functional.leaky_relu(t, 0.2), lambda lib: lib.nn.LeakyReLU(0.2)),
    ("gelu", lambda lib, t: lib.nn.functional.gelu(t), lambda lib: lib.nn.GELU()),
    ("gelu tanh", lambda lib, t: lib.nn.functional.gelu(t, approximate="tanh"), lambda lib: lib.nn.GELU("tanh")),
    ("silu", lambda lib, t: lib.nn.functional.silu(t), lambda lib: lib.nn.SiLU()),
    ("hardswish", lambda lib, t: lib.nn.functional.hardswish(t), lambda lib: lib.nn.Hardswish()),
    ("hardsigmoid", lambda lib, t: lib.nn.functional.hardsigmoid(t), lambda lib: lib.nn.Hardsigmoid()),
]
NAMES = [name for name, _, _ in ACTIVATIONS]


def _away_from_kinks(shape, seed):
    """Values in [-8, 8] kept 0.05 away from every kink (0, +-1, +-3, 6, -2)."""
    x = np.random.default_rng(seed).uniform(-8, 8, shape)
    for kink in (0, 1, -1, 3, -3, 6, -2):
        close = np.abs(x - kink) < 0.05
        x[close] = kink + 0.1
    return x


@pytest.mark.parametrize("name, functional, module", ACTIVATIONS, ids=NAMES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_matches_torch(name, functional, module, dtype):
    x = _away_from_kinks((4, 5, 6), seed=1)
    compare(functional, [x], name, dtype=dtype, kind="exact")
    compare(lambda lib, t: module(lib)(t), [x], name, dtype=dtype, kind="exact")


@pytest.mark.parametrize("name, functional, module", ACTIVATIONS, ids=NAMES)
def test_gradient_at_the_kinks_follows_torch(name, functional, module):
    x = np.array([-3.0, -2.0, -1.0, 0.0, 1.0, 3.0, 6.0, -6.0, 2.5])
    compare(functional, [x], name, dtype="float64", kind="exact")


@pytest.mark.parametrize("name, functional, module", ACTIVATIONS, ids=NAMES)
def test_gradcheck(name, functional, module):
    x = minitorch_cv.tensor(_away_from_kinks((3, 7), seed=2), requires_grad=True)
    assert gradcheck(lambda t: functional(minitorch_cv, t), [x])


@pytest.mark.parametrize("name", ["relu6", "hardtanh", "leaky_relu", "silu", "hardswish", "hardsigmoid", "relu"])
def test_inplace_updates_and_returns_the_input(name):
    rng = np.random.default_rng(3)
    values = _away_from_kinks((3, 4), seed=4)
    results = {}
    for lib in (minitorch_cv, torch):
        leaf = lib.tensor(values, requires_grad=True)
        hidden = leaf * 1.0
        out = getattr(lib.nn.functional, name)(hidden, inplace=True)
        assert out is hidden
        upstream = rng.standard_normal((3, 4)) if lib is minitorch_cv else upstream
        out.backward(lib.tensor(upstream))
        results[lib.__name__] = (out.detach().numpy(), leaf.grad.numpy())
    np.testing.assert_allclose(results["minitorch_cv"][0], results["torch"][0], rtol=1e-7)
    np.testing.assert_allclose(results["minitorch_cv"][1], results["torch"][1], rtol=1e-7)   # torch: grad * float(1/6)


def test_printing_matches_torch():
    modules = [("ReLU6", ()), ("ReLU6", (True,)), ("Hardtanh", ()), ("Hardtanh", (0, 2, True)), ("LeakyReLU", ()),
               ("LeakyReLU", (0.2, True)), ("GELU", ()), ("GELU", ("tanh",)), ("SiLU", ()), ("SiLU", (True,)),
               ("Hardswish", (True,)), ("Hardsigmoid", ()), ("Softmax", (1,)), ("LogSoftmax", ()), ("Softmax", (-1,))]
    for cls, args in modules:
        assert repr(getattr(nn, cls)(*args)) == repr(getattr(torch.nn, cls)(*args))


def test_softmax_modules_over_dims():
    x = np.random.default_rng(5).standard_normal((2, 3, 4))
    for dim in (0, 1, 2, -1):
        compare(lambda lib, t: lib.nn.Softmax(dim)(t), [x], "Softmax module", kind="exact")
        compare(lambda lib, t: lib.nn.LogSoftmax(dim)(t), [x], "LogSoftmax module", kind="exact")


def test_errors_match_torch():
    ints = np.arange(4)
    for name in ("hardswish", "gelu", "silu", "hardsigmoid", "leaky_relu"):
        same_error(lambda lib, t: getattr(lib.nn.functional, name)(t), ints)
    for name in ("relu6", "hardtanh"):   # integers are fine here, as in torch
        assert (getattr(F, name)(minitorch_cv.tensor(ints)).tolist()
                == getattr(torch.nn.functional, name)(torch.tensor(ints)).tolist())
    assert "either none or tanh" in same_error(
        lambda lib, t: lib.nn.functional.gelu(t, approximate="cubic"), np.ones(3, np.float32))
    with pytest.raises(AssertionError, match="must be greater than min_val"):
        nn.Hardtanh(1.0, 1.0)
    leaf = minitorch_cv.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        F.relu6(leaf, inplace=True)
