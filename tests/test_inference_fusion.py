"""conv -> BatchNorm [-> + residual] [-> ReLU] fused (nn/inference_fusion.py): in inference, and
BatchNorm + residual + ReLU in training; the same values, gradients and buffers as the modules
one by one, bit for bit, and the modules' own path whenever fusing would change what a user sees
(hooks, replaced modules, recorded gradients in eval)."""
import numpy as np
import pytest
import torch
import torchvision

import minitorch_cv
from minitorch_cv import nn
from minitorch_cv.models.cifar_resnet import cifar_resnet20
from minitorch_cv.nn import inference_fusion
from minitorch_cv.vision import models


def _randomize_batch_norms(model, seed):
    """Running statistics and affine parameters away from their defaults, so the fused map is not the identity."""
    rng = np.random.default_rng(seed)
    with minitorch_cv.no_grad():
        for module in model.modules():
            if isinstance(module, nn.BatchNorm2d):
                count = module.num_features
                module.running_mean.copy_(minitorch_cv.tensor(rng.standard_normal(count) * 0.2, dtype=minitorch_cv.float32))
                module.running_var.copy_(minitorch_cv.tensor(rng.uniform(0.5, 2.0, count), dtype=minitorch_cv.float32))
                module.weight.copy_(minitorch_cv.tensor(rng.uniform(0.5, 1.5, count), dtype=minitorch_cv.float32))
                module.bias.copy_(minitorch_cv.tensor(rng.standard_normal(count) * 0.2, dtype=minitorch_cv.float32))
    return model


def _unfused(model, x, monkeypatch):
    with monkeypatch.context() as patch:
        patch.setattr(inference_fusion, "_fusable", lambda *args: False)
        with minitorch_cv.no_grad():
            return model(x).numpy()


@pytest.mark.parametrize("arch, size", [("resnet18", 40), ("resnet50", 64), ("resnext50_32x4d", 32)])
def test_fused_inference_is_bit_identical_to_the_modules(arch, size, monkeypatch):
    minitorch_cv.manual_seed(0)
    model = _randomize_batch_norms(getattr(models, arch)(), seed=1).eval()
    x = minitorch_cv.tensor(np.random.default_rng(2).standard_normal((3, 3, size, size)), dtype=minitorch_cv.float32)
    calls = []
    original = inference_fusion.conv2d_inference
    monkeypatch.setattr(inference_fusion, "conv2d_inference", lambda *a: calls.append(1) or original(*a))
    with minitorch_cv.no_grad():
        fused = model(x).numpy()
    assert len(calls) == sum(isinstance(m, nn.BatchNorm2d) for m in model.modules())
    np.testing.assert_array_equal(fused, _unfused(model, x, monkeypatch))


def test_fused_inference_matches_torchvision_with_its_weights(tmp_path):
    """torchvision's ResNet-18 with random weights and statistics, saved and loaded: eval outputs agree."""
    torch.manual_seed(3)
    theirs = torchvision.models.resnet18()
    with torch.no_grad():
        for module in theirs.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.running_mean.normal_(0, 0.2)
                module.running_var.uniform_(0.5, 2.0)
    theirs.eval()
    torch.save(theirs.state_dict(), tmp_path / "resnet18.pth")
    ours = models.resnet18()
    ours.load_state_dict(minitorch_cv.load(tmp_path / "resnet18.pth"))
    ours.eval()
    x = np.random.default_rng(4).standard_normal((2, 3, 64, 64)).astype(np.float32)
    with torch.no_grad():
        expected = theirs(torch.tensor(x)).numpy()
    with minitorch_cv.no_grad():
        got = ours(minitorch_cv.tensor(x)).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)


def _count_fused(monkeypatch):
    calls = []
    original = inference_fusion.conv2d_inference
    monkeypatch.setattr(inference_fusion, "conv2d_inference", lambda *a: calls.append(1) or original(*a))
    return calls


