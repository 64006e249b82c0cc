"""Classify an image with an ImageNet model from the zoo and print the top-5 classes.

    python examples/classify.py dog.jpg --model resnet50 --weights IMAGENET1K_V2
    python examples/classify.py dog.jpg --model resnet50 --weights resnet50-11ad3fa6.pth --backend torch

``--weights`` is either an entry of the model's weights enum (``DEFAULT``, ``IMAGENET1K_V1``,
``ResNet50_Weights.IMAGENET1K_V2``, ...), fetched into the torch hub cache
(``$TORCH_HOME/hub/checkpoints``) on first use, or a checkpoint file (a ``torch.save``'d
state_dict, ``.safetensors`` or minitorch_cv ``.npz``). The image goes through the weights'
preset (resize, centre crop 224, ImageNet mean/std; for a file, the model's DEFAULT preset).
``--backend numpy`` runs minitorch_cv (torch is never imported); ``--backend torch`` runs
torchvision's model on the same preprocessed pixels.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # repository root

import numpy as np  # noqa: E402
from PIL import Image, UnidentifiedImageError  # noqa: E402

import minitorch_cv  # noqa: E402
from minitorch_cv.vision import models  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("image", help="an image file (any size or mode; converted to RGB)")
    parser.add_argument("--model", default="resnet50", choices=models.list_models())
    parser.add_argument("--weights", default="DEFAULT", help="a weights enum entry or a checkpoint file")
    parser.add_argument("--backend", default="numpy", choices=("numpy", "torch"))
    parser.add_argument("--topk", type=int, default=5)
    return parser.parse_args(argv)


def resolve_weights(model_name, weights):
    """(enum entry or None, checkpoint path or None); an existing file wins over an enum name."""
    enum = models.get_model_weights(model_name)
    if os.path.isfile(weights):
        return None, weights
    try:
        return enum.verify(weights), None
    except ValueError:
        raise SystemExit(f"--weights {weights!r} is neither a file nor an entry of {enum.__name__} "
                         f"({', '.join(enum.__members__)})") from None


def preprocess(path, entry):
    try:
        with Image.open(path) as image:
            return entry.transforms()(image.convert("RGB")).numpy()[None]
    except (OSError, UnidentifiedImageError) as error:
        raise SystemExit(f"cannot read image {path!r}: {error}") from None


def numpy_probabilities(model_name, entry, path, pixels):
    if path is None:
        model = models.get_model(model_name, weights=entry)
    else:
        model = models.get_model(model_name)
        model.load_state_dict(minitorch_cv.load(path))
    model.eval()
    with minitorch_cv.no_grad():
        return minitorch_cv.softmax(model(minitorch_cv.from_numpy(pixels)), dim=1).numpy()[0]


def torch_probabilities(model_name, entry, path, pixels):
    import torch
    import torchvision

    if path is None:
        model = torchvision.models.get_model(model_name, weights=repr(entry))
    else:
        model = torchvision.models.get_model(model_name)
        model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    model.eval()
    with torch.no_grad():
        return torch.softmax(model(torch.from_numpy(pixels)), dim=1).numpy()[0]


def main(argv=None):
    args = parse_args(argv)
    entry, path = resolve_weights(args.model, args.weights)
    preset = entry if entry is not None else models.get_model_weights(args.model).DEFAULT
    pixels = preprocess(args.image, preset)
    run = numpy_probabilities if args.backend == "numpy" else torch_probabilities
    try:
        probabilities = run(args.model, entry, path, pixels)
    except (RuntimeError, OSError, ValueError) as error:
        raise SystemExit(f"cannot load the {args.model} weights {args.weights!r}: {error}") from None
    categories = preset.meta["categories"]
    print(f"{args.image}: {args.model} ({args.weights}, backend {args.backend})")
    for rank, index in enumerate(np.argsort(-probabilities)[:args.topk], start=1):
        print(f"  {rank}. {categories[index]:<30s} {100 * probabilities[index]:6.2f}%")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
