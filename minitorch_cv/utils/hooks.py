"""``RemovableHandle``: what registering a hook returns, as in ``torch.utils.hooks``."""
import itertools

_ids = itertools.count()


class RemovableHandle:
    """Removes the hook it was returned for from ``hooks`` (a dict keyed by ``handle.id``)."""

    def __init__(self, hooks):
        self.hooks = hooks
        self.id = next(_ids)

    def remove(self):
        self.hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.remove()
