"""Classification models with torchvision's builders, module names, state_dict keys and weights enums.

    from minitorch_cv.vision import models
    model = models.resnet50(weights=models.ResNet50_Weights.IMAGENET1K_V2)   # or weights="DEFAULT"
    preprocess = models.ResNet50_Weights.IMAGENET1K_V2.transforms()
"""
from ._api import Weights, WeightsEnum, get_model, get_model_builder, get_model_weights, get_weight, list_models
from .alexnet import AlexNet, AlexNet_Weights, alexnet
from .mobilenetv2 import MobileNet_V2_Weights, MobileNetV2, mobilenet_v2
from .resnet import (ResNet, ResNet18_Weights, ResNet34_Weights, ResNet50_Weights, ResNet101_Weights,
                     ResNet152_Weights, ResNeXt50_32X4D_Weights, Wide_ResNet50_2_Weights, resnet18, resnet34,
                     resnet50, resnet101, resnet152, resnext50_32x4d, wide_resnet50_2)
from .vgg import (VGG, VGG11_BN_Weights, VGG11_Weights, VGG13_BN_Weights, VGG13_Weights, VGG16_BN_Weights,
                  VGG16_Weights, VGG19_BN_Weights, VGG19_Weights, vgg11, vgg11_bn, vgg13, vgg13_bn, vgg16,
                  vgg16_bn, vgg19, vgg19_bn)