def _training_step(build, fused, monkeypatch, momentum=0.1):
    """Output, parameter gradients and buffers after two training steps' forward and backward."""
    minitorch_cv.manual_seed(0)
    model = build()
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.momentum = momentum
    model.train()
    rng = np.random.default_rng(8)
    with monkeypatch.context() as patch:
        if not fused:
            patch.setattr(inference_fusion, "_trainable", lambda *args: False)
        for _ in range(2):
            out = model(minitorch_cv.tensor(rng.standard_normal((4, 3, 32, 32)), dtype=minitorch_cv.float32))
            (out * out).sum().backward()
    return ([out.detach().numpy()] + [b.numpy() for b in model.buffers()],
            [p.grad.numpy() for p in model.parameters()])


@pytest.mark.parametrize("build, momentum", [(lambda: models.resnet18(num_classes=10), 0.1),
                                             (cifar_resnet20, 0.1), (cifar_resnet20, None)],
                         ids=["resnet18", "resnet20", "resnet20-cumulative"])
def test_fused_training_is_bit_identical_to_the_modules(build, momentum, monkeypatch):
    """BatchNormAddReLU in training: outputs, running statistics and batch counts bit for bit,
    every gradient to float32 rounding."""
    calls = []
    original = inference_fusion.BatchNormAddReLU.apply
    monkeypatch.setattr(inference_fusion.BatchNormAddReLU, "apply",
                        staticmethod(lambda *a, **k: calls.append(1) or original(*a, **k)))
    fused = _training_step(build, True, monkeypatch, momentum)
    assert calls
    block_output = inference_fusion.conv_bn(minitorch_cv.randn(2, 3, 8, 8), nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), True)
    assert block_output.grad_fn.name() == "ReluBackward0"
    (values, grads), (plain_values, plain_grads) = fused, _training_step(build, False, monkeypatch, momentum)
    for ours, plain in zip(values, plain_values, strict=True):
        np.testing.assert_array_equal(ours, plain)
    # The gradient's per-channel sums are reassociated (kernels/_jit.summing_kernel): the masked
    # and the unmasked loop may vectorize differently on another CPU, so gradients agree to float32
    # rounding there (bit for bit on the AMD EPYC they were written on).
    for ours, plain in zip(grads, plain_grads, strict=True):
        np.testing.assert_allclose(ours, plain, rtol=1e-5, atol=1e-6 * max(np.abs(plain).max(), 1e-30))


def test_cifar_resnet_inference_is_fused_and_bit_identical(monkeypatch):
    minitorch_cv.manual_seed(0)
    model = _randomize_batch_norms(cifar_resnet20(), seed=9).eval()
    x = minitorch_cv.tensor(np.random.default_rng(10).standard_normal((3, 3, 32, 32)), dtype=minitorch_cv.float32)
    calls = _count_fused(monkeypatch)
    with minitorch_cv.no_grad():
        fused = model(x).numpy()
    assert len(calls) == 19
    np.testing.assert_array_equal(fused, _unfused(model, x, monkeypatch))


def test_hooked_batch_norm_in_training_takes_the_modules():
    minitorch_cv.manual_seed(0)
    model = cifar_resnet20().train()
    seen = []
    model.layer2[1].bn1.register_forward_hook(lambda module, args, output: seen.append(output.shape))
    model(minitorch_cv.randn(2, 3, 32, 32)).sum().backward()
    assert seen == [(2, 32, 16, 16)]
    assert model.layer2[1].bn1.weight.grad is not None


def test_recorded_gradients_in_eval_take_the_modules(monkeypatch):
    minitorch_cv.manual_seed(0)
    model = models.resnet18()
    x = minitorch_cv.randn(2, 3, 32, 32)
    calls = _count_fused(monkeypatch)
    model.eval()
    out = model(x)
    assert out.grad_fn is not None and calls == []
    out.sum().backward()
    assert model.conv1.weight.grad is not None
    with minitorch_cv.no_grad():
        model(x)
    assert calls


