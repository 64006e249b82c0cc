"""Every scheduler's learning-rate (and momentum) sequence equals torch's to the last bit, over
60 steps with two parameter groups; state dicts resume mid-sequence; errors as torch's."""
import pickle
import warnings

import pytest
import torch

import minitorch_cv
from minitorch_cv import nn, optim

STEPS = 60


def _optimizer(lib, name="SGD"):
    params = [lib.nn.Parameter(lib.ones(2)), lib.nn.Parameter(lib.ones(3))]
    kwargs = dict(momentum=0.9) if name == "SGD" else {}
    return getattr(lib.optim, name)([{"params": [params[0]]}, {"params": [params[1]], "lr": 0.03}], lr=0.1, **kwargs)


class Warmup:
    """A callable object (its state is saved by LambdaLR.state_dict, unlike a function's)."""

    def __init__(self, length):
        self.length = length

    def __call__(self, epoch):
        return min(1.0, (epoch + 1) / self.length) * 0.97 ** epoch


SCHEDULERS = {
    "lambda": ("SGD", lambda s, o: s.LambdaLR(o, lambda epoch: 0.95 ** epoch / (1 + epoch % 7))),
    "lambda_per_group": ("SGD", lambda s, o: s.LambdaLR(o, [Warmup(5), lambda epoch: 1 / (epoch + 1)])),
    "step": ("SGD", lambda s, o: s.StepLR(o, step_size=7, gamma=0.3)),
    "multistep": ("SGD", lambda s, o: s.MultiStepLR(o, milestones=[5, 20, 20, 41], gamma=0.7)),
    "exponential": ("Adam", lambda s, o: s.ExponentialLR(o, gamma=0.93)),
    "cosine": ("SGD", lambda s, o: s.CosineAnnealingLR(o, T_max=60)),
    "cosine_restarting_eta_min": ("SGD", lambda s, o: s.CosineAnnealingLR(o, T_max=13, eta_min=0.001)),
    "linear": ("SGD", lambda s, o: s.LinearLR(o, start_factor=0.1, end_factor=0.9, total_iters=23)),
    "linear_default": ("AdamW", lambda s, o: s.LinearLR(o)),
    "onecycle_cos": ("SGD", lambda s, o: s.OneCycleLR(o, max_lr=0.1, total_steps=STEPS, pct_start=0.15)),
    "onecycle_linear_adam_betas": ("Adam", lambda s, o: s.OneCycleLR(
        o, max_lr=[0.2, 0.05], epochs=6, steps_per_epoch=10, anneal_strategy="linear", base_momentum=0.8)),
    "onecycle_three_phase": ("SGD", lambda s, o: s.OneCycleLR(
        o, max_lr=0.5, total_steps=STEPS, pct_start=0.25, three_phase=True, div_factor=10.0, final_div_factor=100.0)),
    "onecycle_no_momentum_rmsprop": ("RMSprop", lambda s, o: s.OneCycleLR(o, max_lr=0.1, total_steps=STEPS,
                                                                         cycle_momentum=False)),
    "sequential_warmup_cosine": ("SGD", lambda s, o: s.SequentialLR(
        o, [s.LinearLR(o, start_factor=0.01, total_iters=10), s.CosineAnnealingLR(o, T_max=50)], milestones=[10])),
    "sequential_three": ("SGD", lambda s, o: s.SequentialLR(
        o, [s.ExponentialLR(o, 0.9), s.StepLR(o, 4, 0.5), s.MultiStepLR(o, [45, 50])], milestones=[12, 30])),
}


def _sequence(lib, config, steps=STEPS, state=None):
    """(lr, momentum/beta1) of every group after construction and after each of ``steps`` steps."""
    name, build = SCHEDULERS[config]
    optimizer = _optimizer(lib, name)
    scheduler = build(lib.optim.lr_scheduler, optimizer)
    if state is not None:
        optimizer.param_groups[:] = [dict(g, params=p["params"]) for g, p in zip(state[0], optimizer.param_groups)]
        scheduler.load_state_dict(state[1])
    values = []
    for _ in range(steps):
        values.append([(g["lr"], g.get("momentum"), g.get("betas")) for g in optimizer.param_groups])
        assert scheduler.get_last_lr() == [g["lr"] for g in optimizer.param_groups]
        optimizer.step()
        scheduler.step()
    return values, optimizer, scheduler


@pytest.mark.parametrize("config", list(SCHEDULERS))
def test_sequence_equals_torch_bit_for_bit(config):
    steps = STEPS - 1 if config.startswith("onecycle") else STEPS   # OneCycleLR stops at total_steps
    ours, _, _ = _sequence(minitorch_cv, config, steps)
    theirs, _, _ = _sequence(torch, config, steps)
    assert ours == theirs
    assert len({v[0][0] for v in ours}) > 3


