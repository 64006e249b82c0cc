"""Scaled dot-product attention and F.normalize: compositions of differentiable ops (matmul,
softmax, masked_fill, norm), so their backward is that of the ops they are built from.
"""
import math

import numpy as np

from .. import _dtype
from ..autograd.function import tensor_type


def normalize(input, p=2.0, dim=1, eps=1e-12):
    """input / max(||input||_p over ``dim``, eps), as torch.nn.functional.normalize."""
    return input / input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None,
                                 enable_gqa=False):
    """softmax(Q Kᵀ * scale + mask) V over the last two dims; a bool mask keeps where True,
    a float mask is added; ``is_causal`` keeps the lower triangle; ``enable_gqa`` repeats
    key/value heads to match the query's."""
    Tensor = tensor_type()
    if dropout_p:
        raise NotImplementedError("scaled_dot_product_attention: dropout_p > 0 is not supported; apply "
                                  "dropout to the attention weights yourself")
    if is_causal and attn_mask is not None:
        raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True")
    if not (query.dtype is key.dtype is value.dtype):
        raise RuntimeError(f"Expected query, key, and value to have the same dtype, but got query.dtype: "
                           f"{query.dtype} key.dtype: {key.dtype} and value.dtype: {value.dtype} instead.")
    if enable_gqa and query.ndim >= 3 and key.shape[-3] != query.shape[-3]:
        if query.shape[-3] % key.shape[-3]:
            raise RuntimeError(f"number of heads in key/value ({key.shape[-3]}) must divide the number of heads "
                               f"in query ({query.shape[-3]})")
        repeats = query.shape[-3] // key.shape[-3]
        key, value = key.repeat_interleave(repeats, -3), value.repeat_interleave(repeats, -3)
    scale = 1 / math.sqrt(query.shape[-1]) if scale is None else scale
    scores = (query @ key.transpose(-2, -1)) * scale
    length, source = query.shape[-2], key.shape[-2]
    if is_causal:
        attn_mask = Tensor._wrap(np.tril(np.ones((length, source), dtype=bool)))
    if attn_mask is not None:
        if attn_mask.dtype is _dtype.bool_:
            scores = scores.masked_fill(~attn_mask, float("-inf"))
        else:
            scores = scores + attn_mask
    return scores.softmax(-1) @ value
