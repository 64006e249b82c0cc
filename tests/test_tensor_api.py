"""The tensor API a tutorial touches: construction, dtypes, factories, conversions, devices, errors."""
import copy

import numpy as np
import pytest
import torch

import minitorch_cv as mt
from torch_parity import same_error


def _same(ours, theirs):
    """Same shape, dtype name and values (NaN-aware) for a minitorch_cv and a torch tensor."""
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert ours.dtype.name == str(theirs.dtype).replace("torch.", "")
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())


# ----- dtypes and construction -----
def test_dtype_names_are_torch_aliases():
    assert mt.float is mt.float32 and mt.double is mt.float64 and mt.long is mt.int64
    assert mt.bool.name == "bool" and repr(mt.float32) == "minitorch_cv.float32"
    assert mt.float32.is_floating_point and not mt.int64.is_floating_point
    for name in ("float32", "float", "float64", "double", "int64", "long", "bool"):
        assert mt.zeros(1, dtype=getattr(mt, name)).dtype is getattr(mt, name)


DATA = [[1.5, 2.0], [1, 2], [True, False], [1, 2.5], [[1, 2], [3, 4]], 3, 3.5, True, [], [[]],
        np.array([1.0, 2.0]), np.array([1, 2], dtype=np.int64), np.float64(2.5), np.array(True),
        [np.float32(1.5), 2]]


@pytest.mark.parametrize("data", DATA, ids=repr)
def test_tensor_infers_dtype_and_shape_like_torch(data):
    _same(mt.tensor(data), torch.tensor(data))


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "bool"])
def test_tensor_with_dtype_and_requires_grad(dtype):
    data = [[0.5, -1.0], [2.0, 0.0]]
    _same(mt.tensor(data, dtype=getattr(mt, dtype)), torch.tensor(data, dtype=getattr(torch, dtype)))
    if dtype.startswith("float"):
        x = mt.tensor(data, dtype=getattr(mt, dtype), requires_grad=True)
        assert x.requires_grad and x.is_leaf and x.grad is None
    else:
        same_error(lambda T, a: T.tensor([1, 2], dtype=getattr(T, dtype), requires_grad=True), np.zeros(1))


@pytest.mark.parametrize("args", [([1, 2],), (np.array([1.5, 2.5]),), (2, 3), (), ((),)], ids=repr)
def test_legacy_tensor_constructor_gives_float32_like_torch(args):
    ours, theirs = mt.Tensor(*args), torch.Tensor(*args)
    assert tuple(ours.shape) == tuple(theirs.shape) and ours.dtype is mt.float32
    if args and not isinstance(args[0], int):
        _same(ours, theirs)
    source = mt.tensor([1, 2])
    assert mt.Tensor(source).numpy() is source.numpy()
    with pytest.raises(TypeError, match="Tensor()"):
        mt.Tensor(2.5)


def test_tensor_copies_but_from_numpy_shares_memory():
    array = np.arange(4.0)
    copied, shared = mt.tensor(array), mt.from_numpy(array)
    array[0] = 100.0
    assert copied[0].item() == 0.0 and shared[0].item() == 100.0
    shared.numpy()[1] = -1.0
    assert array[1] == -1.0
    assert mt.as_tensor(array).numpy() is array
    assert mt.from_numpy(np.arange(3, dtype=np.uint8)).dtype is mt.uint8


def test_bad_data_gets_clear_errors():
    with pytest.raises(ValueError, match="ragged"):
        mt.tensor([[1, 2], [3]])
    with pytest.raises(TypeError, match="can't build a tensor"):
        mt.tensor(["a", "b"])
    with pytest.raises(TypeError, match="expected np.ndarray"):
        mt.from_numpy([1, 2])
    with pytest.raises(TypeError, match="unknown dtype name"):
        mt.zeros(2, dtype="complex64")


