"""Seedable random numbers: a torch-style ``Generator`` over NumPy's PCG64 and a global default."""
import numpy as np

_DEFAULT_SEED = 67280421310721


class Generator:
    """Source of randomness for factories, init, shuffling and random transforms."""

    def __init__(self, device="cpu"):
        self._seed = _DEFAULT_SEED
        self.numpy = np.random.Generator(np.random.PCG64(self._seed))

    def manual_seed(self, seed):
        self._seed = int(seed)
        self.numpy = np.random.Generator(np.random.PCG64(self._seed))
        return self

    def seed(self):
        return self.manual_seed(int(np.random.SeedSequence().entropy % (2 ** 63)))._seed

    def initial_seed(self):
        return self._seed

    def get_state(self):
        """The generator state as a plain dict (JSON- and npz-friendly)."""
        return {"seed": self._seed, "bit_generator": self.numpy.bit_generator.state}

    def set_state(self, state):
        self._seed = int(state["seed"])
        self.numpy.bit_generator.state = state["bit_generator"]
        return self


default_generator = Generator()


def manual_seed(seed):
    """Seed the global generator, as ``torch.manual_seed`` does."""
    return default_generator.manual_seed(seed)


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(state):
    default_generator.set_state(state)


def numpy_generator(generator=None):
    """The NumPy generator behind ``generator`` (or the global one)."""
    return (generator or default_generator).numpy
