"""Weights enums, the classification preset, the registry and the builders' initialisation rules,
against torchvision's (metadata, urls, transform values, kwargs handling); loading weights
through the torch hub cache (pre-filled, or downloaded from a 127.0.0.1 server)."""
import hashlib
import io
import socket

import numpy as np
import pytest
import torch
import torchvision.models as tvm
import torchvision.transforms.functional as TF
from PIL import Image

import minitorch_cv
from minitorch_cv import hub
from minitorch_cv.vision import models
from minitorch_cv.vision.datasets import DownloadError
from minitorch_cv.vision.models import resnet
from minitorch_cv.vision.transforms import functional as F
from test_download import server  # noqa: F401  (the 127.0.0.1 HTTP server fixture)

PYTORCH_MODELS = "https://download.pytorch.org/models"

ENUMS = ["ResNet18_Weights", "ResNet34_Weights", "ResNet50_Weights", "ResNet101_Weights", "ResNet152_Weights",
         "ResNeXt50_32X4D_Weights", "Wide_ResNet50_2_Weights", "VGG11_Weights", "VGG11_BN_Weights",
         "VGG13_Weights", "VGG13_BN_Weights", "VGG16_Weights", "VGG16_BN_Weights", "VGG19_Weights",
         "VGG19_BN_Weights", "AlexNet_Weights", "MobileNet_V2_Weights"]


def _entries(enum):
    return {name: member for name, member in enum.__members__.items()}


@pytest.mark.parametrize("enum_name", ENUMS)
def test_weights_enum_matches_torchvision(enum_name):
    """Same entries (DEFAULT included), urls, meta (all but the prose _docs) and preset arguments.

    VGG16_Weights.IMAGENET1K_FEATURES (a detection backbone without classes) is not provided.
    """
    ours, theirs = getattr(models, enum_name), getattr(tvm, enum_name)
    their_entries = {k: v for k, v in _entries(theirs).items() if k != "IMAGENET1K_FEATURES"}
    assert list(_entries(ours)) == list(their_entries)
    for name, member in _entries(ours).items():
        their = their_entries[name]
        assert member.name == their.name and repr(member) == repr(their)
        assert member.url == their.url
        their_meta = {k: v for k, v in their.meta.items() if k != "_docs"}
        assert member.meta == their_meta
        assert member.transforms.keywords == their.transforms.keywords
        assert repr(member.transforms()) == repr(their.transforms())


def test_categories_are_imagenets_1000_names():
    names = models.ResNet50_Weights.DEFAULT.meta["categories"]
    assert len(names) == 1000 and names[0] == "tench" and names[-1] == "toilet tissue"
    assert names == tvm.ResNet50_Weights.DEFAULT.meta["categories"]


def _photo(width, height, seed=0):
    """A smooth image with some edges (what resizing sees in practice)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([np.sin(x / 7.0 + c) * np.cos(y / 11.0 - c) for c in range(3)], axis=-1) * 100 + 128
    return Image.fromarray(np.clip(base + rng.normal(0, 20, base.shape), 0, 255).astype(np.uint8))


@pytest.mark.parametrize("weights", ["ResNet50_Weights.IMAGENET1K_V1", "ResNet50_Weights.IMAGENET1K_V2"])
@pytest.mark.parametrize("size", [(500, 375), (224, 300), (190, 160)])
def test_preset_on_pil_images_equals_torchvision(weights, size):
    img = _photo(*size)
    ours = models.get_weight(weights).transforms()(img)
    theirs = tvm.get_weight(weights).transforms()(img)
    assert isinstance(ours, minitorch_cv.Tensor) and tuple(ours.shape) == (3, 224, 224)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1.3e-6, atol=1e-5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape, size, antialias", [
    ((3, 300, 451), [256], True), ((2, 3, 500, 375), [232], True), ((1, 17, 23), [40], True),
    ((3, 64, 48), [20, 70], True), ((3, 40, 30), [64], False), ((3, 300, 451), [256], False)])
def test_tensor_resize_equals_torchvision(shape, size, antialias, dtype):
    """Bilinear tensor resize (antialiased or not) as torch's interpolate: float64 to 1e-10;
    float32 within 4e-6 of the value range (torch's float32 positions round differently)."""
    x = (np.random.default_rng(len(shape) + size[0]).random(shape) * 255).astype(dtype)
    ours = F.resize(minitorch_cv.from_numpy(x.copy()), size, antialias=antialias).numpy()
    theirs = TF.resize(torch.from_numpy(x.copy()), size, antialias=antialias).numpy()
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    tol = 1e-10 if dtype == np.float64 else 4e-6
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=tol * 255)


