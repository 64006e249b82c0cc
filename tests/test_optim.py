"""optim.SGD against torch.optim.SGD step by step, state dicts, param groups, zero_grad, validation."""
import numpy as np
import pytest
import torch

import minitorch_cv
from minitorch_cv import nn, optim
from torch_parity import RECORD, assert_matches

SHAPES = [(4, 3), (3,)]
CONFIGS = {
    "plain": dict(lr=0.1),
    "momentum": dict(lr=0.05, momentum=0.9),
    "dampening": dict(lr=0.05, momentum=0.9, dampening=0.3),
    "nesterov": dict(lr=0.05, momentum=0.8, nesterov=True),
    "weight_decay": dict(lr=0.1, weight_decay=0.01),
    "maximize": dict(lr=0.1, maximize=True),
    "momentum_weight_decay": dict(lr=0.05, momentum=0.9, weight_decay=5e-4),
    "nesterov_weight_decay_maximize": dict(lr=0.02, momentum=0.7, nesterov=True, weight_decay=0.1, maximize=True),
    "all_but_nesterov": dict(lr=0.03, momentum=0.5, dampening=0.5, weight_decay=0.2, maximize=True),
    "default_lr": dict(),
}


def _twins(seed=0, dtype=np.float32):
    """The same starting parameters as minitorch_cv and torch leaf tensors."""
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(shape).astype(dtype) for shape in SHAPES]
    ours = [nn.Parameter(minitorch_cv.tensor(a)) for a in arrays]
    theirs = [torch.nn.Parameter(torch.tensor(a)) for a in arrays]
    return ours, theirs


def _set_grads(ours, theirs, rng):
    for o, t in zip(ours, theirs):
        g = rng.standard_normal(tuple(o.shape)).astype(o.dtype.numpy)
        o.grad, t.grad = minitorch_cv.tensor(g), torch.tensor(g)


def _run_both(our_opt, their_opt, ours, theirs, steps, seed=1):
    """Feed both optimizers the same random gradients and compare the parameters after every step."""
    rng = np.random.default_rng(seed)
    dtype = str(ours[0].dtype.name)
    RECORD[("SGD", dtype)][0] += 1
    for step in range(steps):
        _set_grads(ours, theirs, rng)
        our_opt.step()
        their_opt.step()
        for i, (o, t) in enumerate(zip(ours, theirs)):
            assert_matches(f"param {i} after step {step + 1}", o.detach().numpy(), t, dtype, "exact", "SGD")


@pytest.mark.parametrize("config", list(CONFIGS), ids=list(CONFIGS))
def test_sgd_matches_torch_for_20_steps(config):
    ours, theirs = _twins()
    _run_both(optim.SGD(ours, **CONFIGS[config]), torch.optim.SGD(theirs, **CONFIGS[config]), ours, theirs, 20)
    assert all(p.dtype is minitorch_cv.float32 for p in ours)


@pytest.mark.parametrize("config", list(CONFIGS), ids=list(CONFIGS))
def test_sgd_one_pass_kernel_equals_the_numpy_form_bit_for_bit(config, monkeypatch):
    """kernels/sgd.py against the NumPy update it replaces, on a parameter large enough to be
    split over the worker threads and on a small one."""
    from minitorch_cv.optim import sgd
    results = []
    for fused in (True, False):
        if not fused:
            monkeypatch.setattr(sgd, "_KERNEL_FLOATS", ())
        rng = np.random.default_rng(7)
        params = [nn.Parameter(minitorch_cv.tensor(rng.standard_normal(size).astype(np.float32)))
                  for size in (300_001, 7)]
        optimizer = optim.SGD(params, **CONFIGS[config])
        for _ in range(4):
            for p in params:
                p.grad = minitorch_cv.tensor(rng.standard_normal(tuple(p.shape)).astype(np.float32))
            optimizer.step()
        results.append([p.detach().numpy().copy() for p in params])
    for fused, plain in zip(*results):
        np.testing.assert_array_equal(fused, plain)


