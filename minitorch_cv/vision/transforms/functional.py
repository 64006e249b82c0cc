"""Image operations behind the transforms, named as in ``torchvision.transforms.functional``.

Three kinds of image are accepted:

* PIL images: handled with PIL the way torchvision's PIL backend does, so values match it;
* NumPy uint8 arrays, channels last: [H, W], [H, W, C], or a batch [N, H, W, C]; pad, crop and
  flip are plain NumPy, resize and colour changes go through PIL and back;
* minitorch_cv Tensors [..., C, H, W] (what ToTensor returns): normalize, pad, crop, flip, and
  bilinear resize (antialiased as torch's interpolate).

Array operations index height, width and channels from the end, so the same code serves one
image and a whole batch.
"""
import enum
import numbers

import numpy as np
from PIL import Image, ImageEnhance, ImageOps

from ...tensor import Tensor
from ._tensor_resize import resize_array

PADDING_MODES = ("constant", "edge", "reflect", "symmetric")


class InterpolationMode(enum.Enum):
    """Resampling filters (torchvision's names); PIL's integer constants are accepted too."""

    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"
    BOX = "box"
    HAMMING = "hamming"
    LANCZOS = "lanczos"


_PIL_FILTERS = {"nearest": Image.NEAREST, "nearest-exact": Image.NEAREST, "bilinear": Image.BILINEAR,
                "bicubic": Image.BICUBIC, "box": Image.BOX, "hamming": Image.HAMMING,
                "lanczos": Image.LANCZOS}


def _is_pil(img):
    return isinstance(img, Image.Image)


def _array(img, op):
    """The ndarray behind ``img`` (ndarray or Tensor); a clear TypeError for anything else."""
    if isinstance(img, Tensor):
        return img._data
    if isinstance(img, np.ndarray):
        return img
    raise TypeError(f"{op}: expected a PIL Image, a NumPy array or a minitorch_cv Tensor, "
                    f"got {type(img).__name__}")


def _like(img, array):
    """Give ``array`` the kind of ``img``: a Tensor stays a Tensor, an ndarray an ndarray."""
    return Tensor._wrap(array) if isinstance(img, Tensor) else array


def _axes(img):
    """(height, width, channel) axes, counted from the end; channel is None for 2-D images."""
    channels_last = isinstance(img, np.ndarray)
    if img.ndim < 2:
        raise ValueError(f"expected an image with at least 2 dimensions, got shape {tuple(img.shape)}")
    if img.ndim == 2:
        return -2, -1, None
    return (-3, -2, -1) if channels_last else (-2, -1, -3)


def get_dimensions(img):
    """[channels, height, width] of a PIL image, an array or a tensor."""
    if _is_pil(img):
        return [len(img.getbands()), img.height, img.width]
    array = _array(img, "get_dimensions")
    h_axis, w_axis, c_axis = _axes(img)
    channels = 1 if c_axis is None else array.shape[c_axis]
    return [channels, array.shape[h_axis], array.shape[w_axis]]


def to_tensor(pic):
    """A PIL image or an [H, W(, C)] array as a CHW tensor; uint8 is scaled to float32 in [0, 1].

    A batch [N, H, W, C] becomes [N, C, H, W] the same way (used by the batch path).
    """
    if _is_pil(pic):
        dtype = {"I": np.int32, "I;16": np.int16, "F": np.float32}.get(pic.mode, np.uint8)
        array = np.array(pic, dtype=dtype)
        if pic.mode == "1":
            array = array * np.uint8(255)
        array = array.reshape(pic.height, pic.width, len(pic.getbands()))
    elif isinstance(pic, np.ndarray):
        if pic.ndim not in (2, 3, 4):
            raise ValueError(f"to_tensor: pic should be 2/3 dimensional (or a 4-D batch). "
                             f"Got {pic.ndim} dimensions.")
        array = pic[:, :, None] if pic.ndim == 2 else pic
    else:
        raise TypeError(f"to_tensor: pic should be PIL Image or ndarray. Got {type(pic).__name__}")
    chw = np.moveaxis(array, -1, -3)
    if array.dtype == np.uint8:
        out = np.empty(chw.shape, dtype=np.float32)
        np.divide(chw, np.float32(255), out=out)
        return Tensor._wrap(out)
    return Tensor._wrap(np.ascontiguousarray(chw))


