"""RMSprop with torch.optim.RMSprop's single-tensor update rule (foreach=False)."""
import numpy as np

from ..tensor import Tensor
from .optimizer import Optimizer, check_range, next_step, step_counter, torch_only_options


class RMSprop(Optimizer):
    """RMSprop (Hinton), as torch computes it. Per parameter p, gradient g::

        g = -g if maximize
        g = g + weight_decay * p                         (if weight_decay)
        v = alpha * v + (1 - alpha) * g * g
        avg = sqrt(v - g_avg^2) + eps with g_avg = g_avg + (1 - alpha) * (g - g_avg)   if centered
        avg = sqrt(v) + eps                              otherwise (eps outside the root)
        buf = momentum * buf + g / avg; p = p - lr * buf  if momentum > 0
        p = p - lr * g / avg                             otherwise

    State (torch's keys): ``step``, ``square_avg``, ``momentum_buffer`` (momentum > 0),
    ``grad_avg`` (centered).
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        check_range("learning rate", lr)
        check_range("epsilon value", eps)
        check_range("momentum value", momentum)
        check_range("weight_decay value", weight_decay)
        check_range("alpha value", alpha)
        options = torch_only_options(foreach, capturable, differentiable)
        del options["fused"]
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, maximize=maximize, **options)
        super().__init__(params, defaults)

    def _update(self, param, group):
        p = param._data
        grad = param.grad._data.astype(p.dtype, copy=False)
        alpha, momentum = group["alpha"], group["momentum"]
        state = self.state[param]
        if not state:
            state["step"] = step_counter()
            state["square_avg"] = Tensor._wrap(np.zeros_like(p))
            if momentum > 0:
                state["momentum_buffer"] = Tensor._wrap(np.zeros_like(p))
            if group["centered"]:
                state["grad_avg"] = Tensor._wrap(np.zeros_like(p))
        next_step(state)
        if group["maximize"]:
            grad = -grad
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * p
        square_avg = state["square_avg"]._data
        square_avg *= alpha
        square_avg += (1 - alpha) * grad * grad
        if group["centered"]:
            grad_avg = state["grad_avg"]._data
            grad_avg += (1 - alpha) * (grad - grad_avg)
            avg = np.sqrt(square_avg - grad_avg * grad_avg)
        else:
            avg = np.sqrt(square_avg)
        avg += group["eps"]
        if momentum > 0:
            buf = state["momentum_buffer"]._data
            buf *= momentum
            buf += grad / avg
            p -= group["lr"] * buf
        else:
            p += -group["lr"] * grad / avg