def test_hooks_and_replaced_modules_take_the_modules(monkeypatch):
    minitorch_cv.manual_seed(0)
    model = _randomize_batch_norms(models.resnet18(), seed=5).eval()
    x = minitorch_cv.randn(2, 3, 32, 32)
    seen = []
    handle = model.layer1[0].bn2.register_forward_hook(lambda module, args, output: seen.append(output.shape))
    with minitorch_cv.no_grad():
        hooked = model(x).numpy()
    assert seen == [(2, 64, 8, 8)]
    handle.remove()
    np.testing.assert_array_equal(hooked, _unfused(model, x, monkeypatch))
    model.layer2[0].bn1 = nn.Identity()
    with minitorch_cv.no_grad():
        surgery = model(x).numpy()
    np.testing.assert_array_equal(surgery, _unfused(model, x, monkeypatch))


def test_wrong_input_gets_the_convolutions_own_error():
    model = models.resnet18().eval()
    with minitorch_cv.no_grad(), pytest.raises(RuntimeError, match="expected input"):
        model(minitorch_cv.randn(1, 4, 32, 32))


EPILOGUE_PATHS = {
    # name: (input shape, weight shape, stride, padding, groups)
    "1x1": ((2, 8, 5, 5), (6, 8, 1, 1), 1, 0, 1),
    "1x1 strided": ((2, 8, 6, 6), (6, 8, 1, 1), 2, 0, 1),
    "dense": ((3, 8, 2, 2), (5, 8, 3, 3), 1, 1, 1),
    "winograd": ((4, 16, 16, 16), (16, 16, 3, 3), 1, 1, 1),
    "im2col per image": ((2, 3, 32, 32), (8, 3, 7, 7), 1, 3, 1),
    "im2col transposed": ((2, 32, 16, 16), (8, 32, 3, 3), 2, 1, 1),
    "im2col": ((2, 4, 8, 8), (6, 4, 3, 3), 1, 1, 1),
    "im2col grouped": ((2, 4, 8, 8), (6, 2, 3, 3), 1, 1, 2),
}


@pytest.mark.parametrize("path", list(EPILOGUE_PATHS))
@pytest.mark.parametrize("residual, relu", [(False, False), (False, True), (True, True)])
def test_epilogue_on_every_convolution_path_is_the_separate_ops(path, residual, relu):
    """conv2d_inference with an Epilogue equals conv2d, then x * scale + shift, + residual and
    ReLU done one after another in NumPy, bit for bit, on each of conv2d's paths."""
    from minitorch_cv.ops.conv import conv2d, conv2d_inference
    from minitorch_cv.ops.conv_epilogue import Epilogue
    shape, weight_shape, stride, padding, groups = EPILOGUE_PATHS[path]
    rng = np.random.default_rng(6)
    x = minitorch_cv.tensor(rng.standard_normal(shape), dtype=minitorch_cv.float32)
    w = minitorch_cv.tensor(rng.standard_normal(weight_shape) * 0.3, dtype=minitorch_cv.float32)
    b = minitorch_cv.tensor(rng.standard_normal(weight_shape[0]), dtype=minitorch_cv.float32)
    settings = (stride, padding, 1, groups)
    plain = conv2d(x, w, b, *settings).numpy()
    scale = rng.uniform(0.5, 1.5, weight_shape[0]).astype(np.float32)
    shift = rng.standard_normal(weight_shape[0]).astype(np.float32)
    extra = rng.standard_normal(plain.shape).astype(np.float32) if residual else None
    expected = plain * scale[:, None, None] + shift[:, None, None]
    if residual:
        expected = expected + extra
    if relu:
        expected = np.where(expected < 0, np.float32(0), expected)
    fused = conv2d_inference(x, w, b, *settings, Epilogue(scale, shift, extra, relu)).numpy()
    np.testing.assert_array_equal(fused, expected)
    assert _takes(path, shape, weight_shape, stride, groups, plain.shape[2:])


def _takes(path, shape, weight_shape, stride, groups, out_size):
    """Whether the case still reaches the path it is named after (the thresholds may move)."""
    from minitorch_cv.ops import conv_1x1, conv_dense, conv_winograd
    special = {"1x1": conv_1x1.applies(weight_shape, (0, 0, 0, 0), (1, 1), groups),
               "dense": conv_dense.applies(shape, weight_shape, groups),
               "winograd": conv_winograd.applies(shape, weight_shape, (stride, stride), (1, 1), groups, *out_size)}
    name = path.split()[0]
    return special[name] if name in special else not any(special.values())
