"""2 ranks with DistributedDataParallel against one process on the global batch (run by rank 0).

Prints ``RESULT {json}`` on rank 0: the largest weight differences per scenario.
"""
import json
import sys

import numpy as np

import minitorch_cv as torch
import minitorch_cv.distributed as dist
from minitorch_cv import nn, optim
from minitorch_cv.nn.parallel import DistributedDataParallel as DDP

GLOBAL_BATCH, STEPS = 8, 20


def build(kind, dtype, seed):
    torch.manual_seed(seed)
    if kind == "smooth":   # no ReLU or max pool: float32 rounding is not amplified by a flipped branch
        model = nn.Sequential(nn.Conv2d(3, 6, 3, padding=1), nn.Tanh(), nn.Conv2d(6, 4, 3, stride=2),
                              nn.Flatten(), nn.Linear(36, 5))
    else:
        model = nn.Sequential(nn.Conv2d(3, 6, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 8, 3),
                              nn.ReLU(), nn.Flatten(), nn.Linear(32, 5))
    return model.to(dtype)


def batch(step, dtype):
    rng = np.random.default_rng(1000 + step)
    images = rng.standard_normal((GLOBAL_BATCH, 3, 8, 8)).astype(dtype.numpy)
    return torch.from_numpy(images), torch.from_numpy(rng.integers(0, 5, GLOBAL_BATCH))


def train(model, rank, world, accumulate, no_sync=None):
    """20 SGD steps; ``accumulate`` micro-batches per step (all but the last inside no_sync)."""
    optimizer = optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-4)
    criterion = nn.CrossEntropyLoss()
    dtype = next(model.parameters()).dtype
    for step in range(STEPS):
        images, labels = batch(step, dtype)
        share = GLOBAL_BATCH // world
        images, labels = images[rank * share:(rank + 1) * share], labels[rank * share:(rank + 1) * share]
        optimizer.zero_grad()
        micro = len(labels) // accumulate
        for k in range(accumulate):
            piece = slice(k * micro, (k + 1) * micro)
            context = no_sync() if (no_sync is not None and k < accumulate - 1) else _nothing()
            with context:
                (criterion(model(images[piece]), labels[piece]) / accumulate).backward()
        optimizer.step()
    return np.concatenate([p.detach().numpy().ravel() for p in model.parameters()])


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def scenario(kind, dtype, rank, world, accumulate=1, bucket_cap_mb=None):
    ddp = DDP(build(kind, dtype, seed=10 + rank), bucket_cap_mb=bucket_cap_mb)   # rank 0's weights win
    distributed = train(ddp, rank, world, accumulate, ddp.no_sync)
    gathered = [np.empty_like(distributed) for _ in range(world)]
    dist.all_gather(gathered, distributed)
    spread = max(float(np.abs(g - gathered[0]).max()) for g in gathered)
    if rank != 0:
        return None
    single = train(build(kind, dtype, seed=10), 0, 1, accumulate)
    diff = np.abs(distributed - single)
    return {"max_abs": float(diff.max()), "max_rel": float((diff / np.maximum(np.abs(single), 1e-3)).max()),
            "ranks_spread": spread, "buckets": len(ddp.reducer.buckets)}


def main():
    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    results = {}
    for name, args in {"float64_relu_maxpool": ("relu", torch.float64),
                       "float64_tiny_buckets": ("relu", torch.float64, 1, 1e-4),
                       "float64_no_sync_accumulation": ("relu", torch.float64, 2),
                       "float64_smooth": ("smooth", torch.float64),
                       "float32_smooth": ("smooth", torch.float32)}.items():
        results[name] = scenario(args[0], args[1], rank, world, *args[2:])
    if rank == 0:
        print("RESULT " + json.dumps(results), flush=True)
    dist.destroy_process_group()


if __name__ == "__main__":
    sys.exit(main())
