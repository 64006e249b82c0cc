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
    losses = []
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
                loss = criterion(model(images[piece]), labels[piece]) / accumulate
                loss.backward()
                losses.append(loss.item())
        optimizer.step()
    weights = {name: p.detach().numpy().copy() for name, p in model.named_parameters()}
    return weights, np.array(losses).reshape(STEPS, accumulate).sum(axis=1)


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def scenario(kind, dtype, rank, world, accumulate=1, bucket_cap_mb=None):
    ddp = DDP(build(kind, dtype, seed=10 + rank), bucket_cap_mb=bucket_cap_mb)   # rank 0's weights win
    weights, losses = train(ddp, rank, world, accumulate, ddp.no_sync)
    weights = {name[len("module."):]: w for name, w in weights.items()}
    flat = np.concatenate([w.ravel() for w in weights.values()])
    gathered = [np.empty_like(flat) for _ in range(world)]
    dist.all_gather(gathered, flat)
    dist.all_reduce(losses, op=dist.ReduceOp.AVG)       # equal shares: the global batch's mean loss
    spread = max(float(np.abs(g - gathered[0]).max()) for g in gathered)
    if rank != 0:
        return None
    single_weights, single_losses = train(build(kind, dtype, seed=10), 0, 1, accumulate)
    return {"max_abs": max(float(np.abs(weights[k] - single_weights[k]).max()) for k in weights),
            "final_rel": max(float(np.abs(weights[k] - single_weights[k]).max() / np.abs(single_weights[k]).max())
                             for k in weights),
            "losses": losses.tolist(), "single_losses": single_losses.tolist(),
            "ranks_spread": spread, "buckets": len(ddp.reducer.buckets)}


def main():
    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    results = {}
    for name, args in {"float64_relu_maxpool": ("relu", torch.float64),
                       "float64_tiny_buckets": ("relu", torch.float64, 1, 1e-4),
                       "float64_no_sync_accumulation": ("relu", torch.float64, 2),
                       "float64_smooth": ("smooth", torch.float64),
                       "float32_relu_maxpool": ("relu", torch.float32),
                       "float32_smooth": ("smooth", torch.float32)}.items():
        results[name] = scenario(args[0], args[1], rank, world, *args[2:])
    if rank == 0:
        print("RESULT " + json.dumps(results), flush=True)
    dist.destroy_process_group()


if __name__ == "__main__":
    sys.exit(main())
