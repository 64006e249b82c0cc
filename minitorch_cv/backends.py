"""Switches for how ops compute, in the spirit of ``torch.backends``.

``winograd.enabled`` (default True): 5x5, stride-1 convolutions with at least 16 channels in and
out run by Winograd F(4x4, 5x5) (``ops/conv_winograd.py``), 16% of the multiplies of im2col;
3x3 stride-1 ones by F(4x4, 3x3), 25% of the multiplies, where they have enough 4x4 output tiles
and overhang them little (``conv_winograd.applies``).
In float32 their results differ from torch's by about ten times torch's own rounding error (up
to 7e-6 of the largest value, where im2col stays near 1e-6; for scale, the TF32 that PyTorch
allows for convolutions on recent GPUs by default rounds to about 5e-4). Turn it off to get
im2col everywhere:

    with minitorch_cv.backends.winograd.flags(enabled=False):
        loss = model(images)
"""
from contextlib import contextmanager


class _Switch:
    def __init__(self, enabled):
        self.enabled = enabled

    @contextmanager
    def flags(self, enabled):
        """Set ``enabled`` inside the ``with`` block, restore it after."""
        previous, self.enabled = self.enabled, bool(enabled)
        try:
            yield
        finally:
            self.enabled = previous


winograd = _Switch(enabled=True)
