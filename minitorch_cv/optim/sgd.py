"""Stochastic gradient descent with torch.optim.SGD's exact update rule."""
import numpy as np

from ..kernels.sgd import sgd_step
from ..ops.elementwise import over_ranges
from ..tensor import Tensor
from .optimizer import Optimizer


class SGD(Optimizer):
    """SGD with optional momentum, dampening, Nesterov momentum, weight decay and maximize.

    For each parameter p with gradient g, as in torch::

        g = -g if maximize
        g = g + weight_decay * p                     (if weight_decay)
        buf = g on the first step, else momentum * buf + (1 - dampening) * g
        g = g + momentum * buf if nesterov else buf   (if momentum)
        p = p - lr * g

    Parameters and buffers are updated in place in their own dtype (float32 stays float32).

    Example::

        >>> optimizer = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        >>> optimizer.zero_grad(); loss.backward(); optimizer.step()
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *, maximize=False):
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize)
        super().__init__(params, defaults)

    def _update(self, param, group):
        p = param._data
        grad = param.grad._data.astype(p.dtype, copy=False)
        if p.dtype in _KERNEL_FLOATS and p.flags.c_contiguous and grad.flags.c_contiguous:
            self._fused_update(param, p, grad, group)
            return
        momentum, weight_decay = group["momentum"], group["weight_decay"]
        if group["maximize"]:
            grad = -grad
        if weight_decay != 0:
            grad = grad + weight_decay * p
        if momentum != 0:
            state = self.state[param]
            buffer = state.get("momentum_buffer")
            if buffer is None:
                buffer = Tensor._wrap(np.array(grad, copy=True))
                state["momentum_buffer"] = buffer
            else:
                buf = buffer._data
                np.multiply(buf, momentum, out=buf)
                buf += (1 - group["dampening"]) * grad
            grad = grad + momentum * buffer._data if group["nesterov"] else buffer._data
        p -= group["lr"] * grad

    def _fused_update(self, param, p, grad, group):
        """The update above in one numba pass (``kernels/sgd.py``), split over the worker threads
        for large parameters; float32/float64 contiguous parameters."""
        scalar = p.dtype.type
        buf, first = None, False
        if group["momentum"] != 0:
            state = self.state[param]
            if state.get("momentum_buffer") is None:
                state["momentum_buffer"] = Tensor._wrap(np.empty_like(p))
                first = True
            buf = state["momentum_buffer"]._data.reshape(-1)
        flat_p, flat_grad = p.reshape(-1), grad.reshape(-1)
        settings = (scalar(group["lr"]), scalar(group["momentum"]), scalar(1 - group["dampening"]),
                    scalar(group["weight_decay"]), bool(group["nesterov"]), bool(group["maximize"]), first)
        over_ranges(p.size, lambda a, b: sgd_step(flat_p[a:b], flat_grad[a:b], None if buf is None else buf[a:b],
                                                  *settings))


_KERNEL_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
