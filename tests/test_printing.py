"""``repr`` of tensors must be torch's, character for character (with 'torch.' read as 'minitorch_cv.')."""
import numpy as np
import pytest
import torch

import minitorch_cv as mt

RNG = np.random.default_rng(0)
RANDOM_2D = RNG.standard_normal((40, 50)).astype(np.float32)
RANDOM_3D = (RNG.standard_normal((12, 11, 13)) * 100).astype(np.float32)
RANDOM_SMALL = RNG.standard_normal((2, 3, 4)).astype(np.float32)

VALUES = {
    "integer floats with padding": [[1.0, 2.0], [10.0, 20.0]],
    "negative integer floats": [-1.0, 200.0, -3.0],
    "fractions": [[1.5, -2.25], [0.125, 10.0]],
    "fraction and negative": [0.1234567, -0.5],
    "scientific small": [1e-5, 1.0],
    "scientific large": [1e9, 1.0],
    "scientific ratio": [0.001, 2.0],
    "ratio just under 1000": [0.002, 1.5],
    "boundary 1e-4": [1e-4, 0.5],
    "integers above 1e8": [1e10, 3.0],
    "all zeros": [0.0, 0.0],
    "negative zero": [0.0, -0.0, 1.0],
    "nan and inf": [float("nan"), 1.0, float("inf"), -float("inf")],
    "nan with fractions": [float("nan"), 1.5],
    "inf with scientific": [-float("inf"), 2.5, 1e10],
    "big fraction": [123456.789, 0.5],
    "tiny": [1e-30, -1e-30],
    "row wrapping": [i * 1.5 for i in range(30)],
    "3-d": [[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.5]]],
    "4-d": np.arange(24.0).reshape(1, 2, 3, 4).tolist(),
}


@pytest.mark.parametrize("name", list(VALUES))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_float_tensors_print_like_torch(name, dtype):
    ours = mt.tensor(VALUES[name], dtype=getattr(mt, dtype))
    theirs = torch.tensor(VALUES[name], dtype=getattr(torch, dtype))
    assert repr(ours) == repr(theirs).replace("torch.", "minitorch_cv.")
    assert str(ours) == repr(ours)


MAKERS = {
    "int64": lambda T: T.tensor([1, -22, 333]),
    "int64 big": lambda T: T.tensor([[10 ** 12, 5], [-3, 0]]),
    "bool": lambda T: T.tensor([True, False]),
    "bool 2-d": lambda T: T.tensor([[True], [False]]),
    "0-d float": lambda T: T.tensor(3.0),
    "0-d fraction": lambda T: T.tensor(-0.5),
    "0-d tiny": lambda T: T.tensor(1e-7),
    "0-d int": lambda T: T.tensor(7),
    "0-d bool": lambda T: T.tensor(True),
    "0-d float64": lambda T: T.tensor(2.5, dtype=T.float64),
    "empty": lambda T: T.tensor([]),
    "empty 2-d": lambda T: T.zeros(0, 3),
    "empty int64": lambda T: T.zeros(0, dtype=T.int64),
    "empty bool 2-d": lambda T: T.zeros(2, 0, dtype=T.bool),
    "empty float64": lambda T: T.zeros(0, dtype=T.float64),
    "requires_grad": lambda T: T.tensor([1.0, 2.5], requires_grad=True),
    "requires_grad float64": lambda T: T.tensor([1.0, 2.0], dtype=T.float64, requires_grad=True),
    "requires_grad wraps": lambda T: T.tensor([i * 1.25 for i in range(11)], requires_grad=True),
    "requires_grad 0-d": lambda T: T.tensor(1.0, requires_grad=True),
    "summarised 1-d": lambda T: T.arange(2000),
    "summarised float": lambda T: T.arange(1001) * 0.5,
    "summarised 2-d": lambda T: T.tensor(RANDOM_2D),
    "summarised 3-d": lambda T: T.tensor(RANDOM_3D),
    "not summarised at 1000": lambda T: T.arange(1000.0).reshape(10, 100),
    "random 3-d": lambda T: T.tensor(RANDOM_SMALL),
    "random float64 with grad": lambda T: T.tensor(RANDOM_SMALL[0], dtype=T.float64, requires_grad=True),
}