# ----- factories -----
@pytest.mark.parametrize("make", [
    lambda T: T.zeros(2, 3), lambda T: T.zeros((2, 3)), lambda T: T.zeros([2, 3]), lambda T: T.zeros(size=(2, 3)),
    lambda T: T.ones(4), lambda T: T.ones(2, 2, dtype=T.int64), lambda T: T.zeros(0, 3),
    lambda T: T.zeros(()), lambda T: T.full((2, 2), 1.5), lambda T: T.full((2,), 7), lambda T: T.full((2,), True),
    lambda T: T.full((2,), 7, dtype=T.float64), lambda T: T.arange(5), lambda T: T.arange(5.0),
    lambda T: T.arange(1, 4), lambda T: T.arange(0, 1, 0.1), lambda T: T.arange(10, 0, -3),
    lambda T: T.arange(1, 4, dtype=T.float64), lambda T: T.arange(0, 2.5, 0.5, dtype=T.float64),
    lambda T: T.arange(np.int64(3)), lambda T: T.eye(3), lambda T: T.eye(2, 3), lambda T: T.linspace(0, 1, 5),
    lambda T: T.zeros_like(T.ones(2, dtype=T.int64)), lambda T: T.ones_like(T.zeros(3), dtype=T.float64),
    lambda T: T.full_like(T.zeros(2), 3), lambda T: T.empty(2, 3).zero_(),
    lambda T: T.ones(2, dtype=T.float64).new_zeros(2, 3), lambda T: T.ones(1, dtype=T.int64).new_ones((2,)),
    lambda T: T.ones(1).new_full((2,), 7), lambda T: T.ones(1).new_tensor([1, 2]), lambda T: T.ones(1).new_empty(0),
], ids=lambda f: None)
def test_deterministic_factories_match_torch(make):
    _same(make(mt), make(torch))


def test_random_factories_dtypes_shapes_and_ranges():
    mt.manual_seed(0)
    r = mt.rand(1000)
    assert r.dtype is mt.float32 and 0.0 <= r.min().item() and r.max().item() < 1.0
    n = mt.randn(2000, dtype=mt.float64)
    assert n.dtype is mt.float64 and abs(n.mean().item()) < 0.1 and abs(n.std().item() - 1) < 0.1
    i = mt.randint(0, 10, (5,))
    assert i.dtype is mt.int64 and i.shape == (5,)
    j = mt.randint(3, (200,))
    assert j.min().item() >= 0 and j.max().item() == 2
    assert sorted(mt.randperm(6).tolist()) == list(range(6))
    assert mt.randn(2, 3).shape == mt.rand((2, 3)).shape == mt.randn(size=[2, 3]).shape == (2, 3)
    assert mt.randn_like(mt.zeros(2, dtype=mt.float64)).dtype is mt.float64


def test_manual_seed_reproduces_every_random_source():
    def draw():
        mt.manual_seed(1234)
        w = mt.empty(3)
        with mt.no_grad():
            w.uniform_(-1, 1)
        return [mt.randn(4), mt.rand(2, 2), mt.randint(0, 100, (3,)), mt.randperm(5), w]

    first, second = draw(), draw()
    for a, b in zip(first, second):
        assert a.equal(b)
    mt.manual_seed(4321)
    assert not mt.randn(4).equal(first[0])
    gen = mt.Generator().manual_seed(7)
    assert mt.randn(3, generator=gen).equal(mt.randn(3, generator=mt.Generator().manual_seed(7)))


def test_factory_errors():
    same_error(lambda T, a: T.rand(2, dtype=T.int64), np.zeros(1))
    same_error(lambda T, a: T.zeros(-1), np.zeros(1))
    same_error(lambda T, a: T.arange(0, 5, 0), np.zeros(1))
    same_error(lambda T, a: T.randint(5, 5, (2,)), np.zeros(1))


