"""Summary protocol buffers from tensors, arrays and numbers, with torch.utils.tensorboard's
conversions: images scaled by 255 unless uint8, clipped, truncated to uint8, batches tiled 8
across; histograms binned by NumPy over TensorBoard's default bins; hparams laid out as torch
lays them out. The protobuf classes are the tensorboard package's.
"""
import io
import math
import warnings

import numpy as np
from google.protobuf import struct_pb2
from PIL import Image
from tensorboard.compat.proto.summary_pb2 import HistogramProto, Summary, SummaryMetadata
from tensorboard.compat.proto.tensor_pb2 import TensorProto
from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto
from tensorboard.plugins.hparams.api_pb2 import DataType, Experiment, HParamInfo, MetricInfo, MetricName, Status
from tensorboard.plugins.hparams.plugin_data_pb2 import HParamsPluginData, SessionEndInfo, SessionStartInfo
from tensorboard.plugins.text.plugin_data_pb2 import TextPluginData

from ...tensor import Tensor


def to_numpy(value, what="value"):
    """A NumPy array from a minitorch_cv tensor, an array or a Python number (as torch's make_np)."""
    if isinstance(value, Tensor):
        return value.detach().numpy()
    if isinstance(value, np.ndarray):
        return value
    if np.isscalar(value) and not isinstance(value, (str, bytes)):
        return np.array([value])
    if hasattr(value, "__array__"):
        return np.asarray(value)
    raise TypeError(f"{what}: expected a minitorch_cv Tensor, a NumPy array or a number, "
                    f"got {type(value).__name__}")


def default_bins():
    """TensorBoard's default histogram edges ('tensorflow'): +-1e-12 growing by 1.1 to 1e20, and 0."""
    edges, v = [], 1e-12
    while v < 1e20:
        edges.append(v)
        v *= 1.1
    return [-e for e in reversed(edges)] + [0] + edges


def scalar(tag, value, new_style=False, double_precision=False):
    array = to_numpy(value, f"add_scalar({tag!r})").squeeze()
    if array.ndim != 0:
        raise ValueError(f"add_scalar({tag!r}): expected one value, got shape {tuple(array.shape)}")
    number = float(array)
    if not new_style:
        return Summary(value=[Summary.Value(tag=tag, simple_value=number)])
    proto = (TensorProto(double_val=[number], dtype="DT_DOUBLE") if double_precision
             else TensorProto(float_val=[number], dtype="DT_FLOAT"))
    metadata = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="scalars"))
    return Summary(value=[Summary.Value(tag=tag, tensor=proto, metadata=metadata)])


def _histogram_proto(values, bins, max_bins):
    """NumPy's histogram, merged down to at most ``max_bins`` buckets, cut to the occupied range
    plus one empty bucket on the left (TensorBoard stores only right edges), as torch does."""
    counts, limits = np.histogram(values, bins=bins)
    if max_bins is not None and len(counts) > max_bins:
        group = len(counts) // max_bins
        counts = np.pad(counts, (0, -len(counts) % group)).reshape(-1, group).sum(axis=1)
        limits = np.append(limits[:-1:group], limits[-1])
    occupied = np.flatnonzero(counts)
    if occupied.size == 0:
        raise ValueError(f"no value falls inside the histogram's bins ({limits[0]} to {limits[-1]})")
    first, last = occupied[0], occupied[-1]
    counts = counts[first - 1:last + 1] if first > 0 else np.concatenate([[0], counts[:last + 1]])
    return HistogramProto(min=values.min(), max=values.max(), num=len(values), sum=values.sum(),
                          sum_squares=values.dot(values), bucket_limit=limits[first:last + 2].tolist(),
                          bucket=counts.tolist())


def histogram(tag, values, bins, max_bins=None):
    """Histogram of the finite values; NaN and infinities are dropped with a warning."""
    values = to_numpy(values, f"add_histogram({tag!r})").astype(float).reshape(-1)
    finite = np.isfinite(values)
    if not finite.all():
        dropped = values[~finite]
        warnings.warn(f"add_histogram({tag!r}): dropped {int(np.isnan(dropped).sum())} NaN and "
                      f"{int(np.isinf(dropped).sum())} infinite of {values.size} values", RuntimeWarning,
                      stacklevel=3)
        values = values[finite]
    if values.size == 0:
        raise ValueError(f"add_histogram({tag!r}): no finite values to draw")
    return Summary(value=[Summary.Value(tag=tag, histo=_histogram_proto(values, bins, max_bins))])


def _tile(batch, ncols=8):
    """torch.utils.tensorboard's grid for add_images: NCHW to CHW, 8 across, no padding, gray to RGB."""
    if batch.shape[1] == 1:
        batch = np.concatenate([batch] * 3, 1)
    if batch.shape[1] not in (3, 4):
        raise ValueError(f"add_images: expected 1, 3 or 4 channels, got {batch.shape[1]} (shape {batch.shape})")
    n, c, h, w = batch.shape
    ncols = min(n, ncols)
    nrows = math.ceil(n / ncols)
    canvas = np.zeros((c, h * nrows, w * ncols), dtype=batch.dtype)
    for i in range(n):
        y, x = divmod(i, ncols)
        canvas[:, y * h:(y + 1) * h, x * w:(x + 1) * w] = batch[i]
    return canvas


