"""max_pool2d against torch.nn.functional.max_pool2d: covering grid, indices, ties, NaN, errors."""
import numpy as np
import pytest
import torch

import minitorch_cv
from minitorch_cv.autograd.gradcheck import gradcheck
from minitorch_cv.ops.pooling import max_pool2d
from test_conv import covering_grid
from torch_parity import compare, same_error


def pool_fn(lib):
    return max_pool2d if lib is minitorch_cv else torch.nn.functional.max_pool2d


def distinct_values(shape, seed):
    """A shuffled, scaled arange: every window has a unique maximum (no ties), signs mixed."""
    count = int(np.prod(shape))
    return (np.random.default_rng(seed).permutation(count) - count / 2).reshape(shape) / 8.0


POOL_SETTINGS = {
    "kernel": [1, 2, 3, 4, (2, 3), (3, 1)],
    "stride": [None, 1, 2, 3, (1, 2)],
    "padding": [0, 1, 2, (1, 0)],
    "dilation": [1, 2, (2, 1)],
    "ceil_mode": [False, True],
    "shape": [(1, 1, 7, 7), (2, 3, 9, 8), (3, 5, 6), (1, 2, 11, 5)],
    "dtype": ["float32", "float64"],
}
POOL_CASES = covering_grid(POOL_SETTINGS, 40, seed=3)


def _fit(case):
    """Make a grid case valid: padding at most half the kernel (the kernel grows to allow it)."""
    case = dict(case)
    kernel = (case["kernel"],) * 2 if isinstance(case["kernel"], int) else case["kernel"]
    padding = (case["padding"],) * 2 if isinstance(case["padding"], int) else case["padding"]
    case["kernel"] = tuple(max(k, 2 * p) for k, p in zip(kernel, padding))
    return case


def test_grid_covers_every_value():
    for name, values in POOL_SETTINGS.items():
        assert {repr(case[name]) for case in POOL_CASES} == {repr(v) for v in values}, name


@pytest.mark.parametrize("index, case", list(enumerate(POOL_CASES)),
                         ids=["-".join(f"{v}" for v in c.values()) for c in POOL_CASES])
def test_max_pool2d_matches_torch(index, case):
    case = _fit(case)
    settings = {k: case[k] for k in ("kernel", "stride", "padding", "dilation", "ceil_mode")}
    settings["kernel_size"] = settings.pop("kernel")
    try:
        torch.nn.functional.max_pool2d(torch.zeros(case["shape"]), **settings)
    except RuntimeError:
        with pytest.raises(RuntimeError, match="too small"):
            max_pool2d(minitorch_cv.zeros(*case["shape"]), **settings)
        return
    compare(lambda T, x: pool_fn(T)(x, **settings), [distinct_values(case["shape"], index)],
            op="max_pool2d", dtype=case["dtype"], seed=1000 + index)


@pytest.mark.parametrize("settings", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
                                      dict(kernel_size=(2, 3), stride=1, dilation=2)], ids=str)
def test_return_indices_equal_torch(settings):
    x = distinct_values((2, 3, 9, 10), seed=4).astype(np.float32)
    out, indices = max_pool2d(minitorch_cv.tensor(x), return_indices=True, **settings)
    torch_out, torch_indices = torch.nn.functional.max_pool2d(torch.tensor(x), return_indices=True, **settings)
    assert indices.dtype is minitorch_cv.int64
    np.testing.assert_array_equal(indices.numpy(), torch_indices.numpy())
    np.testing.assert_array_equal(out.numpy(), torch_out.numpy())


@pytest.mark.parametrize("settings", [dict(kernel_size=2), dict(kernel_size=2, stride=1),
                                      dict(kernel_size=3, stride=1, padding=1), dict(kernel_size=3, stride=2,
                                                                                     ceil_mode=True)], ids=str)
def test_ties_send_the_gradient_where_torch_does(settings):
    """Constant and two-level inputs: every window ties; torch picks the first maximum in row order."""
    levels = np.array([[1.0, 1.0, 2.0, 2.0, 1.0], [2.0, 1.0, 2.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0, 2.0],
                       [2.0, 2.0, 1.0, 2.0, 2.0], [1.0, 1.0, 1.0, 1.0, 1.0], [1.0, 2.0, 1.0, 1.0, 1.0]])
    for x in (np.ones((1, 2, 6, 5)), np.broadcast_to(levels, (1, 2, 6, 5)).copy()):
        compare(lambda T, t: pool_fn(T)(t, **settings), [x], op="max_pool2d ties", dtype="float32")
        indices = max_pool2d(minitorch_cv.tensor(x), return_indices=True, **settings)[1].numpy()
        torch_indices = torch.nn.functional.max_pool2d(torch.tensor(x), return_indices=True, **settings)[1]
        np.testing.assert_array_equal(indices, torch_indices.numpy())


