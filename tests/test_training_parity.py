"""Step-for-step parity: the same SGD steps from the same weights on the same batches, both backends.

50 steps (lr 0.01, momentum 0.9, batch 16) of ``cifar_training.loop.train_step``, the step that
train_cifar.py runs, on generated images, checked under the one lockstep rule
(``tests/lockstep.py``: its docstring gives the bounds, their reasons and the drifts measured
on this test):

- float32, the tutorial's model, convolutions by im2col and by the default Winograd path (2nd
  and 3rd layer): the first ten steps within 1e-5; all 50 steps and the final weights within
  four times torch's own spread (torch at the other thread count, with oneDNN off, both),
  measured in the same run, with the rule's floors. Winograd's gradients differ from torch's
  about ten times more than im2col's (up to 7e-6 of their size), yet over 50 steps both drift
  from torch by as much as torch with oneDNN off does: these steps amplify rounding.
- float64, the ReLU model with weight decay: per-step losses within a relative 1e-10 and
  the final weights within 1e-9 of their largest value, which shows the two compute the same
  algorithm.

The ReLU model is compared in float64 because in float32 its runs part at random: now and
then a pre-activation lies within rounding error of 0, the two computations give it different
signs, and the ReLU passes that gradient in one only. The images are centred on 0 (as after
``Normalize``); on [0, 1] inputs the model with momentum 0.9 overshoots.
"""
import functools

import numpy as np
import pytest

import minitorch_cv

from cifar_helpers import generated_images, single_thread  # noqa: F401
from cifar_training.backends import Backend, initial_state
from cifar_training.loop import train_step
from lockstep import Run, Spread, assert_lockstep, torch_spread

pytestmark = pytest.mark.usefixtures("single_thread")
STEPS, BATCH = 50, 16


def centred_batches(dtype):
    images, labels = generated_images(STEPS * BATCH, seed=0)
    images = images.transpose(0, 3, 1, 2).astype(dtype) / 255 - 0.5
    return np.ascontiguousarray(images), labels


def run_steps(backend, activation, dtype, weight_decay):
    """Per-step losses and final weights (as arrays) of STEPS SGD steps on ``backend``."""
    images, labels = centred_batches(dtype)
    model = backend.build_model(activation, backend.from_minitorch(initial_state(0, activation)))
    model.to(dtype=getattr(backend.lib, dtype))
    criterion = backend.lib.nn.CrossEntropyLoss()
    optimizer = backend.lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9,
                                      weight_decay=weight_decay)
    losses = []
    for k in range(STEPS):
        batch = slice(k * BATCH, (k + 1) * BATCH)
        loss, _ = train_step(model, criterion, optimizer, backend.tensor(images[batch]),
                             backend.tensor(labels[batch]))
        losses.append(loss)
    weights = {key: np.array(value.detach().numpy()) for key, value in model.state_dict().items()}
    return Run(np.array(losses), weights)


@functools.cache
def torch_runs(activation, dtype, weight_decay):
    """torch's run, and in float32 its spread; shared by the im2col and Winograd cases."""
    run = functools.partial(run_steps, Backend("torch"), activation, dtype, weight_decay)
    return torch_spread(run) if dtype == "float32" else Spread(run(), {})


@pytest.mark.parametrize("winograd", [False, True])
@pytest.mark.parametrize("activation, dtype, weight_decay", [
    ("none", "float32", 0.0), ("relu", "float64", 5e-4)])
def test_fifty_momentum_steps_match_torch(activation, dtype, weight_decay, winograd):
    with minitorch_cv.backends.winograd.flags(enabled=winograd):
        ours = run_steps(Backend("numpy"), activation, dtype, weight_decay)
    spread = torch_runs(activation, dtype, weight_decay)
    theirs = spread.reference
    assert theirs.steps[-10:].mean() < 0.8 * theirs.steps[:10].mean(), "the model should learn in 50 steps"
    for key, value in theirs.final.items():
        assert ours.final[key].dtype == value.dtype == np.dtype(dtype), key
    assert_lockstep(ours, theirs, dtype, spread if dtype == "float32" else None,
                    label=f"training parity, {dtype}, {'winograd' if winograd else 'im2col'}, "
                          f"threads {minitorch_cv.get_num_threads()}")
