"""CPU-only device handling: ``device("cpu")`` and ``.to("cpu")`` are accepted, anything else refused."""


class device:
    """A torch-style device; only ``cpu`` exists in minitorch_cv."""

    def __init__(self, spec="cpu"):
        name = spec.type if isinstance(spec, device) else str(spec)
        if name.split(":")[0] != "cpu":
            raise RuntimeError(f"minitorch_cv runs on the CPU only; got device {name!r}. "
                               "Use device('cpu') (cuda.is_available() is False).")
        self.type = "cpu"

    def __eq__(self, other):
        return isinstance(other, (device, str)) and str(other).split(":")[0] == "cpu"

    def __hash__(self):
        return hash("cpu")

    def __str__(self):
        return "cpu"

    def __repr__(self):
        return "device(type='cpu')"


class cuda:
    """Stand-in for ``torch.cuda``: there is no GPU here."""

    @staticmethod
    def is_available():
        return False

    @staticmethod
    def device_count():
        return 0
