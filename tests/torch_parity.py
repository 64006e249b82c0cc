"""The one helper that runs the same computation in minitorch_cv and in torch and compares them.

Inputs are built once in NumPy from a per-case seed and wrapped in both frameworks. The
forward outputs are compared (shape, dtype, values); then the same random upstream gradient
is pushed through both, and every input's and parameter's gradient is compared by name.
Every comparison is recorded, so the session can print the largest errors per op and dtype.
"""
from collections import defaultdict

import numpy as np
import torch

import minitorch_cv

# Tolerances, stated once. "exact": elementwise ops; "reduction": anything that sums
# (conv, linear, losses, pooling gradients); gradients always use the "grad" row.
TOLERANCES = {
    ("float32", "exact"): dict(rtol=1.3e-6, atol=1e-5),
    ("float32", "reduction"): dict(rtol=1e-5, atol=1e-5),
    ("float32", "grad"): dict(rtol=1e-4, atol=1e-5),
    ("float64", "exact"): dict(rtol=1e-7, atol=1e-7),
    ("float64", "reduction"): dict(rtol=1e-7, atol=1e-7),
    ("float64", "grad"): dict(rtol=1e-7, atol=1e-7),
    # Winograd convolutions (ops/conv_winograd.py), outputs and gradients: their float32 error
    # is about 10x torch's, measured at up to 7e-6 of the largest value (the weight gradient),
    # so the absolute part scales with that value (``atol_of_max``). In float64 they meet the
    # "grad" row.
    ("float32", "winograd"): dict(rtol=1e-4, atol_of_max=2e-5),
    ("float64", "winograd"): dict(rtol=1e-7, atol=1e-7),
    # Sums of thousands of float32 products per element, outputs and gradients (the weight
    # gradient of a first layer over whole images): torch's own float32 result is off the
    # float64 one by up to 8e-7 of the largest value (ours 2e-7; 3 images 3x32x32, a 4x2
    # kernel: 2,697 products), so elements near zero need an absolute part scaled by the largest.
    ("float32", "long sums"): dict(rtol=1e-4, atol_of_max=4e-6),
    ("float64", "long sums"): dict(rtol=1e-7, atol=1e-7),
    # Random numbers (tests/test_random.py): the same generator state gives torch's values bit for bit.
    ("float32", "bitwise"): dict(rtol=0.0, atol=0.0),
    ("float64", "bitwise"): dict(rtol=0.0, atol=0.0),
    ("int64", "bitwise"): dict(rtol=0.0, atol=0.0),
    # nn.init.orthogonal_: torch's float32 QR (MKL) is off the float64 one by up to 1.2e-5 on a
    # 100x100 matrix with gain 2 (measured over 4 seeds; NumPy's QR is that float64 one).
    ("float32", "qr"): dict(rtol=1e-4, atol=5e-5),
    ("float64", "qr"): dict(rtol=1e-7, atol=1e-7),
    # Whole vision models (tests/test_vision_models.py): logits against torchvision's with the
    # absolute part scaled by the largest logit; float64 gradients and buffers of one training step.
    # In float32 a deep network's logits carry rounding error of about 1e-4 of the largest in torch
    # itself (ResNet-101: torch float32 vs float64 7.7e-5, ours 9.3e-5), so the absolute part is at
    # least three times torch's own float32 error against float64 on the same input (``spread``):
    # ours and torch's differ by at most the sum of their errors, which stays under 3x torch's as
    # long as ours is under twice torch's, on whatever CPU and BLAS kernels each library picks
    # (measured here: 1.2x, so a factor of 2 had only ~1.5x headroom).
    ("float32", "model"): dict(rtol=1e-4, atol_of_max=1e-5, spread_factor=3.0),
    # The same with the default Winograd convolutions: each such layer's float32 error is about ten
    # times torch's (the "winograd" row), and deep networks carry it to the logits (measured:
    # ResNet-101 3.6e-4 against torch's own 1.8e-4, VGG-16-BN 3.8e-5 against 8e-6).
    ("float32", "model winograd"): dict(rtol=1e-4, atol_of_max=1e-5, spread_factor=10.0),
    ("float64", "model"): dict(rtol=1e-10, atol_of_max=1e-10),
}

OWN_ROWS = ("exact", "winograd", "long sums")
"""Kinds whose row serves outputs and gradients alike; any other kind compares outputs with the
"reduction" row and gradients with the "grad" row."""

# (op, dtype) -> [cases, max abs error, max rel error]
RECORD = defaultdict(lambda: [0, 0.0, 0.0])


def _record(op, dtype, ours, theirs):
    entry = RECORD[(op, dtype)]
    if ours.size:
        with np.errstate(invalid="ignore"):
            diff = np.abs(ours.astype(np.float64) - theirs.astype(np.float64))
        rel = diff / np.maximum(np.abs(theirs.astype(np.float64)), 1e-12)
        rel = rel[np.abs(theirs) > 1e-6] if np.any(np.abs(theirs) > 1e-6) else np.zeros(1)
        entry[1] = max(entry[1], float(diff.max()))
        entry[2] = max(entry[2], float(rel.max()))