# ----- grad modes -----
def test_no_grad_enable_grad_set_grad_enabled_and_inference_mode():
    x = mt.ones(2, requires_grad=True)
    with mt.no_grad():
        assert not (x * 2).requires_grad and not mt.is_grad_enabled()
        with mt.enable_grad():
            assert (x * 2).requires_grad
    assert mt.is_grad_enabled()

    @mt.no_grad
    def bare(t):
        return t * 2

    @mt.no_grad()
    def called(t):
        return t * 2

    @mt.set_grad_enabled(False)
    def disabled(t):
        return t * 2

    assert not bare(x).requires_grad and not called(x).requires_grad and not disabled(x).requires_grad
    assert mt.is_grad_enabled()
    with mt.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert mt.is_grad_enabled()
    mt.set_grad_enabled(False)
    assert not mt.is_grad_enabled()
    mt.set_grad_enabled(True)
    with mt.inference_mode():
        assert not (x * 2).requires_grad
    with mt.inference_mode(False):
        assert (x * 2).requires_grad
    with pytest.raises(ValueError):
        with mt.no_grad():
            raise ValueError
    assert mt.is_grad_enabled()


# ----- devices -----
def test_cpu_device_is_a_no_op_and_others_are_refused():
    x = mt.ones(2)
    assert x.to("cpu") is x and x.cpu() is x and x.to(mt.device("cpu")) is x
    assert x.device == mt.device("cpu") == "cpu" and str(x.device) == "cpu"
    assert repr(mt.device("cpu")) == repr(torch.device("cpu"))
    assert repr(mt.device("cpu", 0)) == repr(torch.device("cpu", 0))
    assert not mt.cuda.is_available() and mt.cuda.device_count() == 0
    device = mt.device("cuda" if mt.cuda.is_available() else "cpu")
    assert mt.zeros(2, device=device).device == device and mt.tensor([1], device="cpu").device == "cpu"
    for bad in (lambda: mt.device("cuda"), lambda: x.to("cuda:0"), lambda: x.cuda(), lambda: x.to("mps"),
                lambda: mt.zeros(2, device="cuda")):
        with pytest.raises(RuntimeError, match="CPU only"):
            bad()
    assert x.to("cpu", mt.float64).dtype is mt.float64
    assert x.to(dtype=mt.int64, non_blocking=True).dtype is mt.int64
    assert x.to(mt.float32, copy=True) is not x


# ----- conversions to Python and NumPy -----
def test_numpy_item_tolist_and_python_conversions_like_torch():
    for T in (mt, torch):
        w = T.ones(2, requires_grad=True)
        with pytest.raises(RuntimeError, match=r"Can't call numpy\(\) on Tensor that requires grad"):
            w.numpy()
        with pytest.raises(RuntimeError, match="a Tensor with 2 elements cannot be converted to Scalar"):
            w.item()
        with pytest.raises(RuntimeError, match="ambiguous"):
            bool(w)
    for value in (2.5, 3, True):
        ours, theirs = mt.tensor([value]).item(), torch.tensor([value]).item()
        assert ours == theirs and type(ours) is type(theirs)
    x = mt.tensor([[1.5, 2.0], [3.0, 4.0]])
    assert x.tolist() == torch.tensor([[1.5, 2.0], [3.0, 4.0]]).tolist()
    assert float(x[0, 0]) == 1.5 and int(x[1, 1]) == 4 and bool(x[0, 0])
    assert ["a", "b", "c"][mt.tensor(2)] == "c" and len(x) == 2 and [r.shape for r in x] == [(2,), (2,)]
    assert x.detach().numpy() is x.numpy()
    loss = mt.tensor(0.123456)
    assert f"{loss:.3f}" == f"{torch.tensor(0.123456):.3f}" and f"{x}" == str(x)
    with pytest.raises(TypeError, match="len"):
        len(mt.tensor(1.0))


