"""Seedable random numbers: torch's CPU ``Generator`` (mt19937) and the global default generator.

The state is torch's: 624 mt19937 words, the twist position, the seed and the cached second
normal sample, kept in plain NumPy arrays that the numba kernels advance in place; so
``manual_seed(s)`` followed by the same calls gives torch's numbers, and ``get_state`` /
``set_state`` exchange torch's 5056-byte state tensor.
"""
import contextlib
import os

import numpy as np

from .device import device as _device
from .kernels import mt19937

_DEFAULT_SEED = 67280421310721
_STATE_BYTES = 5056
_U64 = (1 << 64) - 1


def _state_layout():
    """torch's ``CPUGeneratorImplState`` as a NumPy structured dtype (x86-64 C layout)."""
    return np.dtype({"names": ["seed", "left", "seeded", "next", "state", "normal_x", "normal_y", "normal_rho",
                               "normal_is_valid", "float_normal", "float_normal_is_valid"],
                     "formats": ["<u8", "<i4", "<i4", "<u8", ("<u8", 624), "<f8", "<f8", "<f8", "<i4", "<f4", "u1"],
                     "offsets": [0, 8, 12, 16, 24, 5016, 5024, 5032, 5040, 5048, 5052],
                     "itemsize": _STATE_BYTES})


class Generator:
    """A torch-compatible CPU generator: mt19937 seeded like torch's, with torch's state layout."""

    def __init__(self, device="cpu"):
        self.device = _device(device)
        self._mt = np.zeros(mt19937.N, np.uint32)
        self._ctl = np.zeros(2, np.int64)
        self._normal = np.zeros(2, np.float64)
        self._float_normal = None
        self.manual_seed(_DEFAULT_SEED)

    def manual_seed(self, seed):
        """Seed as torch does (any int in [-2**63, 2**64)); clears the cached normal sample."""
        try:
            seed = int(seed)
        except (TypeError, ValueError):
            raise RuntimeError(f"manual_seed expected a long, but got {type(seed).__name__}") from None
        if not -(1 << 63) <= seed <= _U64:
            raise ValueError(f"Overflow when unpacking long long: seed {seed} must be in [-2**63, 2**64)")
        self._seed = seed & _U64
        mt19937.seed(self._mt, self._ctl, self._seed & 0xFFFFFFFF)
        self._normal[:] = 0.0
        self._float_normal = None
        return self

    def seed(self):
        """Seed from the operating system's entropy and return the seed, like ``torch.Generator.seed``."""
        value = int.from_bytes(os.urandom(8), "little")
        self.manual_seed(value)
        return value

    def initial_seed(self):
        return self._seed

    def get_state(self):
        """The state as torch's 5056 bytes (loadable by ``torch.Generator.set_state`` after
        ``torch.tensor(state.numpy(), dtype=torch.uint8)``; the tensor is uint8 where that dtype exists)."""
        from .tensor import Tensor
        record = np.zeros((), _state_layout())
        record["seed"], record["seeded"] = self._seed, 1
        record["left"], record["next"] = self._ctl
        record["state"] = self._mt
        if self._normal[0]:
            record["normal_is_valid"], record["normal_y"] = 1, self._normal[1]
        if self._float_normal is not None:
            record["float_normal_is_valid"], record["float_normal"] = 1, self._float_normal
        return Tensor._wrap(np.frombuffer(record.tobytes(), np.uint8).copy())

    def set_state(self, new_state):
        """Restore a state from ``get_state`` here or in torch (a uint8 tensor or array of 5056 bytes)."""
        data = np.asarray(getattr(new_state, "_data", new_state))
        if data.dtype.kind not in "iu" or (data.size and (data.min() < 0 or data.max() > 255)):
            raise RuntimeError(f"set_state expects the generator state as bytes (uint8), got {data.dtype}")
        if data.size != _STATE_BYTES:
            raise RuntimeError(f"Expected a CPUGeneratorImplState of size {_STATE_BYTES} but found the input "
                               f"RNG state size to be {data.size}")
        record = np.frombuffer(data.astype(np.uint8).tobytes(), _state_layout())[0]
        left, index = int(record["left"]), int(record["next"])
        if not (record["seeded"] and 0 < left <= mt19937.N and index <= mt19937.N):
            raise RuntimeError("Invalid mt19937 state")
        self._seed = int(record["seed"])
        self._mt[:] = record["state"].astype(np.uint32)
        self._ctl[:] = left, index
        self._normal[:] = (1.0, record["normal_y"]) if record["normal_is_valid"] else (0.0, 0.0)
        self._float_normal = float(record["float_normal"]) if record["float_normal_is_valid"] else None
        return self

    def clone_state(self):
        """A new generator in this one's exact state (torch's ``Generator.clone_state``)."""
        return Generator(self.device).set_state(self.get_state())

    def words(self, count):
        """The next ``count`` 32-bit draws (torch's ``random()``), advancing the state."""
        out = np.empty(int(count), np.uint32)
        mt19937.fill32(self._mt, self._ctl, out)
        return out


default_generator = Generator()
default_generator.seed()


def manual_seed(seed):
    """Seed the global generator, as ``torch.manual_seed`` does; returns it."""
    return default_generator.manual_seed(seed)


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(new_state):
    default_generator.set_state(new_state)


@contextlib.contextmanager
def fork_rng(devices=None, enabled=True, _caller="fork_rng", _devices_kw="devices", device_type=None):
    """Run a block without disturbing the global generator: its state comes back afterwards."""
    if not enabled:
        yield
        return
    state = default_generator.get_state()
    try:
        yield
    finally:
        default_generator.set_state(state)


def resolve(generator=None):
    """``generator`` or the global default one."""
    return default_generator if generator is None else generator
