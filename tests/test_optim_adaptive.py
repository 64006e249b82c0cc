"""Adam, AdamW, RMSprop, Adagrad (and SGD) against torch.optim over 50 training steps at large
learning rates, per-group options, and optimizer state moving between the two libraries."""
import numpy as np
import pytest
import torch

import minitorch_cv
from lockstep import Run, assert_lockstep, torch_spread
from minitorch_cv import nn, optim
from reference import convert

CONFIGS = {
    "adam": ("Adam", dict(lr=0.05)),
    "adam_amsgrad_l2": ("Adam", dict(lr=0.05, betas=(0.8, 0.95), weight_decay=0.05, amsgrad=True)),
    "adam_maximize_eps": ("Adam", dict(lr=0.03, eps=1e-3, maximize=True)),
    "adamw": ("AdamW", dict(lr=0.05, weight_decay=0.1)),
    "adamw_amsgrad": ("AdamW", dict(lr=0.05, weight_decay=0.3, amsgrad=True)),
    "rmsprop": ("RMSprop", dict(lr=0.01)),
    "rmsprop_momentum_centered": ("RMSprop", dict(lr=0.005, alpha=0.9, momentum=0.9, centered=True, eps=1e-4)),
    "rmsprop_centered_l2_maximize": ("RMSprop", dict(lr=0.01, centered=True, weight_decay=0.01, maximize=True)),
    "adagrad": ("Adagrad", dict(lr=0.2)),
    "adagrad_decay_accumulator_l2": ("Adagrad", dict(lr=0.3, lr_decay=0.05, initial_accumulator_value=0.5,
                                                     weight_decay=0.02)),
    "sgd_nesterov": ("SGD", dict(lr=0.2, momentum=0.9, nesterov=True, weight_decay=5e-4)),
    "sgd_dampening_maximize": ("SGD", dict(lr=0.2, momentum=0.9, dampening=0.5, maximize=True)),
}
STEPS = 50


def _data(dtype):
    rng = np.random.default_rng(7)
    return rng.standard_normal((32, 12)).astype(dtype), rng.integers(0, 5, 32)


def _model(lib, dtype):
    """A small network with two parameter groups: the first layer at half the learning rate."""
    minitorch_cv.manual_seed(11)
    ours = nn.Sequential(nn.Linear(12, 24), nn.Tanh(), nn.Linear(24, 5))
    if lib is torch:
        model = torch.nn.Sequential(torch.nn.Linear(12, 24), torch.nn.Tanh(), torch.nn.Linear(24, 5))
        model.load_state_dict(convert.to_torch(ours.state_dict()))
        ours = model
    return ours.double() if dtype == np.float64 else ours


def _optimizer(lib, model, config):
    name, kwargs = CONFIGS[config]
    groups = [{"params": model[0].parameters(), "lr": kwargs.get("lr", 1e-3) / 2},
              {"params": model[2].parameters()}]
    extra = {} if lib is minitorch_cv or name == "SGD" else {"foreach": False}
    return getattr(lib.optim, name)(groups, **kwargs, **extra)


def _train(lib, model, optimizer, config, steps, dtype):
    """``steps`` full-batch steps; with ``maximize`` the optimizer climbs ``-loss``, so the loss still falls."""
    images, labels = _data(dtype)
    x, y = lib.from_numpy(images), lib.from_numpy(labels)
    sign = -1.0 if CONFIGS[config][1].get("maximize") else 1.0
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = lib.nn.functional.cross_entropy(model(x), y)
        (loss * sign).backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def _final(model, optimizer):
    """Weights and every optimizer state tensor, as NumPy arrays keyed by name."""
    arrays = {k: np.array(v.detach().numpy()) for k, v in model.state_dict().items()}
    for index, state in optimizer.state_dict()["state"].items():
        for key, value in state.items():
            arrays[f"state {index} {key}"] = np.array(value.detach().numpy(), np.float64)
    return arrays


def _run(lib, config, dtype, steps=STEPS):
    model = _model(lib, dtype)
    optimizer = _optimizer(lib, model, config)
    losses = _train(lib, model, optimizer, config, steps, dtype)
    return Run(losses, _final(model, optimizer))


@pytest.mark.parametrize("config", list(CONFIGS))
def test_50_steps_float64_match_torch_tightly(config):
    ours, theirs = _run(minitorch_cv, config, np.float64), _run(torch, config, np.float64)
    assert theirs.steps[-1] < theirs.steps[0]
    assert_lockstep(ours, theirs, "float64", label=f"optim {config} float64")


@pytest.mark.parametrize("config", list(CONFIGS))
def test_50_steps_float32_under_the_lockstep_rule(config):
    spread = torch_spread(lambda: _run(torch, config, np.float32))
    ours = _run(minitorch_cv, config, np.float32)
    assert all(a.dtype == np.float32 for k, a in ours.final.items() if not k.startswith("state"))
    assert_lockstep(ours, spread.reference, "float32", spread, label=f"optim {config} float32")


