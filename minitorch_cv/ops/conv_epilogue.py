"""What an inference convolution does to each tile of its output while the tile is still in cache:
an eval-mode BatchNorm's per-channel affine map, then a residual sum, then a ReLU
(``nn/inference_fusion.py`` decides when a ResNet block may take this path).

Run as separate ops, each of those is one more pass over the whole activation in memory (in a
ResNet-50 at batch 8, 53 BatchNorms, 49 ReLUs and 16 sums). Here each is a few operations per
element of a tile the convolution just wrote. The arithmetic is the separate ops' own, in the
same order (BatchNorm's ``x * scale + shift`` with ``eval_affine``'s scale and shift, NumPy's
add, ReLU's ``0 if v < 0 else v``), so the result is the same bit for bit.
"""
import numpy as np

from ..kernels.batch_norm import normalize_add_relu


class Epilogue:
    """Per tile of images [start, stop) of an NCHW output: ``out * scale + shift`` per channel,
    ``+ residual[start:stop]`` (an array of the output's shape, or None), then ReLU if ``relu``."""

    def __init__(self, scale, shift, residual=None, relu=False):
        self.scale, self.shift, self.relu = scale, shift, relu
        self.residual = None if residual is None else np.ascontiguousarray(residual)

    def __call__(self, out, start, stop):
        images, channels = stop - start, self.scale.size
        residual = None if self.residual is None else self.residual[start:stop].reshape(images, channels, -1)
        normalize_add_relu(out[start:stop].reshape(images, channels, -1), self.scale, self.shift, residual,
                           self.relu)
