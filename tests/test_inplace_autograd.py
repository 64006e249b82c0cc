"""In-place ops in autograd, as torch: ReLU(inplace=True) and ``out += identity`` in a residual
block backpropagate exactly; changing a tensor that a backward still needs raises torch's
"modified by an inplace operation" error (version counters); allowed cases stay allowed."""
import numpy as np
import pytest
import torch

import minitorch_cv
from torch_parity import compare

ERROR_START = "one of the variables needed for gradient computation has been modified by an inplace operation: "


def residual_block(lib, x, w1, w2, gamma, beta):
    F = lib.nn.functional
    out = F.conv2d(x, w1, padding=1)
    out = F.batch_norm(out, None, None, gamma, beta, training=True)
    out = F.relu(out, inplace=True)
    out = F.conv2d(out, w2, padding=1)
    out = F.batch_norm(out, None, None, gamma, beta, training=True)
    out += x
    return F.relu(out, inplace=True)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_residual_block_with_inplace_ops_matches_torch(dtype):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((2, 3, 5, 5)), rng.standard_normal((3, 3, 3, 3)) * 0.3,
              rng.standard_normal((3, 3, 3, 3)) * 0.3, rng.uniform(0.5, 1.5, 3), rng.standard_normal(3)]
    compare(residual_block, arrays, "residual block in place", dtype=dtype)


def test_resnet_style_modules_train_step_matches_torch():
    """Conv-BN-ReLU(inplace)-Conv-BN, += identity, ReLU(inplace) with nn modules in train mode."""
    def build(lib):
        nn_ = lib.nn

        class Block(nn_.Module):
            def __init__(self):
                super().__init__()
                self.conv1, self.bn1 = nn_.Conv2d(4, 4, 3, padding=1, bias=False), nn_.BatchNorm2d(4)
                self.conv2, self.bn2 = nn_.Conv2d(4, 4, 3, padding=1, bias=False), nn_.BatchNorm2d(4)
                self.relu = nn_.ReLU(inplace=True)

            def forward(self, x):
                identity = x
                out = self.relu(self.bn1(self.conv1(x)))
                out = self.bn2(self.conv2(out))
                out += identity
                return self.relu(out)
        return Block()

    x = np.random.default_rng(1).standard_normal((3, 4, 6, 6))
    ours, theirs = build(minitorch_cv), build(torch)
    compare(lambda lib, m, t: m(t), [x], "residual block modules", dtype="float64", our_module=ours,
            torch_module=theirs)
    for name, buffer in theirs.named_buffers():
        np.testing.assert_allclose(ours.get_buffer(name).numpy(), buffer.numpy(), rtol=1e-10, atol=1e-12)


def _run(lib, scenario):
    """Run ``scenario(lib)`` (returns a scalar to backpropagate): the error message, or None."""
    try:
        scenario(lib).backward()
    except RuntimeError as error:
        return str(error)
    return None


def _sigmoid_then_mul_(lib):
    x = lib.tensor([[0.5, -1.0], [2.0, 0.1]], requires_grad=True)
    y = x.sigmoid()
    y.mul_(2)
    return y.sum()


def _saved_operand_changed(lib):
    a = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    w = lib.tensor([0.5, 0.5, 0.5])
    z = a * w
    w.add_(1)
    return z.sum()


def _relu_inplace_then_add_(lib):
    x = lib.tensor([[1.0, -2.0, 3.0, 0.5]], requires_grad=True)
    y = lib.nn.functional.relu(x * 1.0, inplace=True)
    y.add_(1)
    return y.sum()


def _exp_then_iadd(lib):
    x = lib.tensor([0.1, 0.2], requires_grad=True)
    y = x.exp()
    y += 1
    return y.sum()


def _detached_alias_changed(lib):
    x = lib.tensor([0.1, 0.2, 0.3], requires_grad=True)
    y = x.tanh()
    y.detach().zero_()
    return y.sum()


def _changed_under_no_grad(lib):
    a = lib.tensor([1.0, 2.0], requires_grad=True)
    w = lib.tensor([3.0, 4.0], requires_grad=True)
    z = (a * w).sum()
    with lib.no_grad():
        w.mul_(0.5)     # an optimizer step before backward
    return z


def _saved_output_then_needed_old_value(lib):
    x = lib.tensor([0.5, -1.5, 2.0], requires_grad=True)
    w = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    return (x * 1.0).sigmoid_().mul_(w).sum()


ERROR_SCENARIOS = [_sigmoid_then_mul_, _saved_output_then_needed_old_value, _saved_operand_changed, _relu_inplace_then_add_, _exp_then_iadd,
                   _detached_alias_changed, _changed_under_no_grad]


@pytest.mark.parametrize("scenario", ERROR_SCENARIOS, ids=[s.__name__ for s in ERROR_SCENARIOS])
def test_modified_saved_tensor_raises_torch_error(scenario):
    theirs, ours = _run(torch, scenario), _run(minitorch_cv, scenario)
    assert theirs is not None and ours is not None
    assert theirs.startswith(ERROR_START) and ours.startswith(ERROR_START)
    # the same tensor, producer and versions: everything up to the hint, with our type names
    assert ours.split(" Hint:")[0] == theirs.split(" Hint:")[0].replace("torch.", "minitorch_cv.")


