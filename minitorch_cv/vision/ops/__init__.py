"""Building blocks shared by the vision models (torchvision.ops' counterpart)."""
from .misc import Conv2dNormActivation

__all__ = ["Conv2dNormActivation"]
