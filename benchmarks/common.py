"""What every benchmark shares: the two backends, interleaved timing, machine facts and output.

Timing rule: both backends run in the same process, interleaved in blocks (ours, torch, torch,
ours), after warm-up calls that are not counted (numba compiles or loads its cache there) and
with untimed calls at the start of each block (see ``interleaved``). Each sample repeats a call
until it lasts ``min_sample_s``; a result is the median of ``repeats`` samples, with the
quartiles beside it. Ratios are minitorch_cv time / torch time: below 1 means
minitorch_cv is faster.
"""
import argparse
import json
import math
import os
import statistics
import sys
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)  # benchmark the checkout these scripts sit in
sys.path.insert(0, os.path.join(REPO_ROOT, "examples"))  # train_cifar.py's cifar_training package

import numpy as np  # noqa: E402
import torch  # noqa: E402

import minitorch_cv  # noqa: E402
from cpuload import CpuLoadMonitor  # noqa: E402,F401  (re-exported for the benchmarks)
from machine import describe_machine  # noqa: E402

OURS, THEIRS = "minitorch_cv", "torch"
BACKEND_NAMES = (OURS, THEIRS)
LIBRARIES = {OURS: minitorch_cv, THEIRS: torch}


def all_cores():
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def set_threads(threads):
    """The same thread count for both backends: torch's intra-op pool, numba and NumPy's BLAS.

    minitorch_cv goes first: numba's first thread launch (its OpenMP layer shares torch's
    libgomp in this process) resets the OpenMP thread count torch had set.
    """
    minitorch_cv.set_num_threads(threads)
    torch.set_num_threads(threads)
    found = {OURS: minitorch_cv.get_num_threads(), THEIRS: torch.get_num_threads()}
    if any(n != threads for n in found.values()):
        raise RuntimeError(f"set_threads({threads}): the backends run with {found} threads")


def thread_list(text):
    """``"1,2"`` -> [1, 2]; ``"all"`` means every core this process may use."""
    counts = [all_cores() if part.strip() == "all" else int(part) for part in text.split(",")]
    if any(n < 1 for n in counts):
        raise argparse.ArgumentTypeError(f"thread counts must be positive, got {text!r}")
    return list(dict.fromkeys(counts))


def int_list(text):
    return [int(part) for part in text.split(",")]


def base_parser(description, repeats, min_sample_s, threads="1,all"):
    """The options every timing benchmark takes; ``--quick`` trades precision for speed."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--threads", type=thread_list, default=thread_list(threads),
                        help=f"comma-separated thread counts, 'all' = every core (default {threads})")
    parser.add_argument("--repeats", type=int, default=repeats,
                        help=f"timed samples per backend and case; the median is reported (default {repeats})")
    parser.add_argument("--warmup", type=int, default=2, help="untimed calls first (default 2)")
    parser.add_argument("--min-sample", type=float, default=min_sample_s, metavar="SECONDS",
                        help=f"each sample repeats the call until it lasts this long (default {min_sample_s})")
    parser.add_argument("--quick", action="store_true", help="3 repeats, short samples")
    parser.add_argument("--json", metavar="PATH", help="write the results here (default: print them)")
    return parser


def apply_quick(args):
    if args.quick:
        args.repeats = min(args.repeats, 3)
        args.warmup = min(args.warmup, 1)
        args.min_sample = min(args.min_sample, 0.02)
    if args.repeats < 1 or args.warmup < 0:
        raise SystemExit("--repeats must be at least 1 and --warmup at least 0")
    return args


def random_batch(batch, seed=0):
    """Normalised-looking float32 images (N, 3, 32, 32) and int64 labels, the same for both backends."""
    rng = np.random.default_rng(seed)
    images = rng.standard_normal((batch, 3, 32, 32), dtype=np.float32)
    labels = rng.integers(0, 10, size=batch, dtype=np.int64)
    return images, labels


def as_tensor(name, array, requires_grad=False):
    """A backend's tensor holding a private copy of ``array``."""
    tensor = LIBRARIES[name].from_numpy(np.array(array, copy=True))
    return tensor.requires_grad_(requires_grad) if requires_grad else tensor


