"""Module state dicts with torch's key names, and a strict load that reports every problem at once."""
from collections import OrderedDict, namedtuple

from ...autograd.grad_mode import no_grad
from ...tensor import Tensor


class IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What ``load_state_dict`` returns: the keys it missed and the keys it did not use."""

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return f"_IncompatibleKeys(missing_keys={self.missing_keys}, unexpected_keys={self.unexpected_keys})"


def _local_state(module):
    """This module's own parameters and persistent buffers (no descendants), None ones left out."""
    state = OrderedDict((name, p) for name, p in module._parameters.items() if p is not None)
    for name, buffer in module._buffers.items():
        if buffer is not None and name not in module._non_persistent_buffers_set:
            state[name] = buffer
    return state


def collect(module, destination=None, prefix="", keep_vars=False):
    """Fill ``destination`` (a new OrderedDict by default) with ``prefix + dotted name -> tensor``.

    As in torch, ``destination._metadata`` maps each module's prefix to ``{"version": ...}``,
    which lets a layer whose state changed (BatchNorm's ``num_batches_tracked``) read old files.
    """
    if destination is None:
        destination = OrderedDict()
        destination._metadata = OrderedDict()
    if hasattr(destination, "_metadata"):
        destination._metadata[prefix[:-1]] = {"version": module._version}
    for name, tensor in _local_state(module).items():
        destination[prefix + name] = tensor if keep_vars else tensor.detach()
    for name, child in module._modules.items():
        if child is not None:
            collect(child, destination, prefix + name + ".", keep_vars)
    return destination


def load_local(module, state_dict, prefix, missing, unexpected, errors):
    """Copy this module's own entries of ``state_dict``; the default ``Module._load_from_state_dict``."""
    local = _local_state(module)
    for name, target in local.items():
        key = prefix + name
        if key not in state_dict:
            missing.append(key)
            continue
        source = state_dict[key]
        if not isinstance(source, Tensor):
            errors.append(f'While copying the parameter named "{key}", expected a minitorch_cv Tensor '
                          f"from checkpoint but received {type(source).__name__}")
            continue
        if source.shape != target.shape:
            errors.append(f"size mismatch for {key}: copying a param with shape {source.shape} from "
                          f"checkpoint, the shape in current model is {target.shape}.")
            continue
        with no_grad():
            target.copy_(source)
    for key in state_dict:
        if key.startswith(prefix) and key[len(prefix):].split(".", 1)[0] not in module._modules.keys() | local.keys():
            unexpected.append(key)


def load(module, state_dict, strict=True):
    """Copy matching tensors into ``module``; raise one RuntimeError listing every problem."""
    if not isinstance(state_dict, dict):
        raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict).__name__}.")
    missing, unexpected, errors = [], [], []
    metadata = getattr(state_dict, "_metadata", None) or {}
    state_dict = OrderedDict(state_dict)

    def visit(current, prefix):
        current._load_from_state_dict(state_dict, prefix, metadata.get(prefix[:-1], {}), strict, missing,
                                      unexpected, errors)
        for name, child in current._modules.items():
            if child is not None:
                visit(child, prefix + name + ".")

    visit(module, "")
    if strict:
        if unexpected:
            errors.insert(0, "Unexpected key(s) in state_dict: {}. ".format(", ".join(f'"{k}"' for k in unexpected)))
        if missing:
            errors.insert(0, "Missing key(s) in state_dict: {}. ".format(", ".join(f'"{k}"' for k in missing)))
    if errors:
        raise RuntimeError("Error(s) in loading state_dict for {}:\n\t{}".format(
            module._get_name(), "\n\t".join(errors)))
    return IncompatibleKeys(missing, unexpected)