@pytest.mark.parametrize("config", ["adam_amsgrad_l2", "adamw", "rmsprop_momentum_centered",
                                    "adagrad_decay_accumulator_l2", "sgd_nesterov"])
def test_state_dict_moves_to_torch_and_back_mid_run(config):
    """20 steps here, 15 in torch from our optimizer state, 15 here again from torch's: the
    same as 50 steps in torch alone."""
    dtype = np.float64
    ours_model = _model(minitorch_cv, dtype)
    ours = _optimizer(minitorch_cv, ours_model, config)
    losses = _train(minitorch_cv, ours_model, ours, config, 20, dtype)

    theirs_model = _model(torch, dtype)
    theirs_model.load_state_dict(convert.to_torch(ours_model.state_dict()))
    theirs = _optimizer(torch, theirs_model, config)
    theirs.load_state_dict(convert.to_torch(ours.state_dict()))
    losses += _train(torch, theirs_model, theirs, config, 15, dtype)

    back_model = _model(minitorch_cv, dtype)
    back_model.load_state_dict(convert.to_minitorch(theirs_model.state_dict()))
    back = _optimizer(minitorch_cv, back_model, config)
    back.load_state_dict(convert.to_minitorch(theirs.state_dict()))
    losses += _train(minitorch_cv, back_model, back, config, 15, dtype)

    reference = _run(torch, config, dtype)
    assert_lockstep(Run(losses, _final(back_model, back)), reference, "float64",
                    label=f"optim {config} state moved")


@pytest.mark.parametrize("config", ["adam_amsgrad_l2", "adamw", "rmsprop_momentum_centered",
                                    "adagrad_decay_accumulator_l2"])
def test_state_dict_has_torchs_structure(config):
    ours_model, theirs_model = _model(minitorch_cv, np.float32), _model(torch, np.float32)
    ours = _optimizer(minitorch_cv, ours_model, config)
    theirs = _optimizer(torch, theirs_model, config)
    _train(minitorch_cv, ours_model, ours, config, 2, np.float32)
    _train(torch, theirs_model, theirs, config, 2, np.float32)
    ours_state, theirs_state = ours.state_dict(), theirs.state_dict()
    assert ours_state["param_groups"] == [{**g, "foreach": None} for g in theirs_state["param_groups"]]
    assert list(ours_state["state"]) == list(theirs_state["state"])
    for index, state in theirs_state["state"].items():
        assert list(ours_state["state"][index]) == list(state)
        step = ours_state["state"][index]["step"]
        assert step.dtype is minitorch_cv.float32 and step.shape == () and step.item() == state["step"].item() == 2


def test_add_param_group_takes_defaults_and_own_options():
    a, b = nn.Parameter(minitorch_cv.ones(3)), nn.Parameter(minitorch_cv.ones(2))
    opt = optim.Adam([a], lr=0.1, betas=(0.5, 0.6))
    opt.add_param_group({"params": [b], "lr": 0.01})
    assert opt.param_groups[1]["lr"] == 0.01 and opt.param_groups[1]["betas"] == (0.5, 0.6)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})
    opt = optim.Adagrad([a], initial_accumulator_value=0.25)
    opt.add_param_group({"params": [b]})
    a.grad, b.grad = minitorch_cv.ones(3), minitorch_cv.ones(2)
    opt.step()
    assert np.allclose(opt.state[b]["sum"].numpy(), 1.25)


@pytest.mark.parametrize("name, kwargs, message", [
    ("Adam", dict(lr=-1.0), "Invalid learning rate: -1.0"),
    ("Adam", dict(betas=(1.0, 0.9)), "Invalid beta parameter at index 0: 1.0"),
    ("AdamW", dict(eps=-1e-8), "Invalid epsilon value: -1e-08"),
    ("RMSprop", dict(alpha=-0.5), "Invalid alpha value: -0.5"),
    ("RMSprop", dict(momentum=-0.1), "Invalid momentum value: -0.1"),
    ("Adagrad", dict(lr_decay=-1.0), "Invalid lr_decay value: -1.0"),
    ("Adagrad", dict(initial_accumulator_value=-1.0), "Invalid initial_accumulator_value value: -1.0"),
])
def test_invalid_options_raise_as_torch(name, kwargs, message):
    for lib, param in ((minitorch_cv, nn.Parameter(minitorch_cv.ones(2))), (torch, torch.nn.Parameter(torch.ones(2)))):
        with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
            getattr(lib.optim, name)([param], **kwargs)


def test_zero_grad_sets_none_by_default_or_zeros():
    a = nn.Parameter(minitorch_cv.ones(3))
    opt = optim.AdamW([a])
    a.grad = minitorch_cv.ones(3)
    opt.zero_grad(set_to_none=False)
    assert np.array_equal(a.grad.numpy(), np.zeros(3))
    opt.zero_grad()
    assert a.grad is None
