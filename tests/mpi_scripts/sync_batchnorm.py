"""SyncBatchNorm on each rank's share against BatchNorm2d on the global batch (rank 0 compares).

1. One forward/backward in float64 and float32 with a random upstream gradient: outputs and
   input gradients per share, parameter gradients summed over ranks, running buffers.
2. 20 SGD steps of DDP(convert_sync_batchnorm(model)) against the BatchNorm model on the global
   batch (DDP averages each rank's share of the global-mean loss); 2 steps of ResNet-20 likewise.
Prints ``RESULT {json}`` on rank 0 with the largest differences.
"""
import json

import numpy as np

import minitorch_cv as torch
import minitorch_cv.distributed as dist
from minitorch_cv import nn, optim
from minitorch_cv.nn.parallel import DistributedDataParallel as DDP

BATCH = 8


def build(dtype):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4, momentum=0.3), nn.ReLU(), nn.Flatten(),
                          nn.Linear(4 * 3 * 3, 3))
    with torch.no_grad():
        model[1].weight.copy_(torch.rand(4) + 0.5)
        model[1].bias.copy_(torch.rand(4))
    return model.to(dtype)


def share(array, rank, world):
    size = len(array) // world
    return array[rank * size:(rank + 1) * size]


def gradients_once(dtype, rank, world):
    rng = np.random.default_rng(7)
    x_global = rng.standard_normal((BATCH, 3, 5, 5)).astype(dtype.numpy) * 2 + 0.5
    upstream = rng.standard_normal((BATCH, 3)).astype(dtype.numpy)
    synced = nn.SyncBatchNorm.convert_sync_batchnorm(build(dtype))
    assert isinstance(synced[1], nn.SyncBatchNorm)
    x = torch.tensor(share(x_global, rank, world), requires_grad=True)
    out = synced(x)
    out.backward(torch.tensor(share(upstream, rank, world)))
    outputs = [np.empty_like(out.detach().numpy()) for _ in range(world)]
    dist.all_gather(outputs, out.detach().numpy())
    input_grads = [np.empty_like(x.grad.numpy()) for _ in range(world)]
    dist.all_gather(input_grads, x.grad.numpy())
    param_grads = {name: p.grad.numpy().copy() for name, p in synced.named_parameters()}
    for grad in param_grads.values():
        dist.all_reduce(grad)
    if rank != 0:
        return None
    plain = build(dtype)
    xg = torch.tensor(x_global, requires_grad=True)
    reference = plain(xg)
    reference.backward(torch.tensor(upstream))
    pairs = {"output": (np.concatenate(outputs), reference.detach().numpy()),
             "input_grad": (np.concatenate(input_grads), xg.grad.numpy())}
    for name, p in plain.named_parameters():
        pairs[name + ".grad"] = (param_grads[name], p.grad.numpy())
    for name in ("running_mean", "running_var"):
        pairs[name] = (getattr(synced[1], name).numpy(), getattr(plain[1], name).numpy())
    assert int(synced[1].num_batches_tracked) == 1
    # largest difference relative to the largest value (at least 1) of each array
    return {k: float(np.abs(ours - theirs).max() / max(1.0, np.abs(theirs).max())) for k, (ours, theirs) in pairs.items()}


def training(rank, world, steps=20):
    def run(model, part, ranks):
        optimizer = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
        for step in range(steps):
            rng = np.random.default_rng(100 + step)
            images = rng.standard_normal((BATCH, 3, 5, 5))
            labels = rng.integers(0, 3, BATCH)
            optimizer.zero_grad()
            loss = nn.CrossEntropyLoss()(model(torch.tensor(share(images, part, ranks))),
                                         torch.tensor(share(labels, part, ranks)))
            loss.backward()
            optimizer.step()
        return model

    ddp = run(DDP(nn.SyncBatchNorm.convert_sync_batchnorm(build(torch.float64))), rank, world).module
    if rank != 0:
        return None
    single = run(build(torch.float64), 0, 1)
    ours, theirs = ddp.state_dict(), single.state_dict()
    return float(max(np.abs(ours[k].numpy() - theirs[k].numpy()).max() for k in theirs
                     if ours[k].dtype.is_floating_point))


def resnet20_training(rank, world, steps=2):
    """ResNet-20 (19 BatchNorm layers) converted to SyncBatchNorm under DDP, float64, against the
    BatchNorm model on the global batch."""
    from minitorch_cv.models import cifar_resnet20

    def run(model, part, ranks):
        optimizer = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        for step in range(steps):
            rng = np.random.default_rng(step)
            images, labels = rng.standard_normal((BATCH, 3, 32, 32)), rng.integers(0, 10, BATCH)
            optimizer.zero_grad()
            nn.CrossEntropyLoss()(model(torch.tensor(share(images, part, ranks))),
                                  torch.tensor(share(labels, part, ranks))).backward()
            optimizer.step()
        return {k: v.numpy() for k, v in model.state_dict().items() if v.dtype.is_floating_point}

    torch.manual_seed(0)
    ours = run(DDP(nn.SyncBatchNorm.convert_sync_batchnorm(cifar_resnet20().double())), rank, world)
    if rank != 0:
        return None
    torch.manual_seed(0)
    theirs = run(cifar_resnet20().double(), 0, 1)
    return max(float(np.abs(ours["module." + k] - v).max() / max(np.abs(v).max(), 1e-30)) for k, v in theirs.items())


def main():
    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    result = {"float64": gradients_once(torch.float64, rank, world),
              "float32": gradients_once(torch.float32, rank, world),
              "ddp_training_float64": training(rank, world),
              "resnet20_ddp_float64": resnet20_training(rank, world)}
    if rank == 0:
        print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