def test_sgd_float64_matches_torch():
    ours, theirs = _twins(dtype=np.float64)
    kwargs = CONFIGS["nesterov_weight_decay_maximize"]
    _run_both(optim.SGD(ours, **kwargs), torch.optim.SGD(theirs, **kwargs), ours, theirs, 20)


def test_sgd_skips_parameters_without_gradient_and_keeps_float32_buffers():
    ours, _ = _twins()
    before = ours[1].detach().numpy().copy()
    opt = optim.SGD(ours, lr=0.1, momentum=0.9)
    ours[0].grad = minitorch_cv.ones(4, 3)
    opt.step()
    assert np.array_equal(ours[1].detach().numpy(), before)
    assert list(opt.state) == [ours[0]]
    assert opt.state[ours[0]]["momentum_buffer"].dtype is minitorch_cv.float32


def test_param_groups_with_per_group_options_match_torch():
    ours, theirs = _twins()
    groups = lambda ps: [{"params": [ps[0]], "lr": 0.2, "momentum": 0.5}, {"params": [ps[1]]}]
    our_opt = optim.SGD(groups(ours), lr=0.05, weight_decay=0.1)
    their_opt = torch.optim.SGD(groups(theirs), lr=0.05, weight_decay=0.1)
    assert [g["lr"] for g in our_opt.param_groups] == [0.2, 0.05]
    assert our_opt.param_groups[1]["momentum"] == 0
    _run_both(our_opt, their_opt, ours, theirs, 5)


def test_add_param_group_and_changing_lr_in_place_match_torch():
    ours, theirs = _twins()
    our_opt, their_opt = optim.SGD([ours[0]], lr=0.1, momentum=0.9), torch.optim.SGD([theirs[0]], lr=0.1, momentum=0.9)
    our_opt.add_param_group({"params": ours[1], "lr": 0.01})
    their_opt.add_param_group({"params": theirs[1], "lr": 0.01})
    _run_both(our_opt, their_opt, ours, theirs, 3)
    for opt in (our_opt, their_opt):
        opt.param_groups[0]["lr"] = 0.5
    _run_both(our_opt, their_opt, ours, theirs, 3)


def _strip_torch_only_keys(group):
    return {k: v for k, v in group.items() if k not in ("foreach", "differentiable", "fused")}


def test_state_dict_has_torch_structure_and_values():
    ours, theirs = _twins()
    kwargs = dict(lr=0.1, momentum=0.9, dampening=0.1)
    our_opt, their_opt = optim.SGD(ours, **kwargs), torch.optim.SGD(theirs, **kwargs)
    _run_both(our_opt, their_opt, ours, theirs, 3)
    our_sd, their_sd = our_opt.state_dict(), their_opt.state_dict()
    assert our_sd["param_groups"] == [_strip_torch_only_keys(g) for g in their_sd["param_groups"]]
    assert list(our_sd["state"]) == list(their_sd["state"]) == [0, 1]
    for index, state in our_sd["state"].items():
        assert list(state) == list(their_sd["state"][index]) == ["momentum_buffer"]
        assert_matches(f"momentum_buffer {index}", state["momentum_buffer"].numpy(),
                       their_sd["state"][index]["momentum_buffer"], "float32", "exact", "SGD")


