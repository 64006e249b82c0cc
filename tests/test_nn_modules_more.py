"""The smooth-activation and BCE loss modules, and max_unpool1d/2d/3d with MaxUnpool1d/2d,
against torch: printed text, outputs, gradients, state_dict keys, error classes."""
import numpy as np
import pytest
import torch

import minitorch_cv
from minitorch_cv import nn
from minitorch_cv.autograd import gradcheck
from torch_parity import compare, same_error

MODULES = {
    "ELU": lambda nn: nn.ELU(), "ELU_alpha": lambda nn: nn.ELU(0.5, inplace=True),
    "CELU": lambda nn: nn.CELU(), "CELU_alpha": lambda nn: nn.CELU(2.0, True),
    "SELU": lambda nn: nn.SELU(), "SELU_inplace": lambda nn: nn.SELU(True),
    "Softplus": lambda nn: nn.Softplus(), "Softplus_beta": lambda nn: nn.Softplus(2, 10),
    "Softsign": lambda nn: nn.Softsign(), "Mish": lambda nn: nn.Mish(), "Mish_inplace": lambda nn: nn.Mish(True),
    "LogSigmoid": lambda nn: nn.LogSigmoid(), "Softmin": lambda nn: nn.Softmin(1),
    "Softmin_none": lambda nn: nn.Softmin(), "BCELoss": lambda nn: nn.BCELoss(reduction="sum"),
    "BCEWithLogitsLoss": lambda nn: nn.BCEWithLogitsLoss(),
    "MaxUnpool2d": lambda nn: nn.MaxUnpool2d(2), "MaxUnpool2d_options": lambda nn: nn.MaxUnpool2d((2, 3), padding=1),
    "MaxUnpool1d": lambda nn: nn.MaxUnpool1d(2, stride=1),
}
ACTIVATIONS = ["ELU", "ELU_alpha", "CELU", "CELU_alpha", "SELU", "SELU_inplace", "Softplus", "Softplus_beta",
               "Softsign", "Mish", "Mish_inplace", "LogSigmoid", "Softmin"]


@pytest.mark.parametrize("name", list(MODULES))
def test_module_prints_like_torch(name):
    assert repr(MODULES[name](nn)) == repr(MODULES[name](torch.nn))


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_module_matches_torch(name):
    x = np.random.default_rng(0).standard_normal((3, 5)) * 3
    # an in-place module would overwrite a leaf; feed it a non-leaf (x * 1) as one must in torch
    compare(lambda lib, a: MODULES[name](lib.nn)(a * 1), [x], op=f"nn.{name}", dtype="float64")


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_bce_modules_match_torch_with_weights(reduction):
    rng = np.random.default_rng(1)
    logits, target, weight, pos = (rng.standard_normal((4, 3)), rng.uniform(size=(4, 3)), rng.uniform(size=3),
                                   rng.uniform(1, 3, size=3))
    compare(lambda lib, x, t, w: lib.nn.BCELoss(weight=w, reduction=reduction)(lib.sigmoid(x), t),
            [logits, target, weight], op="nn.BCELoss", dtype="float64", grad=[True, False, False])
    compare(lambda lib, x, t, w, p: lib.nn.BCEWithLogitsLoss(weight=w, reduction=reduction, pos_weight=p)(x, t),
            [logits, target, weight, pos], op="nn.BCEWithLogitsLoss", dtype="float64",
            grad=[True, True, False, False])


def test_bce_with_logits_keeps_weights_in_state_dict_like_torch():
    ours = nn.BCEWithLogitsLoss(weight=minitorch_cv.ones(3), pos_weight=minitorch_cv.ones(3))
    theirs = torch.nn.BCEWithLogitsLoss(weight=torch.ones(3), pos_weight=torch.ones(3))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert list(nn.BCELoss(weight=minitorch_cv.ones(2)).state_dict()) == ["weight"]


UNPOOL_CASES = [  # (input shape, pool kwargs, unpool kwargs)
    ((2, 3, 8, 8), dict(kernel_size=2), {}),
    ((8, 3, 30, 30), dict(kernel_size=(3, 3), stride=(6, 7), padding=1), dict(output_size=(30, 30))),
    ((1, 3, 7, 6), dict(kernel_size=(2, 2)), dict(output_size=(99, 99, 7, 6))),
    ((3, 9, 9), dict(kernel_size=3, stride=2, padding=1), {}),
]


def _pooled(lib, x, **pool):
    """max_pool2d's argmax indices of ``x`` (no gradient flows through them)."""
    return lib.nn.functional.max_pool2d(x, return_indices=True, **pool)[1]


@pytest.mark.parametrize("shape, pool, unpool", UNPOOL_CASES)
def test_max_unpool2d_matches_torch(shape, pool, unpool):
    rng = np.random.default_rng(2)
    x = rng.standard_normal(shape)
    pooled_shape = tuple(torch.nn.functional.max_pool2d(torch.tensor(x), **pool).shape)
    values = rng.standard_normal(pooled_shape)
    compare(lambda lib, a, v: lib.nn.functional.max_unpool2d(v, _pooled(lib, a, **pool), **pool, **unpool),
            [x, values], op="max_unpool2d", dtype="float64", grad=[False, True])


def test_max_unpool1d_and_module_match_torch():
    rng = np.random.default_rng(3)
    x, values = rng.standard_normal((2, 3, 10)), rng.standard_normal((2, 3, 5))
    compare(lambda lib, a, v: lib.nn.MaxUnpool1d(2)(v, _pooled(lib, a.unsqueeze(-2), kernel_size=(1, 2)).squeeze(-2)),
            [x, values], op="MaxUnpool1d", dtype="float64", grad=[False, True])
    compare(lambda lib, a, v: lib.nn.MaxUnpool2d(2)(v, _pooled(lib, a, kernel_size=2)),
            [rng.standard_normal((2, 4, 4)), rng.standard_normal((2, 2, 2))], op="MaxUnpool2d", dtype="float64",
            grad=[False, True])


def test_max_unpool2d_gradcheck_and_inf_nan_values():
    x = minitorch_cv.tensor(np.random.default_rng(4).standard_normal((1, 2, 3, 3)), requires_grad=True)
    index = minitorch_cv.tensor(np.array([[[[0, 4, 8], [2, 3, 7], [1, 5, 6]]] * 2]).reshape(1, 2, 3, 3))
    assert gradcheck(lambda a: nn.functional.max_unpool2d(a, index, 1, output_size=(3, 3)), (x,))
    data = [[[[np.inf, -np.inf, np.nan], [1.0, 2.0, 3.0]]]]
    compare(lambda lib, a: lib.nn.functional.max_unpool2d(*lib.nn.functional.max_pool2d(a, 2, return_indices=True),
                                                          2), [np.array(data)], op="max_unpool2d inf",
            grad=[False])


def test_max_unpool_errors_like_torch():
    x = np.ones((1, 1, 2, 2))
    good = np.array([[[[0, 2], [8, 10]]]], dtype=np.int64)
    same_error(lambda lib, a, i: lib.nn.functional.max_unpool2d(a, i.int(), 2), x, good, check_class=True)
    same_error(lambda lib, a, i: lib.nn.functional.max_unpool2d(a, i + 100, 2), x, good, check_class=True)
    same_error(lambda lib, a, i: lib.nn.functional.max_unpool2d(a, i, 2, output_size=(9, 9)), x, good,
               check_class=True)
    same_error(lambda lib, a, i: lib.nn.functional.max_unpool2d(a, i, 2, output_size=(4, 4, 4)), x, good,
               check_class=True)
