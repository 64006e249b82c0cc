"""The tutorial's visual chapter, written to a TensorBoard log dir with minitorch_cv.

What readers of the tutorial look at, on an image of their own and/or CIFAR-10:

* ``transforms/*``: an image after each transform (ToTensor, Resize, CenterCrop, RandomCrop,
  flips, ColorJitter, Normalize), as the tutorial's transforms listing writes them;
* ``dataloader/batch``: the first batches of a shuffled DataLoader (batch 64), tiled by add_images;
* ``conv/*`` and ``maxpool/*``: the tutorial's one-layer SimpleConv2d (3 -> 6 channels, 3x3,
  shown as pairs of 3-channel images) and MaxPool2d(3, stride 1, padding 1) on those batches;
* ``cifar10cnn/*``: each convolution's and max pool's feature maps for the first image, one
  grey tile per channel (make_grid, each channel scaled to [0, 1]), and the model's graph.

    python examples/visualize.py --data-dir ../shared/data --logdir logs
    python examples/visualize.py --image photo.jpg --logdir logs
    tensorboard --logdir logs
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # repository root

from PIL import Image  # noqa: E402

import minitorch_cv as torch  # noqa: E402
from minitorch_cv import nn  # noqa: E402
from minitorch_cv.models import CIFAR10CNN  # noqa: E402
from minitorch_cv.utils.data import DataLoader  # noqa: E402
from minitorch_cv.utils.tensorboard import SummaryWriter  # noqa: E402
from minitorch_cv.vision import datasets, transforms  # noqa: E402
from minitorch_cv.vision.utils import make_grid  # noqa: E402


class SimpleConv2d(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels=3, out_channels=6, kernel_size=3, stride=1, padding=1)

    def forward(self, x):
        return self.conv1(x)


def transform_steps(image):
    """The tutorial's transforms; crops are at most 200 pixels and never larger than the image."""
    crop = min(200, image.width, image.height)
    return [("ToTensor", transforms.ToTensor()),
            ("Resize", transforms.Resize((256, 256))),
            ("CenterCrop", transforms.CenterCrop(crop)),
            ("RandomCrop", transforms.RandomCrop(crop)),
            ("RandomHorizontalFlip", transforms.RandomHorizontalFlip(p=1)),
            ("RandomVerticalFlip", transforms.RandomVerticalFlip(p=1)),
            ("ColorJitter", transforms.ColorJitter(brightness=0.5, contrast=0.5, saturation=0.5, hue=0.5)),
            ("Normalize", transforms.Compose([transforms.ToTensor(),
                                              transforms.Normalize(mean=[0.5, 0.5, 0.5], std=[0.5, 0.5, 0.5])]))]


def log_transforms(writer, image):
    writer.add_image("transforms/Original", transforms.ToTensor()(image), 0)
    for step, (name, transform) in enumerate(transform_steps(image), start=1):
        output = transform(image)
        if not isinstance(output, torch.Tensor):
            output = transforms.ToTensor()(output)
        writer.add_image(f"transforms/{name}", output, step)


def log_batches(writer, batches):
    """DataLoader grids, then SimpleConv2d and MaxPool2d outputs on the same batches."""
    conv, pool = SimpleConv2d(), nn.MaxPool2d(kernel_size=3, stride=1, padding=1)
    with torch.no_grad():
        for step, images in enumerate(batches):
            writer.add_images("dataloader/batch", images, step)
            output = conv(images)
            writer.add_images("conv/input", images, step)
            writer.add_images("conv/output", torch.reshape(output, (-1, 3, output.shape[2], output.shape[3])), step)
            writer.add_images("maxpool/input", images, step)
            writer.add_images("maxpool/output", pool(images), step)


def log_feature_maps(writer, images):
    """The tutorial network's convolution and max-pool outputs for the first image, and its graph."""
    model = CIFAR10CNN().eval()
    x = images[:1]
    with torch.no_grad():
        for index, layer in enumerate(model.model):
            x = layer(x)
            if isinstance(layer, (nn.Conv2d, nn.MaxPool2d)):
                maps = x[0].reshape(x.shape[1], 1, x.shape[2], x.shape[3])
                grid = make_grid(maps, nrow=8, padding=1, normalize=True, scale_each=True, pad_value=1.0)
                writer.add_image(f"cifar10cnn/{index}_{type(layer).__name__}", grid, 0)
    writer.add_graph(model, images[:1])


def cifar_batches(data_dir, count, batch_size, seed):
    dataset = datasets.CIFAR10(data_dir, train=False, transform=transforms.ToTensor())
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=True,
                        generator=torch.Generator().manual_seed(seed))
    batches = []
    for images, _ in loader:
        batches.append(images)
        if len(batches) == count:
            break
    return batches, dataset


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--image", help="an image file for the transforms (default: the first CIFAR-10 test image)")
    parser.add_argument("--data-dir", help="folder holding cifar-10-batches-py, for the batch grids")
    parser.add_argument("--logdir", default="logs", help="TensorBoard log dir (default ./logs)")
    parser.add_argument("--batches", type=int, default=3, help="DataLoader batches to draw (default 3)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0, help="seeds the layers' weights and the shuffling")
    args = parser.parse_args(argv)
    if args.image is None and args.data_dir is None:
        parser.error("give --image, --data-dir or both")
    torch.manual_seed(args.seed)
    batches, image = [], None
    try:
        if args.data_dir is not None:
            batches, dataset = cifar_batches(args.data_dir, args.batches, args.batch_size, args.seed)
            image = Image.fromarray(dataset.data[0])
        if args.image is not None:
            image = Image.open(args.image).convert("RGB")
    except (OSError, RuntimeError) as error:
        parser.exit(1, f"visualize.py: error: {error}\n")
    if not batches:   # only an image: a batch of one, at CIFAR's size
        batches = [transforms.ToTensor()(image.resize((32, 32)))[None]]
    with SummaryWriter(args.logdir) as writer:
        log_transforms(writer, image)
        log_batches(writer, batches)
        log_feature_maps(writer, transforms.ToTensor()(image.resize((32, 32)))[None]
                         if args.image else batches[0])
    print(f"wrote {args.logdir}; view it with: tensorboard --logdir {args.logdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
