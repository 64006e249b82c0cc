"""The Module API that model surgery uses, checked against torch on the same model built with both
libraries: names and order of modules/children/buffers, get_submodule, replacement, containers,
freezing, train/eval recursion, zero_grad and printing."""
from collections import OrderedDict

import pytest
import torch

import minitorch_cv
from minitorch_cv import nn


def build(lib):
    """A small ResNet-like model: a stem, a Sequential of blocks with a ModuleDict, a shared module."""
    nn_ = lib.nn

    class Block(nn_.Module):
        def __init__(self, channels):
            super().__init__()
            self.conv1 = nn_.Conv2d(channels, channels, 3, padding=1, bias=False)
            self.bn1 = nn_.BatchNorm2d(channels)
            self.relu = nn_.ReLU(inplace=True)
            self.heads = nn_.ModuleDict({"a": nn_.Identity(), "b": nn_.Dropout(0.1)})
            self.register_buffer("steps", lib.zeros(1), persistent=False)

        def forward(self, x):
            out = self.relu(self.bn1(self.conv1(x)))
            out += x
            return self.heads["a"](out)

    class Net(nn_.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn_.Sequential(nn_.Conv2d(3, 4, 3), nn_.BatchNorm2d(4), nn_.ReLU(inplace=True))
            self.layer1 = nn_.Sequential(Block(4), Block(4))
            self.add_module("pool", nn_.AdaptiveAvgPool2d((1, 1)))
            self.fc = nn_.Linear(4, 5)
            self.shared = self.fc

        def forward(self, x):
            return self.fc(self.pool(self.layer1(self.stem(x))).flatten(1))

    return Net()


@pytest.fixture
def models():
    return build(minitorch_cv), build(torch)


def test_traversal_names_and_order(models):
    ours, theirs = models
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [type(m).__name__ for m in ours.modules()] == [type(m).__name__ for m in theirs.modules()]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    assert [type(m).__name__ for m in ours.children()] == [type(m).__name__ for m in theirs.children()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert len(list(ours.buffers())) == len(list(theirs.buffers()))
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert ([n for n, _ in ours.named_modules(remove_duplicate=False)]
            == [n for n, _ in theirs.named_modules(remove_duplicate=False)])
    assert repr(ours) == repr(theirs)


def test_get_submodule_and_replacement(models):
    ours, theirs = models
    for target in ["", "layer1", "layer1.1.conv1", "layer1.0.heads.b", "stem.2"]:
        assert repr(ours.get_submodule(target)) == repr(theirs.get_submodule(target))
    with pytest.raises(AttributeError, match="has no attribute `nope`"):
        ours.get_submodule("layer1.nope")
    for target in ["layer1.0.bn1.running_var", "stem.1.num_batches_tracked"]:
        assert ours.get_buffer(target).shape == theirs.get_buffer(target).shape
    assert ours.get_parameter("fc.bias").shape == theirs.get_parameter("fc.bias").shape
    for getter, target in [("get_buffer", "fc.weight"), ("get_parameter", "stem.1.running_mean"),
                           ("get_parameter", "fc.nope")]:
        with pytest.raises(AttributeError):
            getattr(theirs, getter)(target)
        with pytest.raises(AttributeError):
            getattr(ours, getter)(target)
    with pytest.raises(AttributeError):
        theirs.get_submodule("layer1.nope")
    for model, lib in ((ours, minitorch_cv), (theirs, torch)):
        model.fc = lib.nn.Linear(4, 10)
        model.layer1[1].conv1 = lib.nn.Conv2d(4, 4, 1)
        model.layer1[0].heads["c"] = lib.nn.ReLU()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs)
    assert tuple(ours(minitorch_cv.randn(2, 3, 6, 6)).shape) == (2, 10)


def test_sequential_and_module_dict(models):
    ours, theirs = models
    assert len(ours.stem) == len(theirs.stem) == 3
    assert repr(ours.stem[-1]) == repr(theirs.stem[-1])
    assert repr(ours.stem[1:]) == repr(theirs.stem[1:])
    assert [n for n, _ in ours.stem[1:].named_children()] == [n for n, _ in theirs.stem[1:].named_children()]
    for model, lib in ((ours, minitorch_cv), (theirs, torch)):
        model.stem.append(lib.nn.Dropout())
        del model.layer1[0]
    assert repr(ours.stem) == repr(theirs.stem) and repr(ours.layer1) == repr(theirs.layer1)
    named = OrderedDict([("conv", nn.Conv2d(1, 1, 1)), ("act", nn.ReLU())])
    assert list(dict(nn.Sequential(named).named_children())) == ["conv", "act"]
    heads = nn.ModuleDict({"x": nn.ReLU(), "y": nn.Identity()})
    heads.update([("z", nn.Tanh())])
    assert list(heads) == ["x", "y", "z"] and "y" in heads and len(heads) == 3
    assert isinstance(heads.pop("x"), nn.ReLU) and list(heads.keys()) == ["y", "z"]
    with pytest.raises(TypeError):
        heads["w"] = 3


def test_freezing_modes_apply_and_zero_grad(models):
    ours, theirs = models
    for model in models:
        model.requires_grad_(False)
        model.fc.requires_grad_(True)
        model.eval()
        model.layer1.train()
    assert ([p.requires_grad for p in ours.parameters()] == [p.requires_grad for p in theirs.parameters()])
    assert [m.training for m in ours.modules()] == [m.training for m in theirs.modules()]
    ours.train()
    out = ours(minitorch_cv.randn(2, 3, 6, 6))
    out.sum().backward()
    assert ours.fc.weight.grad is not None and ours.stem[0].weight.grad is None
    ours.zero_grad(set_to_none=False)
    assert float(ours.fc.weight.grad.abs().sum()) == 0.0
    ours.zero_grad()
    assert ours.fc.weight.grad is None
    seen = []
    ours.apply(lambda m: seen.append(type(m).__name__))
    theirs_seen = []
    theirs.apply(lambda m: theirs_seen.append(type(m).__name__))
    assert seen == theirs_seen


def test_register_buffer_errors_match_torch():
    for lib in (minitorch_cv, torch):
        module = lib.nn.Module()
        with pytest.raises(KeyError):
            module.register_buffer("a.b", lib.zeros(1))
        with pytest.raises(TypeError):
            module.register_buffer("a", 3)
        module.register_buffer("a", None)
        assert "a" not in module.state_dict()
        with pytest.raises(TypeError):
            module.add_module("x", 3)
