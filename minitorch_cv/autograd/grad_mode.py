"""Switching graph recording off and on: ``no_grad``, ``enable_grad``, ``set_grad_enabled``, ``inference_mode``.

Each works as a context manager and as a decorator (``@no_grad()`` or bare ``@no_grad``); the
mode is per thread, as in torch.
"""
import functools
import threading

_state = threading.local()


def is_grad_enabled():
    return getattr(_state, "enabled", True)


def _set(enabled):
    _state.enabled = bool(enabled)


class _GradMode:
    """Shared machinery: ``mode`` is the recording state inside the block (None: unchanged)."""

    mode = True

    def __new__(cls, *args, **kwargs):
        if cls in _BARE_DECORATORS and len(args) == 1 and callable(args[0]) and not kwargs:
            return cls()(args[0])
        return super().__new__(cls)

    def __enter__(self):
        self.previous = is_grad_enabled()
        if self.mode is not None:
            _set(self.mode)
        return self

    def __exit__(self, *exc):
        _set(self.previous)
        return False

    def __call__(self, func):
        make = self.clone

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with make():
                return func(*args, **kwargs)
        return wrapper

    def clone(self):
        return type(self)()


class no_grad(_GradMode):
    """Within it no graph is recorded: for evaluation and for in-place parameter updates."""
    mode = False


class enable_grad(_GradMode):
    """Turn recording back on inside a ``no_grad`` block."""
    mode = True


class inference_mode(_GradMode):
    """``inference_mode()`` records no graph, like ``no_grad``; ``inference_mode(False)`` changes nothing."""

    def __init__(self, mode=True):
        self.enabled = bool(mode)
        self.mode = False if self.enabled else None

    def clone(self):
        return type(self)(self.enabled)


class set_grad_enabled(_GradMode):
    """Set recording on or off: at once when called, for a ``with`` block, or around a decorated function."""

    def __init__(self, mode):
        self.mode = bool(mode)
        self.previous = is_grad_enabled()
        _set(self.mode)

    def __enter__(self):
        return self

    def __call__(self, func):
        _set(self.previous)
        return super().__call__(func)

    def clone(self):
        return type(self)(self.mode)


_BARE_DECORATORS = (no_grad, enable_grad, inference_mode)
