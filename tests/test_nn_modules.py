"""nn.Module API, reprs, state_dicts and strict loading, and layer input errors, against torch."""
import copy
import re

import numpy as np
import pytest
import torch

import minitorch_cv
from minitorch_cv import nn
from torch_parity import compare

REPR_CASES = {
    "conv": lambda nn: nn.Conv2d(3, 32, kernel_size=5, padding=2),
    "conv_tuple": lambda nn: nn.Conv2d(3, 6, (3, 5), stride=(2, 1), padding=(1, 0), dilation=2, bias=False),
    "conv_groups": lambda nn: nn.Conv2d(4, 8, 3, groups=2),
    "conv_same": lambda nn: nn.Conv2d(3, 4, 3, padding="same"),
    "conv_valid": lambda nn: nn.Conv2d(3, 4, 3, padding="valid"),
    "pool": lambda nn: nn.MaxPool2d(2),
    "pool_options": lambda nn: nn.MaxPool2d((3, 2), stride=1, padding=1, dilation=1, ceil_mode=True),
    "linear": lambda nn: nn.Linear(1024, 10),
    "linear_no_bias": lambda nn: nn.Linear(3, 2, bias=False),
    "activations": lambda nn: nn.Sequential(nn.ReLU(), nn.ReLU(inplace=True), nn.Sigmoid(), nn.Tanh(),
                                            nn.Softmax(dim=1), nn.LogSoftmax(dim=-1), nn.Identity()),
    "flatten": lambda nn: nn.Flatten(0, 2),
    "losses": lambda nn: nn.Sequential(nn.L1Loss(), nn.MSELoss(reduction="sum"), nn.NLLLoss(),
                                       nn.CrossEntropyLoss(label_smoothing=0.1)),
    "module_list": lambda nn: nn.ModuleList([nn.ReLU(), nn.ReLU(), nn.Linear(2, 3), nn.ReLU(), nn.ReLU()]),
    "nested": lambda nn: nn.Sequential(nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU()), nn.ModuleList([])),
}


def _net(lib):
    """The same small architecture in either library: nested containers, buffers, a loss with a weight."""
    tnn = lib.nn

    class Net(tnn.Module):
        def __init__(self):
            super().__init__()
            self.scale = tnn.Parameter(lib.ones(1))
            self.register_buffer("running", lib.zeros(3))
            self.register_buffer("scratch", lib.zeros(1), persistent=False)
            self.model = tnn.Sequential(tnn.Conv2d(3, 8, 3, padding=1), tnn.ReLU(), tnn.MaxPool2d(2),
                                        tnn.Conv2d(8, 4, 3, bias=False), tnn.Flatten())
            self.heads = tnn.ModuleList([tnn.Linear(4, 2), tnn.Linear(2, 2)])
            self.criterion = tnn.CrossEntropyLoss(weight=lib.ones(2))

        def forward(self, x):
            x = self.model(x) * self.scale
            for head in self.heads:
                x = head(x)
            return x

    return Net()


def _as_torch_state(module):
    return {k: torch.from_numpy(np.array(v.numpy())) for k, v in module.state_dict().items()}


@pytest.mark.parametrize("case", list(REPR_CASES), ids=list(REPR_CASES))
def test_repr_equals_torch(case):
    assert repr(REPR_CASES[case](nn)) == repr(REPR_CASES[case](torch.nn))


def test_conv2d_repr_matches_the_documented_example():
    assert repr(nn.Conv2d(3, 32, 5, padding=2)) == "Conv2d(3, 32, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))"


def test_names_and_shapes_match_torch_for_a_nested_model():
    ours, theirs = _net(minitorch_cv), _net(torch)
    assert repr(ours) == repr(theirs)
    for method in ("state_dict", "named_parameters", "named_buffers", "named_modules", "named_children"):
        assert [k for k, _ in _items(ours, method)] == [k for k, _ in _items(theirs, method)], method
    assert [tuple(p.shape) for p in ours.parameters()] == [tuple(p.shape) for p in theirs.parameters()]
    assert [type(m).__name__ for m in ours.children()] == [type(m).__name__ for m in theirs.children()]
    assert [type(m).__name__ for m in ours.modules()] == [type(m).__name__ for m in theirs.modules()]


