"""numba kernels: plain arrays in, plain arrays out; no Tensor, no autograd.

Every kernel states the memory layout it assumes; callers (the ops) pass C-contiguous arrays of
one floating dtype (float32 stays float32 end to end, float64 runs in float64).
"""
