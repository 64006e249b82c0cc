"""conv2d against torch.nn.functional.conv2d: a covering grid of settings, gradients, errors."""
import itertools

import numpy as np
import pytest
import torch

import minitorch_cv
from minitorch_cv.autograd.gradcheck import gradcheck
from minitorch_cv.ops.conv import conv2d
from torch_parity import compare, same_error


def covering_grid(settings, count, seed):
    """``count`` combinations of ``settings`` (name -> values) in which every value of every setting occurs.

    Each setting cycles through its values in a seeded random order and the columns are shuffled
    independently, so combinations are random but deterministic, and coverage is complete as
    long as ``count`` is at least the longest value list.
    """
    rng = np.random.default_rng(seed)
    columns = {}
    for name, values in settings.items():
        order = [values[i] for i in rng.permutation(len(values))]
        column = list(itertools.islice(itertools.cycle(order), count))
        columns[name] = [column[i] for i in rng.permutation(count)]
    return [{name: columns[name][i] for name in settings} for i in range(count)]


def conv_fn(lib):
    return conv2d if lib is minitorch_cv else torch.nn.functional.conv2d


CONV_SETTINGS = {
    "kernel": [(1, 1), (2, 2), (3, 3), (4, 4), (5, 5), (6, 6), (7, 7), (1, 3), (3, 2), (2, 5), (7, 4)],
    "stride": [1, 2, 3, (1, 2), (3, 1)],
    "padding": [0, 1, 2, 3, (1, 2), "same", "valid"],
    "dilation": [1, 2, (1, 2)],
    "groups": [1, 2],
    "bias": [True, False],
    "batch": [1, 2, 3],
    "size": [(5, 5), (7, 9), (11, 8), (13, 13), (6, 11)],
    "channels_per_group": [(1, 2), (2, 1), (3, 3)],
    "dtype": ["float32", "float64"],
}
CONV_CASES = covering_grid(CONV_SETTINGS, 48, seed=2)


def _fit(case):
    """Make a grid case valid: 'same' only with stride 1; the input at least as large as the kernel."""
    case = dict(case)
    if case["padding"] == "same":
        case["stride"] = 1
    pads = (case["padding"],) * 2 if isinstance(case["padding"], int) else case["padding"]
    pads = (0, 0) if isinstance(pads, str) else pads
    dilation = (case["dilation"],) * 2 if isinstance(case["dilation"], int) else case["dilation"]
    case["size"] = tuple(max(s, d * (k - 1) + 1 - 2 * p)
                         for s, k, d, p in zip(case["size"], case["kernel"], dilation, pads))
    return case


def conv_arrays(case, seed):
    rng = np.random.default_rng(seed)
    in_per_group, out_per_group = case["channels_per_group"]
    groups = case["groups"]
    x = rng.standard_normal((case["batch"], in_per_group * groups) + case["size"])
    fan_in = in_per_group * case["kernel"][0] * case["kernel"][1]
    w = rng.standard_normal((out_per_group * groups, in_per_group) + case["kernel"]) / np.sqrt(fan_in)
    b = rng.standard_normal(out_per_group * groups)
    return [x, w, b] if case["bias"] else [x, w]


def test_grid_covers_every_value():
    for name, values in CONV_SETTINGS.items():
        seen = {repr(case[name]) for case in CONV_CASES}
        assert seen == {repr(v) for v in values}, name


@pytest.mark.filterwarnings("ignore:Using padding=.same. with even kernel lengths")
@pytest.mark.parametrize("index, case", list(enumerate(CONV_CASES)),
                         ids=["-".join(f"{v}" for v in c.values()) for c in CONV_CASES])
def test_conv2d_matches_torch(index, case):
    case = _fit(case)
    settings = dict(stride=case["stride"], padding=case["padding"], dilation=case["dilation"],
                    groups=case["groups"])
    compare(lambda T, *t: conv_fn(T)(*t, **settings), conv_arrays(case, seed=index),
            op="conv2d", dtype=case["dtype"], seed=1000 + index)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("winograd", [False, True])