def test_preset_on_tensors_equals_torchvision():
    x = np.random.default_rng(1).random((3, 300, 400)).astype(np.float32)
    ours = models.ResNet50_Weights.IMAGENET1K_V2.transforms()(minitorch_cv.from_numpy(x.copy()))
    theirs = tvm.ResNet50_Weights.IMAGENET1K_V2.transforms()(torch.from_numpy(x.copy()))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5, atol=1e-5)


def test_registry_and_lookups():
    assert models.list_models() == sorted(["resnet18", "resnet34", "resnet50", "resnet101", "resnet152",
                                           "resnext50_32x4d", "wide_resnet50_2", "vgg11", "vgg11_bn", "vgg13",
                                           "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn", "alexnet",
                                           "mobilenet_v2"])
    assert models.list_models(include="resnet*", exclude="*101") == ["resnet152", "resnet18", "resnet34",
                                                                    "resnet50"]
    assert models.get_weight("ResNet50_Weights.DEFAULT") is models.ResNet50_Weights.IMAGENET1K_V2
    assert models.get_model_weights("mobilenet_v2") is models.MobileNet_V2_Weights
    assert models.get_model_weights(models.vgg16) is models.VGG16_Weights
    assert isinstance(models.get_model("resnet18", num_classes=10), models.ResNet)
    with pytest.raises(ValueError, match="Unknown model"):
        models.get_model("resnet9000")
    with pytest.raises(ValueError, match="Invalid weight name"):
        models.get_weight("ResNet50_Weights")
    with pytest.raises(TypeError, match="expected ResNet18_Weights but received ResNet50_Weights"):
        models.resnet18(weights=models.ResNet50_Weights.DEFAULT)
    with pytest.raises(ValueError, match="'num_classes' expected value 1000 but got 10"):
        models.resnet18(weights="IMAGENET1K_V1", num_classes=10)      # refused before any download
    with pytest.raises(ValueError, match="has no entry 'IMAGENET1K_V9'"):
        models.resnet18(weights="IMAGENET1K_V9")


def test_builder_kwargs():
    model = models.resnet18(num_classes=10)
    assert tuple(model.fc.weight.shape) == (10, 512)
    wide = models.wide_resnet50_2()
    assert tuple(wide.layer1[0].conv2.weight.shape) == (128, 128, 3, 3)
    resnext = models.resnext50_32x4d()
    assert resnext.layer1[0].conv2.groups == 32
    with pytest.raises(ValueError, match="groups"):
        models.resnext50_32x4d(groups=8)
    with pytest.raises(ValueError, match="BasicBlock only supports groups=1"):
        models.resnet18(groups=2)
    dilated = models.resnet50(replace_stride_with_dilation=[False, True, True])
    assert dilated.layer4[0].conv2.dilation == (2, 2) and dilated.layer4[1].conv2.dilation == (4, 4)
    assert models.mobilenet_v2(width_mult=0.5).features[0][0].out_channels == 16
    assert models.vgg11(dropout=0.2).classifier[2].p == 0.2


def test_initialisation_rules():
    """He-normal fan_out convolutions, BN 1/0, zero_init_residual zeroes each block's last BN."""
    minitorch_cv.manual_seed(0)
    model = models.resnet50(zero_init_residual=True)
    conv = model.layer3[0].conv2.weight.detach().numpy()               # fan_out = 256 * 9
    assert abs(conv.std() / np.sqrt(2.0 / (256 * 9)) - 1) < 0.02 and abs(conv.mean()) < 1e-3
    assert np.all(model.bn1.weight.detach().numpy() == 1) and np.all(model.bn1.bias.detach().numpy() == 0)
    assert all(np.all(block.bn3.weight.detach().numpy() == 0) for stage in (model.layer1, model.layer4) for block in stage)
    assert np.all(model.layer1[0].bn2.weight.detach().numpy() == 1)
    basic = models.resnet18(zero_init_residual=True)
    assert np.all(basic.layer2[1].bn2.weight.detach().numpy() == 0) and np.all(basic.layer2[1].bn1.weight.detach().numpy() == 1)
    vgg = models.vgg11_bn(num_classes=10)
    assert np.all(vgg.features[0].bias.detach().numpy() == 0) and np.all(vgg.classifier[6].bias.detach().numpy() == 0)
    linear = vgg.classifier[0].weight.detach().numpy()
    assert abs(linear.std() / 0.01 - 1) < 0.01
    mobile = models.mobilenet_v2()
    depthwise = mobile.features[2].conv[1][0].weight.detach().numpy()     # (96, 1, 3, 3): fan_out = 96 * 9
    assert abs(depthwise.std() / np.sqrt(2.0 / (96 * 9)) - 1) < 0.1


