"""ResNet, ResNeXt and Wide ResNet as in torchvision: one ``ResNet`` class built from
``BasicBlock`` (two 3x3 convolutions) or ``Bottleneck`` (1x1, 3x3, 1x1; stride on the 3x3,
"ResNet v1.5") blocks; the builders only pick the block, the layer counts and the width, and
hand the weights to ``_resnet``. Attribute names, state_dict keys, printing and initialisation
are torchvision's, so its checkpoints load unchanged.
"""
from ... import flatten, nn
from ...nn.inference_fusion import conv_bn, downsample
from ._api import WeightsEnum, builder
from ._utils import _ovewrite_named_param, build, imagenet_weights

__all__ = ["ResNet", "BasicBlock", "Bottleneck", "ResNet18_Weights", "ResNet34_Weights", "ResNet50_Weights",
           "ResNet101_Weights", "ResNet152_Weights", "ResNeXt50_32X4D_Weights", "Wide_ResNet50_2_Weights",
           "resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "resnext50_32x4d", "wide_resnet50_2"]


def conv3x3(in_planes, out_planes, stride=1, groups=1, dilation=1):
    """3x3 convolution, padded to keep the size (at stride 1), without bias (a BatchNorm follows)."""
    return nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=dilation, groups=groups,
                     bias=False, dilation=dilation)


def conv1x1(in_planes, out_planes, stride=1):
    return nn.Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, bias=False)