@pytest.mark.parametrize("kernel_size, stride", [(2, 2), (3, 1)])
def test_nan_wins_like_torch(kernel_size, stride):
    x = distinct_values((1, 2, 6, 6), seed=5)
    x[0, 0, 1, 1] = x[0, 0, 2, 3] = x[0, 1, 4, 4] = x[0, 1, 4, 5] = np.nan
    compare(lambda T, t: pool_fn(T)(t, kernel_size, stride), [x], op="max_pool2d nan", dtype="float64")


def test_window_entirely_in_padding_gives_minus_infinity():
    """torch yields -inf (and no gradient) for a dilated window that holds no input element."""
    compare(lambda T, t: pool_fn(T)(t, 2, 1, 1, 2), [np.ones((1, 1, 2, 2))], op="max_pool2d", dtype="float32")


def test_int64_input_pools_without_grad():
    x = np.random.default_rng(6).integers(-50, 50, size=(2, 3, 7, 7))
    for settings in (dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1)):
        out = max_pool2d(minitorch_cv.tensor(x), **settings)
        assert out.dtype is minitorch_cv.int64
        np.testing.assert_array_equal(out.numpy(), torch.nn.functional.max_pool2d(torch.tensor(x), **settings).numpy())


@pytest.mark.parametrize("settings", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1, dilation=2),
                                      dict(kernel_size=(2, 3), stride=1, ceil_mode=True)], ids=str)
def test_gradcheck_float64(settings):
    x = minitorch_cv.tensor(distinct_values((2, 2, 7, 6), seed=7), requires_grad=True)
    assert gradcheck(lambda t: max_pool2d(t, **settings), [x])


def test_unbatched_and_empty_batch():
    compare(lambda T, t: pool_fn(T)(t, 2), [distinct_values((3, 8, 7), seed=8)], op="max_pool2d", dtype="float32")
    out = max_pool2d(minitorch_cv.zeros(0, 3, 8, 8), 2)
    assert tuple(out.shape) == (0, 3, 4, 4)


def _pool_run(threads, x, settings):
    minitorch_cv.set_num_threads(threads)
    xt = minitorch_cv.tensor(x, requires_grad=True)
    out, indices = max_pool2d(xt, return_indices=True, **settings)
    out.backward(minitorch_cv.tensor(np.linspace(-1, 1, out.numel(), dtype=np.float32).reshape(out.shape)))
    return out.detach().numpy().tobytes(), indices.numpy().tobytes(), xt.grad.numpy().tobytes()


@pytest.mark.parametrize("settings", [dict(kernel_size=2), dict(kernel_size=3, stride=1)], ids=str)
def test_worker_threads_are_bit_identical(settings):
    """384 planes make several tiles for the workers; overlapping windows add into shared cells."""
    x = distinct_values((8, 48, 20, 18), seed=10).astype(np.float32)
    threads = minitorch_cv.get_num_threads()
    try:
        runs = [_pool_run(threads, x, settings), _pool_run(threads, x, settings), _pool_run(1, x, settings)]
    finally:
        minitorch_cv.set_num_threads(threads)
    assert runs[0] == runs[1] == runs[2]
    torch_out = torch.nn.functional.max_pool2d(torch.tensor(x), **settings).numpy()
    assert runs[0][0] == torch_out.tobytes()


POOL_ERRORS = [
    ("pad over half", lambda T, x: pool_fn(T)(x, 3, padding=2), "padding should be at most half of kernel_size"),
    ("pad over half dilated", lambda T, x: pool_fn(T)(x, 3, 1, padding=2, dilation=2), "at most half"),
    ("zero kernel", lambda T, x: pool_fn(T)(x, 0), "kernel_size must be positive"),
    ("zero stride", lambda T, x: pool_fn(T)(x, 2, 0), "stride must be positive"),
    ("zero dilation", lambda T, x: pool_fn(T)(x, 2, dilation=0), "dilation must be positive"),
    ("negative padding", lambda T, x: pool_fn(T)(x, 2, padding=-1), "non-negative"),
    ("too small", lambda T, x: pool_fn(T)(x, 7), "too small"),
    ("three kernel dims", lambda T, x: pool_fn(T)(x, (2, 2, 2)), "kernel_size must be an int or a tuple of two"),
    ("rank 2", lambda T, x: pool_fn(T)(x[0, 0], 2), "3-D [C, H, W] or 4-D"),
    ("zero channels", lambda T, x: pool_fn(T)(x[:, :0], 2), "non-zero"),
]


@pytest.mark.parametrize("name, fn, message", POOL_ERRORS, ids=[e[0] for e in POOL_ERRORS])
def test_errors(name, fn, message):
    assert message in same_error(fn, distinct_values((1, 2, 5, 5), seed=9).astype(np.float32))