def test_shape_size_ndim_numel():
    x = mt.zeros(2, 3, 4)
    assert x.shape == (2, 3, 4) == x.size() and x.size(1) == 3 and x.size(-1) == 4
    assert x.ndim == x.dim() == 3 and x.numel() == 24 and x.shape.numel() == 24
    assert repr(x.shape) == "minitorch_cv.Size([2, 3, 4])" and repr(x.shape[1:]) == "minitorch_cv.Size([3, 4])"
    assert x.shape + (5,) == (2, 3, 4, 5) and isinstance(x.shape + (5,), mt.Size)
    assert mt.tensor(1.0).shape == () and mt.tensor(1.0).ndim == 0
    assert x.is_floating_point() and not x.long().is_floating_point()
    assert x.type() == "minitorch_cv.FloatTensor" and x.type(mt.float64).dtype is mt.float64
    assert x.type_as(mt.zeros(1, dtype=mt.int64)).dtype is mt.int64


def test_views_share_memory_like_torch():
    for T in (mt, torch):
        x = T.zeros(3, 4)
        x[0].add_(1)
        x.view(12)[5] = 2.0
        x.t()[3, 2] = 3.0
        x.detach()[2, 0] = 4.0
        x.data[2, 1] = 5.0
        row = x[1]
        row += 6
        assert x.tolist() == [[1, 1, 1, 1], [6, 8, 6, 6], [4, 5, 0, 3]]


# ----- in-place updates -----
def test_in_place_on_leaf_requiring_grad_is_refused_outside_no_grad():
    for T in (mt, torch):
        w = T.ones(3, requires_grad=True)
        for update in (lambda: w.add_(1), lambda: w.zero_(), lambda: w.mul_(2), lambda: w.__setitem__(0, 2.0)):
            with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
                update()
        with T.no_grad():
            w.sub_(T.ones(3), alpha=0.5)
            w[1] = 3.0
        assert w.tolist() == [0.5, 3.0, 0.5] and w.requires_grad and w.is_leaf


def test_in_place_updates_follow_torch_dtype_and_shape_rules():
    same_error(lambda T, a: T.zeros(3, dtype=T.long).add_(1.5), np.zeros(1))
    same_error(lambda T, a: T.zeros(3).add_(T.ones(2, 3)), np.zeros(1))
    for T in (mt, torch):
        x = T.zeros(3)
        x.add_(T.ones(3, dtype=T.float64))
        x.mul_(T.tensor(4))
        x.copy_(T.tensor([1, 2, 3]))
        y = T.zeros(2, 3, dtype=T.int64)
        y.copy_(T.tensor([1.7, -2.7, 3.2]))
        y[0].fill_(5)
        assert x.dtype == T.float32 and x.tolist() == [1, 2, 3] and y.tolist() == [[5, 5, 5], [1, -2, 3]]


@pytest.mark.parametrize("update", [
    lambda x, y: x.__iadd__(y), lambda x, y: x.add_(y, alpha=2), lambda x, y: x.sub_(y),
    lambda x, y: x.mul_(y), lambda x, y: x.div_(y.abs() + 1), lambda x, y: x.__setitem__(0, y[1] * 2) or x,
    lambda x, y: x.__setitem__((slice(None), 1), 0.0) or x, lambda x, y: x.clamp_(-0.5, 0.5),
    lambda x, y: x.relu_(), lambda x, y: x.copy_(y * 3), lambda x, y: x.addcmul_(y, y, value=0.5),
])
def test_in_place_inside_the_graph_backpropagates_like_torch(update):
    from torch_parity import compare

    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))

    def residual_block(T, x, y):
        out = x * 1.5
        out = update(out, y)
        return out * x + y

    compare(residual_block, [a, b], op="in-place in graph", kind="exact")


