"""Autograd core: Function/Context, the backward engine, grad modes and gradcheck."""
from .function import Context, Function, Node
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .engine import run_backward
from .gradcheck import gradcheck
