"""Pretrained-weights descriptions and the model registry, as torchvision.models' ``_api``.

A ``Weights`` entry holds where a checkpoint lives (``url``), how to build the preprocessing it
was trained with (``transforms``) and facts about it (``meta``: categories, parameter count,
reported accuracy, ...). Each model family has a ``WeightsEnum`` of its entries, e.g.
``ResNet50_Weights.IMAGENET1K_V2``; builders take one (or its name) as ``weights=``.
"""
import fnmatch
import functools
from dataclasses import dataclass
from enum import Enum
from typing import Any, Callable

__all__ = ["Weights", "WeightsEnum", "get_model", "get_model_builder", "get_model_weights", "get_weight",
           "list_models", "register_model"]


@dataclass(eq=False)
class Weights:
    """One checkpoint: its ``url``, a ``transforms`` constructor and a ``meta`` dict."""

    url: str
    transforms: Callable
    meta: dict

    def __eq__(self, other):
        if not isinstance(other, Weights):
            return NotImplemented
        return self.url == other.url and self.meta == other.meta and _same_callable(self.transforms, other.transforms)

    __hash__ = None


def _same_callable(a, b):
    if isinstance(a, functools.partial) and isinstance(b, functools.partial):
        return a.func == b.func and a.args == b.args and a.keywords == b.keywords
    return a == b


class WeightsEnum(Enum):
    """The parent of every ``<Model>_Weights`` enum; its values are ``Weights``."""

    @classmethod
    def verify(cls, obj):
        """None, a member of this enum, or its name (``"IMAGENET1K_V1"`` or ``"ResNet50_Weights.IMAGENET1K_V1"``)."""
        if obj is None:
            return None
        if type(obj) is str:
            name = obj.replace(cls.__name__ + ".", "")
            try:
                return cls[name]
            except KeyError:
                raise ValueError(f"{cls.__name__} has no entry {name!r}; choose one of "
                                 f"{list(cls.__members__)}") from None
        if not isinstance(obj, cls):
            raise TypeError(f"Invalid Weight class provided; expected {cls.__name__} "
                            f"but received {obj.__class__.__name__}.")
        return obj

    def get_state_dict(self, progress=True, check_hash=True, **kwargs):
        """The checkpoint as a state_dict, downloaded into the torch hub cache on first use."""
        from ... import hub
        return hub.load_state_dict_from_url(self.url, progress=progress, check_hash=check_hash, **kwargs)

    def __repr__(self):
        return f"{self.__class__.__name__}.{self._name_}"

    @property
    def url(self):
        return self.value.url

    @property
    def transforms(self):
        return self.value.transforms

    @property
    def meta(self):
        return self.value.meta


BUILTIN_MODELS = {}


def register_model(name=None):
    """Decorator adding a builder to the registry ``get_model`` and ``list_models`` read."""
    def wrapper(fn):
        key = fn.__name__ if name is None else name
        if key in BUILTIN_MODELS:
            raise ValueError(f"An entry is already registered under the name '{key}'.")
        BUILTIN_MODELS[key] = fn
        return fn
    return wrapper


def list_models(module=None, include=None, exclude=None):
    """Sorted names of the registered builders, filtered by fnmatch patterns."""
    names = {key for key, fn in BUILTIN_MODELS.items()
             if module is None or fn.__module__.rsplit(".", 1)[0] == module.__name__}
    if include:
        patterns = [include] if isinstance(include, str) else include
        names = set().union(*(fnmatch.filter(names, p) for p in patterns))
    if exclude:
        patterns = [exclude] if isinstance(exclude, str) else exclude
        names -= set().union(*(fnmatch.filter(names, p) for p in patterns))
    return sorted(names)


def get_model_builder(name):
    try:
        return BUILTIN_MODELS[name.lower()]
    except KeyError:
        raise ValueError(f"Unknown model {name}") from None


def get_model(name, **config: Any):
    """``get_model("resnet50", weights="DEFAULT")``: the registered builder called with ``config``."""
    return get_model_builder(name)(**config)


def get_model_weights(name):
    """The ``WeightsEnum`` class a builder (or its registered name) takes."""
    fn = get_model_builder(name) if isinstance(name, str) else name
    enum = getattr(fn, "weights_enum", None)
    if enum is None:
        raise ValueError(f"The WeightsEnum class for {getattr(fn, '__name__', fn)!r} couldn't be retrieved.")
    return enum


def get_weight(name):
    """A weights entry by its full name, e.g. ``get_weight("ResNet50_Weights.IMAGENET1K_V1")``."""
    try:
        enum_name, value_name = name.split(".")
    except ValueError:
        raise ValueError(f"Invalid weight name provided: '{name}'.") from None
    for fn in BUILTIN_MODELS.values():
        enum = getattr(fn, "weights_enum", None)
        if enum is not None and enum.__name__ == enum_name:
            return enum[value_name]
    raise ValueError(f"The weight enum '{enum_name}' for the specific method couldn't be retrieved.")


def builder(weights_enum):
    """Register a builder and record the weights enum it takes (what torchvision reads from annotations)."""
    def wrapper(fn):
        fn.weights_enum = weights_enum
        return register_model()(fn)
    return wrapper
