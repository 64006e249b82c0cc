"""The CIFAR ResNets of He et al. and their PyTorch twins: sizes, keys, init, logits, gradients, BN buffers."""
import numpy as np
import pytest
import torch

import minitorch_cv
from minitorch_cv import models
from reference.models import CIFARResNet as TorchCIFARResNet
from torch_parity import assert_matches, compare

PARAMETERS = {20: 269_722, 32: 464_154, 44: 658_586, 56: 853_018, 110: 1_727_962}


@pytest.mark.parametrize("depth", list(PARAMETERS))
def test_sizes_and_state_dict_keys_match_the_twin(depth):
    ours = getattr(models, f"cifar_resnet{depth}")()
    theirs = TorchCIFARResNet(depth)
    assert sum(p.numel() for p in ours.parameters()) == PARAMETERS[depth]
    assert sum(p.numel() for p in theirs.parameters()) == PARAMETERS[depth]
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == \
           [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
    assert len(ours.layer1) == len(ours.layer3) == (depth - 2) // 6


def test_same_seed_gives_torch_initial_weights():
    minitorch_cv.manual_seed(3)
    ours = models.cifar_resnet20().state_dict()
    torch.manual_seed(3)
    theirs = TorchCIFARResNet(20).state_dict()
    for key, value in ours.items():
        assert np.array_equal(value.numpy(), theirs[key].numpy()), key
    std = ours["layer3.0.conv2.weight"].numpy().std()
    assert abs(std - np.sqrt(2 / (64 * 9))) < 0.01


def test_depth_must_be_6n_plus_2():
    for model_class in (models.CIFARResNet, TorchCIFARResNet):
        with pytest.raises(ValueError, match="depth must be 6n \\+ 2"):
            model_class(21)


def _twins(dtype, seed=0):
    minitorch_cv.manual_seed(seed)
    ours = models.cifar_resnet20()
    theirs = TorchCIFARResNet(20)
    return ours, theirs


GRADIENT_NORM_FLOAT32 = 5e-2
"""float32 gradients of the whole network: |ours - torch's| / |torch's| over all parameters
(norms). Per element they cannot be bounded: a ReLU input within rounding of zero lands on one
side in one engine and on the other in the other, and at batch 4 that one element moves a
per-channel sum over 4,096 positions by about 1/64. Measured over 4 batches: 0.9-3.9e-6 where
no ReLU flipped (torch's own float32 against float64: 0.9-1.1e-6), 1.0-1.6e-2 where one did
(2 of 4 batches with im2col, 2 of 4 with Winograd). A float32-only bug in a backward shows up
as an O(1) error. float64 checks every element of every gradient to 1e-7."""


def test_train_step_gradients_and_batchnorm_buffers_match_torch_float64():
    ours, theirs = _twins("float64")
    images = np.random.default_rng(1).standard_normal((4, 3, 32, 32))
    compare(lambda lib, model, x: model(x), [images], op="CIFAR ResNet-20 train", dtype="float64",
            our_module=ours, torch_module=theirs)
    buffers = dict(theirs.named_buffers())
    for name, buffer in ours.named_buffers():
        assert_matches(name, buffer.numpy(), buffers[name], "float64", "reduction", "CIFAR ResNet-20 buffers")


@pytest.mark.parametrize("winograd", [True, False], ids=["winograd", "im2col"])
def test_train_step_float32_logits_buffers_and_gradient_norms_match_torch(winograd):
    ours, theirs = _twins("float32")
    theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in ours.state_dict().items()})
    rng = np.random.default_rng(1)
    images = rng.standard_normal((4, 3, 32, 32)).astype(np.float32)
    upstream = rng.standard_normal((4, 10)).astype(np.float32)
    with minitorch_cv.backends.winograd.flags(enabled=winograd):
        logits = ours(minitorch_cv.tensor(images))
        logits.backward(minitorch_cv.tensor(upstream))
    their_logits = theirs(torch.from_numpy(images))
    their_logits.backward(torch.from_numpy(upstream))
    assert_matches("logits", logits.detach().numpy(), their_logits, "float32", "reduction", "CIFAR ResNet-20 train")
    buffers = dict(theirs.named_buffers())
    for name, buffer in ours.named_buffers():
        assert_matches(name, buffer.numpy(), buffers[name], "float32", "reduction", "CIFAR ResNet-20 buffers")
    their_params = dict(theirs.named_parameters())
    pairs = [(p.grad.numpy().astype(np.float64), their_params[name].grad.numpy().astype(np.float64))
             for name, p in ours.named_parameters()]
    error = np.sqrt(sum(np.sum((a - b) ** 2) for a, b in pairs) / sum(np.sum(b ** 2) for _, b in pairs))
    assert error <= GRADIENT_NORM_FLOAT32, f"gradients' relative error in norm {error:.2e}"


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_eval_logits_match_torch_after_buffers_moved(dtype):
    ours, theirs = _twins(dtype, seed=5)
    images = np.random.default_rng(2).standard_normal((3, 3, 32, 32))
    with minitorch_cv.no_grad():
        ours(minitorch_cv.tensor(images.astype(np.float32)))   # moves the running statistics
    ours.eval(), theirs.eval()

    def logits(lib, model, x):
        """float32: the logits only (gradients through ReLUs near zero: see GRADIENT_NORM_FLOAT32)."""
        if dtype == "float64":
            return model(x)
        with lib.no_grad():
            return model(x)

    compare(logits, [images], op="CIFAR ResNet-20 eval", dtype=dtype, our_module=ours, torch_module=theirs)
