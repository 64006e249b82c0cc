"""Where a ResNet's time goes in minitorch_cv, op by op: the forward and the backward of every
``Function`` (convolutions also by kernel, stride, channels and image size), summed over a few
calls, with what runs outside the ops (autograd, optimizer, Python) as the remainder.

    python benchmarks/profile_ops.py                     # ResNet-20 training step, batch 128, 1 thread
    python benchmarks/profile_ops.py --model resnet50 --batch 2      # ResNet-50 inference, 224x224
    python benchmarks/profile_ops.py --model resnet18 --train        # ResNet-18 training, 32x32
    python benchmarks/profile_ops.py --model cifar10cnn --batch 64   # the tutorial's CNN, training

The wrappers add a few microseconds per op call; on a shared machine compare figures taken in
one run, and report the load printed at the end.
"""
import argparse
import collections
import time

import numpy as np

from common import CpuLoadMonitor, set_threads
import minitorch_cv
from minitorch_cv import nn
from minitorch_cv.autograd.function import Function
from minitorch_cv.models.cifar10_cnn import CIFAR10CNN
from minitorch_cv.models.cifar_resnet import cifar_resnet20
from minitorch_cv.vision import models

CIFAR_MODELS = {"resnet20": cifar_resnet20, "cifar10cnn": CIFAR10CNN}
TOTALS = collections.defaultdict(lambda: [0.0, 0])


def _label(cls, args, kwargs):
    if cls.__name__ == "Conv2d":
        x, weight = args[0], args[1]
        return (f"Conv2d {weight.shape[2]}x{weight.shape[3]} stride {kwargs['stride'][0]} "
                f"{weight.shape[1]}->{weight.shape[0]} at {x.shape[2]}x{x.shape[3]}")
    return cls.__name__


def _timed(cls):
    forward, backward = cls.__dict__["forward"].__func__, cls.__dict__["backward"].__func__

    def timed_forward(ctx, *args, **kwargs):
        start = time.perf_counter()
        out = forward(ctx, *args, **kwargs)
        ctx.profile_label = _label(cls, args, kwargs)
        _add(f"{ctx.profile_label} forward", time.perf_counter() - start)
        return out

    def timed_backward(ctx, grad):
        start = time.perf_counter()
        grads = backward(ctx, grad)
        _add(f"{ctx.profile_label} backward", time.perf_counter() - start)
        return grads

    cls.forward, cls.backward = staticmethod(timed_forward), staticmethod(timed_backward)


def _add(label, seconds):
    TOTALS[label][0] += seconds
    TOTALS[label][1] += 1


def instrument():
    """Wrap the forward and backward of every Function subclass that defines both."""
    pending = list(Function.__subclasses__())
    while pending:
        cls = pending.pop()
        pending += cls.__subclasses__()
        if "forward" in cls.__dict__ and "backward" in cls.__dict__:
            _timed(cls)


def workload(model_name, batch, train):
    """A callable running one step: a training step on 32x32 images (ResNet-20 always), or
    no_grad inference on 224x224 ones."""
    rng = np.random.default_rng(0)
    if model_name in CIFAR_MODELS or train:
        minitorch_cv.manual_seed(0)
        model = (CIFAR_MODELS[model_name]() if model_name in CIFAR_MODELS else getattr(models, model_name)()).train()
        optimizer = minitorch_cv.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        images = minitorch_cv.from_numpy(rng.standard_normal((batch, 3, 32, 32), dtype=np.float32))
        labels = minitorch_cv.from_numpy(rng.integers(0, 10, batch))

        def step():
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(images), labels).backward()
            optimizer.step()
        return step
    model = getattr(models, model_name)().eval()
    images = minitorch_cv.from_numpy(rng.standard_normal((batch, 3, 224, 224), dtype=np.float32))

    def infer():
        with minitorch_cv.no_grad():
            model(images)
    return infer


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="resnet20", help="resnet20 or cifar10cnn (training step) or a "
                        "vision.models name such as resnet50 (inference)")
    parser.add_argument("--train", action="store_true", help="a training step on 32x32 images "
                        "for a vision.models name too")
    parser.add_argument("--batch", type=int, default=None, help="default 128 (training) or 2")
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    train = args.train or args.model in CIFAR_MODELS
    batch = args.batch or (128 if train else 2)
    set_threads(args.threads)
    step = workload(args.model, batch, train)
    step()                      # numba compiles or loads its cache, buffers settle
    instrument()
    with CpuLoadMonitor() as monitor:
        start = time.perf_counter()
        for _ in range(args.steps):
            step()
        wall = (time.perf_counter() - start) / args.steps
    in_ops = sum(seconds for seconds, _ in TOTALS.values()) / args.steps
    print(f"{args.model}, batch {batch}, {args.threads} thread(s): {wall * 1e3:.1f} ms per step "
          f"(mean of {args.steps} steps); other processes used {monitor.other_cores():.2f} cores")
    for label, (seconds, calls) in sorted(TOTALS.items(), key=lambda item: -item[1][0]):
        print(f"  {seconds / args.steps * 1e3:9.2f} ms  {calls // args.steps:4d} calls  {label}")
    print(f"  {(wall - in_ops) * 1e3:9.2f} ms  outside the ops (autograd, optimizer, Python)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
