"""Adagrad with torch.optim.Adagrad's single-tensor update rule (foreach=False)."""
import numpy as np

from ..tensor import Tensor
from .optimizer import Optimizer, check_range, next_step, step_counter, torch_only_options


class Adagrad(Optimizer):
    """Adagrad (Duchi et al.), as torch computes it. Per parameter p, gradient g, step t::

        g = -g if maximize
        g = g + weight_decay * p                      (if weight_decay)
        clr = lr / (1 + (t - 1) * lr_decay)
        sum = sum + g * g                             (starts at initial_accumulator_value)
        p = p - clr * g / (sqrt(sum) + eps)

    As in torch, the state (``step``, ``sum``) of every parameter is made at construction
    (of later groups' parameters, at their first step).
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 foreach=None, *, maximize=False, differentiable=False, fused=None):
        check_range("learning rate", lr)
        check_range("lr_decay value", lr_decay)
        check_range("weight_decay value", weight_decay)
        check_range("initial_accumulator_value value", initial_accumulator_value)
        check_range("epsilon value", eps)
        options = torch_only_options(foreach, False, differentiable, fused)
        del options["capturable"]
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, maximize=maximize, **options)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for param in group["params"]:
                self._init_state(param)

    def _init_state(self, param):
        """``step`` and ``sum`` of a parameter; as torch, the accumulator starts from the
        constructor's ``initial_accumulator_value`` whatever the group says."""
        state = self.state[param]
        if not state:
            state["step"] = step_counter()
            state["sum"] = Tensor._wrap(np.full_like(param._data, self.defaults["initial_accumulator_value"]))

    def _update(self, param, group):
        p = param._data
        grad = param.grad._data.astype(p.dtype, copy=False)
        self._init_state(param)
        state = self.state[param]
        step = next_step(state)
        if group["maximize"]:
            grad = -grad
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * p
        clr = group["lr"] / (1 + (step - 1) * group["lr_decay"])
        state_sum = state["sum"]._data
        state_sum += grad * grad
        std = np.sqrt(state_sum)
        std += group["eps"]
        p += -clr * grad / std