def normalize(tensor, mean, std, inplace=False):
    """(tensor - mean) / std per channel of a float tensor [..., C, H, W], in its own dtype."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"normalize: img should be Tensor Image (use ToTensor first). "
                        f"Got {type(tensor).__name__}")
    if not tensor.is_floating_point():
        raise TypeError(f"normalize: input tensor should be a float tensor. Got {tensor.dtype}.")
    if tensor.ndim < 3:
        raise ValueError(f"normalize: expected tensor to be a tensor image of size (..., C, H, W). "
                         f"Got tensor.size() = {list(tensor.shape)}")
    data = tensor._data
    mean = np.asarray(mean, dtype=data.dtype).reshape(-1, 1, 1)
    std = np.asarray(std, dtype=data.dtype).reshape(-1, 1, 1)
    channels = data.shape[-3]
    for name, value in (("mean", mean), ("std", std)):
        if len(value) not in (1, channels):
            raise ValueError(f"normalize: {name} has {len(value)} values but the tensor has "
                             f"{channels} channels")
    if (std == 0).any():
        raise ValueError(f"normalize: std evaluated to zero after conversion to {tensor.dtype}, "
                         "leading to division by zero.")
    if inplace:
        np.subtract(data, mean, out=data)
        np.divide(data, std, out=data)
        return tensor
    out = np.subtract(data, mean)
    np.divide(out, std, out=out)
    return Tensor._wrap(out)


def _pil_roundtrip(img, op, fn):
    """Apply a PIL-only ``fn`` to a uint8 array image by converting to PIL and back."""
    if isinstance(img, Tensor):
        raise TypeError(f"{op} works on PIL images and uint8 arrays; apply it before ToTensor")
    if not isinstance(img, np.ndarray) or img.dtype != np.uint8 or img.ndim not in (2, 3):
        raise TypeError(f"{op}: expected a PIL Image or a uint8 [H, W(, C)] array, got "
                        f"{type(img).__name__} {getattr(img, 'dtype', '')} "
                        f"{getattr(img, 'shape', '')}")
    single = img.ndim == 3 and img.shape[2] == 1
    result = np.array(fn(Image.fromarray(img[:, :, 0] if single else img)))
    return result[:, :, None] if single else result


def resized_output_size(height, width, size, max_size=None):
    """torchvision's rule: an int (or [int]) sets the shorter side, keeping the aspect ratio."""
    if isinstance(size, int):
        size = [size]
    if len(size) == 2:
        if max_size is not None:
            raise ValueError("max_size should only be passed if size specifies the length of the "
                             "smaller edge, i.e. size should be an int")
        return [size[0], size[1]]
    short, long = (width, height) if width <= height else (height, width)
    new_short, new_long = size[0], int(size[0] * long / short)
    if max_size is not None:
        if max_size <= size[0]:
            raise ValueError(f"max_size = {max_size} must be strictly greater than the requested "
                             f"size for the smaller edge size = {size}")
        if new_long > max_size:
            new_short, new_long = int(max_size * new_short / new_long), max_size
    new_w, new_h = (new_short, new_long) if width <= height else (new_long, new_short)
    return [new_h, new_w]


def resize(img, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True):
    """Resize with PIL; unchanged when the size already matches.

    PIL always antialiases (bilinear, bicubic), as torchvision does for PIL images, so
    ``antialias`` only matters for tensor images [..., C, H, W], resized (bilinear only) as
    torch's ``interpolate`` does.
    """
    if isinstance(interpolation, int):
        resample = interpolation
    elif isinstance(interpolation, InterpolationMode):
        resample = _PIL_FILTERS[interpolation.value]
    else:
        raise TypeError("resize: interpolation should be an InterpolationMode or a PIL integer "
                        f"constant, got {interpolation!r}")
    _, height, width = get_dimensions(img)
    new_h, new_w = resized_output_size(height, width, size, max_size)
    if (new_h, new_w) == (height, width):
        return img
    if isinstance(img, Tensor):
        if resample != Image.BILINEAR:
            raise NotImplementedError(f"resize: tensor images support bilinear interpolation only, got {interpolation}")
        return Tensor._wrap(resize_array(img._data, new_h, new_w, bool(antialias)))
    if _is_pil(img):
        return img.resize((new_w, new_h), resample)
    return _pil_roundtrip(img, "resize", lambda pil: pil.resize((new_w, new_h), resample))


