"""Start-up cost: from ``import minitorch_cv`` to the first step finished, in a fresh process.

The clock starts before the import, in a new Python process that imports the library, builds
the model (and, for training, CrossEntropyLoss and SGD with momentum 0.9) and runs one step:

- ``cifar10cnn``: a CIFAR10CNN training step at batch 64;
- ``resnet50``: issue 14's ResNet-50 workload, one inference batch (eval, no_grad, batch 8,
  224x224) of vision.models.resnet50 (torchvision's for torch).

Each runs twice: the first run fills numba's on-disk cache if it is cold, the second is the
figure reported (a warm cache, as every run after the first one sees). The same is measured for
torch, for comparison. The target for minitorch_cv is under 3 seconds.

    python benchmarks/bench_startup.py                       # both models
    python benchmarks/bench_startup.py --models resnet50
"""
import argparse
import ast
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TARGET_SECONDS = 3.0

# Run with ``python -c``; {library}, {build} and {step} are filled in per backend and model.
PROGRAM = """
import time
start = time.perf_counter()
import {library} as lib
imported = time.perf_counter()
import numpy as np
rng = np.random.default_rng(0)
{build}
built = time.perf_counter()
{step}
done = time.perf_counter()
print({{"import_s": imported - start, "build_s": built - imported, "first_step_s": done - built,
       "total_s": done - start}})
"""
TRAIN_CIFAR10CNN = ("""from {models} import CIFAR10CNN
model = CIFAR10CNN()
criterion = lib.nn.CrossEntropyLoss()
optimizer = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
x = lib.from_numpy(rng.standard_normal((64, 3, 32, 32), dtype=np.float32))
y = lib.from_numpy(rng.integers(0, 10, size=64, dtype=np.int64))""", """optimizer.zero_grad()
criterion(model(x), y).backward()
optimizer.step()""")
INFER_RESNET50 = ("""from {models} import resnet50
model = resnet50().eval()
x = lib.from_numpy(rng.standard_normal((8, 3, 224, 224), dtype=np.float32))""", """with lib.no_grad():
    model(x)""")
# model: (description, (build, step), where each backend's model class lives)
MODELS = {"cifar10cnn": ("CIFAR10CNN training step, batch 64", TRAIN_CIFAR10CNN,
                         {"minitorch_cv": "minitorch_cv.models", "torch": "reference.models"}),
          "resnet50": ("ResNet-50 inference, batch 8, 224x224", INFER_RESNET50,
                       {"minitorch_cv": "minitorch_cv.vision.models", "torch": "torchvision.models"})}


def time_startup(name, model):
    """Run the program in a fresh process; the dict of phase timings, or an error."""
    _, (build, step), modules = MODELS[model]
    program = PROGRAM.format(library=name, build=build.format(models=modules[name]), step=step)
    done = subprocess.run([sys.executable, "-c", program], cwd=os.path.dirname(HERE),
                          capture_output=True, text=True)
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines() or ["no output"]
        return {"error": f"exited with {done.returncode}: {lines[-1]}"}
    return ast.literal_eval(done.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", metavar="PATH", help="write the results here (default: print them)")
    parser.add_argument("--models", default=",".join(MODELS), help=f"comma-separated among {list(MODELS)} "
                                                                    f"(default all)")
    parser.add_argument("--quick", action="store_true", help="accepted for symmetry; the run is already short")
    args = parser.parse_args(argv)
    models = [m.strip() for m in args.models.split(",")]
    if any(m not in MODELS for m in models):
        parser.error(f"unknown model in {models}; choose among {list(MODELS)}")
    from common import BACKEND_NAMES, OURS, CpuLoadMonitor, finish, format_table

    rows = []
    with CpuLoadMonitor() as monitor:
        for model in models:
            print(f"Start-up: fresh process, import to first step finished ({MODELS[model][0]})")
            for name in BACKEND_NAMES:
                first, second = time_startup(name, model), time_startup(name, model)
                rows.append({"case": f"{name} {model} start-up", "backend": name, "model": model,
                             "step": MODELS[model][0], "first_run": first, "warm_cache": second})
                print(f"  {name}: first run {first.get('total_s', 'error')}, "
                      f"second run {second.get('total_s', 'error')}", flush=True)
    warm = {r["model"]: r["warm_cache"].get("total_s") for r in rows if r["backend"] == OURS}
    verdict = {"target_s": TARGET_SECONDS, "minitorch_cv_warm_s": warm,
               "met": {m: None if s is None else s < TARGET_SECONDS for m, s in warm.items()}}

    def seconds(stats, key):
        return f"{stats[key]:.2f}" if key in stats else "error"

    headers = ["model", "backend", "run", "import s", "build s", "first step s", "total s"]
    body = [[r["model"], r["backend"], run,
             *(seconds(r[key], k) for k in ("import_s", "build_s", "first_step_s", "total_s"))]
            for r in rows for run, key in (("first", "first_run"), ("second (reported)", "warm_cache"))]
    table = format_table(headers, body)
    for model, met in verdict["met"].items():
        shown = "error" if warm[model] is None else f"{warm[model]:.2f}"
        table += (f"\nminitorch_cv {model}, warm cache: {shown} s "
                  f"(target < {TARGET_SECONDS:.0f} s: {'met' if met else 'NOT met'})")
    finish(args, "startup", rows, table, monitor, extra={"target": verdict})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
