"""CPU-only device handling: ``device("cpu")`` and ``.to("cpu")`` are accepted, anything else refused."""


class device:
    """A torch-style device; only ``cpu`` exists in minitorch_cv (``device("cpu")``, ``device("cpu", 0)``)."""

    def __init__(self, type="cpu", index=None):
        name = type.type if isinstance(type, device) else type
        if not isinstance(name, str):
            raise TypeError(f"device() expects a string such as 'cpu', got {name!r}")
        kind, _, number = name.partition(":")
        if kind != "cpu":
            raise RuntimeError(f"minitorch_cv runs on the CPU only; got device {name!r}. "
                               "Use device('cpu') (minitorch_cv.cuda.is_available() is False).")
        if number:
            if not number.isdigit():
                raise RuntimeError(f"Invalid device string: {name!r}")
            index = int(number)
        self.type = "cpu"
        self.index = index

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and other.index == self.index

    def __hash__(self):
        return hash(("cpu", self.index))

    def __str__(self):
        return "cpu" if self.index is None else f"cpu:{self.index}"

    def __repr__(self):
        return "device(type='cpu')" if self.index is None else f"device(type='cpu', index={self.index})"


class cuda:
    """Stand-in for ``torch.cuda``: there is no GPU, so there is nothing to seed or count."""

    @staticmethod
    def is_available():
        return False

    @staticmethod
    def device_count():
        return 0

    @staticmethod
    def manual_seed(seed):
        """Seeding CUDA generators does nothing without CUDA, as in torch."""

    @staticmethod
    def manual_seed_all(seed):
        """Seeding CUDA generators does nothing without CUDA, as in torch."""
