"""Module.register_forward_hook behaves as torch's: called after forward with (module, args,
output), a returned value replaces the output, the handle removes it."""
import numpy as np
import torch

import minitorch_cv
from minitorch_cv import nn


def run_hooks(lib):
    calls = []
    model = lib.nn.Sequential(lib.nn.Flatten(), lib.nn.ReLU())
    seen = model[1].register_forward_hook(lambda m, args, out: calls.append((type(m).__name__, len(args),
                                                                             tuple(out.shape))))
    double = model.register_forward_hook(lambda m, args, out: out * 2)
    x = lib.from_numpy(np.array([[[-1.0, 2.0]], [[3.0, -4.0]]]))
    first = model(x).numpy().copy()
    double.remove()
    double.remove()                       # removing twice is harmless
    second = model(x).numpy().copy()
    seen.remove()
    model(x)
    return calls, first, second


def test_forward_hooks_as_in_torch():
    ours, theirs = run_hooks(minitorch_cv), run_hooks(torch)
    assert ours[0] == theirs[0] == [("ReLU", 1, (2, 2)), ("ReLU", 1, (2, 2))]
    np.testing.assert_array_equal(ours[1], theirs[1])
    np.testing.assert_array_equal(ours[2], theirs[2])


def test_handle_as_context_manager():
    layer, calls = nn.Identity(), []
    with layer.register_forward_hook(lambda m, a, o: calls.append(o)):
        layer(minitorch_cv.ones(1))
    layer(minitorch_cv.ones(1))
    assert len(calls) == 1
