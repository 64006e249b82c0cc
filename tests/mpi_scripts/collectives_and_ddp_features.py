"""Collectives on 2+ ranks, and DDP's buffer broadcast, no_sync and find_unused_parameters.

Every rank checks its own results with asserts (an AssertionError aborts the job, non-zero);
rank 0 prints ``RESULT {json}`` with the checks that ran.
"""
import json

import numpy as np

import minitorch_cv as torch
import minitorch_cv.distributed as dist
from minitorch_cv import nn
from minitorch_cv.nn.parallel import DistributedDataParallel as DDP

ReduceOp = dist.ReduceOp


def check_collectives(rank, world):
    values = [np.arange(6.0).reshape(2, 3) * (r + 1) for r in range(world)]
    for op, expect in ((ReduceOp.SUM, sum(values)), (ReduceOp.AVG, sum(values) / world),
                       (ReduceOp.MAX, np.maximum.reduce(values)), (ReduceOp.MIN, np.minimum.reduce(values)),
                       (ReduceOp.PRODUCT, np.multiply.reduce(values))):
        tensor = torch.tensor(values[rank])
        dist.all_reduce(tensor, op=op)
        np.testing.assert_array_equal(tensor.numpy(), expect, err_msg=str(op))
        array = values[rank].copy()
        dist.all_reduce(array, op=op)
        np.testing.assert_array_equal(array, expect, err_msg=f"{op} on an array")
    transposed = np.arange(12.0).reshape(3, 4) * (rank + 1)
    view = transposed.T                       # not C-contiguous: result must land in the same memory
    dist.all_reduce(view)
    np.testing.assert_array_equal(transposed, np.arange(12.0).reshape(3, 4) * sum(range(1, world + 1)))
    ints = torch.tensor([rank, 10 * rank])
    work = dist.all_reduce(ints, op=ReduceOp.MAX, async_op=True)
    assert work.wait() and work.is_completed()
    assert ints.tolist() == [world - 1, 10 * (world - 1)]
    tensor = torch.full((4,), float(rank))
    dist.broadcast(tensor, src=world - 1)
    assert tensor.tolist() == [float(world - 1)] * 4
    gathered = [torch.zeros(2, dtype=torch.int64) for _ in range(world)]
    dist.all_gather(gathered, torch.tensor([rank, rank * rank]))
    assert [g.tolist() for g in gathered] == [[r, r * r] for r in range(world)]
    out = torch.zeros(3)
    dist.reduce_scatter(out, [torch.full((3,), float(rank + 10 * r)) for r in range(world)])
    assert out.tolist() == [float(sum(range(world)) + world * 10 * rank)] * 3
    objects = [{"rank": rank}, None]
    dist.broadcast_object_list(objects, src=0)
    assert objects == [{"rank": 0}, None]
    everyone = []
    dist.all_gather_object(everyone, ("r", rank))
    assert everyone == [("r", r) for r in range(world)]
    dist.barrier()


class WithBuffer(nn.Module):
    def __init__(self, seed):
        super().__init__()
        torch.manual_seed(seed)
        self.never = nn.Linear(4, 3)          # used on no rank: its buckets come last in backward order
        self.used = nn.Linear(4, 3)
        self.sometimes = nn.Linear(4, 3)      # used on rank 0 only: its buckets come first
        self.register_buffer("running", torch.randn(3))

    def forward(self, x, use_sometimes):
        out = self.used(x) + self.running
        return out + self.sometimes(x) if use_sometimes else out


def check_ddp_features(rank, world):
    model = WithBuffer(seed=rank)
    reference = WithBuffer(seed=0)
    ddp = DDP(model, find_unused_parameters=True, bucket_cap_mb=1e-5)   # a bucket per parameter: the ranks
    assert len(ddp.reducer.buckets) == 6                                 # fill them in different orders
    for mine, theirs in zip(model.state_dict().values(), reference.state_dict().values()):
        np.testing.assert_array_equal(mine.numpy(), theirs.numpy())    # rank 0's weights and buffers
    model.running.data = torch.full((3,), float(rank))
    x = torch.tensor(np.random.default_rng(rank).standard_normal((5, 4)))
    x = x.float()
    ddp(x, use_sometimes=(rank == 0)).sum().backward()
    assert model.running.tolist() == [0.0] * 3, "forward in training must broadcast rank 0's buffers"
    local = WithBuffer(seed=0)
    local.running.data = torch.zeros(3)
    local(x, use_sometimes=(rank == 0)).sum().backward()
    grads = [np.empty((3, 4), np.float32) for _ in range(world)]
    dist.all_gather(grads, local.used.weight.grad.numpy())
    np.testing.assert_allclose(model.used.weight.grad.numpy(), sum(grads) / world, rtol=1e-6, atol=1e-7)
    sometimes = local.sometimes.weight.grad.numpy() if rank == 0 else np.zeros((3, 4), np.float32)
    dist.broadcast(sometimes, src=0)
    np.testing.assert_allclose(model.sometimes.weight.grad.numpy(), sometimes / world, rtol=1e-6, atol=1e-7)
    assert model.never.weight.grad is None, "a parameter no rank used keeps grad None"

    model.zero_grad()
    with ddp.no_sync():
        ddp(x, use_sometimes=True).sum().backward()
    local.zero_grad()
    local(x, use_sometimes=True).sum().backward()
    np.testing.assert_array_equal(model.used.weight.grad.numpy(), local.used.weight.grad.numpy())
    return ["buffers broadcast at construction and forward", "find_unused_parameters",
            "no_sync keeps local gradients"]


def main():
    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    check_collectives(rank, world)
    checks = ["collectives"] + check_ddp_features(rank, world)
    if rank == 0:
        print("RESULT " + json.dumps({"world": world, "checks": checks}), flush=True)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