@pytest.mark.parametrize("name", list(MAKERS))
def test_representative_tensors_print_like_torch(name):
    ours, theirs = MAKERS[name](mt), MAKERS[name](torch)
    assert repr(ours) == repr(theirs).replace("torch.", "minitorch_cv.")


GRAD_FNS = {
    "add": lambda T, x: x + 1, "radd": lambda T, x: 1 + x, "sub": lambda T, x: x - 1, "rsub": lambda T, x: 1 - x,
    "mul": lambda T, x: x * 2, "div": lambda T, x: x / 2, "pow scalar": lambda T, x: x ** 2,
    "rpow": lambda T, x: 2 ** x, "pow tensor": lambda T, x: x ** x, "neg": lambda T, x: -x,
    "exp": lambda T, x: x.exp(), "log": lambda T, x: x.log(), "sqrt": lambda T, x: x.sqrt(),
    "abs": lambda T, x: x.abs(), "relu": lambda T, x: x.relu(), "sigmoid": lambda T, x: x.sigmoid(),
    "tanh": lambda T, x: x.tanh(), "clamp": lambda T, x: x.clamp(0, 1), "clamp min": lambda T, x: x.clamp(min=0),
    "maximum": lambda T, x: T.maximum(x, x * 2), "remainder": lambda T, x: x % 2,
    "double": lambda T, x: x.double(), "clone": lambda T, x: x.clone(), "where": lambda T, x: T.where(x > 0, x, 0.0),
    "sum": lambda T, x: x.sum(), "sum dim": lambda T, x: x.sum(0), "mean": lambda T, x: x.mean(),
    "mean dim": lambda T, x: x.mean(1), "max": lambda T, x: x.max(), "max dim": lambda T, x: x.max(1)[0],
    "min": lambda T, x: x.min(), "min dim": lambda T, x: x.min(0).values, "view": lambda T, x: x.view(6),
    "reshape": lambda T, x: x.reshape(3, 2), "flatten": lambda T, x: x.flatten(),
    "unsqueeze": lambda T, x: x.unsqueeze(0),
    "squeeze": lambda T, x: x[None].squeeze(), "squeeze dim": lambda T, x: x[None].squeeze(0),
    "permute": lambda T, x: x.permute(1, 0), "transpose": lambda T, x: x.transpose(0, 1), "T": lambda T, x: x.T,
    "t": lambda T, x: x.t(), "expand": lambda T, x: x[:1].expand(4, 3), "select": lambda T, x: x[0],
    "slice": lambda T, x: x[:1], "select then slice": lambda T, x: x[0, 1:], "ellipsis select": lambda T, x: x[..., 0],
    "index": lambda T, x: x[[0, 1]], "mask": lambda T, x: x[x > 0], "None": lambda T, x: x[None],
    "cat": lambda T, x: T.cat([x, x]), "stack": lambda T, x: T.stack([x, x]), "mm": lambda T, x: x @ x.t(),
    "mv": lambda T, x: x @ x[0], "dot": lambda T, x: x[0] @ x[1], "in-place add": lambda T, x: (x * 1).add_(1),
    "setitem": lambda T, x: _set_first(x * 1),
}


def _set_first(x):
    x[0] = 0.0
    return x


@pytest.mark.parametrize("name", list(GRAD_FNS))
def test_grad_fn_names_match_torch(name):
    values = [[0.5, 1.5, 2.0], [1.0, 3.0, 0.25]]
    ours = GRAD_FNS[name](mt, mt.tensor(values, requires_grad=True))
    theirs = GRAD_FNS[name](torch, torch.tensor(values, requires_grad=True))
    assert repr(ours) == repr(theirs).replace("torch.", "minitorch_cv.")


def test_max_with_dim_prints_like_torch():
    values = [[1.0, 5.0], [5.0, 1.0]]
    assert repr(mt.tensor(values).max(1)) == repr(torch.tensor(values).max(1)).replace("torch.", "minitorch_cv.")
