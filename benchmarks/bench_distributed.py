"""Data-parallel training throughput on MPI: 1 and 2 ranks (1 thread each), scaling, allreduce share.

Each configuration is a fresh ``mpiexec -n R python -m mpi4py`` job of this script in worker
mode. A worker wraps the model in DistributedDataParallel, trains on a fixed random batch
(zero_grad, forward, cross-entropy, backward with the bucketed allreduce, SGD momentum 0.9),
times every step on rank 0 after untimed warm-up steps, and records the time each step spends
in the reducer's allreduce calls (starting them from the gradient hooks and waiting for them at
the end of backward), and the CPU time all ranks used per step (busy waiting in MPI included).
Each job also times a blocking allreduce of 1M float32. Reported:
images/s (global batch / median step), scaling = images/s at R ranks / images/s at 1 rank, and
efficiency = scaling / R, and CPU ms per image (all ranks): on a machine whose other processes
take cores, wall-clock scaling shows mostly their load, while CPU time per image shows what the
extra ranks cost in work. "weak": every rank keeps --batch images (global batch grows with R);
"strong": the global batch --batch is split over the ranks (train_cifar.py --distributed).

    python benchmarks/bench_distributed.py                         # CIFAR10CNN and ResNet-20 if present
    python benchmarks/bench_distributed.py --models cnn --scaling weak --steps 20 --json out.json
    python benchmarks/bench_distributed.py --backends numpy,torch --models cnn     # torch: DDP on gloo

Other processes' load on the machine is measured around every job (cpuload.py) and printed:
on a 2-core machine 2 ranks need both cores, so any other load lowers the 2-rank figure.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(BENCH_DIR)
sys.path[:0] = [REPO_ROOT, BENCH_DIR]

MODELS = {"cnn": "CIFAR10CNN", "resnet20": "ResNet-20"}


def build_model(name, backend="numpy"):
    import minitorch_cv.models as models
    if name == "cnn":
        if backend == "torch":
            from reference.models import CIFAR10CNN
            return CIFAR10CNN()
        return models.CIFAR10CNN()
    if backend == "torch":
        raise LookupError("ResNet-20 is timed on the numpy backend only")
    if not hasattr(models, "cifar_resnet20"):
        raise LookupError("minitorch_cv.models.cifar_resnet20 does not exist yet (issue 16, engineer optim)")
    return models.cifar_resnet20()


def init_group(backend):
    """minitorch_cv: MPI; torch: gloo, its rank and size from Open MPI's variables."""
    if backend == "numpy":
        import minitorch_cv as lib
        lib.distributed.init_process_group("mpi")
    else:
        import torch as lib
        os.environ.update(RANK=os.environ["OMPI_COMM_WORLD_RANK"], WORLD_SIZE=os.environ["OMPI_COMM_WORLD_SIZE"])
        os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
        lib.distributed.init_process_group("gloo")
    lib.set_num_threads(1)
    return lib


def time_reducer(model, in_allreduce):
    """Add the time spent in minitorch_cv's reducer's allreduce calls to ``in_allreduce[0]``."""
    for method in ("_start", "_finish"):
        original = getattr(model.reducer, method)

        def timed(*a, _original=original):
            tick = time.perf_counter()
            try:
                return _original(*a)
            finally:
                in_allreduce[0] += time.perf_counter() - tick

        setattr(model.reducer, method, timed)


def worker(args):
    import numpy as np

    torch = init_group(args.backend)
    dist, nn, optim = torch.distributed, torch.nn, torch.optim
    rank, world = dist.get_rank(), dist.get_world_size()
    batch = args.batch if args.scaling == "weak" else args.batch // world
    model = nn.parallel.DistributedDataParallel(build_model(args.model, args.backend))
    in_allreduce = [0.0]
    if args.backend == "numpy":
        time_reducer(model, in_allreduce)
    rng = np.random.default_rng(rank)
    images = torch.from_numpy(rng.standard_normal((batch, 3, 32, 32), dtype=np.float32))
    labels = torch.from_numpy(rng.integers(0, 10, batch))
    criterion, optimizer = nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

    def step():
        optimizer.zero_grad()
        criterion(model(images), labels).backward()
        optimizer.step()

    for _ in range(args.warmup):
        step()
    dist.barrier()
    step_s, comm_s = [], []
    cpu_start = time.process_time()
    for _ in range(args.steps):
        in_allreduce[0] = 0.0
        tick = time.perf_counter()
        step()
        step_s.append(time.perf_counter() - tick)
        comm_s.append(in_allreduce[0])
    cpu_per_step = np.array([(time.process_time() - cpu_start) / args.steps])
    dist.all_reduce(torch.from_numpy(cpu_per_step))       # summed over the ranks
    big = np.ones(1 << 20, dtype=np.float32)
    allreduce_s = []
    for _ in range(20):
        dist.barrier()
        tick = time.perf_counter()
        dist.all_reduce(torch.from_numpy(big))
        allreduce_s.append(time.perf_counter() - tick)
    if rank == 0:
        median = statistics.median(step_s)
        print("RESULT " + json.dumps({
            "ranks": world, "batch_per_rank": batch, "global_batch": batch * world,
            "step_ms": 1e3 * median, "step_ms_quartiles": [1e3 * q for q in statistics.quantiles(step_s, n=4)],
            "allreduce_ms_per_step": 1e3 * statistics.median(comm_s) if args.backend == "numpy" else None,
            "allreduce_share": statistics.median(comm_s) / median if args.backend == "numpy" else None,
            "images_per_s": batch * world / median,
            "cpu_ms_per_image": 1e3 * float(cpu_per_step[0]) / (batch * world),
            "buckets": len(model.reducer.buckets) if args.backend == "numpy" else None,
            "parameters": sum(p.numel() for p in model.parameters()),
            "allreduce_1M_float32_ms": 1e3 * statistics.median(allreduce_s)}), flush=True)
    dist.destroy_process_group()


