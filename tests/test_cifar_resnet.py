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


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_train_step_gradients_and_batchnorm_buffers_match_torch(dtype):
    ours, theirs = _twins(dtype)
    images = np.random.default_rng(1).standard_normal((4, 3, 32, 32))
    compare(lambda lib, model, x: model(x), [images], op="CIFAR ResNet-20 train", dtype=dtype,
            our_module=ours, torch_module=theirs)
    buffers = dict(theirs.named_buffers())
    for name, buffer in ours.named_buffers():
        assert_matches(name, buffer.numpy(), buffers[name], dtype, "reduction", "CIFAR ResNet-20 buffers")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_eval_logits_match_torch_after_buffers_moved(dtype):
    ours, theirs = _twins(dtype, seed=5)
    images = np.random.default_rng(2).standard_normal((3, 3, 32, 32))
    with minitorch_cv.no_grad():
        ours(minitorch_cv.tensor(images.astype(np.float32)))   # moves the running statistics
    ours.eval(), theirs.eval()
    compare(lambda lib, model, x: model(x), [images], op="CIFAR ResNet-20 eval", dtype=dtype,
            our_module=ours, torch_module=theirs)
