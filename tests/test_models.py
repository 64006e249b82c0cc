"""CIFAR10CNN and its PyTorch twin: same keys, same outputs and gradients, checkpoints that cross."""
import numpy as np
import pytest
import torch

import minitorch_cv
from cifar_helpers import generated_images
from minitorch_cv.models import CIFAR10CNN, cifar10_cnn_state_keys
from reference import convert
from reference.models import CIFAR10CNN as TorchCIFAR10CNN
from torch_parity import compare

KEYS = {
    "none": ["model.0.weight", "model.0.bias", "model.2.weight", "model.2.bias",
             "model.4.weight", "model.4.bias", "model.7.weight", "model.7.bias"],
    "relu": ["model.0.weight", "model.0.bias", "model.3.weight", "model.3.bias",
             "model.6.weight", "model.6.bias", "model.10.weight", "model.10.bias"],
}
SHAPES = [(32, 3, 5, 5), (32,), (32, 32, 5, 5), (32,), (64, 32, 5, 5), (64,), (10, 1024), (10,)]


@pytest.mark.parametrize("activation", ["none", "relu"])
def test_state_dict_keys_and_shapes_match_torch(activation):
    ours = CIFAR10CNN(activation).state_dict()
    theirs = TorchCIFAR10CNN(activation).state_dict()
    assert list(ours) == list(theirs) == KEYS[activation] == cifar10_cnn_state_keys(activation)
    assert [tuple(v.shape) for v in ours.values()] == [tuple(v.shape) for v in theirs.values()] == SHAPES


def test_relu_option_puts_a_relu_after_each_convolution():
    layers = [type(m).__name__ for m in CIFAR10CNN("relu").model]
    assert layers == ["Conv2d", "ReLU", "MaxPool2d"] * 3 + ["Flatten", "Linear"]
    tutorial = [type(m).__name__ for m in CIFAR10CNN().model]
    assert tutorial == ["Conv2d", "MaxPool2d"] * 3 + ["Flatten", "Linear"]


@pytest.mark.parametrize("activation", ["none", "relu"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_forward_and_gradients_match_torch(activation, dtype):
    minitorch_cv.manual_seed(1)
    images = np.random.default_rng(2).random((2, 3, 32, 32))
    compare(lambda lib, model, x: model(x), [images], op=f"CIFAR10CNN {activation}", dtype=dtype,
            our_module=CIFAR10CNN(activation), torch_module=TorchCIFAR10CNN(activation))


def test_unknown_activation_is_refused_by_both():
    for model_class in (CIFAR10CNN, TorchCIFAR10CNN):
        with pytest.raises(ValueError, match="CIFAR10CNN: activation must be one of"):
            model_class("tanh")


def test_state_dict_converts_both_ways_without_sharing_memory():
    state = CIFAR10CNN("relu").state_dict()
    as_torch = convert.to_torch(state)
    back = convert.to_minitorch(as_torch)
    assert all(isinstance(v, torch.Tensor) for v in as_torch.values())
    for key, value in state.items():
        assert np.array_equal(back[key].numpy(), value.numpy())
    as_torch["model.0.bias"].add_(1.0)
    assert not np.array_equal(as_torch["model.0.bias"].numpy(), state["model.0.bias"].numpy())


@pytest.mark.parametrize("writer", ["numpy", "torch"])
def test_checkpoint_from_either_backend_gives_the_same_predictions_on_the_other(tmp_path, writer):
    minitorch_cv.manual_seed(3)
    ours = CIFAR10CNN()
    theirs = TorchCIFAR10CNN()
    theirs.load_state_dict(convert.to_torch(ours.state_dict()))
    if writer == "numpy":
        path = tmp_path / "weights.npz"
        minitorch_cv.save(ours.state_dict(), path)
        theirs = TorchCIFAR10CNN()
        theirs.load_state_dict(convert.load_any(path, "torch"))
    else:
        path = tmp_path / "weights.pth"
        torch.save(theirs.state_dict(), path)
        ours = CIFAR10CNN()
        ours.load_state_dict(convert.load_any(path, "numpy"))
    images = generated_images(8, seed=4)[0].transpose(0, 3, 1, 2).astype(np.float32) / 255
    with minitorch_cv.no_grad(), torch.no_grad():
        ours_out = ours.eval()(minitorch_cv.from_numpy(images)).numpy()
        theirs_out = theirs.eval()(torch.from_numpy(images)).numpy()
    np.testing.assert_allclose(ours_out, theirs_out, rtol=1e-5, atol=1e-5)
    assert np.array_equal(ours_out.argmax(1), theirs_out.argmax(1))


def test_convert_file_round_trip_keeps_every_value(tmp_path):
    state = {"model": CIFAR10CNN().state_dict(), "epoch": 3, "recipe": {"lr": 0.01, "augment": False}}
    minitorch_cv.save(state, tmp_path / "a.npz")
    convert.main([str(tmp_path / "a.npz"), str(tmp_path / "b.pth")])
    loaded = torch.load(tmp_path / "b.pth", weights_only=True)
    assert loaded["epoch"] == 3 and loaded["recipe"] == {"lr": 0.01, "augment": False}
    convert.main([str(tmp_path / "b.pth"), str(tmp_path / "c.npz")])
    again = minitorch_cv.load(tmp_path / "c.npz")
    for key, value in state["model"].items():
        assert np.array_equal(again["model"][key].numpy(), value.numpy())


def test_damaged_or_foreign_files_get_clear_errors(tmp_path):
    truncated = tmp_path / "weights.pth"
    torch.save(TorchCIFAR10CNN().state_dict(), truncated)
    truncated.write_bytes(truncated.read_bytes()[:200])
    with pytest.raises(RuntimeError, match="not a readable checkpoint"):
        convert.load_any(truncated, "numpy")
    with pytest.raises(FileNotFoundError, match="no such checkpoint"):
        convert.load_any(tmp_path / "missing.pth", "numpy")
    with pytest.raises(ValueError, match="unknown file type '.txt'"):
        convert.load_any(tmp_path / "weights.txt", "numpy")
