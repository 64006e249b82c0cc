"""Peak memory of a training step (CIFAR10CNN, ResNet-20 or ResNet-18), each backend in a fresh
process of its own.

Same method for both: the worker process imports its backend (the torch worker also imports
minitorch_cv, which the reference twins are built from), builds the model and optimizer,
warms up with two steps on a batch of 2 (numba loads its kernels, oneDNN builds its
primitives), creates the input batch, then reads its resident memory (RSS), resets the kernel's
high-water mark (``/proc/self/clear_refs``) and runs the timed steps. The figure is the
high-water mark minus the RSS before: what a training step needs on top of the model and data.
Where the mark cannot be reset, ``ru_maxrss`` is used instead and the report says so.

RSS, not ``tracemalloc``: tracemalloc sees only allocations made through Python's allocator
(minitorch_cv's NumPy arrays), not torch's own C++ allocator, so it cannot compare the two; the
kernel's count of resident pages sees both alike (NumPy scratch, BLAS and oneDNN buffers too).

    python benchmarks/bench_memory.py                   # CIFAR10CNN, batches 64 and 256, all cores
    python benchmarks/bench_memory.py --batches 256 --threads 1
    python benchmarks/bench_memory.py --model resnet20 --batches 128
"""
import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
MIB = 1024 * 1024


def memory_status():
    """Current RSS and its high-water mark in bytes, from /proc/self/status."""
    values = {}
    with open("/proc/self/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(value.split()[0]) * 1024
    return values["VmRSS"], values["VmHWM"]


def reset_high_water_mark():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


MODELS = ("cifar10cnn", "resnet20", "resnet18")  # train_cifar.py's names; all take 32x32 images


def load_backend(backend, model, threads):
    """The backend's library and a function building ``model`` (train_cifar.py's recipe builder);
    torch is not imported by the minitorch_cv worker."""
    sys.path[:0] = [os.path.dirname(HERE), os.path.join(os.path.dirname(HERE), "examples")]
    from cifar_training import recipes

    if backend == "torch":
        import torch as lib
    else:
        import minitorch_cv as lib
    lib.set_num_threads(threads)
    return lib, lambda: recipes.build_model(lib, dict(model=model, activation="none"))


def worker(backend, model_name, batch, steps, threads):
    """Measure in this process; returns the result as a dict."""
    import numpy as np

    lib, build = load_backend(backend, model_name, threads)
    lib.manual_seed(0)
    model = build()
    criterion = lib.nn.CrossEntropyLoss()
    optimizer = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    rng = np.random.default_rng(0)

    def step(x, y):
        optimizer.zero_grad()
        criterion(model(x), y).backward()
        optimizer.step()

    def batch_of(n):
        return (lib.from_numpy(rng.standard_normal((n, 3, 32, 32), dtype=np.float32)),
                lib.from_numpy(rng.integers(0, 10, size=n, dtype=np.int64)))

    for _ in range(2):
        step(*batch_of(2))
    x, y = batch_of(batch)
    gc.collect()
    rss_before, _ = memory_status()
    resettable = reset_high_water_mark()
    maxrss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    start = time.perf_counter()
    for _ in range(steps):
        step(x, y)
    seconds = time.perf_counter() - start
    rss_after, high_water = memory_status()
    if not resettable:
        high_water = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, maxrss_before)
    return {"backend": backend, "model": model_name, "batch": batch, "threads": threads, "steps": steps,
            "method": "VmHWM reset by clear_refs" if resettable else "ru_maxrss (high-water mark not resettable)",
            "rss_before_mib": rss_before / MIB, "peak_mib": high_water / MIB,
            "peak_increase_mib": (high_water - rss_before) / MIB,
            "retained_after_mib": (rss_after - rss_before) / MIB, "seconds_per_step": seconds / steps}


def run_worker(backend, model, batch, steps, threads):
    """Start a fresh worker process; its last output line is the JSON result."""
    command = [sys.executable, os.path.abspath(__file__), "--worker", backend, "--model", model,
               "--batches", str(batch), "--steps", str(steps), "--threads", str(threads)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines() or ["no output"]
        return {"error": f"worker exited with {done.returncode}: {lines[-1]}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", choices=MODELS, default="cifar10cnn", help="default cifar10cnn")
    parser.add_argument("--batches", default="64,256", help="comma-separated batch sizes (default 64,256)")
    parser.add_argument("--steps", type=int, default=3, help="measured steps per process (default 3)")
    parser.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)),
                        help="threads for both backends (default: all cores)")
    parser.add_argument("--quick", action="store_true", help="one measured step")
    parser.add_argument("--json", metavar="PATH", help="write the results here (default: print them)")
    parser.add_argument("--worker", choices=("minitorch_cv", "torch"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    batches = [int(b) for b in args.batches.split(",")]
    steps = 1 if args.quick else args.steps
    if args.worker:
        print(json.dumps(worker(args.worker, args.model, batches[0], steps, args.threads)))
        return 0
    return report(args, batches, steps)


def report(args, batches, steps):
    from common import BACKEND_NAMES, OURS, THEIRS, CpuLoadMonitor, finish, format_table

    print(f"Peak memory of a {args.model} training step, batches {batches}, {args.threads} threads, "
          f"one fresh process per backend")
    rows = []
    with CpuLoadMonitor() as monitor:
        for batch in batches:
            row = {"case": f"{args.model} train step batch {batch}", "model": args.model, "batch": batch,
                   "threads": args.threads}
            for name in BACKEND_NAMES:
                row[name] = run_worker(name, args.model, batch, steps, args.threads)
            ours, theirs = row[OURS].get("peak_increase_mib"), row[THEIRS].get("peak_increase_mib")
            row["ratio"] = ours / theirs if ours is not None and theirs else None
            rows.append(row)
            print(f"  batch {batch}: {row[OURS].get('peak_increase_mib', 'error')} MiB vs "
                  f"{row[THEIRS].get('peak_increase_mib', 'error')} MiB", flush=True)

    def mib(stats, key):
        return f"{stats[key]:.1f}" if key in stats else "error"

    headers = ["model", "batch", "minitorch_cv peak +MiB", "torch peak +MiB", "ratio", "minitorch_cv kept +MiB",
               "torch kept +MiB", "method"]
    body = [[r["model"], r["batch"], mib(r[OURS], "peak_increase_mib"), mib(r[THEIRS], "peak_increase_mib"),
             "n/a" if r["ratio"] is None else f"{r['ratio']:.2f}", mib(r[OURS], "retained_after_mib"),
             mib(r[THEIRS], "retained_after_mib"), r[THEIRS].get("method", r[OURS].get("method", "-"))]
            for r in rows]
    finish(args, "memory", rows, format_table(headers, body), monitor)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