class BasicBlock(nn.Module):
    """conv3x3-BN-ReLU-conv3x3-BN, plus the (optionally downsampled) input, then ReLU."""

    expansion = 1

    def __init__(self, inplanes, planes, stride=1, downsample=None, groups=1, base_width=64, dilation=1,
                 norm_layer=None):
        super().__init__()
        norm_layer = nn.BatchNorm2d if norm_layer is None else norm_layer
        if groups != 1 or base_width != 64:
            raise ValueError("BasicBlock only supports groups=1 and base_width=64")
        if dilation > 1:
            raise NotImplementedError("Dilation > 1 not supported in BasicBlock")
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = norm_layer(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = norm_layer(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        out = conv_bn(x, self.conv1, self.bn1, self.relu)
        identity = x if self.downsample is None else downsample(x, self.downsample)
        return conv_bn(out, self.conv2, self.bn2, self.relu, residual=identity)


class Bottleneck(nn.Module):
    """conv1x1 (narrow) - conv3x3 (strided, grouped) - conv1x1 (widen by ``expansion``), BN after each."""

    expansion = 4

    def __init__(self, inplanes, planes, stride=1, downsample=None, groups=1, base_width=64, dilation=1,
                 norm_layer=None):
        super().__init__()
        norm_layer = nn.BatchNorm2d if norm_layer is None else norm_layer
        width = int(planes * (base_width / 64.0)) * groups
        self.conv1 = conv1x1(inplanes, width)
        self.bn1 = norm_layer(width)
        self.conv2 = conv3x3(width, width, stride, groups, dilation)
        self.bn2 = norm_layer(width)
        self.conv3 = conv1x1(width, planes * self.expansion)
        self.bn3 = norm_layer(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        out = conv_bn(x, self.conv1, self.bn1, self.relu)
        out = conv_bn(out, self.conv2, self.bn2, self.relu)
        identity = x if self.downsample is None else downsample(x, self.downsample)
        return conv_bn(out, self.conv3, self.bn3, self.relu, residual=identity)


class ResNet(nn.Module):
    """Stem (7x7/2 conv, BN, ReLU, 3x3/2 max pool), four stages of blocks, global average pool, ``fc``.

    Args:
        block: ``BasicBlock`` or ``Bottleneck``; layers: blocks per stage (four ints).
        num_classes: outputs of ``fc``. zero_init_residual: start each block's last BN weight at 0,
        so every block begins as the identity. groups, width_per_group: ResNeXt / Wide ResNet width.
        replace_stride_with_dilation: three bools, dilate a stage instead of striding it.
        norm_layer: the normalisation layer class (default ``nn.BatchNorm2d``).
    """

    def __init__(self, block, layers, num_classes=1000, zero_init_residual=False, groups=1, width_per_group=64,
                 replace_stride_with_dilation=None, norm_layer=None):
        super().__init__()
        self._norm_layer = nn.BatchNorm2d if norm_layer is None else norm_layer
        self.inplanes = 64
        self.dilation = 1
        if replace_stride_with_dilation is None:
            replace_stride_with_dilation = [False, False, False]
        if len(replace_stride_with_dilation) != 3:
            raise ValueError("replace_stride_with_dilation should be None "
                             f"or a 3-element tuple, got {replace_stride_with_dilation}")
        self.groups = groups
        self.base_width = width_per_group
        self.conv1 = nn.Conv2d(3, self.inplanes, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = self._norm_layer(self.inplanes)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, 64, layers[0])
        self.layer2 = self._make_layer(block, 128, layers[1], stride=2, dilate=replace_stride_with_dilation[0])
        self.layer3 = self._make_layer(block, 256, layers[2], stride=2, dilate=replace_stride_with_dilation[1])
        self.layer4 = self._make_layer(block, 512, layers[3], stride=2, dilate=replace_stride_with_dilation[2])
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512 * block.expansion, num_classes)
        self._initialize(zero_init_residual)

    def _initialize(self, zero_init_residual):
        """He-normal (fan_out) convolutions, BN weight 1 / bias 0; optionally the last BN of each block at 0."""
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)
        if zero_init_residual:
            for m in self.modules():
                last_bn = m.bn3 if isinstance(m, Bottleneck) else m.bn2 if isinstance(m, BasicBlock) else None
                if last_bn is not None and last_bn.weight is not None:
                    nn.init.constant_(last_bn.weight, 0)

    def _make_layer(self, block, planes, blocks, stride=1, dilate=False):
        """One stage: the first block changes width/stride (with a 1x1 projection shortcut), the rest keep it."""
        norm_layer = self._norm_layer
        downsample = None
        previous_dilation = self.dilation
        if dilate:
            self.dilation *= stride
            stride = 1
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(conv1x1(self.inplanes, planes * block.expansion, stride),
                                       norm_layer(planes * block.expansion))
        layers = [block(self.inplanes, planes, stride, downsample, self.groups, self.base_width, previous_dilation,
                        norm_layer)]
        self.inplanes = planes * block.expansion
        for _ in range(1, blocks):
            layers.append(block(self.inplanes, planes, groups=self.groups, base_width=self.base_width,
                                dilation=self.dilation, norm_layer=norm_layer))
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.maxpool(conv_bn(x, self.conv1, self.bn1, self.relu))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        x = flatten(self.avgpool(x), 1)
        return self.fc(x)


def _resnet(block, layers, weights, progress, **kwargs):
    """The one place every ResNet builder goes through: build, then load ``weights`` if given."""
    return build(ResNet, weights, progress, block=block, layers=layers, **kwargs)


_RECIPE = "https://github.com/pytorch/vision/tree/main/references/classification#resnet"
_RECIPE_V2 = "https://github.com/pytorch/vision/issues/3995#new-recipe"
_URL = "https://download.pytorch.org/models/"


class ResNet18_Weights(WeightsEnum):
    IMAGENET1K_V1 = imagenet_weights(_URL + "resnet18-f37072fd.pth", num_params=11689512, acc1=69.758,
                                     acc5=89.078, ops=1.814, file_size=44.661, recipe=_RECIPE)
    DEFAULT = IMAGENET1K_V1


class ResNet34_Weights(WeightsEnum):
    IMAGENET1K_V1 = imagenet_weights(_URL + "resnet34-b627a593.pth", num_params=21797672, acc1=73.314,
                                     acc5=91.420, ops=3.664, file_size=83.275, recipe=_RECIPE)
    DEFAULT = IMAGENET1K_V1


class ResNet50_Weights(WeightsEnum):
    IMAGENET1K_V1 = imagenet_weights(_URL + "resnet50-0676ba61.pth", num_params=25557032, acc1=76.130,
                                     acc5=92.862, ops=4.089, file_size=97.781, recipe=_RECIPE)
    IMAGENET1K_V2 = imagenet_weights(_URL + "resnet50-11ad3fa6.pth", num_params=25557032, acc1=80.858,
                                     acc5=95.434, ops=4.089, file_size=97.79, resize_size=232,
                                     recipe="https://github.com/pytorch/vision/issues/3995#issuecomment-1013906621")
    DEFAULT = IMAGENET1K_V2


class ResNet101_Weights(WeightsEnum):
    IMAGENET1K_V1 = imagenet_weights(_URL + "resnet101-63fe2227.pth", num_params=44549160, acc1=77.374,
                                     acc5=93.546, ops=7.801, file_size=170.511, recipe=_RECIPE)
    IMAGENET1K_V2 = imagenet_weights(_URL + "resnet101-cd907fc2.pth", num_params=44549160, acc1=81.886,
                                     acc5=95.780, ops=7.801, file_size=170.53, resize_size=232, recipe=_RECIPE_V2)
    DEFAULT = IMAGENET1K_V2


class ResNet152_Weights(WeightsEnum):
    IMAGENET1K_V1 = imagenet_weights(_URL + "resnet152-394f9c45.pth", num_params=60192808, acc1=78.312,
                                     acc5=94.046, ops=11.514, file_size=230.434, recipe=_RECIPE)
    IMAGENET1K_V2 = imagenet_weights(_URL + "resnet152-f82ba261.pth", num_params=60192808, acc1=82.284,
                                     acc5=96.002, ops=11.514, file_size=230.474, resize_size=232, recipe=_RECIPE_V2)
    DEFAULT = IMAGENET1K_V2


class ResNeXt50_32X4D_Weights(WeightsEnum):
    IMAGENET1K_V1 = imagenet_weights(_URL + "resnext50_32x4d-7cdf4587.pth", num_params=25028904, acc1=77.618,
                                     acc5=93.698, ops=4.23, file_size=95.789,
                                     recipe="https://github.com/pytorch/vision/tree/main/references/classification#resnext")
    IMAGENET1K_V2 = imagenet_weights(_URL + "resnext50_32x4d-1a0047aa.pth", num_params=25028904, acc1=81.198,
                                     acc5=95.340, ops=4.23, file_size=95.833, resize_size=232, recipe=_RECIPE_V2)
    DEFAULT = IMAGENET1K_V2


class Wide_ResNet50_2_Weights(WeightsEnum):
    IMAGENET1K_V1 = imagenet_weights(_URL + "wide_resnet50_2-95faca4d.pth", num_params=68883240, acc1=78.468,
                                     acc5=94.086, ops=11.398, file_size=131.82,
                                     recipe="https://github.com/pytorch/vision/pull/912#issue-445437439")
    IMAGENET1K_V2 = imagenet_weights(_URL + "wide_resnet50_2-9ba9bcbe.pth", num_params=68883240, acc1=81.602,
                                     acc5=95.758, ops=11.398, file_size=263.124, resize_size=232,
                                     recipe="https://github.com/pytorch/vision/issues/3995#new-recipe-with-fixres")
    DEFAULT = IMAGENET1K_V2


@builder(ResNet18_Weights)
def resnet18(*, weights=None, progress=True, **kwargs):
    """ResNet-18 (He et al., 2015): BasicBlock x [2, 2, 2, 2]."""
    return _resnet(BasicBlock, [2, 2, 2, 2], ResNet18_Weights.verify(weights), progress, **kwargs)


@builder(ResNet34_Weights)
def resnet34(*, weights=None, progress=True, **kwargs):
    """ResNet-34: BasicBlock x [3, 4, 6, 3]."""
    return _resnet(BasicBlock, [3, 4, 6, 3], ResNet34_Weights.verify(weights), progress, **kwargs)


@builder(ResNet50_Weights)
def resnet50(*, weights=None, progress=True, **kwargs):
    """ResNet-50 (v1.5, stride on the 3x3): Bottleneck x [3, 4, 6, 3]."""
    return _resnet(Bottleneck, [3, 4, 6, 3], ResNet50_Weights.verify(weights), progress, **kwargs)


@builder(ResNet101_Weights)
def resnet101(*, weights=None, progress=True, **kwargs):
    """ResNet-101: Bottleneck x [3, 4, 23, 3]."""
    return _resnet(Bottleneck, [3, 4, 23, 3], ResNet101_Weights.verify(weights), progress, **kwargs)


@builder(ResNet152_Weights)
def resnet152(*, weights=None, progress=True, **kwargs):
    """ResNet-152: Bottleneck x [3, 8, 36, 3]."""
    return _resnet(Bottleneck, [3, 8, 36, 3], ResNet152_Weights.verify(weights), progress, **kwargs)


@builder(ResNeXt50_32X4D_Weights)
def resnext50_32x4d(*, weights=None, progress=True, **kwargs):
    """ResNeXt-50 32x4d (Xie et al., 2016): ResNet-50 with 32 groups of width 4 in each 3x3."""
    _ovewrite_named_param(kwargs, "groups", 32)
    _ovewrite_named_param(kwargs, "width_per_group", 4)
    return _resnet(Bottleneck, [3, 4, 6, 3], ResNeXt50_32X4D_Weights.verify(weights), progress, **kwargs)


@builder(Wide_ResNet50_2_Weights)
def wide_resnet50_2(*, weights=None, progress=True, **kwargs):
    """Wide ResNet-50-2 (Zagoruyko & Komodakis, 2016): ResNet-50 with bottlenecks twice as wide."""
    _ovewrite_named_param(kwargs, "width_per_group", 64 * 2)
    return _resnet(Bottleneck, [3, 4, 6, 3], Wide_ResNet50_2_Weights.verify(weights), progress, **kwargs)
