"""Run every benchmark under both BLAS settings; write the JSON files and RESULTS.md.

NumPy's OpenBLAS picks its kernel from the CPU unless ``OPENBLAS_CORETYPE`` says otherwise.
The project environment sets ``OPENBLAS_CORETYPE=Haswell`` and ``OPENBLAS_L2_SIZE=512``,
which hold it to an AVX2 kernel about half as fast as an AVX-512 CPU allows. Each setting runs
every benchmark in fresh processes with its own environment:

- ``haswell``: the project environment's values, set explicitly (so the figure is reproducible);
- ``native``:  both variables removed (OpenBLAS picks the CPU's own kernel, AVX-512 here);
- ``as-is``:   the environment this runner was started with, unchanged.

Results go to ``benchmarks/results/SETTING/NAME.json`` (and ``NAME.log``, the printed output);
with ``--runs N`` above 1, to ``SETTING/runK/NAME.json`` for K = 1..N, the runs taking turns
(run 1 of every setting, then run 2, ...) so a drift of the machine spreads over all of them.
``benchmarks/results/RESULTS.md`` gathers them with the targets: each figure is the median of
the runs with their range (min-max) beside it. Every report names the BLAS kernel actually in use.

    python benchmarks/run_all.py                  # haswell and native, full epochs
    python benchmarks/run_all.py --quick          # a few minutes; less precise
    python benchmarks/run_all.py --settings native --skip-epoch --skip-data
    python benchmarks/run_all.py --wait-quiet 600   # on a shared machine: start each benchmark when it is idle

Issue 14's recorded run (three runs, both settings, 2 threads; see README)::

    python benchmarks/run_all.py --runs 3 --threads 2 --skip-data --only issue14
"""
import argparse
import os
import subprocess
import sys
import time

from cpuload import wait_for_quiet

HERE = os.path.dirname(os.path.abspath(__file__))
BLAS_VARIABLES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
PROJECT_BLAS = {"OPENBLAS_CORETYPE": "Haswell", "OPENBLAS_L2_SIZE": "512"}
SETTINGS = ("haswell", "native", "as-is")


def environment(setting):
    """The environment a setting runs the benchmarks with."""
    env = dict(os.environ)
    if setting == "haswell":
        env.update(PROJECT_BLAS)
    elif setting == "native":
        for name in BLAS_VARIABLES:
            env.pop(name, None)
    return env


# the benchmarks issue 14's targets read (``--only issue14``)
ISSUE14 = ("train_step", "resnet", "memory", "memory_resnet20", "memory_resnet18", "startup", "epoch_resnet20")


def benchmark_commands(args):
    """(name, script arguments) of each benchmark chosen, in the order they run."""
    quick = ["--quick"] if args.quick else []
    threads = ["--threads", args.threads]
    counts = args.threads.split(",")  # memory and epochs run at the largest count; their default is all cores
    most_threads = [] if "all" in counts else ["--threads", str(max(int(n) for n in counts))]
    epoch_options = ["--data-dir", args.data_dir, *most_threads, *quick]
    epoch_options += ["--limit-train", str(args.epoch_limit_train)] if args.epoch_limit_train else []
    epoch_options += ["--limit-test", str(args.epoch_limit_test)] if args.epoch_limit_test else []
    commands = [("layers", ["bench_layers.py", *threads, *quick]),
                ("train_step", ["bench_step.py", *threads, *quick]),
                ("inference", ["bench_inference.py", *threads, *quick]),
                ("resnet", ["bench_resnet.py", *threads, *quick]),
                ("memory", ["bench_memory.py", *most_threads, *quick]),
                ("memory_resnet20", ["bench_memory.py", "--model", "resnet20", "--batches", "128",
                                     *most_threads, *quick]),
                ("memory_resnet18", ["bench_memory.py", "--model", "resnet18", "--batches", "128",
                                     *most_threads, *quick]),
                ("startup", ["bench_startup.py"])]
    if not args.skip_data:
        commands.append(("data_pipeline", ["bench_data.py", "--data-dir", args.data_dir, *quick]))
    if not args.skip_epoch:
        commands.append(("epoch", ["bench_epoch.py", *epoch_options]))
        commands.append(("epoch_resnet20", ["bench_epoch.py", "--model", "resnet20", *epoch_options]))
    if args.only:
        chosen = set(args.only)
        return [(name, command) for name, command in commands if name in chosen]
    return commands


def only_list(text):
    """``--only`` names: benchmarks, or ``issue14`` for those issue 14's targets read."""
    names = []
    for part in text.split(","):
        names += list(ISSUE14) if part.strip() == "issue14" else [part.strip()]
    return names


