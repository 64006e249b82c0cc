"""All parameters as one flat vector and back, as torch.nn.utils does."""
from ... import functional
from ...tensor import Tensor


def parameters_to_vector(parameters):
    """One 1-D tensor holding every parameter, flattened and concatenated (differentiable)."""
    return functional.cat([param.view(-1) for param in parameters])


def vector_to_parameters(vec, parameters):
    """Make each parameter's data the next slice of ``vec`` (sharing its memory, as torch)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__module__}.{type(vec).__name__}")
    pointer = 0
    for param in parameters:
        count = param.numel()
        param.data = vec[pointer:pointer + count].view_as(param).data
        pointer += count