def launch(args, model, ranks, scaling, backend):
    from cpuload import CpuLoadMonitor, wait_for_quiet

    try:
        build_model(model, backend)
    except LookupError as error:
        return {"error": f"pending: {error}"}
    if args.wait_quiet:
        wait_for_quiet(args.wait_quiet)

    launcher = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    command = [launcher if os.path.exists(launcher) else "mpiexec", "-n", str(ranks), "--oversubscribe",
               "--bind-to", "none", sys.executable, "-m", "mpi4py", os.path.abspath(__file__), "--worker",
               "--model", model, "--scaling", scaling, "--batch", str(args.batch), "--steps", str(args.steps),
               "--warmup", str(args.warmup), "--backends", backend]
    env = dict(os.environ, MASTER_PORT=str(free_port()), OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMP_NUM_THREADS="1",
               NUMBA_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    with CpuLoadMonitor() as monitor:
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=900)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": f"exit {done.returncode}: {tail}"}
    return {**json.loads(lines[-1][len("RESULT "):]), "other_load_cores": monitor.other_cores()}


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", default="cnn,resnet20", help="comma-separated: cnn, resnet20")
    parser.add_argument("--ranks", default="1,2", help="comma-separated rank counts (default 1,2)")
    parser.add_argument("--backends", default="numpy", help="numpy (minitorch_cv on MPI), torch (gloo) or both")
    parser.add_argument("--scaling", default="weak,strong", help="weak, strong or both (default both)")
    parser.add_argument("--batch", type=int, default=64, help="images per rank (weak) or in all (strong); 64")
    parser.add_argument("--steps", type=int, default=30, help="timed steps per job (default 30)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps first (default 3)")
    parser.add_argument("--wait-quiet", type=float, default=0, metavar="SECONDS",
                        help="before each job wait up to this long for other processes to go quiet")
    parser.add_argument("--json", metavar="PATH", help="write the results here")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--model", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        args.backend = args.backends
        return worker(args)
    from machine import describe_machine

    rows = []
    for backend in args.backends.split(","):
        for model in args.models.split(","):
            for scaling in args.scaling.split(","):
                single = None
                for ranks in [int(r) for r in args.ranks.split(",")]:
                    result = launch(args, model, ranks, scaling, backend)
                    row = {"backend": backend, "model": MODELS[model], "scaling": scaling, **result}
                    if "error" not in result:
                        single = result["images_per_s"] if ranks == 1 else single
                        if single:
                            row["speedup"] = result["images_per_s"] / single
                            row["efficiency"] = row["speedup"] / ranks
                    rows.append(row)
                    print(format_row(row), flush=True)
    report = {"benchmark": "distributed", "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
              "machine": describe_machine(), "options": vars(args), "rows": rows}
    if args.json:
        with open(args.json + ".tmp", "w") as f:
            json.dump(report, f, indent=1)
        os.replace(args.json + ".tmp", args.json)
    return 0


def format_row(row):
    head = f"{row['backend']:>5} {row['model']:>10} {row['scaling']:>6}"
    if "error" in row:
        return f"{head}: {row['error']}"
    speedup = f" {row['speedup']:.2f}x (efficiency {row['efficiency']:.0%})" if "speedup" in row else ""
    share = "" if row["allreduce_share"] is None else (
        f"; allreduce {row['allreduce_ms_per_step']:.2f} ms/step ({row['allreduce_share']:.1%}), {row['buckets']} buckets")
    return (f"{head} {row['ranks']} rank(s), batch {row['batch_per_rank']}/rank: step {row['step_ms']:.1f} ms, "
            f"{row['images_per_s']:.0f} img/s{speedup}, {row['cpu_ms_per_image']:.2f} CPU ms/image{share}; 1M float32 allreduce "
            f"{row['allreduce_1M_float32_ms']:.2f} ms; other load {row['other_load_cores']:.2f} cores")


if __name__ == "__main__":
    sys.exit(main())