@pytest.mark.parametrize("shape", [(2, 3, 9, 8), (4, 6, 6), (1, 1, 2, 2)])
def test_no_grad_pools_without_indices_like_torch(shape, monkeypatch):
    """Under no_grad (or on an input that needs no gradient) the plain 2x2 case writes no
    indices; the values stay torch's, NaN and ties included."""
    from minitorch_cv.kernels import maxpool
    from minitorch_cv.ops import pooling
    calls = []
    monkeypatch.setattr(pooling, "max_pool2x2_values", lambda *a: calls.append(1) or maxpool.max_pool2x2_values(*a))
    x = np.random.default_rng(30).integers(0, 3, shape).astype(np.float32)
    x.flat[::7] = np.nan
    expected = torch.nn.functional.max_pool2d(torch.tensor(x), 2).numpy()
    with minitorch_cv.no_grad():
        out = max_pool2d(minitorch_cv.tensor(x, requires_grad=True), 2)
    np.testing.assert_array_equal(out.numpy(), expected)
    np.testing.assert_array_equal(max_pool2d(minitorch_cv.tensor(x), 2).numpy(), expected)
    assert len(calls) == 2
    out = max_pool2d(minitorch_cv.tensor(x, requires_grad=True), 2)
    assert out.requires_grad and len(calls) == 2


@pytest.mark.parametrize("settings", [dict(kernel_size=3, stride=2, padding=1), dict(kernel_size=(2, 3), stride=(1, 2)),
                                      dict(kernel_size=3, stride=2, padding=1, dilation=2, ceil_mode=True),
                                      dict(kernel_size=2, stride=3, ceil_mode=True)])
@pytest.mark.parametrize("shape", [(2, 3, 11, 10), (1, 2, 9, 70)], ids=["narrow", "wide"])
def test_no_grad_general_windows_without_indices_like_torch(settings, shape):
    """Without indices (no_grad) the general kernels (window by window on narrow planes, separable
    on wide ones) give torch's values bit for bit: NaN wins, and of tied +0 and -0 the first in
    row-major window order is kept."""
    rng = np.random.default_rng(31)
    x = rng.integers(-1, 2, shape).astype(np.float32) * rng.choice([-0.0, 1.0], shape)
    x.flat[::13] = np.nan
    expected = torch.nn.functional.max_pool2d(torch.tensor(x), **settings).numpy()
    with minitorch_cv.no_grad():
        out = max_pool2d(minitorch_cv.tensor(x, requires_grad=True), **settings).numpy()
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_array_equal(np.signbit(out), np.signbit(expected))


@pytest.mark.parametrize("width", [10, 70], ids=["narrow", "wide"])
def test_indices_and_gradient_on_narrow_and_wide_planes(width):
    """ResNet's stem pool (3x3, stride 2, padding 1) with indices, where the direct kernel
    (narrow planes) and the separable one (wide planes) serve it: torch's indices and gradient."""
    x = distinct_values((2, 3, 9, width), seed=32)
    x.flat[::11] = x.flat[1::11]
    out, indices = torch.nn.functional.max_pool2d(torch.tensor(x), 3, 2, 1, return_indices=True)
    ours, our_indices = max_pool2d(minitorch_cv.tensor(x), 3, 2, 1, return_indices=True)
    np.testing.assert_array_equal(ours.numpy(), out.numpy())
    np.testing.assert_array_equal(our_indices.numpy(), indices.numpy())
    compare(lambda T, t: (max_pool2d if T is minitorch_cv else torch.nn.functional.max_pool2d)(t, 3, 2, 1),
            [x], op="max_pool2d", dtype="float64", kind="exact")


# A sequence of the wrong length is torch's RuntimeError; a wrong type stays a TypeError.
WRONG_LENGTHS = [(1, 1, 1), (1, 1, 1, 1), [1, 1, 1]]
WRONG_TYPES = [(1.0, 1), 1.5, "x", (True, 1)]


def _pool_call(form, name, value):
    options = {"kernel_size": 2, name: value}
    if form == "functional":
        return lambda T, x: pool_fn(T)(x, **options)
    return lambda T, x: T.nn.MaxPool2d(**options)(x)


@pytest.mark.parametrize("form", ["functional", "module"])
@pytest.mark.parametrize("name", ["kernel_size", "stride", "padding", "dilation"])
def test_wrong_length_argument_is_a_runtime_error_like_torch(name, form):
    x = distinct_values((1, 2, 6, 6), seed=10).astype(np.float32)
    for value in WRONG_LENGTHS + ([] if name == "stride" else [()]):
        message = same_error(_pool_call(form, name, value), x, error=RuntimeError)
        assert f"{name} must be an int or a tuple of two ints, got" in message
    for value in WRONG_TYPES:
        same_error(_pool_call(form, name, value), x, error=TypeError)
    if name == "stride":   # an empty stride means the default (the kernel size), as in torch
        compare(_pool_call(form, name, ()), [x], op="max_pool2d(stride=())")
