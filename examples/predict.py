"""Classify images with a trained CIFAR10CNN checkpoint (either backend's file, on either backend).

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
from minitorch_cv.models import ACTIVATIONS, cifar10_cnn_state_keys  # noqa: E402
from minitorch_cv.vision import transforms  # noqa: E402
from reference.formats import format_of  # noqa: E402

CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer",
                   "dog", "frog", "horse", "ship", "truck")
PREPROCESS = transforms.Compose([transforms.Resize((32, 32)), transforms.ToTensor()])


def read_weights(path, backend):
    """(activation, state_dict) from a training checkpoint or a bare CIFAR10CNN state_dict."""
    content = backend.load(path)
    state = content.get("model", content) if isinstance(content, dict) else content
    keys = list(state) if isinstance(state, dict) else []
    for activation in ACTIVATIONS:
        if sorted(keys) == sorted(cifar10_cnn_state_keys(activation)):
            return activation, state
    raise ValueError(f"{path!r} does not hold CIFAR10CNN weights: its keys are {keys[:10]}, expected "
                     f"{cifar10_cnn_state_keys('none')} (or the relu model's "
                     f"{cifar10_cnn_state_keys('relu')})")


def load_model(path, backend):
    activation, state = read_weights(path, backend)
    try:
        model = backend.build_model(activation, state)
    except (RuntimeError, ValueError, KeyError) as error:
        raise ValueError(f"{path!r} holds weights that do not fit CIFAR10CNN: {error}") from None
    return model.eval()


def load_images(paths):
    """The images as one float32 batch [N, 3, 32, 32] in [0, 1]."""
    arrays = []
    for path in paths:
        try:
            with Image.open(path) as image:
                arrays.append(PREPROCESS(image.convert("RGB")).numpy())
        except (OSError, UnidentifiedImageError) as error:
            raise ValueError(f"cannot read image {path!r}: {error}") from None
    return np.stack(arrays)


def predict(paths, checkpoint, backend_name=None):
    """Class probabilities [N, 10] for the images at ``paths``."""
    backend = Backend(backend_name or format_of(checkpoint))
    model = load_model(checkpoint, backend)
    with backend.lib.no_grad():
        logits = model(backend.tensor(load_images(paths)))
        return backend.lib.softmax(logits, dim=1).numpy()


def main(argv=None):
    parser = argparse.ArgumentParser(description="Predict CIFAR-10 classes of images with a CIFAR10CNN "
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
