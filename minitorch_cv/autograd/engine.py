"""Reverse-mode backpropagation over the recorded graph of nodes, in iterative topological order."""
import numpy as np

from ..ops.elementwise import add_into
from .function import Node, tensor_type
from .grad_mode import no_grad

_FREED = ("Trying to backward through the graph a second time (or directly access saved tensors "
          "after they have already been freed). Specify retain_graph=True if you need to backward "
          "a second time.")


def _topological_order(root):
    """Nodes reachable from ``root``, each before every node it feeds (consumers first)."""
    order, visited = [], {id(root)}
    stack = [(root, iter(root.parents))]
    while stack:
        node, parents = stack[-1]
        for parent in parents:
            if isinstance(parent, Node) and id(parent) not in visited:
                visited.add(id(parent))
                stack.append((parent, iter(parent.parents)))
                break
        else:
            stack.pop()
            order.append(node)
    order.reverse()
    return order


def _accumulate(tensor, grad):
    """Add ``grad`` into ``tensor.grad`` (created on first use), as torch's AccumulateGrad does,
    then call the tensor's post-accumulate-grad hooks (DistributedDataParallel starts its
    allreduce from them while the rest of the graph is still being differentiated)."""
    Tensor = tensor_type()

    if tensor.grad is None:
        tensor.grad = Tensor._wrap(np.array(grad, dtype=tensor._data.dtype, copy=True))
    else:
        tensor.grad._data = tensor.grad._data + grad
    for hook in tuple(getattr(tensor, "_post_accumulate_grad_hooks", {}).values()):
        hook(tensor)


_callbacks = []


def queue_callback(callback):
    """Run ``callback()`` once the current backward pass has finished (torch's
    ``Variable._execution_engine.queue_callback``); only valid during a backward pass."""
    if _depth == 0:
        raise RuntimeError("Final callbacks can only be installed during backward pass.")
    _callbacks.append(callback)


_depth = 0


def _leaf_uses(order):
    """How many recorded edges point at each leaf tensor (by id) in the nodes of ``order``."""
    uses = {}
    for node in order:
        for parent in node.parents:
            if parent is not None and not isinstance(parent, Node):
                uses[id(parent)] = uses.get(id(parent), 0) + 1
    return uses


def run_backward(root, grad, retain_graph=False):
    """Push ``grad`` (same shape as ``root``) back to every leaf that requires a gradient, then run
    the callbacks queued during the pass."""
    global _depth
    _depth += 1
    try:
        _backward_pass(root, grad, retain_graph)
    finally:
        _depth -= 1
        finished = list(_callbacks) if _depth == 0 else []
        if _depth == 0:
            _callbacks.clear()
    for callback in finished:
        callback()


def _backward_pass(root, grad, retain_graph):
    """Each leaf's gradient is accumulated as soon as the last node that feeds it has run."""
    if root.grad_fn is None:
        _accumulate(root, grad)
        return
    grads = {id(root.grad_fn): grad}
    leaves = {}
    order = _topological_order(root.grad_fn)
    uses = _leaf_uses(order)
    with no_grad():
        for node in order:
            g = grads.pop(id(node), None)
            if g is None:
                continue
            if node.retained is not None and node.retained() is not None:
                _accumulate(node.retained(), g)
            if node.ctx is None:
                raise RuntimeError(_FREED)
            if node.saved_versions:
                node.check_saved_versions()
            input_grads = node.function.backward(node.ctx, g)
            if not isinstance(input_grads, tuple):
                input_grads = (input_grads,)
            for parent, parent_grad in zip(node.parents, input_grads):
                if parent is not None and not isinstance(parent, Node):
                    uses[id(parent)] -= 1
                if parent is None or parent_grad is None:
                    if parent is not None and uses[id(parent)] == 0 and id(parent) in leaves:
                        _accumulate(*leaves.pop(id(parent)))
                    continue
                is_node = isinstance(parent, Node)
                expected = parent.shape if is_node else parent._data.shape
                if parent_grad.shape != expected:
                    raise RuntimeError(f"{node.name()} returned a gradient of shape {tuple(parent_grad.shape)} "
                                       f"for an input of shape {tuple(expected)}")
                key = id(parent)
                if is_node:
                    grads[key] = add_into(grads[key], parent_grad) if key in grads else parent_grad
                else:
                    entry = leaves.get(key)
                    leaves[key] = (parent, parent_grad if entry is None else entry[1] + parent_grad)
                    if uses[key] == 0:
                        _accumulate(*leaves.pop(key))
            if not retain_graph:
                node.ctx = None
                node.saved_versions = ()
        for leaf, leaf_grad in leaves.values():
            _accumulate(leaf, leaf_grad)