def test_cifar_layer_shapes(dtype, winograd):
    """The tutorial model's second convolution (5x5, padding 2, 32 -> 32 channels), one image,
    by im2col (the shared tolerance) and by Winograd (its own, see torch_parity.TOLERANCES).

    One image keeps the weight gradient's float32 sums at 256 terms, where torch's own rounding
    stays inside the shared tolerance.
    """
    rng = np.random.default_rng(10)
    x = rng.standard_normal((1, 32, 16, 16))
    w = rng.standard_normal((32, 32, 5, 5)) / np.sqrt(800)
    with minitorch_cv.backends.winograd.flags(enabled=winograd):
        compare(lambda T, *t: conv_fn(T)(*t, stride=1, padding=2), [x, w, rng.standard_normal(32)],
                op="conv2d (winograd)" if winograd else "conv2d", dtype=dtype, seed=11,
                kind="winograd" if winograd else "reduction")


@pytest.mark.parametrize("groups", [1, 2])
def test_batch_split_over_worker_threads(groups):
    """A batch of 6 CIFAR-sized images makes several tiles, so the worker threads share them."""
    rng = np.random.default_rng(12)
    x = rng.standard_normal((6, 32, 16, 16))
    w = rng.standard_normal((32, 32 // groups, 5, 5)) / np.sqrt(800 // groups)
    compare(lambda T, *t: conv_fn(T)(*t, padding=2, groups=groups), [x, w, rng.standard_normal(32)],
            op="conv2d", dtype="float64", seed=13)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("groups, bias", [(1, True), (2, False)])
def test_many_taps_take_the_transposed_product(dtype, groups, bias):
    """11 channels per group x 5x5 = 275 taps reach _TRANSPOSED_MIN_TAPS (cols.T @ W.T), on odd sizes."""
    from minitorch_cv.ops.conv import _TRANSPOSED_MIN_TAPS
    assert 11 * 25 >= _TRANSPOSED_MIN_TAPS
    rng = np.random.default_rng(14)
    x = rng.standard_normal((3, 11 * groups, 7, 9))
    w = rng.standard_normal((3 * groups, 11, 5, 5)) / np.sqrt(275)
    arrays = [x, w] + ([rng.standard_normal(3 * groups)] if bias else [])
    compare(lambda T, *t: conv_fn(T)(*t, stride=(1, 2), padding=(2, 1), groups=groups), arrays,
            op="conv2d", dtype=dtype, seed=15)


def test_blas_stays_at_one_thread():
    """minitorch_cv's parallelism is its own workers; NumPy's BLAS is held at one thread (threads.py)."""
    from threadpoolctl import threadpool_info

    def blas_threads():
        return {lib["num_threads"] for lib in threadpool_info()
                if lib["user_api"] == "blas" and "numpy" in lib["filepath"]}

    previous = minitorch_cv.get_num_threads()
    try:
        minitorch_cv.set_num_threads(2)
        x = minitorch_cv.randn(6, 32, 16, 16)
        conv2d(x, minitorch_cv.randn(8, 32, 5, 5), padding=2)
        assert blas_threads() == {1}
    finally:
        minitorch_cv.set_num_threads(previous)


def _conv_run(threads, x, w, stride=1):
    minitorch_cv.set_num_threads(threads)
    xt, wt = minitorch_cv.tensor(x, requires_grad=True), minitorch_cv.tensor(w, requires_grad=True)
    out = conv2d(xt, wt, stride=stride, padding=1)
    out.backward(minitorch_cv.ones_like(out))
    return out.detach().numpy().tobytes(), xt.grad.numpy().tobytes(), wt.grad.numpy()


def test_repeated_runs_are_bit_identical():
    rng = np.random.default_rng(14)
    x = rng.standard_normal((9, 16, 20, 20)).astype(np.float32)
    w = rng.standard_normal((8, 16, 3, 3)).astype(np.float32)
    threads = minitorch_cv.get_num_threads()
    try:
        first, second, single = _conv_run(threads, x, w), _conv_run(threads, x, w), _conv_run(1, x, w)
    finally:
        minitorch_cv.set_num_threads(threads)
    assert first[:2] == second[:2] and first[2].tobytes() == second[2].tobytes()
    assert single[:2] == first[:2]
    np.testing.assert_allclose(single[2], first[2], rtol=1e-5)


def test_winograd_gradients_are_bit_identical_across_runs():
    """Tiles go to whichever worker is free (ops/tiles.py), yet the weight gradient, summed per
    tile in tile order, comes out the same bit for bit on every run."""
    from minitorch_cv.ops import conv_winograd
    rng = np.random.default_rng(15)
    x = rng.standard_normal((32, 16, 16, 16)).astype(np.float32)
    w = rng.standard_normal((16, 16, 3, 3)).astype(np.float32)
    assert conv_winograd.applies(x.shape, w.shape, (1, 1), (1, 1), 1, 16, 16)
    threads = minitorch_cv.get_num_threads()
    try:
        runs = [_conv_run(2, x, w) for _ in range(3)]
    finally:
        minitorch_cv.set_num_threads(threads)
    for run in runs[1:]:
        assert run[:2] == runs[0][:2] and run[2].tobytes() == runs[0][2].tobytes()


def test_sum_over_tiles_covers_every_item_once_in_order():
    """Each tile is processed once; the per-run results are summed in run order."""
    from minitorch_cv.ops.tiles import sum_over_tiles
    seen = []
    threads = minitorch_cv.get_num_threads()

    def worker():
        def process(tiles):
            total = np.zeros(1)
            for start, stop in tiles:
                seen.extend(range(start, stop))
                total += np.arange(start, stop, dtype=np.float64).sum()
            return (total,)
        return process

    try:
        minitorch_cv.set_num_threads(2)
        total, = sum_over_tiles(worker, 101, 7, result_bytes=8)
    finally:
        minitorch_cv.set_num_threads(threads)
    assert sorted(seen) == list(range(101))
    assert total[0] == sum(range(101))


@pytest.mark.parametrize("grad", [[False, True, True], [True, False, False], [True, True, False]])
def test_partial_gradients(grad):
    """Input without grad skips col2im; weight without grad keeps no columns."""
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal((2, 3, 8, 8)), rng.standard_normal((4, 3, 3, 3)) / 5, rng.standard_normal(4)]
    compare(lambda T, *t: conv_fn(T)(*t, padding=1), arrays, op="conv2d", dtype="float32", grad=grad)


@pytest.mark.parametrize("padding", [0, "same"])
def test_unbatched_input(padding):
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal((2, 7, 6)), rng.standard_normal((4, 2, 4, 3)) / 5, rng.standard_normal(4)]
    ours, _ = compare(lambda T, *t: conv_fn(T)(*t, padding=padding), arrays, op="conv2d", dtype="float64")
    assert ours.ndim == 3


