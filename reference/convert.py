"""Move weights and whole checkpoints between minitorch_cv (``.npz``) and PyTorch (``.pth``).

State_dict keys are the same in both libraries, so conversion only swaps the tensor type,
recursively through dicts, lists and tuples (a training checkpoint with optimizer state
converts as a whole). Tensors are copied, never shared. Files need no torch at all:
``minitorch_cv.load`` reads both formats and ``minitorch_cv.save`` writes the one a suffix names.

Command line::

    python -m reference.convert runs/numpy/checkpoint.npz model.pth
"""
import argparse
import os
import pickle
import tempfile
from collections import OrderedDict

import numpy as np
import torch

import minitorch_cv

from .formats import format_of

def _convert(value, tensor_to_array, make_tensor, source_type):
    if isinstance(value, source_type):
        return make_tensor(np.array(tensor_to_array(value), copy=True))
    if isinstance(value, OrderedDict):
        return OrderedDict((k, _convert(v, tensor_to_array, make_tensor, source_type))
                           for k, v in value.items())
    if isinstance(value, dict):
        return {k: _convert(v, tensor_to_array, make_tensor, source_type) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_convert(v, tensor_to_array, make_tensor, source_type) for v in value)
    return value


def to_torch(value):
    """A copy of ``value`` with every minitorch_cv tensor replaced by a torch tensor."""
    return _convert(value, lambda t: t.detach().numpy(), torch.from_numpy, minitorch_cv.Tensor)


def to_minitorch(value):
    """A copy of ``value`` with every torch tensor replaced by a minitorch_cv tensor."""
    return _convert(value, lambda t: t.detach().cpu().numpy(), minitorch_cv.from_numpy, torch.Tensor)


def load_torch_file(path):
    """``torch.load(path, weights_only=True)`` with a clear error for a missing or damaged file."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"no such checkpoint file {path!r}")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:
        raise RuntimeError(f"{path!r} is not a readable PyTorch checkpoint (a .pth file written by "
                           f"torch.save): it may be damaged, truncated or of another format "
                           f"({type(error).__name__}: {str(error).splitlines()[0]})") from None


def save_torch_file(obj, path):
    """``torch.save`` to a temporary file beside ``path``, then rename: never a half-written file."""
    path = os.fspath(path)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), prefix=".tmp-", suffix=".pth")
    try:
        with os.fdopen(fd, "wb") as handle:
            torch.save(obj, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def load_any(path, backend):
    """Read a ``.npz`` or ``.pth`` file (by ``minitorch_cv.load``) with ``backend``'s tensors."""
    format_of(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"no such checkpoint file {os.fspath(path)!r}")
    content = minitorch_cv.load(path)
    return content if backend == "numpy" else to_torch(content)


def convert_file(source, destination):
    """Rewrite checkpoint ``source`` in the format that ``destination``'s suffix names."""
    format_of(destination)
    minitorch_cv.save(load_any(source, "numpy"), destination)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Convert a checkpoint between .npz (minitorch_cv) "
                                                 "and .pth (PyTorch).")
    parser.add_argument("source", help="checkpoint to read (.npz or .pth)")
    parser.add_argument("destination", help="file to write; its suffix picks the format")
    args = parser.parse_args(argv)
    try:
        convert_file(args.source, args.destination)
    except (OSError, RuntimeError, ValueError, TypeError, pickle.UnpicklingError) as error:
        parser.exit(1, f"convert: error: {error}\n")
    print(f"wrote {args.destination}")


if __name__ == "__main__":
    main()
