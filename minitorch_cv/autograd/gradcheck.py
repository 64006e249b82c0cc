"""Float64 finite-difference gradient check, in the manner of ``torch.autograd.gradcheck``.

The analytic vector-Jacobian product for a random upstream vector ``v`` is compared with
central differences of ``<v, f(x)>`` for every element of every input.
"""
import numpy as np


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, seed=0, raise_exception=True):
    """Check the gradients of ``fn(*inputs)`` (float64 tensors with requires_grad) numerically."""
    from ..tensor import Tensor

    for i, x in enumerate(inputs):
        if isinstance(x, Tensor) and x.requires_grad and x._data.dtype != np.float64:
            raise ValueError(f"gradcheck: input {i} is {x.dtype}; use float64 inputs")
    out = fn(*inputs)
    upstream = np.random.default_rng(seed).standard_normal(out.shape)
    for x in inputs:
        if isinstance(x, Tensor):
            x.grad = None
    out.backward(Tensor._wrap(upstream))

    def objective():
        return float(np.sum(fn(*inputs)._data * upstream))

    for i, x in enumerate(inputs):
        if not (isinstance(x, Tensor) and x.requires_grad):
            continue
        numeric = np.zeros_like(x._data)
        flat, numeric_flat = x._data.reshape(-1), numeric.reshape(-1)
        for j in range(flat.size):
            original = flat[j]
            flat[j] = original + eps
            plus = objective()
            flat[j] = original - eps
            minus = objective()
            flat[j] = original
            numeric_flat[j] = (plus - minus) / (2 * eps)
        analytic = x.grad._data if x.grad is not None else np.zeros_like(numeric)
        if not np.allclose(analytic, numeric, atol=atol, rtol=rtol):
            if not raise_exception:
                return False
            worst = np.unravel_index(np.argmax(np.abs(analytic - numeric)), numeric.shape)
            raise AssertionError(
                f"gradcheck: input {i} (shape {tuple(x.shape)}): analytic and numeric gradients "
                f"differ; worst at {worst}: analytic {analytic[worst]!r} vs numeric {numeric[worst]!r} "
                f"(max abs diff {np.max(np.abs(analytic - numeric)):.3e})")
    return True
