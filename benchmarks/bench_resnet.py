"""ResNets on both engines: ResNet-50 inference (eval, no_grad, batch 8, 224x224), one
ResNet-18 training step and one ResNet-20 (CIFAR) training step (batch 128, 32x32 images, 10
classes; zero_grad, forward, cross-entropy, backward, SGD with momentum 0.9).

ResNet-50 and ResNet-18 are minitorch_cv's vision.models against torchvision, holding
torchvision's seeded initialisation; ResNet-20 is ``minitorch_cv.models.cifar_resnet20``
against its torch twin in ``reference/``, which loads minitorch_cv's seeded weights. Before
timing, the logits (inference) or the first losses (training) are compared, so a fast but
wrong engine shows up in the table.

    python benchmarks/bench_resnet.py                    # all three cases, all cores
    python benchmarks/bench_resnet.py --quick --cases inference --threads 1,2
    python benchmarks/bench_resnet.py --quick --cases train20 --batch 2    # plumbing check only
"""
import numpy as np
import torch
import torchvision

import minitorch_cv
from bench_inference import LOGIT_TOLERANCE, prediction_cases
from bench_step import first_step_check, table
from common import (BACKEND_NAMES, OURS, THEIRS, CpuLoadMonitor, add_images_per_s, apply_quick, base_parser,
                    comparison_row, finish, format_ms, format_ratio, interleaved, make_train_step, recipe_models,
                    set_threads, timed)
from minitorch_cv.vision import models

# case: (architecture, batch, image size, classes)
CASES = {"inference": ("resnet50", 8, 224, 1000), "train": ("resnet18", 128, 32, 10),
         "train20": ("resnet20", 128, 32, 10)}


def build_pair(arch, num_classes, seed=0):
    """Both engines' ``arch`` with the same weights and buffers: torchvision's seeded ones copied
    into minitorch_cv's model, or, for the CIFAR ResNet-20, minitorch_cv's loaded by the twin."""
    if arch == "resnet20":
        return recipe_models(arch, seed)
    torch.manual_seed(seed)
    theirs = getattr(torchvision.models, arch)(num_classes=num_classes)
    ours = getattr(models, arch)(num_classes=num_classes)
    ours.load_state_dict({k: minitorch_cv.from_numpy(v.numpy().copy()) for k, v in theirs.state_dict().items()})
    return {OURS: ours, THEIRS: theirs}


def batch_of(batch, size, classes, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((batch, 3, size, size), dtype=np.float32),
            rng.integers(0, classes, size=batch, dtype=np.int64))


def train_cases(pair, images, labels):
    for model in pair.values():
        model.train()
    steps = {name: make_train_step(name, pair[name], images, labels) for name in BACKEND_NAMES}
    check, errors = first_step_check(steps)
    return {name: timed(step) for name, step in steps.items() if name not in errors}, errors, check


def measure(args, case, threads):
    arch, batch, size, classes = CASES[case]
    batch = args.batch or batch
    pair = build_pair(arch, classes)
    images, labels = batch_of(batch, size, classes)
    if case == "inference":    # logits must agree to 1e-3 of the largest one
        with torch.no_grad():
            largest = float(pair[THEIRS].eval()(torch.from_numpy(images)).abs().max())
        cases, errors, check = prediction_cases(pair, images, LOGIT_TOLERANCE * max(1.0, largest))
    else:
        cases, errors, check = train_cases(pair, images, labels)
    results = {**errors, **interleaved(cases, args.repeats, args.warmup, args.min_sample)}
    row = comparison_row(results, case=f"{arch} {case} batch {batch} {size}x{size}", arch=arch, batch=batch,
                         threads=threads, check=check)
    add_images_per_s(row, batch)
    print(f"  {row['case']}, threads {threads}: {format_ms(row[OURS]):>8} ms vs {format_ms(row[THEIRS]):>8} ms"
          f"  ratio {format_ratio(row['ratio'])}  agree: {check.get('agree', 'n/a')}", flush=True)
    return row


def main(argv=None):
    parser = base_parser(__doc__.split("\n\n")[0], repeats=6, min_sample_s=0.0, threads="all")
    parser.add_argument("--cases", default=",".join(CASES),
                        help="comma-separated, from: inference (ResNet-50), train (ResNet-18), "
                             "train20 (ResNet-20); default all")
    parser.add_argument("--batch", type=int, help="one batch size for every case instead of the issue's "
                                                  "(8 for inference, 128 for training)")
    args = apply_quick(parser.parse_args(argv))
    cases = [c.strip() for c in args.cases.split(",")]
    unknown = [c for c in cases if c not in CASES]
    if unknown:
        parser.error(f"unknown case(s) {unknown}; choose from {list(CASES)}")
    print(f"ResNet cases {cases}, threads {args.threads} (ratio = minitorch_cv / torch)")
    with CpuLoadMonitor() as monitor:
        rows = []
        for threads in args.threads:
            set_threads(threads)
            rows += [measure(args, case, threads) for case in cases]
    finish(args, "resnet", rows, table(rows, agreement="same result"), monitor)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
