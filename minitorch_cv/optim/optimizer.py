"""``Optimizer``: parameter groups with per-group options, per-parameter state, and state dicts
laid out as torch's: ``{"state": {index: {...}}, "param_groups": [{..., "params": [indices]}]}``.
"""
import copy
from collections import defaultdict

import numpy as np

from ..autograd.grad_mode import enable_grad
from ..nn.parameter import clear_grads
from ..tensor import Tensor


class Optimizer:
    """Base class: subclasses pass their option defaults and implement ``step``.

    ``params`` is an iterable of tensors, or of dicts (``{"params": [...], "lr": 0.1}``) that
    override the defaults for their group.
    """

    def __init__(self, params, defaults):
        self.defaults = defaults
        self.state = defaultdict(dict)
        self.param_groups = []
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            f"but got {params.type()}")
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group):
        """Add a group (a dict with ``"params"``); options it leaves out take the defaults."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering "
                            "of tensors in sets will change between runs. Please use a list instead.")
        params = list(params)
        for param in params:
            if not isinstance(param, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params is {type(param).__name__}")
            if not param.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        group = {**self.defaults, **param_group, "params": params}
        existing = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in existing for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    def zero_grad(self, set_to_none=True):
        """Clear the gradients of every optimized tensor: drop them (default) or zero them."""
        clear_grads((p for group in self.param_groups for p in group["params"]), set_to_none)

    def step(self, closure=None):
        """Update every parameter that has a gradient; ``closure`` (re)computes and returns the loss."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            for param in group["params"]:
                if param.grad is not None:
                    self._update(param, group)
        return loss

    def _update(self, param, group):
        raise NotImplementedError(f"{type(self).__name__} does not implement step()")

    def state_dict(self):
        """Options and state, with parameters replaced by their position across all groups."""
        index_of = {}
        groups = []
        for group in self.param_groups:
            for param in group["params"]:
                index_of.setdefault(id(param), len(index_of))
            packed = {key: value for key, value in group.items() if key != "params"}
            packed["params"] = [index_of[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {index_of[id(param)]: value for param, value in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore options and state saved by ``state_dict`` (state tensors are copied, cast to
        each parameter's dtype). Group count and sizes must match this optimizer's."""
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(saved_groups) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(self.param_groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the size of "
                             "optimizer's group")
        param_at = {index: param for saved, group in zip(saved_groups, self.param_groups)
                    for index, param in zip(saved["params"], group["params"])}
        self.state = defaultdict(dict)
        for index, values in state_dict["state"].items():
            param = param_at.get(index)
            if param is None:
                continue
            self.state[param] = {key: _copy_like(value, param, key) for key, value in values.items()}
        for saved, group in zip(saved_groups, self.param_groups):
            saved["params"] = group["params"]
        self.param_groups = saved_groups

    def __repr__(self):
        text = type(self).__name__ + " ("
        for index, group in enumerate(self.param_groups):
            text += f"\nParameter Group {index}\n"
            for key in sorted(group):
                if key != "params":
                    text += f"    {key}: {group[key]}\n"
        return text + ")"


def _copy_like(value, param, key):
    """A private copy of a state value; floating tensors take the parameter's dtype, except the
    step counter, which keeps its own (as torch's)."""
    if isinstance(value, Tensor):
        dtype = param.dtype if value.dtype.is_floating_point and key != "step" else value.dtype
        return Tensor._wrap(value._data.astype(dtype.numpy, copy=True))
    return copy.deepcopy(value)


def torch_only_options(foreach=None, capturable=False, differentiable=False, fused=None):
    """torch's device and graph options, kept in each group so state dicts have torch's keys.

    ``foreach`` changes nothing here (one code path); the others have no meaning without
    devices or a differentiable optimizer and are refused when set.
    """
    for name, value in (("capturable", capturable), ("differentiable", differentiable), ("fused", fused)):
        if value:
            raise RuntimeError(f"minitorch_cv.optim: {name}=True is not supported (CPU only, no graph capture)")
    return dict(foreach=foreach, capturable=capturable, differentiable=differentiable, fused=fused)


def step_counter():
    """A per-parameter step count stored as torch does: a 0-dim float32 tensor."""
    return Tensor._wrap(np.zeros((), np.float32))


def next_step(state):
    """Add one to ``state["step"]`` in place and return the new count as a Python float."""
    counter = state["step"]._data
    counter += 1
    return float(counter)


def check_range(name, value, low=0.0):
    if not low <= value:
        raise ValueError(f"Invalid {name}: {value}")