def build_models(seed=0):
    """CIFAR10CNN in both backends with the same initial weights (drawn by minitorch_cv)."""
    return recipe_models("cifar10cnn", seed)


TRAINING_BACKEND = {OURS: "numpy", THEIRS: "torch"}  # names train_cifar.py gives the backends


def recipe_models(model, seed=0):
    """train_cifar.py's ``model`` (e.g. ``resnet20``) in both backends: minitorch_cv draws the
    weights from ``seed`` and torch's reference twin loads them."""
    from cifar_training.backends import Backend, initial_state

    state = initial_state(seed, "none", model)
    backends = {name: Backend(TRAINING_BACKEND[name]) for name in BACKEND_NAMES}
    return {name: b.build_model("none", b.from_minitorch(state), model) for name, b in backends.items()}


def training_parts(name, model, lr=0.01, momentum=0.9):
    """The issue's training step: CrossEntropyLoss and SGD(lr=0.01, momentum=0.9)."""
    lib = LIBRARIES[name]
    return lib.nn.CrossEntropyLoss(), lib.optim.SGD(model.parameters(), lr=lr, momentum=momentum)


def make_train_step(name, model, images, labels):
    """A function doing one training step (zero_grad, forward, loss, backward, SGD) on a fixed batch."""
    criterion, optimizer = training_parts(name, model)
    x, y = as_tensor(name, images), as_tensor(name, labels)

    def step():
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        return loss

    return step


def error_text(error):
    first_line = str(error).splitlines()[0] if str(error) else ""
    return f"{type(error).__name__}: {first_line}"


def quartiles(values):
    if len(values) < 2:
        return values[0], values[0]
    q = statistics.quantiles(values, n=4, method="inclusive")
    return q[0], q[2]


def summarize(samples, calls_per_sample):
    """Median, quartiles and minimum of per-call times (seconds in, milliseconds out)."""
    ms = [1e3 * s for s in samples]
    q1, q3 = quartiles(ms)
    return {"median_ms": statistics.median(ms), "q1_ms": q1, "q3_ms": q3, "min_ms": min(ms),
            "samples": len(ms), "calls_per_sample": calls_per_sample}


SETTLE_S = 0.15


def interleaved(cases, repeats, warmup, min_sample_s, settle_s=SETTLE_S):
    """Time each backend's case, interleaved; ``cases`` maps a backend name to a function.

    A case function runs one call and returns the seconds it measured itself (so it can keep
    set-up, such as the forward pass before a timed backward, out of the timing). After warm-up
    the backends take turns in blocks, A B B A, each block half of the ``repeats`` samples, so
    a drift of the machine hits both alike. Each block starts with untimed calls lasting
    ``settle_s``: right after a switch a library runs up to twice as slow while the other one's
    thread pools wind down (OpenBLAS workers spin about 0.1 s after each call; measured here,
    haswell kernel: torch's training step 68-82 ms instead of 33-38 ms right after a
    minitorch_cv step); a user of either library sees it in its steady state. A case that
    raises is reported as ``{"error": ...}`` and dropped; the others go on.
    """
    results, calls = {}, {}
    for name, case in cases.items():
        try:
            for _ in range(warmup):
                case()
            single = max(case(), 1e-7)
        except Exception as error:  # a backend that cannot run this case is reported, not fatal
            results[name] = {"error": error_text(error)}
            continue
        calls[name] = max(1, math.ceil(min_sample_s / single))
    samples = {name: [] for name in calls}
    order = list(calls)
    blocks = order + order[::-1] if repeats > 1 else order
    for index, name in enumerate(blocks):
        if name in results:
            continue
        wanted = math.ceil(repeats / 2) if index < len(order) else repeats - math.ceil(repeats / 2)
        try:
            settle_until = time.perf_counter() + settle_s
            cases[name]()
            while time.perf_counter() < settle_until:
                cases[name]()
            for _ in range(wanted):
                samples[name].append(sum(cases[name]() for _ in range(calls[name])) / calls[name])
        except Exception as error:
            results[name] = {"error": error_text(error)}
    for name in calls:
        results.setdefault(name, summarize(samples[name], calls[name]))
    return results


