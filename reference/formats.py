"""Which library a checkpoint file belongs to, told by its suffix (no torch import needed)."""
import os

FORMATS = {".npz": "numpy", ".pth": "torch", ".pt": "torch"}


def format_of(path):
    """``"numpy"`` for a minitorch_cv ``.npz`` file, ``"torch"`` for a PyTorch ``.pth``/``.pt`` file."""
    suffix = os.path.splitext(os.fspath(path))[1].lower()
    if suffix not in FORMATS:
        raise ValueError(f"checkpoint {os.fspath(path)!r}: unknown file type {suffix!r}; expected .npz "
                         f"(minitorch_cv) or .pth/.pt (PyTorch)")
    return FORMATS[suffix]