def test_state_dict_round_trip_through_a_file_continues_identically(tmp_path):
    ours, theirs = _twins()
    kwargs = dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3)
    our_opt, their_opt = optim.SGD(ours, **kwargs), torch.optim.SGD(theirs, **kwargs)
    _run_both(our_opt, their_opt, ours, theirs, 4)
    minitorch_cv.save(our_opt.state_dict(), tmp_path / "opt.npz")
    resumed_params = [nn.Parameter(p.detach().clone()) for p in ours]
    resumed = optim.SGD(resumed_params, lr=1.0)
    resumed.load_state_dict(minitorch_cv.load(tmp_path / "opt.npz"))
    assert resumed.param_groups[0]["lr"] == 0.05 and resumed.param_groups[0]["params"][0] is resumed_params[0]
    assert resumed.state[resumed_params[0]]["momentum_buffer"] is not our_opt.state[ours[0]]["momentum_buffer"]
    _run_both(resumed, their_opt, resumed_params, theirs, 4, seed=5)


def test_load_state_dict_rejects_mismatched_groups():
    ours, _ = _twins()
    saved = optim.SGD(ours, lr=0.1).state_dict()
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        optim.SGD([ours[0]], lr=0.1).load_state_dict(saved)
    with pytest.raises(ValueError, match="different number of parameter groups"):
        optim.SGD([{"params": [ours[0]]}, {"params": [ours[1]]}], lr=0.1).load_state_dict(saved)


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad_matches_torch(set_to_none):
    ours, theirs = _twins()
    our_opt, their_opt = optim.SGD(ours, lr=0.1), torch.optim.SGD(theirs, lr=0.1)
    _set_grads(ours, theirs, np.random.default_rng(0))
    ours[1].grad, theirs[1].grad = None, None
    our_opt.zero_grad(set_to_none=set_to_none)
    their_opt.zero_grad(set_to_none=set_to_none)
    for o, t in zip(ours, theirs):
        assert (o.grad is None) == (t.grad is None)
        if t.grad is not None:
            assert np.array_equal(o.grad.numpy(), t.grad.numpy()) and not o.grad.requires_grad


def test_step_calls_closure_with_grad_enabled_and_returns_its_loss():
    weight = nn.Parameter(minitorch_cv.tensor([1.0, -2.0]))
    opt = optim.SGD([weight], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (weight * weight).sum()
        loss.backward()
        return loss

    with minitorch_cv.no_grad():
        loss = opt.step(closure)
    assert loss.item() == 5.0
    assert weight.detach().numpy().tolist() == [0.5, -1.0]


def test_repr_lists_group_options_like_torch():
    ours, _ = _twins()
    assert repr(optim.SGD(ours, lr=0.1, momentum=0.9)) == (
        "SGD (\nParameter Group 0\n    dampening: 0\n    lr: 0.1\n    maximize: False\n    momentum: 0.9\n"
        "    nesterov: False\n    weight_decay: 0\n)")


@pytest.mark.parametrize("kwargs,message", [
    (dict(lr=-0.1), "Invalid learning rate: -0.1"),
    (dict(lr=0.1, momentum=-0.5), "Invalid momentum value: -0.5"),
    (dict(lr=0.1, weight_decay=-1), "Invalid weight_decay value: -1"),
    (dict(lr=0.1, nesterov=True), "Nesterov momentum requires a momentum and zero dampening"),
    (dict(lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), "Nesterov momentum requires a momentum and zero"),
])
def test_sgd_rejects_invalid_options_like_torch(kwargs, message):
    ours, theirs = _twins()
    with pytest.raises(ValueError, match=message):
        torch.optim.SGD(theirs, **kwargs)
    with pytest.raises(ValueError, match=message):
        optim.SGD(ours, **kwargs)


def test_optimizer_rejects_bad_parameter_lists():
    ours, _ = _twins()
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="should be an iterable of Tensors or dicts"):
        optim.SGD(ours[0], lr=0.1)
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        optim.SGD([{"params": ours}, {"params": [ours[0]]}], lr=0.1)
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        optim.SGD([ours[0] * 2], lr=0.1)


def test_sgd_trains_a_model_end_to_end():
    minitorch_cv.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1))
    x = minitorch_cv.randn(64, 3)
    y = x.sum(dim=1, keepdim=True)
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    losses = []
    for _ in range(100):
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.05 * losses[0]
