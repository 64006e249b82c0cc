"""The CIFAR-10 ResNets of He et al. 2016, section 4.2: ResNet-20/32/44/56/110.

A 3x3 convolution with 16 channels, then 3 stages of n basic blocks each (16, 32, 64
channels; the first block of stages 2 and 3 halves the image with stride 2), global
average pooling and ``Linear(64, 10)``: 6n + 2 layers. Shortcuts are option A: the identity,
taken at stride 2 and zero-padded in channels where a stage changes size, so they hold no
weights. Convolution and linear weights start as ``kaiming_normal_`` (fan_in), as in the
common PyTorch CIFAR ResNet code; ``reference/models.py`` builds the PyTorch twin from the same
``resnet_classes`` with ``torch.nn``, so both have the same layers and ``state_dict`` keys.
"""
from .. import nn
from ..nn import functional as F
from ..nn.inference_fusion import conv_bn

DEPTHS = (20, 32, 44, 56, 110)


def blocks_per_stage(depth):
    if depth not in DEPTHS and (depth < 8 or (depth - 2) % 6):
        raise ValueError(f"CIFAR ResNet: depth must be 6n + 2 (e.g. {DEPTHS}), got {depth}")
    return (depth - 2) // 6


def resnet_classes(nn_module, functional, conv_bn=None):
    """(BasicBlock, CIFARResNet) built on ``nn_module``/``functional``: minitorch_cv's or torch's.

    ``conv_bn(x, conv, bn, relu, residual)`` runs ``relu(bn(conv(x)) + residual)`` (relu: True;
    residual: a tensor or None); by default as those ops, one by one. minitorch_cv passes
    ``nn.inference_fusion.conv_bn``, which fuses them where that changes nothing but the time."""
    if conv_bn is None:
        def conv_bn(x, conv, bn, relu, residual=None):
            out = bn(conv(x))
            return functional.relu(out if residual is None else out + residual)

    class BasicBlock(nn_module.Module):
        """conv3x3-BN-ReLU-conv3x3-BN plus the option-A shortcut, then ReLU."""

        def __init__(self, in_planes, planes, stride=1):
            super().__init__()
            self.conv1 = nn_module.Conv2d(in_planes, planes, 3, stride, 1, bias=False)
            self.bn1 = nn_module.BatchNorm2d(planes)
            self.conv2 = nn_module.Conv2d(planes, planes, 3, 1, 1, bias=False)
            self.bn2 = nn_module.BatchNorm2d(planes)
            self.pad_channels = (planes - in_planes) // 2 if stride != 1 or in_planes != planes else None

        def shortcut(self, x):
            if self.pad_channels is None:
                return x
            x = x[:, :, ::2, ::2]
            return functional.pad(x, (0, 0, 0, 0, self.pad_channels, self.pad_channels), "constant", 0)

        def forward(self, x):
            out = conv_bn(x, self.conv1, self.bn1, True)
            return conv_bn(out, self.conv2, self.bn2, True, self.shortcut(x))

    class CIFARResNet(nn_module.Module):
        """ResNet-(6n+2) for 32x32 images.

        Args:
            depth (int): 20, 32, 44, 56, 110 (any 6n + 2).
            num_classes (int): outputs of the last layer (default 10).

        Shape:
            - Input: ``(N, 3, H, W)``, H and W multiples of 4 (32 for CIFAR).
            - Output: ``(N, num_classes)`` logits.
        """

        def __init__(self, depth=20, num_classes=10):
            super().__init__()
            self.depth = depth
            n = blocks_per_stage(depth)
            self.conv1 = nn_module.Conv2d(3, 16, 3, 1, 1, bias=False)
            self.bn1 = nn_module.BatchNorm2d(16)
            self.layer1 = self._stage(16, 16, n, 1)
            self.layer2 = self._stage(16, 32, n, 2)
            self.layer3 = self._stage(32, 64, n, 2)
            self.linear = nn_module.Linear(64, num_classes)
            for module in self.modules():
                if isinstance(module, (nn_module.Conv2d, nn_module.Linear)):
                    nn_module.init.kaiming_normal_(module.weight)

        @staticmethod
        def _stage(in_planes, planes, blocks, stride):
            layers = [BasicBlock(in_planes, planes, stride)]
            layers += [BasicBlock(planes, planes) for _ in range(blocks - 1)]
            return nn_module.Sequential(*layers)

        def forward(self, x):
            out = conv_bn(x, self.conv1, self.bn1, True)
            out = self.layer3(self.layer2(self.layer1(out)))
            out = functional.avg_pool2d(out, out.shape[3])
            return self.linear(out.flatten(1))

        def extra_repr(self):
            return f"depth={self.depth}"

    return BasicBlock, CIFARResNet


BasicBlock, CIFARResNet = resnet_classes(nn, F, conv_bn)


def cifar_resnet20(num_classes=10):
    """ResNet-20 (0.27M parameters)."""
    return CIFARResNet(20, num_classes)


def cifar_resnet32(num_classes=10):
    """ResNet-32 (0.46M parameters)."""
    return CIFARResNet(32, num_classes)


def cifar_resnet44(num_classes=10):
    """ResNet-44 (0.66M parameters)."""
    return CIFARResNet(44, num_classes)


def cifar_resnet56(num_classes=10):
    """ResNet-56 (0.85M parameters)."""
    return CIFARResNet(56, num_classes)


def cifar_resnet110(num_classes=10):
    """ResNet-110 (1.7M parameters)."""
    return CIFARResNet(110, num_classes)