def to_hwc(array, dataformats):
    """An image array in ``dataformats`` (NCHW, CHW, HWC, HW, ...) as HWC with 3 or 4 channels."""
    layout = dataformats.upper()
    if len(set(layout)) != len(layout) or not set(layout) <= set("NCHW") or "H" not in layout or "W" not in layout:
        raise ValueError(f"dataformats must be letters of NCHW used once each, got {dataformats!r}")
    if array.ndim != len(layout):
        raise ValueError(f"image of shape {tuple(array.shape)} does not match dataformats {dataformats!r}")
    if len(layout) == 4:
        return _tile(array.transpose([layout.find(c) for c in "NCHW"])).transpose(1, 2, 0)
    if len(layout) == 3:
        hwc = array.transpose([layout.find(c) for c in "HWC"])
        if hwc.shape[2] == 1:
            hwc = np.concatenate([hwc] * 3, 2)
        if hwc.shape[2] not in (3, 4):
            raise ValueError(f"image: expected 1, 3 or 4 channels, got {hwc.shape[2]} (shape {tuple(array.shape)})")
        return hwc
    return np.stack([array.transpose([layout.find(c) for c in "HW"])] * 3, 2)


def image_uint8(value, dataformats):
    """The uint8 HWC pixels torch's writer stores: float images times 255, clipped, truncated."""
    array = to_hwc(to_numpy(value, "add_image"), dataformats)
    scale = 1 if array.dtype == np.uint8 else 255
    return (array.astype(np.float32) * scale).clip(0, 255).astype(np.uint8)


def image(tag, value, dataformats):
    pixels = image_uint8(value, dataformats)
    png = io.BytesIO()
    Image.fromarray(pixels).save(png, format="PNG")
    height, width, channels = pixels.shape
    return Summary(value=[Summary.Value(tag=tag, image=Summary.Image(
        height=height, width=width, colorspace=channels, encoded_image_string=png.getvalue()))])


def text(tag, text_string):
    """A string for the text tab, under ``<tag>/text_summary`` as torch writes it."""
    metadata = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(
        plugin_name="text", content=TextPluginData(version=0).SerializeToString()))
    proto = TensorProto(dtype="DT_STRING", string_val=[text_string.encode("utf_8")],
                        tensor_shape=TensorShapeProto(dim=[TensorShapeProto.Dim(size=1)]))
    return Summary(value=[Summary.Value(tag=tag + "/text_summary", metadata=metadata, tensor=proto)])


def _plugin_summary(tag, content):
    metadata = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(
        plugin_name="hparams", content=HParamsPluginData(version=0, **content).SerializeToString()))
    return Summary(value=[Summary.Value(tag=tag, metadata=metadata)])


def _hparam(name, value, domain, start):
    """Record ``value`` in ``start`` and return its HParamInfo (numbers first: bools count as numbers, as in torch)."""
    if isinstance(value, Tensor):
        value = value.detach().numpy().reshape(-1)[0].item()
    for kind, field, data_type in ((int, "number_value", "DATA_TYPE_FLOAT64"), (float, "number_value", "DATA_TYPE_FLOAT64"),
                                   (str, "string_value", "DATA_TYPE_STRING")):
        if isinstance(value, kind):
            setattr(start.hparams[name], field, value)
            discrete = None
            if name in domain:
                discrete = struct_pb2.ListValue(values=[struct_pb2.Value(**{field: d}) for d in domain[name]])
            return HParamInfo(name=name, type=DataType.Value(data_type), domain_discrete=discrete)
    raise ValueError(f"add_hparams: hparam {name!r} is a {type(value).__name__}; expected int, float, "
                     "str, bool or a one-element Tensor")


def hparams(hparam_dict, metric_dict, hparam_domain_discrete=None):
    """The experiment, session-start and session-end summaries of TensorBoard's hparams plugin."""
    if not isinstance(hparam_dict, dict) or not isinstance(metric_dict, dict):
        raise TypeError("hparam_dict and metric_dict should be dictionary.")
    domain = hparam_domain_discrete or {}
    if not isinstance(domain, dict):
        raise TypeError("parameter: hparam_domain_discrete should be a dictionary, nothing logged.")
    for key, values in domain.items():
        if key not in hparam_dict or not isinstance(values, list) or \
                not all(isinstance(d, type(hparam_dict[key])) for d in values):
            raise TypeError(f"parameter: hparam_domain_discrete[{key}] should be a list of same type as "
                            f"hparam_dict[{key}].")
    start = SessionStartInfo()
    infos = [_hparam(k, v, domain, start) for k, v in hparam_dict.items() if v is not None]
    experiment = Experiment(hparam_infos=infos, metric_infos=[MetricInfo(name=MetricName(tag=k)) for k in metric_dict])
    return (_plugin_summary("_hparams_/experiment", {"experiment": experiment}),
            _plugin_summary("_hparams_/session_start_info", {"session_start_info": start}),
            _plugin_summary("_hparams_/session_end_info",
                            {"session_end_info": SessionEndInfo(status=Status.Value("STATUS_SUCCESS"))}))