def timed(function):
    """A case function (see ``interleaved``) timing all of ``function()``."""
    def case():
        start = time.perf_counter()
        function()
        return time.perf_counter() - start
    return case


def add_images_per_s(row, batch):
    """Add each backend's images/s, from its median time per batch, to a comparison row."""
    for name in BACKEND_NAMES:
        if "median_ms" in row[name]:
            row[name]["images_per_s"] = batch / (row[name]["median_ms"] / 1e3)
    return row


def comparison_row(results, **fields):
    """One result row: the fields, each backend's statistics, their medians and the ratio."""
    row = dict(fields)
    for name in BACKEND_NAMES:
        row[name] = results.get(name, {"error": "not run"})
    ours, theirs = row[OURS].get("median_ms"), row[THEIRS].get("median_ms")
    row["ratio"] = ours / theirs if ours is not None and theirs is not None else None
    return row


def prepare_cases(builders):
    """{name: builder()} for each backend; a builder that raises gives an error entry instead."""
    cases, errors = {}, {}
    for name, builder in builders.items():
        try:
            cases[name] = builder()
        except Exception as error:
            errors[name] = {"error": error_text(error)}
    return cases, errors


def format_ms(stats):
    if "error" in stats:
        return "error"
    return f"{stats['median_ms']:.3f}" if stats["median_ms"] < 10 else f"{stats['median_ms']:.1f}"


def format_ratio(ratio):
    return "n/a" if ratio is None else f"{ratio:.2f}"


def format_table(headers, rows):
    """A plain-text table with right-aligned columns."""
    cells = [[str(c) for c in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(c.rjust(w) for c, w in zip(row, widths)) for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def row_errors(rows):
    """Lines naming every failure recorded in ``rows`` (shown under the table, never hidden)."""
    lines = []
    for row in rows:
        for key, value in row.items():
            if isinstance(value, dict) and "error" in value:
                lines.append(f"  {row['case']}: {key} failed: {value['error']}")
    return lines


def finish(args, benchmark, rows, table, monitor, extra=None):
    """Print the table, the machine facts and the JSON (or write the JSON to ``--json``)."""
    machine = describe_machine()
    other, stream = monitor.other_cores(), monitor.memory_stream()
    report = {"benchmark": benchmark, "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
              "machine": machine, "other_load_cores": other, "memory_stream_gbps": stream,
              "rows": rows,
              "options": {k: v for k, v in vars(args).items() if k != "json"}, **(extra or {})}
    print(table)
    errors = row_errors(rows)
    if errors:
        print("Failures:\n" + "\n".join(errors))
    print(machine_summary(machine, other))
    print("Memory stream (128 MB copy, one thread) at the start and end: "
          + " / ".join(f"{gbps:.1f}" for gbps in stream.values()) + " GB/s")
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)
        print(f"JSON written to {args.json}")
    else:
        print(json.dumps(report, indent=1))
    return report


def machine_summary(machine, other_load=None):
    """The facts a reader needs beside the numbers, in a few lines."""
    lines = [f"Machine: {machine['cpu']} ({machine['cores']} cores, AVX-512: {machine['avx512']}), "
             f"Python {machine['python']}",
             f"Versions: numpy {machine['numpy']}, numba {machine['numba']}, torch {machine['torch']}",
             f"NumPy BLAS: {machine['numpy_blas']}",
             f"  OPENBLAS_CORETYPE={machine['env']['OPENBLAS_CORETYPE']}, "
             f"OPENBLAS_L2_SIZE={machine['env']['OPENBLAS_L2_SIZE']}",
             f"torch BLAS: {machine['torch_blas']}",
             f"Threads now: torch {machine['torch_threads']}, minitorch_cv {machine['minitorch_cv_threads']}; "
             f"numba threading layer: {machine['numba_threading_layer']}"]
    if other_load is not None:
        lines.append(f"Other processes kept {other_load:.2f} cores busy on average during the run"
                     + (" (figures may be distorted)" if other_load > 0.25 else ""))
    return "\n".join(lines)
