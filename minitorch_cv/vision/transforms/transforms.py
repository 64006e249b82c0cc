"""Transform classes with torchvision's names, arguments and results.

Each transform is called on one image (PIL, uint8 array or, after ToTensor, a Tensor). Those
that also have ``apply_batch(batch)`` transform a whole batch at once: a uint8 ndarray
[N, H, W, C] before ToTensor, a Tensor [N, C, H, W] after it. Random transforms then draw one
decision per sample from the same distribution as the per-image path. ``Compose`` has a batch
version when all its members do (see ``supports_batch``); datasets backed by one array use it to
load a batch with a few NumPy operations instead of a Python loop over images.

Randomness comes from ``generator`` (a ``minitorch_cv.Generator``; default: the global one):
the same draws torchvision makes, on the same stream, so after the same seed the crops, flips
and jitter are torchvision's, per image and in batches (``_draws``).
"""
import numbers

import numpy as np

from ...random import resolve
from ...tensor import Tensor
from . import _draws as draws
from . import functional as F
from .functional import InterpolationMode, PADDING_MODES


def supports_batch(transform):
    """True when ``transform`` (a Compose: every member) can run on a whole batch."""
    if isinstance(transform, Compose):
        return all(supports_batch(t) for t in transform.transforms)
    return callable(getattr(transform, "apply_batch", None))


def _pair(size, name):
    if isinstance(size, numbers.Number):
        return int(size), int(size)
    if len(size) == 1:
        return int(size[0]), int(size[0])
    if len(size) != 2:
        raise ValueError(f"{name}: please provide only two dimensions (h, w) for size, got {size!r}")
    return int(size[0]), int(size[1])


def _batch_array(batch, name):
    """The ndarray of a batch: uint8 [N, H, W, C] or a Tensor [N, C, H, W]."""
    array = batch._data if isinstance(batch, Tensor) else batch
    if not isinstance(array, np.ndarray) or array.ndim != 4:
        raise ValueError(f"{name}.apply_batch: expected a uint8 array [N, H, W, C] or a Tensor "
                         f"[N, C, H, W], got {type(batch).__name__} of shape "
                         f"{getattr(batch, 'shape', None)}")
    return array


class Compose:
    """Apply transforms one after the other."""

    def __init__(self, transforms):
        self.transforms = transforms

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img

    def apply_batch(self, batch):
        for t in self.transforms:
            if not supports_batch(t):
                raise TypeError(f"Compose.apply_batch: {t!r} has no batch version; "
                                "check supports_batch() first")
        key = (type(batch), tuple(batch.shape[1:]), str(batch.dtype), tuple(map(id, self.transforms)))
        if getattr(self, "_word_counts", (None,))[0] != key:  # counts depend on the image shape only
            self._word_counts = (key, draws.word_counts(self.transforms, batch))
        sources = draws.sources(self.transforms, batch, self._word_counts[1])
        for index, t in enumerate(self.transforms):
            batch = t.apply_batch(batch, sources[index]) if index in sources else t.apply_batch(batch)
        return batch

    def __repr__(self):
        lines = "".join(f"\n    {t}" for t in self.transforms)
        return f"{type(self).__name__}({lines}\n)"


