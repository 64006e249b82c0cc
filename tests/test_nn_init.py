"""nn.init against torch: gains and fans, the spread of every initialiser, default layer init, seeding."""
import math

import numpy as np
import pytest
import torch

import minitorch_cv
from minitorch_cv import nn


def test_calculate_gain_and_fans_match_torch():
    for name, param in [("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
                        ("leaky_relu", None), ("leaky_relu", 0.2), ("selu", None)]:
        assert nn.init.calculate_gain(name, param) == pytest.approx(torch.nn.init.calculate_gain(name, param))
    for shape in [(4, 3), (32, 3, 5, 5), (6, 2, 3)]:
        assert nn.init._calculate_fan_in_and_fan_out(minitorch_cv.zeros(*shape)) == \
            torch.nn.init._calculate_fan_in_and_fan_out(torch.zeros(*shape))
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        nn.init._calculate_fan_in_and_fan_out(minitorch_cv.zeros(3))
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        nn.init.calculate_gain("swish")


def _uniform_bound_and_std(values, bound):
    """Samples lie in [-bound, bound] and have the std of U(-bound, bound) within 5%."""
    assert np.abs(values).max() <= bound + 1e-7
    assert np.std(values) == pytest.approx(bound / math.sqrt(3), rel=0.05)


def test_default_linear_and_conv_init_follow_torchs_distributions():
    minitorch_cv.manual_seed(0)
    conv, fc = nn.Conv2d(16, 64, 5), nn.Linear(400, 300)
    for layer, fan_in in ((conv, 16 * 25), (fc, 400)):
        bound = 1 / math.sqrt(fan_in)
        _uniform_bound_and_std(layer.weight.detach().numpy(), bound)
        assert np.abs(layer.bias.detach().numpy()).max() <= bound + 1e-7
        assert layer.weight.dtype is minitorch_cv.float32 and layer.weight.requires_grad


@pytest.mark.parametrize("name,kwargs,expected_std", [
    ("kaiming_uniform_", {"nonlinearity": "relu"}, math.sqrt(2 / 200)),
    ("kaiming_normal_", {"nonlinearity": "relu"}, math.sqrt(2 / 200)),
    ("kaiming_normal_", {"mode": "fan_out", "a": 0.1}, math.sqrt(2 / (1 + 0.01)) / math.sqrt(300)),
    ("xavier_uniform_", {"gain": 2.0}, 2.0 * math.sqrt(2 / 500)),
    ("xavier_normal_", {}, math.sqrt(2 / 500)),
    ("normal_", {"mean": 1.0, "std": 0.5}, 0.5),
    ("uniform_", {"a": -2.0, "b": 2.0}, 4 / math.sqrt(12)),
])
def test_init_functions_have_torchs_spread(name, kwargs, expected_std):
    ours = minitorch_cv.empty(300, 200)
    result = getattr(nn.init, name)(ours, **kwargs)
    theirs = getattr(torch.nn.init, name)(torch.empty(300, 200), **kwargs)
    assert result is ours
    assert np.std(ours.numpy()) == pytest.approx(expected_std, rel=0.03)
    assert np.std(ours.numpy()) == pytest.approx(float(theirs.std()), rel=0.03)
    assert np.mean(ours.numpy()) == pytest.approx(float(theirs.mean()), abs=0.03 * expected_std + 0.01)


def test_init_uses_the_seeded_generator_and_fills_parameters_in_place():
    minitorch_cv.manual_seed(3)
    first = nn.Linear(5, 4).weight.detach().numpy().copy()
    minitorch_cv.manual_seed(3)
    assert np.array_equal(nn.Linear(5, 4).weight.detach().numpy(), first)
    generator = minitorch_cv.Generator().manual_seed(7)
    a = nn.init.normal_(minitorch_cv.empty(3), generator=generator).numpy().copy()
    generator.manual_seed(7)
    assert np.array_equal(nn.init.normal_(minitorch_cv.empty(3), generator=generator).numpy(), a)
    param = nn.Parameter(minitorch_cv.empty(2, 2))
    assert nn.init.constant_(param, 0.5) is param and param.detach().numpy().tolist() == [[0.5, 0.5], [0.5, 0.5]]
    assert nn.init.zeros_(param).detach().numpy().sum() == 0 and nn.init.ones_(param).detach().numpy().sum() == 4