def test_empty_batch():
    rng = np.random.default_rng(4)
    x, w = np.zeros((0, 3, 8, 8), np.float32), rng.standard_normal((5, 3, 3, 3)).astype(np.float32)
    out = conv2d(minitorch_cv.tensor(x), minitorch_cv.tensor(w))
    assert tuple(out.shape) == tuple(torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w)).shape)


def test_output_dtype_follows_input():
    x = minitorch_cv.randn(1, 2, 5, 5, dtype=minitorch_cv.float64)
    w = minitorch_cv.randn(3, 2, 3, 3, dtype=minitorch_cv.float64)
    assert conv2d(x, w).dtype is minitorch_cv.float64
    assert conv2d(x.float(), w.float()).dtype is minitorch_cv.float32


GRADCHECK_CASES = [
    dict(stride=2, padding=1, dilation=1, groups=1),
    dict(stride=1, padding="same", dilation=1, groups=2),
    dict(stride=(2, 1), padding=(0, 2), dilation=2, groups=1),
    dict(stride=1, padding="same", dilation=(1, 2), groups=1),
]


@pytest.mark.parametrize("settings", GRADCHECK_CASES, ids=str)
def test_gradcheck_float64(settings):
    rng = np.random.default_rng(5)
    x = minitorch_cv.tensor(rng.standard_normal((2, 2, 8, 5)), requires_grad=True)
    w = minitorch_cv.tensor(rng.standard_normal((2, 2 // settings["groups"], 4, 3)), requires_grad=True)
    b = minitorch_cv.tensor(rng.standard_normal(2), requires_grad=True)
    assert gradcheck(lambda *t: conv2d(*t, **settings), [x, w, b])


CONV_ERRORS = [
    ("input", lambda T, x, w: conv_fn(T)(x[:, :1], w), "expected input with 3 channels (weight [32, 3, 5, 5], "
     "groups=1), got input of shape [8, 1, 28, 28]"),
    ("rank", lambda T, x, w: conv_fn(T)(x[0, 0], w), "3-D (unbatched) or 4-D"),
    ("weight rank", lambda T, x, w: conv_fn(T)(x, w[0]), "4-D weight"),
    ("integer", lambda T, x, w: conv_fn(T)(x.long(), w), "expected a floating point input, got int64"),
    ("dtype", lambda T, x, w: conv_fn(T)(x, w.double()), "input (float32) and weight (float64)"),
    ("bias dtype", lambda T, x, w: conv_fn(T)(x, w, w[:, 0, 0, 0].double()), "bias (float64)"),
    ("bias shape", lambda T, x, w: conv_fn(T)(x, w, w[:3, 0, 0, 0]), "expected bias of shape [32]"),
    ("same strided", lambda T, x, w: conv_fn(T)(x, w, stride=2, padding="same"), "not supported for strided"),
    ("padding string", lambda T, x, w: conv_fn(T)(x, w, padding="full"), "invalid padding string 'full'"),
    ("negative padding", lambda T, x, w: conv_fn(T)(x, w, padding=-1), "negative padding"),
    ("zero stride", lambda T, x, w: conv_fn(T)(x, w, stride=0), "must be positive"),
    ("zero dilation", lambda T, x, w: conv_fn(T)(x, w, dilation=0), "must be positive"),
    ("zero groups", lambda T, x, w: conv_fn(T)(x, w, groups=0), "groups must be a positive integer"),
    ("groups split", lambda T, x, w: conv_fn(T)(x, w[:3], groups=2), "positive multiple of groups=2"),
    ("kernel too big", lambda T, x, w: conv_fn(T)(x[:, :, :3, :3], w), "larger than the padded input (3 x 3)"),
    ("stride length", lambda T, x, w: conv_fn(T)(x, w, stride=(1, 2, 3)), "stride must be an int or a tuple"),
]


@pytest.mark.parametrize("name, fn, message", CONV_ERRORS, ids=[e[0] for e in CONV_ERRORS])
def test_errors(name, fn, message):
    rng = np.random.default_rng(6)
    x = rng.standard_normal((8, 3, 28, 28)).astype(np.float32)
    w = rng.standard_normal((32, 3, 5, 5)).astype(np.float32)
    assert message in same_error(fn, x, w)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("bias, grad", [(True, [True, True, True]), (False, [True, True]),
                                        (True, [False, True, True]), (True, [False, False, True]),
                                        (True, [True, False, False])])
def test_one_group_large_images_take_the_per_image_products(dtype, bias, grad, monkeypatch):
    """The first CIFAR layer's path: 3 channels, 5x5, 17x16 outputs (>= _DIRECT_MIN_PIXELS), tiles
    of 2 images over 2 workers; each subset of gradients asked for."""
    from minitorch_cv.ops import conv as conv_module
    assert 17 * 16 >= conv_module._DIRECT_MIN_PIXELS
    monkeypatch.setattr(conv_module, "items_per_tile", lambda count, size, budget=None: 2)
    rng = np.random.default_rng(16)
    x = rng.standard_normal((7, 3, 17, 16))
    w = rng.standard_normal((8, 3, 5, 5)) / np.sqrt(75)
    arrays = [x, w] + ([rng.standard_normal(8)] if bias else [])
    previous = minitorch_cv.get_num_threads()
    minitorch_cv.set_num_threads(2)
    try:
        compare(lambda T, *t: conv_fn(T)(*t, padding=2), arrays, op="conv2d", dtype=dtype, seed=17,
                grad=grad[:len(arrays)])
    finally:
        minitorch_cv.set_num_threads(previous)


# A sequence of the wrong length is torch's RuntimeError; a wrong type stays a TypeError.
WRONG_LENGTHS = [(1, 1, 1), (), (1, 1, 1, 1), [1, 1, 1]]
WRONG_TYPES = [(1.0, 1), 1.5, None, (True, 1)]


def _conv_call(form, name, value):
    if form == "functional":
        return lambda T, x, w: conv_fn(T)(x, w, **{name: value})
    return lambda T, x, w: T.nn.Conv2d(3, 4, 3, **{name: value})(x)


@pytest.mark.parametrize("form", ["functional", "module"])
@pytest.mark.parametrize("name", ["stride", "padding", "dilation"])
def test_wrong_length_argument_is_a_runtime_error_like_torch(name, form):
    x, w = np.zeros((1, 3, 8, 8), np.float32), np.zeros((4, 3, 3, 3), np.float32)
    for value in WRONG_LENGTHS:
        message = same_error(_conv_call(form, name, value), x, w, error=RuntimeError)
        assert f"{name} must be an int or a tuple of two ints, got" in message
    for value in WRONG_TYPES:
        same_error(_conv_call(form, name, value), x, w, error=TypeError)


def test_batch_of_three_over_two_threads_has_no_empty_tile():
    """3 images in 1-image tiles over 2 threads once gave an empty tile (a reshape error in backward)."""
    minitorch_cv.set_num_threads(2)
    try:
        compare(lambda lib, x, w: lib.nn.functional.conv2d(x, w, padding=1),
                [np.random.default_rng(0).standard_normal((3, 16, 32, 32)),
                 np.random.default_rng(1).standard_normal((16, 16, 3, 3))], op="conv2d batch 3", dtype="float64")
    finally:
        minitorch_cv.set_num_threads(minitorch_cv.threads.default_num_threads())


ONE_BY_ONE_SETTINGS = {
    "channels": [(1, 1), (3, 8), (16, 5), (24, 32)],
    "size": [(1, 1), (5, 5), (7, 4), (8, 9)],
    "stride": [1, 2, 3, (2, 1)],
    "dilation": [1, 2],
    "batch": [1, 3],
    "bias": [True, False],
    "grads": [(True, True), (False, True), (True, False)],
    "dtype": ["float32", "float64"],
}
ONE_BY_ONE_CASES = covering_grid(ONE_BY_ONE_SETTINGS, 16, seed=11)


@pytest.mark.parametrize("case", ONE_BY_ONE_CASES, ids=[f"case{i}" for i in range(len(ONE_BY_ONE_CASES))])
def test_1x1_conv2d_matches_torch(case):
    """1x1 kernels without padding: one GEMM per image (ops/conv_1x1.py), strided or not."""
    rng = np.random.default_rng(12)
    (channels, out_channels), batch = case["channels"], case["batch"]
    arrays = [rng.standard_normal((batch, channels) + case["size"]),
              rng.standard_normal((out_channels, channels, 1, 1)) / np.sqrt(channels)]
    grads = list(case["grads"])
    if case["bias"]:
        arrays.append(rng.standard_normal(out_channels))
        grads.append(True)
    stride, dilation = case["stride"], case["dilation"]
    compare(lambda T, *t: (conv2d if T is minitorch_cv else torch.nn.functional.conv2d)(*t, stride=stride, dilation=dilation),
            arrays, op="conv2d 1x1", dtype=case["dtype"], grad=grads, seed=13)


def test_1x1_gradcheck_float64():
    rng = np.random.default_rng(14)
    x = minitorch_cv.tensor(rng.standard_normal((2, 3, 5, 4)), requires_grad=True)
    w = minitorch_cv.tensor(rng.standard_normal((4, 3, 1, 1)), requires_grad=True)
    b = minitorch_cv.tensor(rng.standard_normal(4), requires_grad=True)
    assert gradcheck(lambda *t: conv2d(*t, stride=2), (x, w, b))
    assert gradcheck(lambda *t: conv2d(*t), (x, w, b))


DENSE_SETTINGS = {
    "size": [(1, 1), (2, 2), (1, 3), (3, 2), (3, 3)],
    "kernel": [(3, 3), (5, 5), (3, 2), (2, 3)],
    "stride": [1, 2, (1, 2)],
    "padding": [1, 0, 2, (1, 0), "same"],
    "dilation": [1, 2],
    "batch": [1, 3, 5],
    "channels": [(1, 1), (4, 3), (9, 16)],
    "bias": [True, False],
    "grads": [(True, True), (False, True), (True, False)],
    "dtype": ["float32", "float64"],
}
DENSE_CASES = covering_grid(DENSE_SETTINGS, 24, seed=21)


def _dense_case(case):
    """A covering-grid case made valid for the dense path: 'same' only at stride 1; a 3x3 kernel
    where the image has more pixels than the kernel taps; padding grown until the padded image
    holds the dilated kernel."""
    from minitorch_cv.ops import conv_dense
    case = dict(case)
    if case["size"][0] * case["size"][1] > case["kernel"][0] * case["kernel"][1]:
        case["kernel"] = (3, 3)
    if case["padding"] == "same":
        case["stride"] = 1
    else:
        pads = (case["padding"],) * 2 if isinstance(case["padding"], int) else case["padding"]
        dilation = (case["dilation"],) * 2 if isinstance(case["dilation"], int) else case["dilation"]
        case["padding"] = tuple(max(p, -(-(d * (k - 1) + 1 - s) // 2))
                                for p, s, k, d in zip(pads, case["size"], case["kernel"], dilation))
    assert conv_dense.applies((1, 1) + case["size"], (1, 1) + case["kernel"], 1)
    return case


@pytest.mark.parametrize("case", DENSE_CASES, ids=[f"case{i}" for i in range(len(DENSE_CASES))])
def test_images_smaller_than_the_kernel_take_the_dense_matrix(case):
    """No more pixels than taps (ResNet-18's last stages on CIFAR): ops/conv_dense.py, against torch."""
    case = _dense_case(case)
    rng = np.random.default_rng(22)
    (channels, out_channels), batch = case["channels"], case["batch"]
    fan_in = channels * case["kernel"][0] * case["kernel"][1]
    arrays = [rng.standard_normal((batch, channels) + case["size"]),
              rng.standard_normal((out_channels, channels) + case["kernel"]) / np.sqrt(fan_in)]
    grads = list(case["grads"])
    if case["bias"]:
        arrays.append(rng.standard_normal(out_channels))
        grads.append(True)
    settings = dict(stride=case["stride"], padding=case["padding"], dilation=case["dilation"])
    compare(lambda T, *t: conv_fn(T)(*t, **settings), arrays, op="conv2d dense", dtype=case["dtype"],
            grad=grads, seed=23)


@pytest.mark.parametrize("size, stride", [((1, 1), 1), ((2, 2), 1), ((2, 2), 2), ((3, 1), 1)])
def test_dense_gradcheck_float64(size, stride):
    rng = np.random.default_rng(24)
    x = minitorch_cv.tensor(rng.standard_normal((3, 2) + size), requires_grad=True)
    w = minitorch_cv.tensor(rng.standard_normal((3, 2, 3, 3)), requires_grad=True)
    b = minitorch_cv.tensor(rng.standard_normal(3), requires_grad=True)
    assert gradcheck(lambda *t: conv2d(*t, stride=stride, padding=1), (x, w, b))


def test_resnet18_last_stages_on_cifar_take_the_dense_matrix():
    """512 channels at 1x1 and 256 at 2x2 under a padded 3x3 kernel: the layers the path is for."""
    rng = np.random.default_rng(25)
    for channels, size in ((64, 1), (32, 2)):
        x = rng.standard_normal((4, channels, size, size))
        w = rng.standard_normal((channels, channels, 3, 3)) / np.sqrt(9 * channels)
        compare(lambda T, *t: conv_fn(T)(*t, padding=1), [x, w], op="conv2d dense", dtype="float32", seed=26)


STRIDE2_SETTINGS = {
    "kernel": [(3, 3), (7, 7), (2, 2), (4, 4), (5, 3), (3, 2)],
    "padding": [0, 1, 2, 3, (1, 0), (0, 2)],
    "size": [(8, 8), (9, 7), (12, 13), (16, 16), (5, 11)],
    "batch": [1, 3, 5],
    "channels": [(1, 1), (3, 4), (6, 5)],
    "bias": [True, False],
    "grads": [(True, True), (False, True), (True, False)],
    "dtype": ["float32", "float64"],
}
STRIDE2_CASES = covering_grid(STRIDE2_SETTINGS, 24, seed=31)


@pytest.mark.parametrize("case", STRIDE2_CASES, ids=[f"case{i}" for i in range(len(STRIDE2_CASES))])
def test_stride_two_takes_the_phase_planes(case, monkeypatch):
    """Stride 2, no dilation, one group (ResNets' downsampling layers and stems): ops/conv_stride2.py,
    odd and even kernels, sizes and paddings, against torch; the path is checked to run."""
    from minitorch_cv.ops import conv_stride2
    calls = []
    forward = conv_stride2.forward
    monkeypatch.setattr(conv_stride2, "forward", lambda *a: calls.append(1) or forward(*a))
    rng = np.random.default_rng(32)
    (channels, out_channels), batch = case["channels"], case["batch"]
    pads = (case["padding"],) * 2 if isinstance(case["padding"], int) else case["padding"]
    size = tuple(max(s, k - 2 * p) for s, k, p in zip(case["size"], case["kernel"], pads))
    fan_in = channels * case["kernel"][0] * case["kernel"][1]
    arrays = [rng.standard_normal((batch, channels) + size),
              rng.standard_normal((out_channels, channels) + case["kernel"]) / np.sqrt(fan_in)]
    grads = list(case["grads"])
    if case["bias"]:
        arrays.append(rng.standard_normal(out_channels))
        grads.append(True)
    compare(lambda T, *t: conv_fn(T)(*t, stride=2, padding=case["padding"]), arrays, op="conv2d stride 2",
            dtype=case["dtype"], grad=grads, seed=33)
    assert calls


@pytest.mark.parametrize("kernel, padding", [(3, 1), (4, 2), (7, 3)])
def test_stride_two_gradcheck_float64(kernel, padding):
    rng = np.random.default_rng(34)
    x = minitorch_cv.tensor(rng.standard_normal((2, 2, 9, 8)), requires_grad=True)
    w = minitorch_cv.tensor(rng.standard_normal((3, 2, kernel, kernel)), requires_grad=True)
    b = minitorch_cv.tensor(rng.standard_normal(3), requires_grad=True)
    assert gradcheck(lambda *t: conv2d(*t, stride=2, padding=padding), (x, w, b))


def test_stride_two_over_many_tiles_matches_torch_and_repeats_bit_for_bit():
    """A ResNet-20 downsampling layer's shape at a batch spanning several tiles over 2 threads:
    against torch (in float64: float32 sums of 6,144 products leave near-zero weight gradients
    beyond an absolute 1e-5), and the same bits on every run in float32 (the weight gradient's
    per-tile sums)."""
    rng = np.random.default_rng(35)
    x = rng.standard_normal((24, 16, 32, 32)).astype(np.float32)
    w = (rng.standard_normal((32, 16, 3, 3)) / 12).astype(np.float32)
    compare(lambda T, *t: conv_fn(T)(*t, stride=2, padding=1), [x, w], op="conv2d stride 2", dtype="float64",
            seed=36)
    threads = minitorch_cv.get_num_threads()
    try:
        runs = [_conv_run(2, x, w, stride=2) for _ in range(3)]
    finally:
        minitorch_cv.set_num_threads(threads)
    for run in runs[1:]:
        assert run[:2] == runs[0][:2] and run[2].tobytes() == runs[0][2].tobytes()


FEW_CHANNELS_SETTINGS = {
    "kernel": [(3, 3), (5, 5), (7, 7), (1, 3), (4, 2), (2, 6), (11, 11)],
    "padding": [0, 1, 2, (1, 0), (0, 1), "same"],
    "size": [(8, 8), (9, 7), (12, 13), (32, 32), (5, 17), (6, 40)],
    "batch": [1, 3, 5],
    "channels": [(1, 1), (3, 8), (3, 13), (4, 16), (2, 3)],
    "bias": [True, False],
    "grads": [(True, True), (False, True), (True, False)],
}
FEW_CHANNELS_CASES = covering_grid(FEW_CHANNELS_SETTINGS, 24, seed=41)


@pytest.mark.parametrize("case", FEW_CHANNELS_CASES, ids=[f"case{i}" for i in range(len(FEW_CHANNELS_CASES))])
def test_few_input_channels_take_the_register_kernels(case, monkeypatch):
    """float32, stride 1, at most 4 input channels (first layers on images): ops/conv_few_channels.py,
    odd and even kernels, widths inside one register block and across several, output channels
    not a multiple of the block, paddings up to kernel - 1 and asymmetric, against torch; the path
    is checked to run."""
    from minitorch_cv.ops import conv_few_channels
    calls = []
    forward = conv_few_channels.forward
    monkeypatch.setattr(conv_few_channels, "forward", lambda *a: calls.append(1) or forward(*a))
    rng = np.random.default_rng(42)
    (channels, out_channels), batch, kernel = case["channels"], case["batch"], case["kernel"]
    padding = case["padding"]
    if not isinstance(padding, str):
        pads = (padding,) * 2 if isinstance(padding, int) else padding
        padding = tuple(min(p, k - 1) for p, k in zip(pads, kernel))
    size = tuple(max(s, k + 1) for s, k in zip(case["size"], kernel))  # more pixels than taps: not conv_dense
    arrays = [rng.standard_normal((batch, channels) + size),
              rng.standard_normal((out_channels, channels) + kernel) / np.sqrt(channels * kernel[0] * kernel[1])]
    grads = list(case["grads"])
    if case["bias"]:
        arrays.append(rng.standard_normal(out_channels))
        grads.append(True)
    compare(lambda T, *t: conv_fn(T)(*t, padding=padding), arrays, op="conv2d few channels", dtype="float32",
            kind="long sums", grad=grads, seed=43)
    assert calls


def test_few_channels_path_is_float32_stride_one_only():
    """float64, strides, dilations, groups and more channels keep the other paths (gradcheck in
    float64 covers the im2col path; the register kernels are float32 only)."""
    from minitorch_cv.ops import conv_few_channels
    applies = conv_few_channels.applies
    pads = (1, 1, 1, 1)
    assert applies(np.float32, (2, 3, 8, 8), (8, 3, 3, 3), (1, 1), (1, 1), 1, pads)
    assert not applies(np.float64, (2, 3, 8, 8), (8, 3, 3, 3), (1, 1), (1, 1), 1, pads)
    assert not applies(np.float32, (2, 3, 8, 8), (8, 3, 3, 3), (2, 2), (1, 1), 1, pads)
    assert not applies(np.float32, (2, 3, 8, 8), (8, 3, 3, 3), (1, 1), (2, 2), 1, pads)
    assert not applies(np.float32, (2, 4, 8, 8), (8, 2, 3, 3), (1, 1), (1, 1), 2, pads)
    assert not applies(np.float32, (2, 5, 8, 8), (8, 5, 3, 3), (1, 1), (1, 1), 1, pads)
    assert not applies(np.float32, (2, 3, 8, 8), (8, 3, 3, 3), (1, 1), (1, 1), 1, (3, 3, 3, 3))


def test_cifar_first_layer_over_many_tiles_matches_torch_and_repeats_bit_for_bit():
    """CIFAR10CNN's first layer (3->32, 5x5, padding 2) at a batch spanning several tiles over 2
    threads: against torch (float64 reference of the same float32 inputs), and the same bits on
    every run (the weight gradient is summed per tile in tile order)."""
    rng = np.random.default_rng(44)
    x = rng.standard_normal((24, 3, 32, 32)).astype(np.float32)
    w = (rng.standard_normal((32, 3, 5, 5)) / 9).astype(np.float32)
    threads = minitorch_cv.get_num_threads()
    try:
        runs = []
        for _ in range(3):
            minitorch_cv.set_num_threads(2)
            xt, wt = minitorch_cv.tensor(x, requires_grad=True), minitorch_cv.tensor(w, requires_grad=True)
            out = conv2d(xt, wt, padding=2)
            out.backward(minitorch_cv.ones_like(out))
            runs.append((out.detach().numpy(), xt.grad.numpy(), wt.grad.numpy()))
    finally:
        minitorch_cv.set_num_threads(threads)
    for run in runs[1:]:
        assert all(a.tobytes() == b.tobytes() for a, b in zip(run, runs[0]))
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    wt = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    out = torch.nn.functional.conv2d(xt, wt, padding=2)
    out.backward(torch.ones_like(out))
    for ours, theirs in zip(runs[0], (out.detach(), xt.grad, wt.grad)):
        theirs = theirs.numpy()
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-4 * np.abs(theirs).max())


def test_few_channels_weight_gradient_with_infinite_inputs_matches_torch():
    """An infinite pixel reaches exactly the weight-gradient entries whose taps meet it, as in
    torch: the register kernel's zero-padded gradient grid would also meet it in other taps
    (0 * inf = NaN), so such inputs take a per-tap contraction."""
    rng = np.random.default_rng(45)
    x = rng.random((2, 3, 12, 20)).astype(np.float32)
    x[0, 0, 5, 19] = np.inf
    x[1, 2, 0, 3] = -np.inf
    w = rng.random((8, 3, 5, 5)).astype(np.float32)
    g = rng.random((2, 8, 12, 20)).astype(np.float32)
    wm = minitorch_cv.tensor(w, requires_grad=True)
    conv2d(minitorch_cv.tensor(x), wm, padding=2).backward(minitorch_cv.tensor(g))
    wt = torch.tensor(w, requires_grad=True)
    torch.nn.functional.conv2d(torch.tensor(x), wt, padding=2).backward(torch.tensor(g))
    ours, theirs = wm.grad.numpy(), wt.grad.numpy()
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs))
    np.testing.assert_array_equal(np.isinf(ours), np.isinf(theirs))
    finite = np.isfinite(theirs)
    assert 0 < finite.sum() < finite.size
    np.testing.assert_allclose(ours[finite], theirs[finite], rtol=1e-4)
