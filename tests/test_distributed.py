"""minitorch_cv.distributed and DDP in one process (no mpiexec), and the autograd hooks DDP uses."""
import sys

import numpy as np
import pytest

import minitorch_cv as torch
import minitorch_cv.distributed as dist
from minitorch_cv import nn
from minitorch_cv.autograd.engine import queue_callback
from minitorch_cv.nn.parallel import DistributedDataParallel as DDP
from minitorch_cv.nn.parallel import reducer as reducer_module


@pytest.fixture
def group(monkeypatch):
    for name in ("RANK", "WORLD_SIZE", "OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "MPI_LOCALNRANKS"):
        monkeypatch.delenv(name, raising=False)
    yield
    if dist.is_initialized():
        dist.destroy_process_group()


def test_world_of_one_without_a_launcher(group, monkeypatch):
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        dist.get_rank()
    monkeypatch.setenv("WORLD_SIZE", "1")
    monkeypatch.setenv("RANK", "0")
    dist.init_process_group(backend="mpi")
    assert dist.is_initialized() and dist.get_rank() == 0 and dist.get_world_size() == 1
    assert dist.get_backend() == "mpi"
    tensor, array = torch.tensor([1.0, -2.0]), np.array([3.0, 4.0])
    for op in dist.ReduceOp:
        dist.all_reduce(tensor, op=op)
        dist.all_reduce(array, op=op)
    assert tensor.tolist() == [1.0, -2.0] and array.tolist() == [3, 4]
    gathered = [torch.zeros(2)]
    dist.all_gather(gathered, tensor)
    assert gathered[0].tolist() == [1.0, -2.0]
    out = torch.zeros(2)
    dist.reduce_scatter(out, [tensor])
    assert out.tolist() == [1.0, -2.0]
    with pytest.raises(ValueError, match="trying to initialize the default process group twice"):
        dist.init_process_group()
    dist.destroy_process_group()
    assert not dist.is_initialized()


def test_init_refusals(group, monkeypatch):
    with pytest.raises(ValueError, match="backend 'nccl' is not available"):
        dist.init_process_group(backend="nccl")
    monkeypatch.setenv("WORLD_SIZE", "2")
    with pytest.raises(RuntimeError, match="not started by an MPI launcher"):
        dist.init_process_group()
    monkeypatch.setenv("OMPI_COMM_WORLD_SIZE", "1")
    monkeypatch.setitem(sys.modules, "mpi4py", None)      # as if the extra were not installed
    with pytest.raises(ImportError, match=r"minitorch_cv\[mpi\]"):
        dist.init_process_group()
    assert not dist.is_initialized()


def test_collective_argument_errors(group):
    dist.init_process_group()
    with pytest.raises(TypeError, match="expected a minitorch_cv Tensor or a NumPy array, got list"):
        dist.all_reduce([1.0])
    with pytest.raises(ValueError, match="must be a minitorch_cv.distributed.ReduceOp"):
        dist.all_reduce(torch.ones(2), op="sum")
    with pytest.raises(ValueError, match="src 3 is not a rank"):
        dist.broadcast(torch.ones(2), src=3)
    with pytest.raises(ValueError, match="ReduceOp.AVG needs a floating-point"):
        dist.all_reduce(np.array([1, 2]), op=dist.ReduceOp.AVG)


def _model(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 4 * 4, 3)).double()


def test_ddp_in_one_process_is_the_plain_model(group):
    dist.init_process_group()
    model, plain = _model(), _model()
    ddp = DDP(model, bucket_cap_mb=1e-3)
    assert ddp.module is model
    assert list(ddp.state_dict()) == ["module." + key for key in plain.state_dict()]
    x = torch.tensor(np.random.default_rng(0).standard_normal((2, 3, 6, 6)))
    ddp(x).sum().backward()
    plain(x).sum().backward()
    for (name, p), q in zip(model.named_parameters(), plain.parameters()):
        np.testing.assert_array_equal(p.grad.numpy(), q.grad.numpy(), err_msg=name)


def test_ddp_starts_buckets_during_backward(group, monkeypatch):
    """Overlap: the bucket of the last layer starts before backward has reached the first layer."""
    dist.init_process_group()
    model = _model()
    ddp = DDP(model, bucket_cap_mb=1e-4)
    first_weight = model[0].weight
    seen = []
    original = reducer_module.Reducer._start

    def spy(self, bucket):
        seen.append((len(bucket.params), first_weight.grad is None))
        original(self, bucket)

    monkeypatch.setattr(reducer_module.Reducer, "_start", spy)
    ddp(torch.ones(1, 3, 6, 6, dtype=torch.float64)).sum().backward()
    assert len(seen) == 4                          # one bucket per parameter at this cap
    assert seen[0] == (1, True)                    # started while the first conv had no gradient yet
    assert first_weight.grad is not None