def parse_padding(padding):
    """int, [p], [left/right, top/bottom] or [left, top, right, bottom] -> (l, t, r, b)."""
    if isinstance(padding, numbers.Number):
        padding = [padding]
    if not isinstance(padding, (list, tuple)) or len(padding) not in (1, 2, 4):
        raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, got {padding!r}")
    if len(padding) == 1:
        padding = [padding[0]] * 4
    elif len(padding) == 2:
        padding = [padding[0], padding[1], padding[0], padding[1]]
    ltrb = tuple(int(p) for p in padding)
    if min(ltrb) < 0:
        raise ValueError(f"padding must be non-negative, got {padding!r}")
    return ltrb


def _pil_fill(fill, img):
    """torchvision's PIL fill: one int per band (a tuple for multi-band images)."""
    bands = len(img.getbands())
    fill = 0 if fill is None else fill
    if isinstance(fill, numbers.Number):
        fill = (fill,) * bands if bands > 1 else fill
    elif len(fill) == 1:
        fill = tuple(fill) * bands
    elif len(fill) != bands:
        raise ValueError(f"The number of elements in 'fill' does not match the number of channels "
                         f"of the image ({len(fill)} != {bands})")
    if img.mode == "F":
        return tuple(fill) if isinstance(fill, (list, tuple)) else fill
    return tuple(int(x) for x in fill) if isinstance(fill, (list, tuple)) else int(fill)


def _pad_pil(img, ltrb, fill, mode):
    if mode == "constant":
        padded = ImageOps.expand(img, border=ltrb, fill=_pil_fill(fill, img))
        if img.mode == "P":
            padded.putpalette(img.getpalette())
        return padded
    left, top, right, bottom = ltrb
    array = np.asarray(img)
    widths = [(top, bottom), (left, right)] + [(0, 0)] * (array.ndim - 2)
    padded = Image.fromarray(np.pad(array, widths, mode=mode))
    if img.mode == "P":
        padded.putpalette(img.getpalette())
    return padded


def _pad_array(array, ltrb, fill, mode, axes):
    left, top, right, bottom = ltrb
    h_axis, w_axis, c_axis = axes
    widths = [(0, 0)] * array.ndim
    widths[h_axis], widths[w_axis] = (top, bottom), (left, right)
    if mode != "constant":
        return np.pad(array, widths, mode=mode)
    shape = [n + a + b for n, (a, b) in zip(array.shape, widths)]
    out = np.empty(shape, dtype=array.dtype)
    fill = np.asarray(0 if fill is None else fill, dtype=array.dtype)
    if fill.ndim and c_axis is not None:
        fill_shape = [1] * array.ndim
        fill_shape[c_axis] = -1
        fill = fill.reshape(fill_shape)
    out[...] = fill
    inner = [slice(None)] * array.ndim
    inner[h_axis] = slice(top, top + array.shape[h_axis])
    inner[w_axis] = slice(left, left + array.shape[w_axis])
    out[tuple(inner)] = array
    return out


def pad(img, padding, fill=0, padding_mode="constant"):
    """Pad the borders; modes constant (with ``fill``), edge, reflect and symmetric."""
    if padding_mode not in PADDING_MODES:
        raise ValueError(f"Padding mode should be one of {PADDING_MODES}, got {padding_mode!r}")
    ltrb = parse_padding(padding)
    if _is_pil(img):
        return _pad_pil(img, ltrb, fill, padding_mode)
    array = _array(img, "pad")
    return _like(img, _pad_array(array, ltrb, fill, padding_mode, _axes(img)))


