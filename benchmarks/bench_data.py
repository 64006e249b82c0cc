"""The CIFAR-10 training input pipeline: minitorch_cv's DataLoader against torchvision's.

Both load CIFAR10 train from the same files with RandomCrop(32, padding=4),
RandomHorizontalFlip, ToTensor and Normalize, batch 64, shuffled; torch's DataLoader runs with
num_workers=0, like ours. One timed call is one batch; the backends are interleaved. Rows:

* fast path: minitorch_cv as a user gets it (the dataset transforms whole batches at once);
* per-item path: minitorch_cv forced through one image at a time (a custom collate_fn);
* ToTensor only: the tutorial's test-set loader;
* for scale, one CIFAR10CNN training step at batch 64 in each backend;
* the time to construct CIFAR10 (train and test) in each library.

    python benchmarks/bench_data.py                     # CIFAR copy in ../shared/data
    python benchmarks/bench_data.py --data-dir /path/to/folder/with/cifar-10-batches-py
"""
import os
import pickle
import tempfile
import time

import numpy as np
import torch
import torch.utils.data as tud
import torchvision
import torchvision.transforms as T

from common import (OURS, REPO_ROOT, THEIRS, CpuLoadMonitor, apply_quick, base_parser, build_models,
                    comparison_row, finish, format_ms, format_table, interleaved, make_train_step,
                    prepare_cases, random_batch, set_threads, timed)

import minitorch_cv  # noqa: E402  (common puts the checkout first on sys.path)
from minitorch_cv.utils.data import DataLoader, default_collate  # noqa: E402
from minitorch_cv.vision import datasets, transforms as M  # noqa: E402

BATCH = 64
MEAN, STD = (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)
DEFAULT_DATA = os.path.normpath(os.path.join(REPO_ROOT, "..", "shared", "data"))
SPLITS = {True: [f"data_batch_{i}" for i in range(1, 6)], False: ["test_batch"]}


class TorchvisionCIFAR10(torchvision.datasets.CIFAR10):
    """torchvision's reader minus its md5 check, which only accepts the official files."""

    train_list = [[name, None] for name in SPLITS[True]]
    test_list = [["test_batch", None]]
    meta = {**torchvision.datasets.CIFAR10.meta, "md5": None}


def generated_cifar(folder, per_batch=2000, seed=0):
    """Random images in the official layout, for machines without a CIFAR copy."""
    target = os.path.join(folder, "cifar-10-batches-py")
    os.makedirs(target)
    rng = np.random.default_rng(seed)
    for name in SPLITS[True] + SPLITS[False]:
        batch = {"batch_label": name, "labels": rng.integers(0, 10, per_batch).tolist(),
                 "data": rng.integers(0, 256, (per_batch, 3072), dtype=np.uint8),
                 "filenames": [f"{i}.png" for i in range(per_batch)]}
        with open(os.path.join(target, name), "wb") as f:
            pickle.dump(batch, f)
    with open(os.path.join(target, "batches.meta"), "wb") as f:
        pickle.dump({"label_names": [f"class_{i}" for i in range(10)]}, f)
    return folder


def batch_case(loader):
    """A case timing one ``next()`` on ``loader``; a new epoch starts when one runs out."""
    state = {"it": iter(loader)}

    def case():
        start = time.perf_counter()
        try:
            next(state["it"])
        except StopIteration:
            state["it"] = iter(loader)
            start = time.perf_counter()
            next(state["it"])
        return time.perf_counter() - start
    return case


def loaders(root, augment, per_item=False, train=True):
    """(ours, theirs) DataLoaders over the same files with the same transforms."""
    ours_tf = M.Compose([M.RandomCrop(32, padding=4), M.RandomHorizontalFlip(), M.ToTensor(),
                         M.Normalize(MEAN, STD)]) if augment else M.ToTensor()
    theirs_tf = T.Compose([T.RandomCrop(32, padding=4), T.RandomHorizontalFlip(), T.ToTensor(),
                           T.Normalize(MEAN, STD)]) if augment else T.ToTensor()
    ours = DataLoader(datasets.CIFAR10(root, train=train, transform=ours_tf), batch_size=BATCH,
                      shuffle=train, drop_last=True,
                      collate_fn=default_collate if per_item else None)
    theirs = tud.DataLoader(TorchvisionCIFAR10(root, train=train, transform=theirs_tf),
                            batch_size=BATCH, shuffle=train, drop_last=True, num_workers=0)
    return {OURS: batch_case(ours), THEIRS: batch_case(theirs)}