def test_ddp_unused_parameter_needs_find_unused(group):
    dist.init_process_group()

    class TwoHeads(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b = nn.Linear(2, 2), nn.Linear(2, 2)

        def forward(self, x):
            return self.a(x)

    x = torch.ones(1, 2)
    with pytest.raises(RuntimeError, match="find_unused_parameters=True"):
        DDP(TwoHeads())(x).sum().backward()
    model = TwoHeads()
    DDP(model, find_unused_parameters=True)(x).sum().backward()
    assert model.a.weight.grad is not None and model.b.weight.grad is None


def test_ddp_refusals(group):
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        DDP(nn.Linear(2, 2))
    dist.init_process_group()
    with pytest.raises(TypeError, match="expected an nn.Module"):
        DDP(lambda x: x)
    with pytest.raises(RuntimeError, match="doesn't have any parameter"):
        DDP(nn.ReLU())


def test_post_accumulate_grad_hook_sees_the_final_gradient():
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    calls = []
    handle = w.register_post_accumulate_grad_hook(lambda t: calls.append(t.grad.tolist()))
    ((w * 3).sum() + (w * w).sum()).backward()       # w feeds two nodes: one call, after both
    assert calls == [[5.0, 7.0]]
    (w * 1).sum().backward()
    assert calls == [[5.0, 7.0], [6.0, 8.0]]         # after accumulating into the existing .grad
    handle.remove()
    (w * 1).sum().backward()
    assert len(calls) == 2
    with pytest.raises(RuntimeError, match="non-leaf"):
        (w * 2).register_post_accumulate_grad_hook(print)


def test_hooks_fire_in_backward_order_and_callbacks_after():
    a = torch.tensor([1.0], dtype=torch.float64, requires_grad=True)
    b = torch.tensor([2.0], dtype=torch.float64, requires_grad=True)
    events = []
    a.register_post_accumulate_grad_hook(lambda t: events.append("a"))

    def on_b(t):
        events.append("b")
        queue_callback(lambda: events.append(("done", a.grad.tolist())))

    b.register_post_accumulate_grad_hook(on_b)
    (((a * 2).exp() * b).sum()).backward()           # b's gradient is ready before a's
    assert events == ["b", "a", ("done", [2.0 * 2 * float(np.exp(2.0))])]
    with pytest.raises(RuntimeError, match="only be installed during backward"):
        queue_callback(print)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape", [(4, 3, 5, 6), (6, 3), (3, 2, 7)])
def test_sync_batch_norm_op_on_one_rank_is_torchs_batch_norm(dtype, shape):
    """The op with an identity allreduce (one rank) against torch's F.batch_norm in training,
    outputs, every gradient and the running buffers (2 ranks: tests/test_distributed_mpi.py)."""
    import torch as real_torch

    from minitorch_cv.ops.sync_batch_norm import SyncBatchNorm as SyncBatchNormFunction
    from torch_parity import assert_matches, compare
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal(shape) * 2 + 1, rng.random(shape[1]) + 0.5, rng.standard_normal(shape[1])]
    buffers = {}

    def fn(lib, x, weight, bias):
        running = [lib.zeros(shape[1], dtype=x.dtype), lib.ones(shape[1], dtype=x.dtype)]
        buffers[lib.__name__] = running
        if lib is real_torch:
            return real_torch.nn.functional.batch_norm(x, *running, weight, bias, True, 0.3, 1e-5)
        return SyncBatchNormFunction.apply(x, weight, bias, running[0]._data, running[1]._data, momentum=0.3,
                                           eps=1e-5, all_sum=lambda array: None)

    compare(fn, arrays, "sync_batch_norm", dtype=dtype)
    for ours, theirs in zip(buffers["minitorch_cv"], buffers["torch"]):
        assert_matches("running buffer", ours.numpy(), theirs, dtype, "reduction", "sync_batch_norm")


def test_sync_batch_norm_op_gradcheck():
    from minitorch_cv.autograd.gradcheck import gradcheck
    from minitorch_cv.ops.sync_batch_norm import SyncBatchNorm as SyncBatchNormFunction
    rng = np.random.default_rng(4)
    inputs = [torch.tensor(a, requires_grad=True) for a in
              (rng.standard_normal((3, 2, 2, 3)), rng.random(2) + 0.5, rng.standard_normal(2))]
    assert gradcheck(lambda x, w, b: SyncBatchNormFunction.apply(x, w, b, None, None, momentum=0.1, eps=1e-5,
                                                                 all_sum=lambda array: None), inputs)


def test_convert_sync_batchnorm_keeps_parameters_and_keys(group):
    dist.init_process_group()
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4, momentum=None),
                          nn.Sequential(nn.BatchNorm1d(5, affine=False)))
    model[1].eval()
    keys, weight, running = list(model.state_dict()), model[1].weight, model[1].running_var
    converted = nn.SyncBatchNorm.convert_sync_batchnorm(model)
    assert converted is model and list(converted.state_dict()) == keys
    assert isinstance(model[1], nn.SyncBatchNorm) and isinstance(model[2][0], nn.SyncBatchNorm)
    assert model[1].weight is weight and model[1].running_var is running and model[1].momentum is None
    assert not model[1].training and model[2][0].weight is None
    root = nn.SyncBatchNorm.convert_sync_batchnorm(nn.BatchNorm2d(2))
    assert isinstance(root, nn.SyncBatchNorm)
    x = torch.tensor(np.random.default_rng(0).standard_normal((4, 2, 3, 3)))
    plain = nn.BatchNorm2d(2).double()
    root.double()
    np.testing.assert_array_equal(root(x).detach().numpy(), plain(x).detach().numpy())   # one rank: BatchNorm
    with pytest.raises(ValueError, match=r"expected at least 2D input \(got 1D input\)"):
        root(torch.ones(3))
