"""TensorBoard logging with ``torch.utils.tensorboard``'s API: ``SummaryWriter``.

The event files are written through tensorboardX (protocol buffers, CRC-32C, histogram
binning, PNG encoding), an optional dependency: ``pip install minitorch_cv[tensorboard]``.
"""
try:
    import tensorboardX  # noqa: F401
except ImportError as error:
    raise ImportError("minitorch_cv.utils.tensorboard needs the tensorboardX package, which is not "
                      "installed; install the extra: pip install minitorch_cv[tensorboard]") from error

from .writer import SummaryWriter

__all__ = ["SummaryWriter"]
