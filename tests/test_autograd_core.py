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


def test_gradient_argument_shape_and_missing_grad_errors_match_torch():
    for T in (minitorch_cv, torch):
        x = T.ones(3, requires_grad=True)
        (x * 2).backward(T.tensor([1.0, 2.0, 3.0]))
        assert x.grad.tolist() == [2.0, 4.0, 6.0]
        with pytest.raises(RuntimeError, match="Mismatch in shape"):
            (x * 2).backward(T.ones(2))
        with pytest.raises(RuntimeError, match="does not require grad"):
            T.ones(2).sum().backward()
        with pytest.raises(RuntimeError, match="does not require grad"):
            x.detach().sum().backward()


def test_backward_from_a_leaf_and_through_a_freed_subgraph():
    x = minitorch_cv.ones(2, requires_grad=True)
    x.backward(minitorch_cv.tensor([3.0, 4.0]))
    assert x.grad.tolist() == [3.0, 4.0]
    for T in (minitorch_cv, torch):
        w = T.ones(3, requires_grad=True)
        shared = w.exp()
        (shared * 2).sum().backward()
        with pytest.raises(RuntimeError, match="second time"):
            (shared * 3).sum().backward()


@pytest.mark.filterwarnings("ignore:The .grad attribute of a Tensor that is not a leaf")
def test_retain_grad_and_non_leaf_grads_like_torch():
    for T in (minitorch_cv, torch):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        hidden = x * 3
        kept = hidden.exp()
        kept.retain_grad()
        out = (kept * hidden).sum()
        out.backward()
        assert hidden.grad is None and not hidden.is_leaf and kept.retains_grad
        assert np.allclose(np.asarray(kept.grad.tolist()), [3.0, 6.0])
        with pytest.raises(RuntimeError, match="requires_grad=False"):
            T.ones(1).retain_grad()


def test_integer_and_bool_results_never_require_grad():
    x = minitorch_cv.randn(3, 4, requires_grad=True)
    for out in (x.argmax(1), x > 0, x.long(), x.max(1).indices, x.bool(), (x // 1).long(), x.isnan()):
        assert not out.requires_grad and out.grad_fn is None
    assert x.max(1).values.requires_grad and x.double().requires_grad
    with pytest.raises(RuntimeError, match="derivative for aten::floor_divide is not implemented"):
        (x // 1).sum().backward()  # recorded, but without a derivative, as in torch


def test_detach_and_requires_grad_flags():
    x = minitorch_cv.randn(3, requires_grad=True)
    y = x * 2
    assert not y.detach().requires_grad and y.detach().is_leaf
    with pytest.raises(RuntimeError, match="leaf variables"):
        y.requires_grad = False
    z = minitorch_cv.ones(3).requires_grad_()
    assert z.requires_grad and z.is_leaf
    (y.detach() * z).sum().backward()
    assert x.grad is None and z.grad is not None


def test_leaf_gradients_keep_the_leaf_dtype():
    w = minitorch_cv.ones(3, dtype=minitorch_cv.float64, requires_grad=True)
    (w.float() * 2).sum().backward()
    assert w.grad.dtype is minitorch_cv.float64


def test_custom_function_contract():
    from minitorch_cv.autograd import Function

    class ScaledMul(Function):
        @staticmethod
        def forward(ctx, a, b, scale=1.0):
            ctx.save_for_backward(a, b)
            ctx.scale = scale
            return a * b * scale

        @staticmethod
        def backward(ctx, grad):
            a, b = ctx.saved_arrays
            assert ctx.needs_input_grad == (True, False)
            return grad * b * ctx.scale, None

    a = minitorch_cv.tensor([1.0, 2.0], requires_grad=True)
    b = minitorch_cv.tensor([3.0, 4.0])
    out = ScaledMul.apply(a, b, scale=2.0)
    assert repr(out.grad_fn) == "<ScaledMulBackward0>"
    out.sum().backward()
    assert a.grad.tolist() == [6.0, 8.0]
    assert out.grad_fn.ctx is None

    class WrongShape(Function):
        @staticmethod
        def forward(ctx, a):
            return a.sum()

        @staticmethod
        def backward(ctx, grad):
            return grad

    with pytest.raises(RuntimeError, match=r"WrongShapeBackward0 returned a gradient of shape \(\) "
                                           r"for an input of shape \(2,\)"):
        WrongShape.apply(a).backward()


def test_in_place_rebinds_later_use_but_not_earlier_consumers():
    x = minitorch_cv.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    early = y * 1.0
    y.mul_(x)
    (early.sum() + y.sum()).backward()
    assert x.grad.tolist() == [2.0 + 4 * 1.0, 2.0 + 4 * 2.0]


def test_grad_mode_is_per_thread():
    import threading

    seen = []
    with minitorch_cv.no_grad():
        worker = threading.Thread(target=lambda: seen.append(minitorch_cv.is_grad_enabled()))
        worker.start()
        worker.join()
    assert seen == [True]
