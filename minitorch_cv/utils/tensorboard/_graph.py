"""``add_graph`` for minitorch_cv modules: run the model once with forward hooks on every
module and turn the calls of the leaf layers into a GraphDef that TensorBoard's graph tab draws.

Each layer call becomes a node named by its scope (``Net/Sequential[model]/Conv2d[0]``, so the
graph tab folds it inside its parents), with the layer's settings and its output shape. Edges
follow the tensors: a layer's input is linked to the layer (or model input) that made it, looking
through the autograd graph past functional code such as ``x.view(...)`` between layers.
"""
from tensorboard.compat.proto.attr_value_pb2 import AttrValue
from tensorboard.compat.proto.graph_pb2 import GraphDef
from tensorboard.compat.proto.node_def_pb2 import NodeDef
from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto
from tensorboard.compat.proto.versions_pb2 import VersionDef

from ...autograd import enable_grad
from ...autograd.function import Node
from ...tensor import Tensor


def _node(name, op, inputs, shape=None, settings=""):
    attr = {"attr": AttrValue(s=settings.encode())}
    if shape is not None:
        dims = [TensorShapeProto.Dim(size=d) for d in shape]
        attr["_output_shapes"] = AttrValue(list=AttrValue.ListValue(shape=[TensorShapeProto(dim=dims)]))
    return NodeDef(name=name, op=op, input=inputs, attr=attr)


def _tensors(value):
    if isinstance(value, Tensor):
        return [value]
    if isinstance(value, (list, tuple)):
        return [t for item in value for t in _tensors(item)]
    if isinstance(value, dict):
        return [t for item in value.values() for t in _tensors(item)]
    return []


class _Tracer:
    """Maps tensors and autograd nodes to the graph node that produced them."""

    def __init__(self):
        self.nodes = []
        self.producer = {}   # id(Tensor) or id(autograd Node) -> graph node name
        self.keep = []       # keeps traced objects alive so their ids stay unique

    def produced(self, tensor, name):
        self.keep.append(tensor)
        self.producer[id(tensor)] = name
        if tensor.grad_fn is not None:
            self.producer[id(tensor.grad_fn)] = name

    def sources(self, tensor):
        """The graph nodes a tensor came from: its producer, or the nearest ones up its autograd graph."""
        if id(tensor) in self.producer:
            return [self.producer[id(tensor)]]
        found, stack, seen = [], [tensor.grad_fn], set()
        while stack:
            item = stack.pop()
            if item is None or id(item) in seen:
                continue
            seen.add(id(item))
            if id(item) in self.producer:
                found.append(self.producer[id(item)])
            elif isinstance(item, Node):
                stack.extend(item.parents)
        return sorted(set(found), key=found.index)


def build_graph(model, inputs):
    """The GraphDef of ``model`` called on ``inputs`` (a tensor, or a tuple/list of them)."""
    inputs = tuple(inputs) if isinstance(inputs, (list, tuple)) else (inputs,)
    tracer = _Tracer()
    traced_inputs = []
    for i, tensor in enumerate(inputs):
        if not isinstance(tensor, Tensor):
            raise TypeError(f"add_graph: input_to_model must be minitorch_cv Tensors, got {type(tensor).__name__}")
        leaf = tensor.detach().requires_grad_(tensor.is_floating_point())
        name = f"input/input.{i}"
        tracer.nodes.append(_node(name, "IO Node", [], tuple(tensor.shape)))
        tracer.produced(leaf, name)
        traced_inputs.append(leaf)
    root = model._get_name()
    scopes = {"": root}
    for path, module in model.named_modules():
        if path:
            parent, _, last = path.rpartition(".")
            scopes[path] = f"{scopes[parent]}/{module._get_name()}[{last}]"

    def record(module, args, output, scope):
        name = scope
        count = sum(1 for n in tracer.nodes if n.name == name or n.name.startswith(name + "."))
        if count:
            name = f"{scope}.{count}"       # a layer called more than once
        sources = [s for t in _tensors(args) for s in tracer.sources(t)]
        outputs = _tensors(output)
        shape = tuple(outputs[0].shape) if outputs else None
        tracer.nodes.append(_node(name, module._get_name(), sources, shape, module.extra_repr()))
        for tensor in outputs:
            tracer.produced(tensor, name)

    handles = [module.register_forward_hook(lambda m, a, o, scope=scopes[path]: record(m, a, o, scope))
               for path, module in model.named_modules() if not any(True for _ in module.children())]
    training = model.training
    model.eval()   # as torch traces: dropout and batch norm in inference behaviour
    try:
        with enable_grad():
            output = model(*traced_inputs)
    finally:
        for handle in handles:
            handle.remove()
        model.train(training)
    for i, tensor in enumerate(_tensors(output)):
        tracer.nodes.append(_node(f"output/output.{i}", "IO Node", tracer.sources(tensor), tuple(tensor.shape)))
    return GraphDef(node=tracer.nodes, versions=VersionDef(producer=22))
