"""Small helpers the builders share: checkpoint metadata, kwargs overrides, channel rounding."""
import os
from functools import partial

from ..transforms._presets import ImageClassification
from ._api import Weights


def _read_categories():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "imagenet_categories.txt")
    with open(path, encoding="utf-8") as f:
        names = f.read().splitlines()
    if len(names) != 1000:
        raise RuntimeError(f"{path}: expected 1000 ImageNet class names, found {len(names)}")
    return names


IMAGENET_CATEGORIES = _read_categories()


def imagenet_weights(url, *, num_params, acc1, acc5, ops, file_size, recipe, min_size=(1, 1), resize_size=256):
    """An ImageNet-1K checkpoint entry with torchvision's meta keys and its classification preset."""
    transforms = (partial(ImageClassification, crop_size=224) if resize_size == 256
                  else partial(ImageClassification, crop_size=224, resize_size=resize_size))
    meta = {"min_size": min_size, "categories": IMAGENET_CATEGORIES, "num_params": num_params, "recipe": recipe,
            "_metrics": {"ImageNet-1K": {"acc@1": acc1, "acc@5": acc5}}, "_ops": ops, "_file_size": file_size}
    return Weights(url=url, transforms=transforms, meta=meta)


def _ovewrite_named_param(kwargs, param, new_value):
    """Set ``kwargs[param]``; a caller's different value is an error (the weights fix it)."""
    if param in kwargs and kwargs[param] != new_value:
        raise ValueError(f"The parameter '{param}' expected value {new_value} but got {kwargs[param]} instead.")
    kwargs[param] = new_value


def _make_divisible(v, divisor, min_value=None):
    """Round a channel count to a multiple of ``divisor``, never more than 10% below ``v``."""
    min_value = divisor if min_value is None else min_value
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


def build(make_model, weights, progress, **kwargs):
    """``make_model(**kwargs)`` filled from ``weights`` (downloaded on first use), whose class count it takes."""
    if weights is not None:
        _ovewrite_named_param(kwargs, "num_classes", len(weights.meta["categories"]))
    model = make_model(**kwargs)
    if weights is not None:
        model.load_state_dict(weights.get_state_dict(progress=progress, check_hash=True))
    return model