def add_rates(row):
    """images/s per backend and the speed-up (torch time / minitorch_cv time)."""
    for name in (OURS, THEIRS):
        if "median_ms" in row[name]:
            row[name]["images_per_s"] = BATCH / (row[name]["median_ms"] / 1e3)
    row["speedup"] = 1 / row["ratio"] if row["ratio"] else None
    return row


def load_times(root, repeats):
    """Seconds to construct CIFAR10 train and test in each library (median of ``repeats``)."""
    rows = []
    for train in (True, False):
        cases = {OURS: lambda: datasets.CIFAR10(root, train=train),
                 THEIRS: lambda: TorchvisionCIFAR10(root, train=train)}
        results = interleaved({name: timed(fn) for name, fn in cases.items()}, repeats, 0, 0.0)
        rows.append(comparison_row(results, case=f"construct CIFAR10 {'train' if train else 'test'}"))
    return rows


def step_row(args):
    """One CIFAR10CNN training step at batch 64 per backend, to set the loading costs in scale."""
    images, labels = random_batch(BATCH)
    models = build_models()
    cases, errors = prepare_cases({name: (lambda name=name: timed(
        make_train_step(name, models[name], images, labels))) for name in (OURS, THEIRS)})
    results = {**errors, **interleaved(cases, args.repeats, args.warmup, args.min_sample)}
    return add_rates(comparison_row(results, case="CIFAR10CNN train step (for scale)"))


def rate(stats):
    return f"{stats['images_per_s']:,.0f}" if "images_per_s" in stats else "-"


def table(rows):
    headers = ["case", "minitorch_cv ms", "torch ms", "minitorch_cv img/s", "torch img/s", "speed-up"]
    body = [[r["case"], format_ms(r[OURS]), format_ms(r[THEIRS]), rate(r[OURS]), rate(r[THEIRS]),
             "-" if r.get("speedup") is None else f"{r['speedup']:.1f}x"] for r in rows]
    return format_table(headers, body)


def main(argv=None):
    parser = base_parser(__doc__.split("\n\n")[0], repeats=7, min_sample_s=0.3, threads="all")
    parser.add_argument("--data-dir", default=DEFAULT_DATA,
                        help="folder holding cifar-10-batches-py/ (default ../shared/data); "
                             "generated data is used when it is absent")
    args = apply_quick(parser.parse_args(argv))
    set_threads(args.threads[-1])
    with tempfile.TemporaryDirectory() as scratch:
        root = args.data_dir
        source = "CIFAR-10 copy"
        if not os.path.isdir(os.path.join(root, "cifar-10-batches-py")):
            root, source = generated_cifar(scratch), "generated (no CIFAR copy found)"
        print(f"Data: {source} in {root}; batch {BATCH}; threads {args.threads[-1]}; "
              f"speed-up = torch time / minitorch_cv time")
        with CpuLoadMonitor() as monitor:
            rows = []
            for label, kwargs in (("train pipeline, fast path", dict(augment=True)),
                                  ("train pipeline, per-item path", dict(augment=True, per_item=True)),
                                  ("test set, ToTensor only", dict(augment=False, train=False))):
                minitorch_cv.manual_seed(0)
                torch.manual_seed(0)
                results = interleaved(loaders(root, **kwargs), args.repeats, args.warmup, args.min_sample)
                rows.append(add_rates(comparison_row(results, case=label)))
                print(f"  {label}: {rate(rows[-1][OURS])} vs {rate(rows[-1][THEIRS])} images/s", flush=True)
            rows.append(step_row(args))
            rows += load_times(root, min(args.repeats, 3))
    finish(args, "data_pipeline", rows, table(rows), monitor, extra={"data": source})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
