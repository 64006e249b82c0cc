"""Reverse-mode backpropagation over the recorded graph, in iterative topological order."""
import numpy as np

from .grad_mode import no_grad


def _topological_order(root):
    """Tensors reachable from ``root`` through grad_fn, each after every tensor that uses it."""
    order, visited = [], set()
    stack = [(root, False)]
    while stack:
        tensor, expanded = stack.pop()
        if expanded:
            order.append(tensor)
            continue
        if id(tensor) in visited:
            continue
        visited.add(id(tensor))
        stack.append((tensor, True))
        if tensor.grad_fn is not None:
            for parent in tensor.grad_fn.inputs:
                if parent is not None and parent.requires_grad and id(parent) not in visited:
                    stack.append((parent, False))
    order.reverse()
    return order


def _accumulate_into_leaf(tensor, grad):
    from ..tensor import Tensor

    if tensor.grad is None:
        tensor.grad = Tensor._wrap(np.array(grad, dtype=tensor._data.dtype, copy=True))
    else:
        tensor.grad._data = tensor.grad._data + grad


def run_backward(root, grad, retain_graph=False):
    """Push ``grad`` (same shape as ``root``) back to every leaf that requires a gradient."""
    grads = {id(root): grad}
    with no_grad():
        for tensor in _topological_order(root):
            g = grads.pop(id(tensor), None)
            if g is None:
                continue
            node = tensor.grad_fn
            if node is None or tensor._retains_grad:
                _accumulate_into_leaf(tensor, g)
            if node is None:
                continue
            if node.ctx is None:
                raise RuntimeError(
                    "Trying to backward through the graph a second time (or directly access "
                    "saved tensors after they have already been freed). Specify "
                    "retain_graph=True if you need to backward a second time.")
            input_grads = node.function.backward(node.ctx, g)
            if not isinstance(input_grads, tuple):
                input_grads = (input_grads,)
            for parent, parent_grad in zip(node.inputs, input_grads):
                if parent is None or parent_grad is None or not parent.requires_grad:
                    continue
                if parent_grad.shape != parent.shape:
                    raise RuntimeError(f"{node.name()} returned a gradient of shape "
                                       f"{parent_grad.shape} for an input of shape {parent.shape}")
                key = id(parent)
                grads[key] = parent_grad if key not in grads else grads[key] + parent_grad
            if not retain_graph:
                node.ctx = None
