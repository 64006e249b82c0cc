"""Classify images with a trained train_cifar.py checkpoint (CIFAR10CNN or a CIFAR ResNet; either
backend's file, on either backend).

    python examples/predict.py cat.jpg truck.png --checkpoint runs/numpy-none-seed0/checkpoint.npz

Each image (any size or mode) is converted to RGB and resized to 32x32, as in the tutorial,
then the predicted class and the top-3 probabilities are printed. The backend defaults to the
checkpoint's own (``.npz``: numpy, ``.pth``: torch); ``--backend`` runs it on the other one.
"""
import argparse
import os
import pickle
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # repository root

import numpy as np  # noqa: E402
from PIL import Image, UnidentifiedImageError  # noqa: E402

from cifar_training.backends import BACKENDS, Backend  # noqa: E402
from cifar_training.recipes import CIFAR_MEAN, CIFAR_STD  # noqa: E402
from minitorch_cv.models import ACTIVATIONS, cifar10_cnn_state_keys  # noqa: E402
from minitorch_cv.vision import transforms  # noqa: E402
from reference.formats import format_of  # noqa: E402

CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer",
                   "dog", "frog", "horse", "ship", "truck")
PREPROCESS = transforms.Compose([transforms.Resize((32, 32)), transforms.ToTensor()])


def read_weights(path, backend):
    """(recipe, state_dict) from a training checkpoint or a bare CIFAR10CNN state_dict.

    ``recipe`` names the model, its activation and the input normalization; a checkpoint of
    another model (a CIFAR ResNet) carries them in its own recipe.
    """
    content = backend.load(path)
    state = content.get("model", content) if isinstance(content, dict) else content
    saved = content.get("recipe", {}) if isinstance(content, dict) and "recipe" in content else {}
    recipe = dict(model=saved.get("model", "cifar10cnn"), activation=saved.get("activation", "none"),
                  normalize=saved.get("normalize", "none"))
    if recipe["model"] != "cifar10cnn":
        return recipe, state
    keys = list(state) if isinstance(state, dict) else []
    for activation in ACTIVATIONS:
        if sorted(keys) == sorted(cifar10_cnn_state_keys(activation)):
            return dict(recipe, activation=activation), state
    raise ValueError(f"{path!r} does not hold CIFAR10CNN weights: its keys are {keys[:10]}, expected "
                     f"{cifar10_cnn_state_keys('none')} (or the relu model's "
                     f"{cifar10_cnn_state_keys('relu')})")


def load_model(path, backend):
    """The checkpoint's model in eval mode, and its recipe."""
    recipe, state = read_weights(path, backend)
    try:
        model = backend.build_model(recipe["activation"], state, recipe["model"])
    except (RuntimeError, ValueError, KeyError) as error:
        raise ValueError(f"{path!r} holds weights that do not fit {recipe['model']}: {error}") from None
    return model.eval(), recipe


def load_images(paths, normalize="none"):
    """The images as one float32 batch [N, 3, 32, 32] in [0, 1] (standardized with CIFAR-10's
    channel mean and std when ``normalize="cifar"``, as the model was trained)."""
    steps = [PREPROCESS] + ([transforms.Normalize(CIFAR_MEAN, CIFAR_STD)] if normalize == "cifar" else [])
    preprocess = transforms.Compose(steps)
    arrays = []
    for path in paths:
        try:
            with Image.open(path) as image:
                arrays.append(preprocess(image.convert("RGB")).numpy())
        except (OSError, UnidentifiedImageError) as error:
            raise ValueError(f"cannot read image {path!r}: {error}") from None
    return np.stack(arrays)


def predict(paths, checkpoint, backend_name=None):
    """Class probabilities [N, 10] for the images at ``paths``."""
    backend = Backend(backend_name or format_of(checkpoint))
    model, recipe = load_model(checkpoint, backend)
    with backend.lib.no_grad():
        logits = model(backend.tensor(load_images(paths, recipe["normalize"])))
        return backend.lib.softmax(logits, dim=1).numpy()


def main(argv=None):
    parser = argparse.ArgumentParser(description="Predict CIFAR-10 classes of images with a train_cifar.py "
                                                 "checkpoint.")
    parser.add_argument("images", nargs="+", metavar="IMAGE", help="image files (any size or mode)")
    parser.add_argument("--checkpoint", required=True, help=".npz (minitorch_cv) or .pth (PyTorch) file: "
                                                            "a train_cifar.py checkpoint or a state_dict")
    parser.add_argument("--backend", choices=BACKENDS, help="default: the checkpoint's own")
    args = parser.parse_args(argv)
    try:
        probabilities = predict(args.images, args.checkpoint, args.backend)
    except (OSError, RuntimeError, ValueError, TypeError, pickle.UnpicklingError) as error:
        parser.exit(1, f"predict.py: error: {error}\n")
    for path, probs in zip(args.images, probabilities):
        top = np.argsort(-probs, kind="stable")[:3]
        ranked = ", ".join(f"{CIFAR10_CLASSES[k]} {probs[k]:.3f}" for k in top)
        print(f"{path}: {CIFAR10_CLASSES[top[0]]}  (top 3: {ranked})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
