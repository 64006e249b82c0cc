"""AlexNet (Krizhevsky, "One weird trick", 2014), the variant torchvision ships."""
from ... import flatten, nn
from ._api import WeightsEnum, builder
from ._utils import build, imagenet_weights

__all__ = ["AlexNet", "AlexNet_Weights", "alexnet"]


class AlexNet(nn.Module):
    """Five convolutions with ReLU and three max pools, AdaptiveAvgPool2d(6x6), three Linear layers.

    The layers keep their default initialisation (torchvision adds none).
    """

    def __init__(self, num_classes=1000, dropout=0.5):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 64, kernel_size=11, stride=4, padding=2), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(64, 192, kernel_size=5, padding=2), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(192, 384, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(384, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(256, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2))
        self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
        self.classifier = nn.Sequential(
            nn.Dropout(p=dropout), nn.Linear(256 * 6 * 6, 4096), nn.ReLU(inplace=True),
            nn.Dropout(p=dropout), nn.Linear(4096, 4096), nn.ReLU(inplace=True),
            nn.Linear(4096, num_classes))

    def forward(self, x):
        x = flatten(self.avgpool(self.features(x)), 1)
        return self.classifier(x)


class AlexNet_Weights(WeightsEnum):
    IMAGENET1K_V1 = imagenet_weights(
        "https://download.pytorch.org/models/alexnet-owt-7be5be79.pth", num_params=61100840, acc1=56.522,
        acc5=79.066, ops=0.714, file_size=233.087, min_size=(63, 63),
        recipe="https://github.com/pytorch/vision/tree/main/references/classification#alexnet-and-vgg")
    DEFAULT = IMAGENET1K_V1


@builder(AlexNet_Weights)
def alexnet(*, weights=None, progress=True, **kwargs):
    """AlexNet from "One weird trick for parallelizing convolutional neural networks"."""
    return build(AlexNet, AlexNet_Weights.verify(weights), progress, **kwargs)
