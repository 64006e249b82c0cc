"""Autograd engine behaviour against torch: accumulation, reuse, retain_graph, errors, no_grad."""
import numpy as np
import pytest
import torch

import minitorch_cv
from torch_parity import compare


def test_reused_node_accumulates_like_torch():
    x = np.random.default_rng(0).standard_normal((3, 4))
    compare(lambda T, a: (a * a + a).exp().sum(dim=1) * a.mean(), [x], op="autograd graph", kind="reduction")


def test_gradients_accumulate_across_backward_calls():
    for lib in (minitorch_cv, torch):
        w = lib.ones(3, requires_grad=True)
        (w * 2).sum().backward()
        (w * 3).sum().backward()
        assert np.allclose(np.asarray(w.grad.tolist()), 5.0)


def test_backward_twice_needs_retain_graph():
    x = minitorch_cv.randn(3, requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


def test_backward_on_non_scalar_needs_gradient():
    x = minitorch_cv.randn(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="only for scalar outputs"):
        (x * 2).backward()


def test_no_grad_context_and_decorator():
    x = minitorch_cv.randn(3, requires_grad=True)
    with minitorch_cv.no_grad():
        assert not (x * 2).requires_grad

    @minitorch_cv.no_grad()
    def f(t):
        return t * 2

    assert not f(x).requires_grad
    assert (x * 2).requires_grad


def test_deep_graph_has_no_recursion_limit():
    x = minitorch_cv.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(5000):
        y = y + 0.001
    y.sum().backward()
    assert x.grad.item() == 1.0
