"""Run every benchmark under both BLAS settings; write the JSON files and RESULTS.md.

NumPy's OpenBLAS picks its kernel from the CPU unless ``OPENBLAS_CORETYPE`` says otherwise.
The project environment sets ``OPENBLAS_CORETYPE=Haswell`` and ``OPENBLAS_L2_SIZE=512``,
which hold it to an AVX2 kernel about half as fast as an AVX-512 CPU allows. Each setting runs
every benchmark in fresh processes with its own environment:

- ``haswell``: the project environment's values, set explicitly (so the figure is reproducible);
- ``native``:  both variables removed (OpenBLAS picks the CPU's own kernel, AVX-512 here);
- ``as-is``:   the environment this runner was started with, unchanged.

Results go to ``benchmarks/results/SETTING/NAME.json`` (and ``NAME.log``, the printed output);
``benchmarks/results/RESULTS.md`` gathers them with the targets. Every report names the BLAS
kernel actually in use.

    python benchmarks/run_all.py                  # haswell and native, full epoch (~15 min on 2 cores)
    python benchmarks/run_all.py --quick          # a few minutes; less precise
    python benchmarks/run_all.py --settings native --skip-epoch --skip-data
    python benchmarks/run_all.py --wait-quiet 600   # on a shared machine: start each benchmark when it is idle
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


def benchmark_commands(args):
    """(name, script arguments) of each benchmark, in the order they run."""
    quick = ["--quick"] if args.quick else []
    threads = ["--threads", args.threads]
    commands = [("layers", ["bench_layers.py", *threads, *quick]),
                ("train_step", ["bench_step.py", *threads, *quick]),
                ("inference", ["bench_inference.py", *threads, *quick]),
                ("memory", ["bench_memory.py", *quick]),
                ("startup", ["bench_startup.py"])]
    if not args.skip_data:
        commands.append(("data_pipeline", ["bench_data.py", "--data-dir", args.data_dir, *quick]))
    if not args.skip_epoch:
        epoch = ["bench_epoch.py", "--data-dir", args.data_dir, *quick]
        epoch += ["--limit-train", str(args.epoch_limit_train)] if args.epoch_limit_train else []
        epoch += ["--limit-test", str(args.epoch_limit_test)] if args.epoch_limit_test else []
        commands.append(("epoch", epoch))
    return commands


def clear_results(out_dir):
    """An empty results folder for a setting, so no figure of an earlier run mixes with this one."""
    os.makedirs(out_dir, exist_ok=True)
    for file in os.listdir(out_dir):
        if file.endswith((".json", ".log")):
            os.remove(os.path.join(out_dir, file))


def run_one(setting, name, script_args, out_dir):
    """Run one benchmark in a fresh process, echoing and logging its output; True if it succeeded."""
    json_path = os.path.join(out_dir, f"{name}.json")
    command = [sys.executable, os.path.join(HERE, script_args[0]), *script_args[1:], "--json", json_path]
    print(f"\n=== [{setting}] {name}: {' '.join(script_args)}", flush=True)
    start = time.perf_counter()
    with open(os.path.join(out_dir, f"{name}.log"), "w") as log:
        process = subprocess.Popen(command, env=environment(setting), stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True, cwd=os.path.dirname(HERE))
        for line in process.stdout:
            sys.stdout.write(line)
            log.write(line)
        process.wait()
    print(f"=== [{setting}] {name}: exit {process.returncode} after {time.perf_counter() - start:.0f} s",
          flush=True)
    return process.returncode == 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--settings", default="haswell,native",
                        help=f"comma-separated BLAS settings among {SETTINGS} (default haswell,native)")
    parser.add_argument("--threads", default="1,all",
                        help="thread counts of the timing benchmarks (default 1,all)")
    parser.add_argument("--quick", action="store_true", help="every benchmark in its quick mode")
    parser.add_argument("--skip-epoch", action="store_true", help="leave out the CIFAR-10 epoch")
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
    started = time.perf_counter()
    failures = []
    for setting in settings:
        out_dir = os.path.join(args.out, setting)
        clear_results(out_dir)
        for name, script_args in benchmark_commands(args):
            if args.wait_quiet:
                load = wait_for_quiet(args.wait_quiet)
                print(f"  other processes use {load:.2f} cores as {setting}/{name} starts" if load is not None
                      else "  the machine's load is unknown (no /proc/stat)", flush=True)
            if not run_one(setting, name, script_args, out_dir):
                failures.append(f"{setting}/{name}")
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