def _unsaved_input_changed(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2.0
    z = y + 1.0             # Add saves nothing: changing y afterwards is fine
    y.add_(5)
    return z.sum()


def _unneeded_operand_changed(lib):
    a = lib.tensor([1.0, 2.0], requires_grad=True)
    c = lib.tensor([3.0, 4.0])
    h = a * 1.0
    z = h * c               # only c is saved (h's gradient needs c, c needs none)
    h.mul_(3)
    return z.sum()


def _inplace_chain_on_fresh_results(lib):
    x = lib.tensor([[-1.0, 2.0], [0.5, -0.25]], requires_grad=True)
    y = x * 3
    y.add_(1).mul_(2)
    y.relu_()
    return (y * y).sum()


OK_SCENARIOS = [_unsaved_input_changed, _unneeded_operand_changed, _inplace_chain_on_fresh_results]


@pytest.mark.parametrize("scenario", OK_SCENARIOS, ids=[s.__name__ for s in OK_SCENARIOS])
def test_allowed_inplace_changes_backpropagate_as_torch(scenario):
    grads = {}
    for lib in (minitorch_cv, torch):
        tensors = []
        original = lib.tensor

        def recording_tensor(*args, **kwargs):
            t = original(*args, **kwargs)
            tensors.append(t)
            return t
        lib_proxy = type("Lib", (), {"tensor": staticmethod(recording_tensor), "nn": lib.nn,
                                     "no_grad": lib.no_grad})
        assert _run(lib_proxy, scenario) is None
        grads[lib.__name__] = [t.grad.numpy() for t in tensors if t.requires_grad]
    for ours, theirs in zip(grads["minitorch_cv"], grads["torch"]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6)


def test_version_counters_follow_torch():
    versions = {}
    for lib in (minitorch_cv, torch):
        x = lib.zeros(3)
        seen = [x._version]
        x.add_(1)
        seen.append(x._version)
        x[0] = 5.0
        seen.append(x._version)
        alias = x.detach()
        alias.mul_(2)
        seen += [x._version, alias._version, x.data._version]
        x.zero_()
        x.copy_(lib.ones(3))
        seen.append(x._version)
        versions[lib.__name__] = seen
    assert versions["minitorch_cv"] == versions["torch"]


@pytest.mark.parametrize("update", [lambda a, w: a.mul_(w), lambda a, w: a.pow_(2), lambda a, w: a.div_(w),
                                    lambda a, w: a.abs_(), lambda a, w: a.clamp_(-1, 1), lambda a, w: a.addcmul_(w, w),
                                    lambda a, w: a.tanh_()])
def test_inplace_ops_that_need_the_old_value_work_as_torch(update):
    grads = []
    for lib in (minitorch_cv, torch):
        x = lib.tensor([0.5, -1.5, 2.0], requires_grad=True)
        w = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        (update(x * 1.0, w) * lib.tensor([1.0, -2.0, 0.5])).sum().backward()
        grads.append([None if t.grad is None else t.grad.numpy() for t in (x, w)])
    for ours, theirs in zip(*grads):
        assert (ours is None) == (theirs is None)
        if ours is not None:
            np.testing.assert_allclose(ours, theirs, rtol=1e-6)


@pytest.mark.parametrize("update", [lambda a, b: a.relu_(), lambda a, b: a.add_(b), lambda a, b: a.add_(b[0, :1]),
                                    lambda a, b: a.__iadd__(b.double()), lambda a, b: a.add_(b, alpha=2),
                                    lambda a, b: a.add_(1.5), lambda a, b: a.copy_(a.relu())])
def test_updates_outside_the_graph_write_the_tensor_itself_as_torch(update):
    """Under no_grad ``relu_`` and ``+=`` (inference's ReLU(inplace=True) and residual sum) write
    into the tensor's own array: a view sees the values, the version moves as torch's, and the
    values (NaN, signed zeros, broadcasting, promotion) are torch's."""
    rng = np.random.default_rng(40)
    a = rng.standard_normal((2, 3, 4)).astype(np.float32)
    a.flat[::5] = np.nan
    a.flat[1::7] = -0.0
    b = rng.standard_normal((2, 3, 4)).astype(np.float32)
    seen = {}
    for lib in (minitorch_cv, torch):
        x, y = lib.tensor(a), lib.tensor(b)
        view = x[1]
        with lib.no_grad():
            result = update(x, y)
        assert result is x
        seen[lib.__name__] = (x.numpy().copy(), view.numpy().copy(), x._version)
    ours, theirs = seen["minitorch_cv"], seen["torch"]
    for mine, torchs in zip(ours[:2], theirs[:2]):
        np.testing.assert_array_equal(mine, torchs)
        np.testing.assert_array_equal(np.signbit(mine), np.signbit(torchs))
    assert ours[2] == theirs[2]


def test_add_into_a_smaller_tensor_is_refused_outside_the_graph_as_torch():
    for lib in (minitorch_cv, torch):
        x = lib.zeros(3)
        with lib.no_grad(), pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
            x.add_(lib.ones(2, 3))