def clear_results(out_dir):
    """An empty results folder for a setting (run subfolders included), so no figure of an
    earlier run mixes with this one."""
    os.makedirs(out_dir, exist_ok=True)
    for entry in os.listdir(out_dir):
        path = os.path.join(out_dir, entry)
        if entry.endswith((".json", ".log")):
            os.remove(path)
        elif os.path.isdir(path) and entry.startswith("run"):
            clear_results(path)
            os.rmdir(path)


def run_one(setting, label, name, script_args, out_dir):
    """Run one benchmark in a fresh process under ``setting``'s environment, echoing and logging
    its output under ``label``; True if it succeeded."""
    json_path = os.path.join(out_dir, f"{name}.json")
    command = [sys.executable, os.path.join(HERE, script_args[0]), *script_args[1:], "--json", json_path]
    print(f"\n=== [{label}] {name}: {' '.join(script_args)}", flush=True)
    start = time.perf_counter()
    with open(os.path.join(out_dir, f"{name}.log"), "w") as log:
        process = subprocess.Popen(command, env=environment(setting), stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True, cwd=os.path.dirname(HERE))
        for line in process.stdout:
            sys.stdout.write(line)
            log.write(line)
        process.wait()
    print(f"=== [{label}] {name}: exit {process.returncode} after {time.perf_counter() - start:.0f} s",
          flush=True)
    return process.returncode == 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--settings", default="haswell,native",
                        help=f"comma-separated BLAS settings among {SETTINGS} (default haswell,native)")
    parser.add_argument("--threads", default="1,all",
                        help="thread counts of the timing benchmarks (default 1,all)")
    parser.add_argument("--quick", action="store_true", help="every benchmark in its quick mode")
    parser.add_argument("--runs", type=int, default=1, metavar="N",
                        help="run every chosen benchmark N times per setting; RESULTS.md gives the median "
                             "and range (default 1)")
    parser.add_argument("--only", type=only_list, metavar="NAMES",
                        help="comma-separated benchmarks to run (layers, train_step, inference, resnet, memory, "
                             "memory_resnet20, memory_resnet18, startup, data_pipeline, epoch, epoch_resnet20); "
                             "issue14 = those issue 14's targets read")
    parser.add_argument("--skip-epoch", action="store_true",
                        help="leave out the CIFAR-10 epochs (CIFAR10CNN and ResNet-20)")
    parser.add_argument("--skip-data", action="store_true", help="leave out the data pipeline benchmark")
    parser.add_argument("--epoch-limit-train", type=int, metavar="N", help="epoch on the first N training images")
    parser.add_argument("--epoch-limit-test", type=int, metavar="N", help="evaluate on the first N test images")
    parser.add_argument("--data-dir", default=os.path.normpath(os.path.join(HERE, "..", "..", "shared", "data")),
                        help="folder holding cifar-10-batches-py (default ../shared/data)")
    parser.add_argument("--wait-quiet", type=float, default=0, metavar="SECONDS",
                        help="before each benchmark, wait up to this long for other processes to use "
                             "under 0.2 cores (default 0: start at once)")
    parser.add_argument("--out", default=os.path.join(HERE, "results"),
                        help="results folder (default benchmarks/results)")
    args = parser.parse_args(argv)
    settings = [s.strip() for s in args.settings.split(",")]
    unknown = [s for s in settings if s not in SETTINGS]
    if unknown:
        parser.error(f"unknown settings {unknown}; choose among {SETTINGS}")
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    commands = benchmark_commands(args)
    if not commands:
        parser.error(f"--only {','.join(args.only)} names no benchmark that runs here")
    started = time.perf_counter()
    failures = []
    for setting in settings:
        clear_results(os.path.join(args.out, setting))
    for run in range(1, args.runs + 1):
        for setting in settings:
            out_dir = os.path.join(args.out, setting, *([f"run{run}"] if args.runs > 1 else []))
            os.makedirs(out_dir, exist_ok=True)
            label = f"{setting} run {run}/{args.runs}" if args.runs > 1 else setting
            for name, script_args in commands:
                if args.wait_quiet:
                    load = wait_for_quiet(args.wait_quiet)
                    print(f"  other processes use {load:.2f} cores as {label}/{name} starts" if load is not None
                          else "  the machine's load is unknown (no /proc/stat)", flush=True)
                if not run_one(setting, label, name, script_args, out_dir):
                    failures.append(f"{label}/{name}")
    from report import write_results
    rerun = " ".join(["python benchmarks/run_all.py", *(sys.argv[1:] if argv is None else argv)])
    path = write_results(args.out, settings, rerun=rerun)
    print(f"\nAll done in {(time.perf_counter() - started) / 60:.1f} min; summary in {path}")
    if failures:
        print(f"Benchmarks that exited with an error: {', '.join(failures)} (see their .log files)")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
