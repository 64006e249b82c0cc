"""The two backends: minitorch_cv (``numpy``, ``.npz`` checkpoints) and PyTorch (``torch``, ``.pth``).

torch is imported only when the torch backend is used, so the numpy backend runs on a
machine without PyTorch: it reads ``.pth`` files with ``minitorch_cv.load``.
"""
import numpy as np

import minitorch_cv
from reference.formats import format_of

from . import recipes

BACKENDS = ("numpy", "torch")


def initial_state(seed, activation, model="cifar10cnn"):
    """The model's initial weights drawn by minitorch_cv from ``seed``: the one start of both backends."""
    minitorch_cv.manual_seed(seed)
    return recipes.build_model(minitorch_cv, dict(model=model, activation=activation)).state_dict()


class Backend:
    """One library behind the torch API, with its model class and checkpoint format."""

    def __init__(self, name):
        if name not in BACKENDS:
            raise ValueError(f"unknown backend {name!r}; expected one of {BACKENDS}")
        self.name = name
        if name == "numpy":
            self.lib, self.suffix = minitorch_cv, ".npz"
        else:
            import torch
            self.lib, self.suffix = torch, ".pth"

    def tensor(self, array):
        """Wrap a NumPy array (no copy) as this backend's tensor."""
        return self.lib.from_numpy(np.ascontiguousarray(array))

    def from_minitorch(self, value):
        """``value`` (holding minitorch_cv tensors) with this backend's tensors."""
        if self.name == "numpy":
            return value
        from reference.convert import to_torch
        return to_torch(value)

    def build_model(self, activation, state_dict, model="cifar10cnn"):
        """This backend's ``model`` (CIFAR10CNN by default; the torch backend builds the reference
        twins) holding ``state_dict`` (this backend's tensors)."""
        model = recipes.build_model(self.lib, dict(model=model, activation=activation))
        model.load_state_dict(state_dict)
        return model

    def set_num_threads(self, threads):
        minitorch_cv.set_num_threads(threads)
        if self.name == "torch":
            self.lib.set_num_threads(threads)

    def save(self, obj, path):
        """Write ``obj`` atomically in this backend's format."""
        if self.name == "numpy":
            minitorch_cv.save(obj, path)
        else:
            from reference.convert import save_torch_file
            save_torch_file(obj, path)

    def load(self, path):
        """Read a ``.npz`` or ``.pth`` file; its tensors come back as this backend's tensors."""
        if self.name == "numpy" or format_of(path) == "numpy":
            return self.from_minitorch(minitorch_cv.load(path))
        from reference.convert import load_torch_file
        return load_torch_file(path)