@pytest.mark.parametrize("config", ["lambda_per_group", "multistep", "cosine_restarting_eta_min", "linear",
                                    "onecycle_linear_adam_betas", "sequential_three"])
def test_state_dict_resumes_the_same_sequence(config):
    first, optimizer, scheduler = _sequence(minitorch_cv, config, 25)
    groups = [{k: v for k, v in g.items() if k != "params"} for g in optimizer.param_groups]
    state = pickle.loads(pickle.dumps(scheduler.state_dict()))
    rest, _, _ = _sequence(minitorch_cv, config, 30, state=(groups, state))
    whole, _, _ = _sequence(torch, config, 55)
    assert first + rest == whole


def test_one_cycle_past_total_steps_raises_as_torch():
    for lib in (minitorch_cv, torch):
        scheduler = lib.optim.lr_scheduler.OneCycleLR(_optimizer(lib), max_lr=0.1, total_steps=3)
        scheduler.optimizer.step()
        for _ in range(3):
            scheduler.step()
        with pytest.raises(ValueError, match="Tried to step 4 times. The specified number of total steps is 3"):
            scheduler.step()


@pytest.mark.parametrize("kwargs", [
    dict(), dict(mode="max", patience=2, threshold=0.1), dict(threshold_mode="abs", patience=1, cooldown=3),
    dict(factor=0.5, patience=0, min_lr=[0.02, 0.001], eps=1e-3), dict(mode="max", threshold_mode="abs", patience=3)])
def test_reduce_on_plateau_equals_torch(kwargs):
    metrics = [1.0, 0.9, 0.95, 0.89, 0.9, 0.91, 0.92, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 0.499, 0.5] * 4
    sequences = []
    for lib in (minitorch_cv, torch):
        optimizer = _optimizer(lib)
        scheduler = lib.optim.lr_scheduler.ReduceLROnPlateau(optimizer, **kwargs)
        lrs = []
        for metric in metrics:
            optimizer.step()
            scheduler.step(metric)
            lrs.append((scheduler.get_last_lr(), scheduler.num_bad_epochs, scheduler.best))
        sequences.append(lrs)
    assert sequences[0] == sequences[1]
    assert sequences[0][-1][0] != sequences[0][0][0]


def test_step_with_epoch_uses_the_closed_form_and_warns_as_torch():
    values = []
    for lib in (minitorch_cv, torch):
        optimizer = _optimizer(lib)
        scheduler = lib.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=10)
        optimizer.step()
        with pytest.warns(UserWarning, match="The epoch parameter in `scheduler.step\\(\\)` was not necessary"):
            scheduler.step(7)
        values.append(scheduler.get_last_lr())
    assert values[0] == values[1]


@pytest.mark.parametrize("build, error, message", [
    (lambda s, o: s.LinearLR(o, start_factor=0), ValueError, "Starting multiplicative factor"),
    (lambda s, o: s.OneCycleLR(o, max_lr=0.1), ValueError, "You must define either total_steps OR"),
    (lambda s, o: s.OneCycleLR(o, max_lr=0.1, total_steps=10, pct_start=1), ValueError, "Expected float between 0"),
    (lambda s, o: s.OneCycleLR(o, max_lr=[0.1], total_steps=10), ValueError, "max_lr must have the same length"),
    (lambda s, o: s.LambdaLR(o, [lambda e: 1.0]), ValueError, "Expected 2 lr_lambdas, but got 1"),
    (lambda s, o: s.ReduceLROnPlateau(o, factor=1.0), ValueError, "Factor should be < 1.0."),
    (lambda s, o: s.ReduceLROnPlateau(o, mode="up"), ValueError, "mode up is unknown!"),
    (lambda s, o: s.SequentialLR(o, [s.StepLR(o, 2)], milestones=[3]), ValueError, "Sequential Schedulers expects"),
    (lambda s, o: s.StepLR(object(), 2), TypeError, "object is not an Optimizer"),
])
def test_bad_arguments_raise_as_torch(build, error, message):
    for lib in (minitorch_cv, torch):
        with pytest.raises(error, match=message):
            build(lib.optim.lr_scheduler, _optimizer(lib))


def test_schedulers_are_exported_under_torchs_names():
    assert set(optim.lr_scheduler.__all__) <= set(dir(torch.optim.lr_scheduler))
    assert nn.Parameter is minitorch_cv.nn.Parameter
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        optim.lr_scheduler.StepLR(_optimizer(minitorch_cv), 3).step()