@pytest.fixture
def checkpoints(tmp_path, monkeypatch):
    """An empty torch hub cache ($TORCH_HOME/hub/checkpoints) for this test."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch_home"))
    monkeypatch.setattr(hub, "_hub_dir", None)
    return tmp_path / "torch_home" / "hub" / "checkpoints"


def _random_resnet18():
    """torchvision's resnet18 with seeded random weights, and its torch.save bytes."""
    torch.manual_seed(3)
    model = tvm.resnet18()
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    return model.state_dict(), buffer.getvalue()


def _assert_same_state(ours, theirs):
    ours = ours.state_dict()
    assert list(ours) == list(theirs)
    for key, value in theirs.items():
        np.testing.assert_array_equal(ours[key].detach().numpy(), value.numpy(), err_msg=key)


def test_weights_load_from_a_prefilled_torch_cache(checkpoints):
    """A file torchvision would have downloaded (same folder, same name) is used as it is."""
    state, body = _random_resnet18()
    checkpoints.mkdir(parents=True)
    (checkpoints / "resnet18-f37072fd.pth").write_bytes(body)
    _assert_same_state(models.resnet18(weights=models.ResNet18_Weights.IMAGENET1K_V1), state)
    _assert_same_state(models.get_model("resnet18", weights="DEFAULT"), state)


def test_weights_download_from_a_local_server(checkpoints, server):  # noqa: F811
    """An entry whose file name carries its sha256 prefix downloads once, checked, into the cache."""
    state, body = _random_resnet18()
    name = f"resnet18-{hashlib.sha256(body).hexdigest()[:8]}.pth"
    server.files[f"/{name}"] = (body, None)

    class LocalWeights(models.WeightsEnum):
        IMAGENET1K_V1 = models.Weights(url=f"{server.url}/{name}", transforms=models.ResNet18_Weights.DEFAULT.transforms,
                                       meta=models.ResNet18_Weights.DEFAULT.meta)

    model = resnet._resnet(resnet.BasicBlock, [2, 2, 2, 2], LocalWeights.IMAGENET1K_V1, progress=False)
    _assert_same_state(model, state)
    assert sorted(p.name for p in checkpoints.iterdir()) == [name]


def _served_from(monkeypatch, base_url):
    """Send the enums' download.pytorch.org urls to ``base_url`` instead (no test uses the network)."""
    real = hub.load_state_dict_from_url
    monkeypatch.setattr(hub, "load_state_dict_from_url",
                        lambda url, **kwargs: real(url.replace(PYTORCH_MODELS, base_url), **kwargs))


def test_a_download_with_the_wrong_hash_is_refused(checkpoints, server, monkeypatch):  # noqa: F811
    _, body = _random_resnet18()
    server.files["/resnet18-f37072fd.pth"] = (body, None)
    _served_from(monkeypatch, server.url)
    with pytest.raises(DownloadError, match='invalid hash value \\(expected "f37072fd"'):
        models.resnet18(weights="DEFAULT", progress=False)
    assert list(checkpoints.iterdir()) == []


def test_an_unreachable_url_gives_a_clear_error(checkpoints, monkeypatch):
    with socket.socket() as probe:          # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    _served_from(monkeypatch, f"http://127.0.0.1:{port}")
    with pytest.raises(DownloadError, match="could not download .*resnet50-11ad3fa6.pth.*download it by hand"):
        models.resnet50(weights=models.ResNet50_Weights.IMAGENET1K_V2, progress=False)


def test_fine_tuning_recipe_from_the_readme():
    """Freeze the backbone, replace the head, edit a block through ``model.layer1[2].conv1``."""
    model = models.resnet50()
    assert repr(model.layer1[2].conv1) == "Conv2d(256, 64, kernel_size=(1, 1), stride=(1, 1), bias=False)"
    model.requires_grad_(False)
    model.fc = minitorch_cv.nn.Linear(2048, 10)
    model.layer1[2].conv1 = minitorch_cv.nn.Conv2d(256, 64, kernel_size=1, bias=False)
    trainable = [name for name, p in model.named_parameters() if p.requires_grad]
    assert trainable == ["layer1.2.conv1.weight", "fc.weight", "fc.bias"]
    optimizer = minitorch_cv.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.1, momentum=0.9)
    before = model.fc.weight.detach().numpy().copy()
    loss = minitorch_cv.nn.CrossEntropyLoss()(model(minitorch_cv.randn(2, 3, 32, 32)), minitorch_cv.tensor([1, 7]))
    loss.backward()
    optimizer.step()
    assert all(p.grad is None for name, p in model.named_parameters() if name not in trainable)
    assert not np.array_equal(model.fc.weight.detach().numpy(), before)