def crop(img, top, left, height, width):
    """The [height, width] window at (top, left); parts outside the image are zero."""
    if _is_pil(img):
        return img.crop((left, top, left + width, top + height))
    array = _array(img, "crop")
    h_axis, w_axis, c_axis = _axes(img)
    h, w = array.shape[h_axis], array.shape[w_axis]
    outside = (max(-left, 0), max(-top, 0), max(left + width - w, 0), max(top + height - h, 0))
    if any(outside):
        array = _pad_array(array, outside, 0, "constant", (h_axis, w_axis, c_axis))
        top, left = top + outside[1], left + outside[0]
    window = [slice(None)] * array.ndim
    window[h_axis], window[w_axis] = slice(top, top + height), slice(left, left + width)
    return _like(img, array[tuple(window)].copy())


def center_crop(img, output_size):
    """The central window (zero-padded first when the image is smaller), torchvision's rounding."""
    if isinstance(output_size, numbers.Number):
        output_size = (int(output_size), int(output_size))
    elif len(output_size) == 1:
        output_size = (output_size[0], output_size[0])
    crop_h, crop_w = output_size
    _, height, width = get_dimensions(img)
    if crop_w > width or crop_h > height:
        ltrb = [(crop_w - width) // 2 if crop_w > width else 0,
                (crop_h - height) // 2 if crop_h > height else 0,
                (crop_w - width + 1) // 2 if crop_w > width else 0,
                (crop_h - height + 1) // 2 if crop_h > height else 0]
        img = pad(img, ltrb, fill=0)
        _, height, width = get_dimensions(img)
        if (crop_h, crop_w) == (height, width):
            return img
    top = int(round((height - crop_h) / 2.0))
    left = int(round((width - crop_w) / 2.0))
    return crop(img, top, left, crop_h, crop_w)


def _flip(img, axis_index, pil_method):
    if _is_pil(img):
        return img.transpose(pil_method)
    array = _array(img, "flip")
    return _like(img, np.flip(array, _axes(img)[axis_index]).copy())


def hflip(img):
    """Mirror left-right."""
    return _flip(img, 1, Image.FLIP_LEFT_RIGHT)


def vflip(img):
    """Mirror top-bottom."""
    return _flip(img, 0, Image.FLIP_TOP_BOTTOM)


def _enhance(img, op, enhancer, factor):
    if _is_pil(img):
        return enhancer(img).enhance(factor)
    return _pil_roundtrip(img, op, lambda pil: enhancer(pil).enhance(factor))


def adjust_brightness(img, brightness_factor):
    """Blend with black: 0 gives black, 1 the original (PIL ImageEnhance.Brightness)."""
    return _enhance(img, "adjust_brightness", ImageEnhance.Brightness, brightness_factor)


def adjust_contrast(img, contrast_factor):
    """Blend with the mean grey: 0 gives solid grey, 1 the original (ImageEnhance.Contrast)."""
    return _enhance(img, "adjust_contrast", ImageEnhance.Contrast, contrast_factor)


def adjust_saturation(img, saturation_factor):
    """Blend with the greyscale image: 0 gives grey, 1 the original (ImageEnhance.Color)."""
    return _enhance(img, "adjust_saturation", ImageEnhance.Color, saturation_factor)


def _shift_hue(img, hue_factor):
    if img.mode in {"L", "1", "I", "F"}:
        return img
    h, s, v = img.convert("HSV").split()
    np_h = np.array(h, dtype=np.uint8)
    np_h += np.int32(hue_factor * 255).astype(np.uint8)  # wraps around, as intended
    return Image.merge("HSV", (Image.fromarray(np_h), s, v)).convert(img.mode)


def adjust_hue(img, hue_factor):
    """Rotate the hue by ``hue_factor`` turns (in [-0.5, 0.5]) in PIL's HSV space."""
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    if _is_pil(img):
        return _shift_hue(img, hue_factor)
    return _pil_roundtrip(img, "adjust_hue", lambda pil: _shift_hue(pil, hue_factor))