class ToTensor:
    """PIL image or [H, W(, C)] array -> CHW tensor; uint8 values are scaled to float32 [0, 1]."""

    def __call__(self, pic):
        if isinstance(pic, np.ndarray) and pic.ndim not in (2, 3):
            raise ValueError(f"ToTensor: pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        return F.to_tensor(pic)

    def apply_batch(self, batch):
        if not isinstance(batch, np.ndarray) or batch.ndim != 4:
            raise ValueError(f"ToTensor.apply_batch: expected an array [N, H, W, C], got "
                             f"{type(batch).__name__} of shape {getattr(batch, 'shape', None)}")
        return F.to_tensor(batch)

    def __repr__(self):
        return "ToTensor()"


class Normalize:
    """(x - mean) / std per channel of a float tensor, as torchvision computes it."""

    def __init__(self, mean, std, inplace=False):
        self.mean = mean
        self.std = std
        self.inplace = inplace

    def __call__(self, tensor):
        return F.normalize(tensor, self.mean, self.std, self.inplace)

    apply_batch = __call__

    def __repr__(self):
        return f"Normalize(mean={self.mean}, std={self.std})"


class Resize:
    """Resize to ``size`` (h, w), or make the shorter side ``size`` when it is an int."""

    def __init__(self, size, interpolation=InterpolationMode.BILINEAR, max_size=None,
                 antialias=True):
        if not isinstance(size, (int, list, tuple)):
            raise TypeError(f"Resize: size should be int or sequence. Got {type(size).__name__}")
        if isinstance(size, (list, tuple)) and len(size) not in (1, 2):
            raise ValueError("Resize: if size is a sequence, it should have 1 or 2 values")
        self.size = size
        self.interpolation = interpolation
        self.max_size = max_size
        self.antialias = antialias

    def __call__(self, img):
        return F.resize(img, self.size, self.interpolation, self.max_size, self.antialias)

    def __repr__(self):
        return (f"Resize(size={self.size}, interpolation={self.interpolation}, "
                f"max_size={self.max_size}, antialias={self.antialias})")


class CenterCrop:
    """Crop the centre (zero-padding first when the image is smaller than ``size``)."""

    def __init__(self, size):
        self.size = _pair(size, "CenterCrop")

    def __call__(self, img):
        return F.center_crop(img, self.size)

    def apply_batch(self, batch):
        _batch_array(batch, "CenterCrop")
        return F.center_crop(batch, self.size)

    def __repr__(self):
        return f"CenterCrop(size={self.size})"


class RandomCrop:
    """Crop a random ``size`` window, after optional padding (torchvision's arguments)."""

    def __init__(self, size, padding=None, pad_if_needed=False, fill=0, padding_mode="constant",
                 generator=None):
        if padding_mode not in PADDING_MODES:
            raise ValueError(f"RandomCrop: padding_mode should be one of {PADDING_MODES}, "
                             f"got {padding_mode!r}")
        if padding is not None:
            F.parse_padding(padding)
        self.size = _pair(size, "RandomCrop")
        self.padding = padding
        self.pad_if_needed = pad_if_needed
        self.fill = fill
        self.padding_mode = padding_mode
        self.generator = generator

    @staticmethod
    def get_params(img, output_size, generator=None):
        """(top, left, height, width) of a random crop of ``output_size`` inside ``img``."""
        _, h, w = F.get_dimensions(img)
        th, tw = output_size
        RandomCrop._check_fits(h, w, th, tw)
        if (h, w) == (th, tw):
            return 0, 0, h, w
        i = draws.randint(h - th + 1, generator)
        j = draws.randint(w - tw + 1, generator)
        return i, j, th, tw

    @staticmethod
    def get_batch_params(n, height, width, output_size, generator=None):
        """Arrays of ``n`` (top, left) offsets: those ``get_params`` draws for n images in a row."""
        th, tw = output_size
        RandomCrop._check_fits(height, width, th, tw)
        if (height, width) == (th, tw):
            return np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
        words = resolve(generator).words(2 * n).reshape(n, 2)
        return draws.below(words[:, 0], height - th + 1), draws.below(words[:, 1], width - tw + 1)

    @staticmethod
    def _check_fits(h, w, th, tw):
        if h < th or w < tw:
            raise ValueError(f"RandomCrop: required crop size {(th, tw)} is larger than input "
                             f"image size {(h, w)}")

    def _pad(self, img):
        if self.padding is not None:
            img = F.pad(img, self.padding, self.fill, self.padding_mode)
        _, height, width = F.get_dimensions(img)
        if self.pad_if_needed and width < self.size[1]:
            img = F.pad(img, [self.size[1] - width, 0], self.fill, self.padding_mode)
        if self.pad_if_needed and height < self.size[0]:
            img = F.pad(img, [0, self.size[0] - height], self.fill, self.padding_mode)
        return img

    def __call__(self, img):
        img = self._pad(img)
        i, j, h, w = self.get_params(img, self.size, self.generator)
        return F.crop(img, i, j, h, w)

    def apply_batch(self, batch, generator=None):
        """Crop every image; ``generator`` (default: this transform's) is how Compose hands over
        the words of this transform, image by image."""
        array = _batch_array(self._pad(batch), "RandomCrop")
        h_axis, w_axis, _ = F._axes(batch)
        th, tw = self.size
        tops, lefts = self.get_batch_params(len(array), array.shape[h_axis], array.shape[w_axis],
                                            self.size, generator or self.generator)
        shape = list(array.shape)
        shape[h_axis], shape[w_axis] = th, tw
        out = np.empty(shape, dtype=array.dtype)
        window = [slice(None)] * (array.ndim - 1)
        for k, top, left in zip(range(len(array)), tops.tolist(), lefts.tolist()):
            window[h_axis], window[w_axis] = slice(top, top + th), slice(left, left + tw)
            out[k] = array[k][tuple(window)]
        return F._like(batch, out)

    def __repr__(self):
        return f"RandomCrop(size={self.size}, padding={self.padding})"


class _RandomFlip:
    """Flip with probability ``p``; ``_flip`` and ``_axis`` (0 height, 1 width) set the direction."""

    def __init__(self, p=0.5, generator=None):
        self.p = p
        self.generator = generator

    def __call__(self, img):
        if draws.rand(self.generator) < np.float32(self.p):
            return self._flip(img)
        return img

    def apply_batch(self, batch, generator=None):
        array = _batch_array(batch, type(self).__name__)
        words = resolve(generator or self.generator).words(len(array))
        flip = draws.unit_floats(words) < np.float32(self.p)
        out = array.copy()
        out[flip] = np.flip(array[flip], F._axes(batch)[self._axis])
        return F._like(batch, out)

    def __repr__(self):
        return f"{type(self).__name__}(p={self.p})"


class RandomHorizontalFlip(_RandomFlip):
    """Mirror left-right with probability ``p``."""

    _axis = 1
    _flip = staticmethod(F.hflip)


class RandomVerticalFlip(_RandomFlip):
    """Mirror top-bottom with probability ``p``."""

    _axis = 0
    _flip = staticmethod(F.vflip)


class ColorJitter:
    """Random brightness, contrast, saturation and hue changes, applied in a random order."""

    def __init__(self, brightness=0, contrast=0, saturation=0, hue=0, generator=None):
        self.brightness = self._check_input(brightness, "brightness")
        self.contrast = self._check_input(contrast, "contrast")
        self.saturation = self._check_input(saturation, "saturation")
        self.hue = self._check_input(hue, "hue", center=0, bound=(-0.5, 0.5),
                                     clip_first_on_zero=False)
        self.generator = generator

    @staticmethod
    def _check_input(value, name, center=1, bound=(0, float("inf")), clip_first_on_zero=True):
        """A factor range [lo, hi] from a number (center -/+ value) or a pair; None if a no-op."""
        if isinstance(value, numbers.Number):
            if value < 0:
                raise ValueError(f"ColorJitter: if {name} is a single number, it must be non negative.")
            value = [center - float(value), center + float(value)]
            if clip_first_on_zero:
                value[0] = max(value[0], 0.0)
        elif isinstance(value, (tuple, list)) and len(value) == 2:
            value = [float(value[0]), float(value[1])]
        else:
            raise TypeError(f"ColorJitter: {name} should be a single number or a list/tuple with "
                            "length 2.")
        if not bound[0] <= value[0] <= value[1] <= bound[1]:
            raise ValueError(f"ColorJitter: {name} values should be between {bound}, but got {value}.")
        return None if value[0] == value[1] == center else tuple(value)

    @staticmethod
    def get_params(brightness, contrast, saturation, hue, generator=None):
        """A random order of the four adjustments and a factor for each one that is enabled."""
        fn_idx = draws.randperm(4, generator)
        factors = [None if r is None else draws.uniform(r[0], r[1], generator)
                   for r in (brightness, contrast, saturation, hue)]
        return (fn_idx, *factors)

    def __call__(self, img):
        fn_idx, *factors = self.get_params(self.brightness, self.contrast, self.saturation,
                                           self.hue, self.generator)
        adjust = (F.adjust_brightness, F.adjust_contrast, F.adjust_saturation, F.adjust_hue)
        for fn_id in fn_idx:
            if factors[fn_id] is not None:
                img = adjust[fn_id](img, factors[fn_id])
        return img

    def __repr__(self):
        return (f"ColorJitter(brightness={self.brightness}, contrast={self.contrast}, "
                f"saturation={self.saturation}, hue={self.hue})")


class Lambda:
    """Apply a user function to each image."""

    def __init__(self, lambd):
        if not callable(lambd):
            raise TypeError(f"Lambda: argument lambd should be callable, got {type(lambd).__name__!r}")
        self.lambd = lambd

    def __call__(self, img):
        return self.lambd(img)

    def __repr__(self):
        return "Lambda()"
