"""TensorBoard logging with ``torch.utils.tensorboard``'s API: ``SummaryWriter``.

The event files are written through the ``tensorboard`` package (protocol buffers, the record
writer), an optional dependency: ``pip install minitorch_cv[tensorboard]``.
"""
try:
    import tensorboard  # noqa: F401
except ImportError as error:
    raise ImportError("minitorch_cv.utils.tensorboard needs the tensorboard package, which is not "
                      "installed; install the extra: pip install minitorch_cv[tensorboard]") from error

from .writer import SummaryWriter

__all__ = ["SummaryWriter"]