def test_error_messages_match_torch_cases():
    cases = [
        (lambda T, a: a.reshape(4, -1), np.zeros((2, 3))),
        (lambda T, a: a.view(-1, -1), np.zeros((2, 3))),
        (lambda T, a: a.permute(0, 0), np.zeros((2, 3))),
        (lambda T, a: a.permute(1, 0, 2), np.zeros((2, 3))),
        (lambda T, a: a.expand(3, 3), np.zeros((2, 3))),
        (lambda T, a: a.flatten(1, 0), np.zeros((2, 3))),
        (lambda T, a: a.unsqueeze(3), np.zeros((2, 3))),
        (lambda T, a: a.sum(2), np.zeros((2, 3))),
        (lambda T, a: T.cat([a, a.t()]), np.zeros((2, 3))),
        (lambda T, a: T.stack([a, a.t()]), np.zeros((2, 3))),
        (lambda T, a: a @ a, np.zeros((2, 3))),
        (lambda T, a: a.float() @ a.t(), np.zeros((2, 3))),
        (lambda T, a: a + a.t(), np.zeros((2, 3))),
        (lambda T, a: a < a.t(), np.zeros((2, 3))),
        (lambda T, a: (a > 0) - (a > 0), np.zeros((2, 3))),
        (lambda T, a: -(a > 0), np.zeros((2, 3))),
        (lambda T, a: a.long() ** -1, np.zeros((2, 3))),
        (lambda T, a: a.long().mean(), np.zeros((2, 3))),
        (lambda T, a: a[:0].max(), np.zeros((2, 3))),
        (lambda T, a: a[:, :0].max(1), np.zeros((2, 3))),
        (lambda T, a: a[a.sum(1)], np.zeros((2, 3))),
        (lambda T, a: a[5], np.zeros((2, 3))),
        (lambda T, a: a.long() // 0, np.zeros((2, 3))),
        (lambda T, a: T.where(a, a, a), np.zeros((2, 3))),
        (lambda T, a: a.item(), np.zeros((2, 3))),
        (lambda T, a: a.requires_grad_(), np.zeros(2, dtype=np.int64)),
        (lambda T, a: a.clamp(), np.zeros(2)),
        (lambda T, a: a[None, None].t(), np.zeros(2)),
    ]
    for i, (fn, array) in enumerate(cases):
        try:
            same_error(fn, array)
        except BaseException as error:
            raise AssertionError(f"case {i}: {error}") from None


def test_floor_division_remainder_and_bitwise_ops_match_torch():
    a, b = np.array([7, -7, 5, -5, 0]), np.array([2, 2, -3, -3, 4])
    for fn in (lambda T, x, y: x // y, lambda T, x, y: x % y, lambda T, x, y: x.float() // 2.5,
               lambda T, x, y: x.float() % -2.5, lambda T, x, y: 7 // y,
               lambda T, x, y: x.div(y, rounding_mode="trunc"),
               lambda T, x, y: x.float().div(y, rounding_mode="trunc"), lambda T, x, y: x.div(y, rounding_mode="floor"),
               lambda T, x, y: (x > 0) & (y > 0), lambda T, x, y: (x > 0) | (y > 0), lambda T, x, y: (x > 0) ^ True,
               lambda T, x, y: ~(x > 0), lambda T, x, y: x & y, lambda T, x, y: ~x):
        _same(fn(mt, mt.tensor(a), mt.tensor(b)), fn(torch, torch.tensor(a), torch.tensor(b)))


def test_comparison_with_non_tensors():
    x = mt.tensor([1, 2])
    assert (x == None) is False and (x != "a") is True  # noqa: E711
    assert (x == [1, 3]).tolist() == [True, False] and (x == np.array([1, 2])).all().item()
    with pytest.raises(TypeError):
        x < None  # noqa: B015


def test_deepcopy_of_leaves_and_state_dict_like_dicts():
    w = mt.randn(3, requires_grad=True)
    (w * 2).sum().backward()
    state = {"weight": w, "nested": {"step": 3, "buf": mt.ones(2)}}
    clone = copy.deepcopy(state)
    assert clone["weight"] is not w and clone["weight"].equal(w) and clone["weight"].requires_grad
    assert clone["weight"].grad.equal(w.grad) and clone["nested"]["buf"].equal(mt.ones(2))
    with mt.no_grad():
        w.add_(1)
    assert not clone["weight"].equal(w)
    with pytest.raises(RuntimeError, match="graph leaves"):
        copy.deepcopy(w * 2)
