"""einsum: forward by ``np.einsum``; each operand's gradient is the einsum of the upstream
gradient with the other operands, then broadcast over letters only that operand had and put
on the diagonal for letters it repeated (``"ii->i"``).
"""
import string

import numpy as np

from ..autograd.function import Function, tensor_type


def _parse(equation, shapes):
    """Explicit subscripts (ellipsis expanded into unused letters) for inputs and output."""
    equation = equation.replace(" ", "")
    inputs, arrow, output = equation.partition("->")
    terms = inputs.split(",")
    if len(terms) != len(shapes):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation"
                           if len(terms) < len(shapes) else
                           "einsum(): fewer operands were provided than specified in the equation")
    free = [c for c in string.ascii_letters if c not in equation]
    widest = 0
    for term, shape in zip(terms, shapes):
        letters = len(term.replace("...", ""))
        if "..." in term:
            widest = max(widest, len(shape) - letters)
        elif letters != len(shape):
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({letters}) does not match "
                               f"the number of dimensions ({len(shape)}) for operand {terms.index(term)}"
                               " and no ellipsis was given")
    ellipsis = "".join(free[:widest])
    expanded = [t.replace("...", ellipsis[widest - (len(s) - len(t.replace('...', ''))):]) for t, s in zip(terms, shapes)]
    if arrow:
        output = output.replace("...", ellipsis)
    else:
        counts = {c: "".join(expanded).count(c) for c in "".join(expanded)}
        output = ellipsis + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ellipsis))
    return expanded, output


class Einsum(Function):
    @staticmethod
    def forward(ctx, *arrays, terms, output):
        ctx.terms, ctx.output = terms, output
        ctx.save_for_backward(*arrays)
        return np.asarray(np.einsum(",".join(terms) + "->" + output, *arrays, optimize=len(arrays) > 2))

    @staticmethod
    def backward(ctx, grad):
        arrays, terms = ctx.saved_arrays, ctx.terms
        return tuple(_operand_grad(grad, ctx.output, arrays, terms, k) if ctx.needs_input_grad[k] else None
                     for k in range(len(arrays)))


def _operand_grad(grad, output, arrays, terms, k):
    term, shape = terms[k], arrays[k].shape
    others = [t for i, t in enumerate(terms) if i != k]
    available = set(output).union(*others) if others else set(output)
    unique = list(dict.fromkeys(term))
    present = "".join(c for c in unique if c in available)
    operands = [grad] + [a for i, a in enumerate(arrays) if i != k]
    g = np.einsum(",".join([output] + others) + "->" + present, *operands, optimize=len(operands) > 2)
    size = {c: shape[term.index(c)] for c in unique}
    g = g.reshape([size[c] if c in present else 1 for c in unique])
    g = np.broadcast_to(g, [size[c] for c in unique])
    if len(unique) == len(term):
        return np.transpose(g, [unique.index(c) for c in term]).copy()
    out = np.zeros(shape, dtype=grad.dtype)
    grids = np.indices([size[c] for c in unique], sparse=True)
    out[tuple(grids[unique.index(c)] for c in term)] = g
    return out


def einsum(equation, *operands):
    Tensor = tensor_type()
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    for i, op in enumerate(operands):
        if not isinstance(op, Tensor):
            raise TypeError(f"einsum(): operand {i} must be a Tensor, not {type(op).__name__}")
    dtype = operands[0].dtype
    for op in operands[1:]:
        if op.dtype is not dtype:
            raise RuntimeError(f"expected scalar type {dtype.type_name} but found {op.dtype.type_name}")
    terms, output = _parse(equation, [op.shape for op in operands])
    for term, op in zip(terms, operands):
        if len(term) != op.ndim:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(term)}) does not match "
                               f"the number of dimensions ({op.ndim}) for operand {terms.index(term)}")
    try:
        return Einsum.apply(*operands, terms=terms, output=output)
    except ValueError as error:
        raise RuntimeError(f"einsum(): {error}") from None
