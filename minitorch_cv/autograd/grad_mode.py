"""Switching graph recording off and on: ``no_grad``, ``enable_grad``, ``set_grad_enabled``."""
import functools
import threading

_state = threading.local()


def is_grad_enabled():
    return getattr(_state, "enabled", True)


def _set(enabled):
    _state.enabled = bool(enabled)


class set_grad_enabled:
    """Context manager (and decorator) that sets whether ops record a graph."""

    def __init__(self, mode=True):
        self.previous = is_grad_enabled()
        self.mode = bool(mode)
        _set(self.mode)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _set(self.previous)
        return False


class _GradModeContext:
    mode = True

    def __enter__(self):
        self.previous = is_grad_enabled()
        _set(self.mode)
        return self

    def __exit__(self, *exc):
        _set(self.previous)
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with type(self)():
                return func(*args, **kwargs)
        return wrapper


class no_grad(_GradModeContext):
    """Within it no graph is recorded: for evaluation and for in-place parameter updates."""
    mode = False


class enable_grad(_GradModeContext):
    """Turn recording back on inside a ``no_grad`` block."""
    mode = True