def assert_matches(name, ours, theirs, dtype, kind, op, spread=None, scale=None):
    """Compare one array from minitorch_cv with torch's: shape, dtype, then values.

    ``spread``: torch's own error on this output (rows with ``spread_factor`` need it).
    ``scale``: what ``atol_of_max`` is relative to, when not the largest value of ``theirs``
    (e.g. a gradient that is zero up to rounding, measured against the model's largest gradient).
    """
    ours = np.asarray(ours)
    theirs = theirs.detach().cpu().numpy(force=True) if isinstance(theirs, torch.Tensor) else np.asarray(theirs)
    assert ours.shape == theirs.shape, f"{op}: {name} shape {ours.shape} != torch's {theirs.shape}"
    assert ours.dtype == theirs.dtype, f"{op}: {name} dtype {ours.dtype} != torch's {theirs.dtype}"
    _record(op, dtype, ours, theirs)
    tol = dict(TOLERANCES[(dtype, kind)])
    if "atol_of_max" in tol:
        largest = float(np.max(np.abs(theirs), initial=0.0)) if scale is None else scale
        tol["atol"] = tol.pop("atol_of_max") * largest
    if "spread_factor" in tol:
        tol["atol"] = max(tol["atol"], tol.pop("spread_factor") * spread)
    if not np.allclose(ours, theirs, **tol, equal_nan=True):
        a, b = ours.astype(np.float64), theirs.astype(np.float64)
        with np.errstate(invalid="ignore"):
            diff = np.where(np.isnan(a) != np.isnan(b), np.inf, np.nan_to_num(np.abs(a - b), nan=0.0, posinf=np.inf))
        worst = np.unravel_index(np.argmax(diff), diff.shape) if diff.ndim else ()
        raise AssertionError(
            f"{op}: {name} differs from torch (rtol={tol['rtol']}, atol={tol['atol']}): "
            f"max abs diff {np.max(diff):.3e} at {worst}: ours {ours[worst]!r} vs torch {theirs[worst]!r}")


def _np_dtype(dtype):
    return {"float32": np.float32, "float64": np.float64}[dtype]


def compare(fn, arrays, op, dtype="float32", kind="reduction", grad=None, seed=0,
            our_module=None, torch_module=None):
    """Run ``fn(lib, *tensors)`` with lib=minitorch_cv and lib=torch and compare everything.

    ``arrays`` are NumPy arrays; float32/64 ones are cast to ``dtype`` (float16 stays) and get requires_grad unless
    ``grad`` (a list of booleans) says otherwise. When modules are given, ``fn`` receives
    ``(lib, module, *tensors)``; torch's module is loaded with our module's parameters first.
    Returns (our output, torch output).
    """
    RECORD[(op, dtype)][0] += 1
    arrays = [a.astype(_np_dtype(dtype)) if np.asarray(a).dtype in (np.float32, np.float64) else np.asarray(a)
              for a in arrays]
    grad = grad if grad is not None else [a.dtype.kind == "f" for a in arrays]
    ours_in = [minitorch_cv.tensor(a, requires_grad=g) for a, g in zip(arrays, grad)]
    theirs_in = [torch.tensor(a, requires_grad=g) for a, g in zip(arrays, grad)]
    if our_module is not None:
        if dtype == "float64":
            our_module.double()
            torch_module.double()
        state = {k: torch.from_numpy(np.array(v.detach().numpy())) for k, v in our_module.state_dict().items()}
        torch_module.load_state_dict(state)
        ours_out = fn(minitorch_cv, our_module, *ours_in)
        theirs_out = fn(torch, torch_module, *theirs_in)
    else:
        ours_out = fn(minitorch_cv, *ours_in)
        theirs_out = fn(torch, *theirs_in)
    out_kind = kind if kind in OWN_ROWS else "reduction"
    assert_matches("output", ours_out.detach().numpy(), theirs_out, dtype, out_kind, op)
    if not theirs_out.requires_grad:
        return ours_out, theirs_out
    upstream = np.random.default_rng(seed).standard_normal(tuple(theirs_out.shape)).astype(_np_dtype(dtype))
    ours_out.backward(minitorch_cv.tensor(upstream))
    theirs_out.backward(torch.tensor(upstream))
    grad_kind = kind if kind in OWN_ROWS else "grad"
    for i, (o, t) in enumerate(zip(ours_in, theirs_in)):
        if t.requires_grad:
            assert o.grad is not None, f"{op}: input {i} got no gradient"
            assert_matches(f"grad of input {i}", o.grad.numpy(), t.grad, dtype, grad_kind, op)
    if our_module is not None:
        theirs_params = dict(torch_module.named_parameters())
        for name, p in our_module.named_parameters():
            assert p.grad is not None, f"{op}: parameter {name} got no gradient"
            assert_matches(f"grad of {name}", p.grad.numpy(), theirs_params[name].grad, dtype, grad_kind, op)
    return ours_out, theirs_out


def _builtin_class(error):
    """The first built-in exception class of an error (torch's own classes derive from them)."""
    return next(c for c in type(error).__mro__ if c.__module__ == "builtins")


def same_error(fn, *args, error=Exception, check_class=False):
    """Check that minitorch_cv and torch both raise ``error`` on the same bad input; return our message.

    With ``check_class`` the two errors must also be of the same built-in class
    (RuntimeError, IndexError, TypeError, NotImplementedError, ...)."""
    import pytest

    with pytest.raises(error) as theirs:
        fn(torch, *[torch.tensor(a) for a in args])
    with pytest.raises(error) as info:
        fn(minitorch_cv, *[minitorch_cv.tensor(a) for a in args])
    if check_class:
        ours_class, theirs_class = _builtin_class(info.value), _builtin_class(theirs.value)
        assert ours_class is theirs_class, (f"we raise {ours_class.__name__} ({info.value}), torch raises "
                                            f"{theirs_class.__name__} ({theirs.value})")
    return str(info.value)


def compare_or_same_error(fn, arrays, op, dtype="float32", kind="exact"):
    """Where torch accepts the inputs, ``compare`` (values and result dtype, no gradients);
    where it raises, check that we raise an error of the same class."""
    try:
        fn(torch, *[torch.tensor(a) for a in arrays])
    except Exception:
        return same_error(fn, *arrays, check_class=True)
    return compare(fn, arrays, op=op, dtype=dtype, kind=kind, grad=[False] * len(arrays))