def _items(module, method):
    result = getattr(module, method)()
    return result.items() if isinstance(result, dict) else result


def test_load_state_dict_round_trip_with_torch():
    ours, theirs = _net(minitorch_cv), _net(torch)
    assert repr(theirs.load_state_dict(_as_torch_state(ours))) == "<All keys matched successfully>"
    fresh = _net(minitorch_cv)
    result = fresh.load_state_dict({k: minitorch_cv.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    assert result.missing_keys == [] and result.unexpected_keys == []
    for (name, a), b in zip(fresh.state_dict().items(), ours.state_dict().values()):
        assert np.array_equal(a.numpy(), b.numpy()), name


def _broken_state(lib_module, lib):
    state = dict(lib_module.state_dict())
    state["model.0.weight"] = lib.zeros(8, 1, 3, 3)
    state["extra"] = lib.zeros(1)
    state["model.0.foo"] = lib.zeros(1)
    del state["heads.1.bias"]
    return state


def test_strict_load_reports_every_problem_in_torchs_words():
    ours, theirs = _net(minitorch_cv), _net(torch)
    with pytest.raises(RuntimeError) as their_error:
        theirs.load_state_dict(_broken_state(theirs, torch))
    with pytest.raises(RuntimeError) as our_error:
        ours.load_state_dict(_broken_state(ours, minitorch_cv))
    assert str(our_error.value) == str(their_error.value).replace("torch.Size", "minitorch_cv.Size")
    assert str(our_error.value).startswith("Error(s) in loading state_dict for Net:\n\tMissing key(s) in state_dict: "
                                           '"heads.1.bias". \n\tUnexpected key(s) in state_dict: "extra", '
                                           '"model.0.foo". \n\tsize mismatch for model.0.weight: copying a param '
                                           "with shape minitorch_cv.Size([8, 1, 3, 3]) from checkpoint")


def test_non_strict_load_returns_the_keys_and_still_rejects_size_mismatch():
    ours, theirs = _net(minitorch_cv), _net(torch)
    state, their_state = dict(ours.state_dict()), dict(theirs.state_dict())
    for s, lib in ((state, minitorch_cv), (their_state, torch)):
        s["extra"] = lib.zeros(1)
        del s["scale"]
    result, their_result = ours.load_state_dict(state, strict=False), theirs.load_state_dict(their_state, strict=False)
    assert result == (["scale"], ["extra"]) and tuple(their_result) == tuple(result)
    assert repr(result) == repr(their_result)
    state["running"] = minitorch_cv.zeros(4)
    with pytest.raises(RuntimeError, match=r"size mismatch for running: .*Size\(\[4\]\).*Size\(\[3\]\)\."):
        ours.load_state_dict(state, strict=False)


def test_load_state_dict_copies_values_and_casts_dtype():
    layer = nn.Linear(2, 2)
    weight = layer.weight
    source = {"weight": minitorch_cv.ones(2, 2, dtype=minitorch_cv.float64), "bias": minitorch_cv.zeros(2)}
    layer.load_state_dict(source)
    assert layer.weight is weight and layer.weight.dtype is minitorch_cv.float32
    assert layer.weight.detach().numpy().tolist() == [[1.0, 1.0], [1.0, 1.0]]
    source["weight"].fill_(5.0)
    assert layer.weight.detach().numpy()[0, 0] == 1.0
    with pytest.raises(RuntimeError, match='While copying the parameter named "bias"'):
        layer.load_state_dict({"weight": minitorch_cv.ones(2, 2), "bias": [0.0, 0.0]})


def test_state_dict_tensors_are_detached_views_unless_keep_vars():
    layer = nn.Linear(2, 2)
    state = layer.state_dict()
    assert not state["weight"].requires_grad
    state["weight"].fill_(3.0)
    assert layer.weight.detach().numpy()[0, 0] == 3.0
    assert layer.state_dict(keep_vars=True)["weight"] is layer.weight


def test_parameter_is_a_leaf_tensor_with_torchs_repr():
    p = nn.Parameter(minitorch_cv.tensor([1.0, 2.0]))
    assert isinstance(p, minitorch_cv.Tensor) and p.requires_grad and p.is_leaf
    assert repr(p) == repr(torch.nn.Parameter(torch.tensor([1.0, 2.0])))
    assert not nn.Parameter(minitorch_cv.zeros(1), requires_grad=False).requires_grad
    assert type(p * 2) is minitorch_cv.Tensor


def test_sequential_indexing_length_iteration_and_slicing():
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    assert len(model) == 3 and model[-1] is model[2] and model[0] is getattr(model, "0")
    assert [type(m).__name__ for m in model] == ["Linear", "ReLU", "Linear"]
    head = model[1:]
    assert isinstance(head, nn.Sequential) and list(head._modules) == ["1", "2"] and head[1] is model[2]
    with pytest.raises(IndexError, match="index 3 is out of range"):
        model[3]
    model[1] = nn.Tanh()
    assert isinstance(model[1], nn.Tanh)
    del model[0]
    assert list(model._modules) == ["0", "1"] and model(minitorch_cv.randn(5, 3)).shape == (5, 2)
    model.append(nn.Sigmoid())
    assert len(model) == 3


def test_sequential_from_ordered_dict_keeps_names():
    from collections import OrderedDict

    def build(lib):
        return lib.nn.Sequential(OrderedDict([("conv", lib.nn.Conv2d(1, 2, 3)), ("act", lib.nn.ReLU())]))

    assert list(build(minitorch_cv).state_dict()) == list(build(torch).state_dict()) == ["conv.weight", "conv.bias"]
    assert repr(build(minitorch_cv)) == repr(build(torch))


def test_attribute_and_index_access_through_a_wrapper():
    class Wrapper(nn.Module):
        def __init__(self):
            super().__init__()
            self.model = nn.Sequential(nn.Linear(2, 2), nn.ReLU())

        def forward(self, x):
            return self.model(x)

    wrapper = Wrapper()
    assert isinstance(wrapper.model[0], nn.Linear) and wrapper.get_submodule("model.0") is wrapper.model[0]
    assert wrapper(minitorch_cv.randn(3, 2)).shape == (3, 2)
    with pytest.raises(AttributeError, match="'Wrapper' object has no attribute 'missing'"):
        wrapper.missing


def test_module_list_append_extend_insert_and_registration():
    layers = nn.ModuleList([nn.Linear(2, 2)])
    layers.append(nn.ReLU())
    layers.extend([nn.Tanh()])
    layers.insert(1, nn.Sigmoid())
    layers += [nn.Identity()]
    assert [type(m).__name__ for m in layers] == ["Linear", "Sigmoid", "ReLU", "Tanh", "Identity"]
    assert list(layers._modules) == ["0", "1", "2", "3", "4"] and len(list(layers.parameters())) == 2
    assert isinstance(layers[1:3], nn.ModuleList) and len(layers[1:3]) == 2
    with pytest.raises(NotImplementedError, match='Module \\[ModuleList\\] is missing the required "forward"'):
        layers(minitorch_cv.zeros(1))


def test_train_eval_propagate_and_training_flag():
    ours, theirs = _net(minitorch_cv), _net(torch)
    for model in (ours, theirs):
        assert model.training and model.eval() is model
    assert [m.training for m in ours.modules()] == [m.training for m in theirs.modules()] == [False] * 11
    ours.train()
    assert all(m.training for m in ours.modules())
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        ours.train(1)


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad_and_requires_grad(set_to_none):
    model = nn.Linear(3, 2)
    model(minitorch_cv.randn(4, 3)).sum().backward()
    model.zero_grad(set_to_none=set_to_none)
    for p in model.parameters():
        assert p.grad is None if set_to_none else np.all(p.grad.numpy() == 0)
    model.requires_grad_(False)
    assert not any(p.requires_grad for p in model.parameters())


def test_dtype_conversion_keeps_parameter_identity():
    model = nn.Sequential(nn.Linear(3, 2))
    weight = model[0].weight
    assert model.double() is model and weight.dtype is minitorch_cv.float64 and model[0].weight is weight
    assert model.to(minitorch_cv.float32) is model and weight.dtype is minitorch_cv.float32
    assert model.to("cpu") is model and model.to(minitorch_cv.zeros(1, dtype=minitorch_cv.float64)) is model
    assert weight.dtype is minitorch_cv.float64
    model.float()
    assert model(minitorch_cv.randn(2, 3)).dtype is minitorch_cv.float32
    with pytest.raises(TypeError, match="only accepts floating point dtypes"):
        model.to(minitorch_cv.int64)
    with pytest.raises(RuntimeError, match="CPU only"):
        model.to("cuda")


def test_register_buffer_add_module_and_assignment_rules():
    module = nn.Module()
    module.register_buffer("mean", minitorch_cv.zeros(2))
    module.add_module("fc", nn.Linear(2, 2))
    module.w = nn.Parameter(minitorch_cv.zeros(1))
    assert list(module.state_dict()) == ["w", "mean", "fc.weight", "fc.bias"]
    module.mean = minitorch_cv.ones(2)
    assert module.state_dict()["mean"].numpy().tolist() == [1.0, 1.0]
    with pytest.raises(TypeError, match="cannot assign .* as parameter 'w'"):
        module.w = minitorch_cv.zeros(1)
    with pytest.raises(KeyError, match='buffer name can.+t contain "."'):
        module.register_buffer("a.b", None)
    with pytest.raises(KeyError, match="attribute 'fc' already exists"):
        module.register_buffer("fc", None)
    with pytest.raises(TypeError, match="int is not a Module subclass"):
        module.add_module("x", 3)
    del module.fc
    assert list(module.state_dict()) == ["w", "mean"]

    class Forgetful(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(minitorch_cv.zeros(1))

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Forgetful()


def test_shared_parameters_are_listed_once():
    shared = nn.Linear(2, 2)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    assert len(list(model.parameters())) == 2 and [n for n, _ in model.named_modules()] == ["", "0", "1"]


def test_apply_visits_children_before_parents_like_torch():
    visited = {lib: [] for lib in ("ours", "torch")}
    _net(minitorch_cv).apply(lambda m: visited["ours"].append(type(m).__name__))
    _net(torch).apply(lambda m: visited["torch"].append(type(m).__name__))
    assert visited["ours"] == visited["torch"]


def test_deepcopy_gives_independent_parameters():
    model = nn.Sequential(nn.Linear(2, 2))
    clone = copy.deepcopy(model)
    with minitorch_cv.no_grad():
        clone[0].weight.fill_(0.0)
    assert isinstance(clone[0].weight, nn.Parameter) and not np.all(model[0].weight.detach().numpy() == 0)


# ----- layer input errors name the layer -----

def test_conv_wrong_channel_count_names_the_layer():
    conv = nn.Conv2d(3, 32, kernel_size=5, padding=2)
    with pytest.raises(RuntimeError) as info:
        conv(minitorch_cv.zeros(64, 1, 32, 32))
    assert str(info.value) == ("Conv2d(3, 32, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2)): expected "
                               "input[64, 1, 32, 32] to have 3 channels, but got 1 channels instead")


def test_linear_in_features_mismatch_names_the_layer():
    with pytest.raises(RuntimeError) as info:
        nn.Linear(1024, 10)(minitorch_cv.zeros(64, 512))
    assert str(info.value) == ("Linear(in_features=1024, out_features=10, bias=True): expected input with last "
                               "dimension 1024, got shape [64, 512]")


@pytest.mark.parametrize("layer,shape", [(lambda: nn.Conv2d(3, 4, 3), (3, 8)), (lambda: nn.MaxPool2d(2), (2, 3)),
                                         (lambda: nn.Conv2d(3, 4, 3), (1, 1, 3, 8, 8))])
def test_wrong_rank_names_the_layer(layer, shape):
    layer = layer()
    with pytest.raises(RuntimeError, match=re.escape(f"{layer!r}: expected 3D (unbatched) or 4D (batched) input")):
        layer(minitorch_cv.zeros(*shape))


def test_integer_or_mismatched_dtype_input_names_the_layer():
    conv = nn.Conv2d(3, 4, 3)
    with pytest.raises(RuntimeError, match=re.escape(f"{conv!r}: expected a floating-point input")):
        conv(minitorch_cv.zeros(1, 3, 8, 8, dtype=minitorch_cv.int64))
    with pytest.raises(RuntimeError, match=r"Linear\(.*\): expected a floating-point input"):
        nn.Linear(2, 2)(minitorch_cv.tensor([[1, 2]]))
    with pytest.raises(RuntimeError, match=r"MaxPool2d\(.*\): expected a floating-point input"):
        nn.MaxPool2d(2)(minitorch_cv.zeros(1, 4, 4, dtype=minitorch_cv.int64))
    with pytest.raises(RuntimeError, match=re.escape(f"{conv!r}: input dtype minitorch_cv.float64 does not match")):
        conv(minitorch_cv.zeros(1, 3, 8, 8, dtype=minitorch_cv.float64))
    with pytest.raises(TypeError, match=r"Linear\(.*\): expected a Tensor input, got list"):
        nn.Linear(2, 2)([1.0, 2.0])


def test_input_smaller_than_kernel_names_the_layer():
    with pytest.raises(RuntimeError, match=r"Conv2d\(3, 4, kernel_size=\(5, 5\).*\(2 x 2\).*smaller"):
        nn.Conv2d(3, 4, 5)(minitorch_cv.zeros(1, 3, 2, 2))
    with pytest.raises(RuntimeError, match=r"MaxPool2d\(kernel_size=3.*\(2 x 2\).*smaller"):
        nn.MaxPool2d(3)(minitorch_cv.zeros(1, 1, 2, 2))


def test_flatten_missing_dimension_names_the_layer():
    message = r"Flatten\(start_dim=1, end_dim=-1\): input of shape \[5\] has no dimension 1"
    with pytest.raises(RuntimeError, match=message):
        nn.Flatten()(minitorch_cv.zeros(5))


@pytest.mark.parametrize("kwargs,message", [
    (dict(padding="same", stride=2), "padding='same' is not supported for strided convolutions"),
    (dict(padding="full"), "Invalid padding string 'full'"),
    (dict(groups=2), "in_channels must be divisible by groups"),
    (dict(groups=0), "groups must be a positive integer"),
    (dict(padding_mode="reflect"), "padding_mode='reflect' is not supported"),
])
def test_conv_constructor_rejects_bad_options(kwargs, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        nn.Conv2d(3, 4, 3, **kwargs)


# ----- conv and pooling modules against torch (the ops are tested in their own files) -----

@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths")
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("build,shape", [
    (lambda nn: nn.Conv2d(3, 4, 3, padding=1), (2, 3, 6, 6)),
    (lambda nn: nn.Conv2d(4, 6, (3, 2), stride=2, padding="valid", groups=2, bias=False), (2, 4, 7, 6)),
    (lambda nn: nn.Conv2d(2, 3, 4, padding="same", dilation=1), (2, 6, 5)),
], ids=["padded", "grouped_valid", "same_unbatched"])
def test_conv2d_module_matches_torch(dtype, build, shape):
    minitorch_cv.manual_seed(0)
    x = np.random.default_rng(0).standard_normal(shape)
    compare(lambda lib, m, t: m(t), [x], op="Conv2d module", dtype=dtype, our_module=build(nn),
            torch_module=build(torch.nn))


@pytest.mark.parametrize("build", [lambda nn: nn.MaxPool2d(2),
                                   lambda nn: nn.MaxPool2d(3, 2, padding=1, ceil_mode=True)], ids=["2x2", "3x3_ceil"])
def test_maxpool2d_module_matches_torch(build):
    x = np.random.default_rng(1).permutation(2 * 3 * 7 * 7).reshape(2, 3, 7, 7) / 10.0
    compare(lambda lib, t: build(lib.nn)(t), [x], op="MaxPool2d module")
    values, indices = nn.MaxPool2d(2, return_indices=True)(minitorch_cv.tensor(x))
    their_values, their_indices = torch.nn.MaxPool2d(2, return_indices=True)(torch.tensor(x))
    assert np.array_equal(indices.numpy(), their_indices.numpy())
