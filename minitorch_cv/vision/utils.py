"""``make_grid`` and ``save_image`` with torchvision.utils' arguments and pixel-equal results."""
import math
import os
import tempfile

import numpy as np
from PIL import Image

from ..tensor import Tensor, from_numpy


def _batch(tensor):
    """The images as one NumPy batch [B, C, H, W] (a copy), gray images repeated to 3 channels."""
    if isinstance(tensor, list):
        for item in tensor:
            if not isinstance(item, Tensor):
                raise TypeError(f"tensor or list of tensors expected, got a list containing {type(item)}")
        shapes = {tuple(item.shape) for item in tensor}
        if len(shapes) != 1:
            raise RuntimeError(f"make_grid: all images must have the same shape, got {sorted(shapes)}")
        array = np.stack([item.detach().numpy() for item in tensor])
    elif isinstance(tensor, Tensor):
        array = tensor.detach().numpy().copy()
    else:
        raise TypeError(f"tensor or list of tensors expected, got {type(tensor)}")
    if array.ndim == 2:
        array = array[None]
    if array.ndim == 3:
        array = (np.concatenate([array] * 3, 0) if array.shape[0] == 1 else array)[None]
    if array.ndim != 4:
        raise ValueError(f"make_grid: expected images [B, C, H, W], [C, H, W] or [H, W], got shape {array.shape}")
    if array.shape[1] == 1:
        array = np.concatenate([array] * 3, 1)
    return array


def _normalize(images, value_range):
    """Clamp to (low, high) and map it to [0, 1] in place, in the images' dtype."""
    low, high = value_range if value_range is not None else (float(images.min()), float(images.max()))
    np.clip(images, low, high, out=images)
    images -= images.dtype.type(low)
    images /= images.dtype.type(max(high - low, 1e-5))


def make_grid(tensor, nrow=8, padding=2, normalize=False, value_range=None, scale_each=False, pad_value=0.0):
    """Tile a batch [B, C, H, W] (or a list of [C, H, W] images) into one [C, H', W'] image.

    Args:
        nrow: images per row. padding: pixels between and around images, filled with ``pad_value``.
        normalize: shift each value into [0, 1] by ``value_range`` (min, max), by default the
            batch's own min and max, or each image's own with ``scale_each``.
    """
    images = _batch(tensor)
    if normalize is True:
        if value_range is not None and not isinstance(value_range, tuple):
            raise TypeError("value_range has to be a tuple (min, max) if specified. min and max are numbers")
        for part in (images if scale_each is True else [images]):
            _normalize(part, value_range)
    if images.shape[0] == 1:
        return from_numpy(images[0])
    count, channels, height, width = images.shape
    columns = min(nrow, count)
    rows = int(math.ceil(float(count) / columns))
    cell_h, cell_w = height + padding, width + padding
    grid = np.full((channels, cell_h * rows + padding, cell_w * columns + padding), pad_value, dtype=images.dtype)
    for k in range(count):
        y, x = divmod(k, columns)
        grid[:, y * cell_h + padding:(y + 1) * cell_h, x * cell_w + padding:(x + 1) * cell_w] = images[k]
    return from_numpy(grid)


def _format_for(path):
    extension = os.path.splitext(path)[1].lower()
    known = Image.registered_extensions()
    if extension not in known:
        raise ValueError(f"save_image: unknown image file extension {extension!r} in {path!r}; pass format=")
    return known[extension]


def save_image(tensor, fp, format=None, **kwargs):
    """Save an image or a batch (tiled by ``make_grid`` with ``kwargs``) as torchvision does:
    values in [0, 1] times 255, plus 0.5, clamped and truncated to uint8. A path is written to a
    temporary file in the same folder and then renamed over it."""
    grid = make_grid(tensor, **kwargs).numpy()
    pixels = (grid * grid.dtype.type(255) + grid.dtype.type(0.5)).clip(0, 255).transpose(1, 2, 0).astype(np.uint8)
    image = Image.fromarray(pixels)
    if not isinstance(fp, (str, os.PathLike)):
        image.save(fp, format=format)
        return
    path = os.fspath(fp)
    format = format or _format_for(path)
    handle, temporary = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as f:
            image.save(f, format=format)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
