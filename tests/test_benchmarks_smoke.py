"""Keep the benchmark scripts from rotting: the layer benchmark in its quickest mode on a tiny batch.

It runs the real script in a fresh process (as a user would) and checks that every layer of
CIFAR10CNN and the loss got a forward and a backward timing from both backends. A backend
that fails on a layer fails this test, with the benchmark's own error message.
"""
import json
import os
import subprocess
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAYERS = ["model.0 Conv2d", "model.1 MaxPool2d", "model.2 Conv2d", "model.3 MaxPool2d", "model.4 Conv2d",
          "model.5 MaxPool2d", "model.6 Flatten", "model.7 Linear", "CrossEntropyLoss"]


def test_layer_benchmark_runs_and_reports_every_layer(tmp_path):
    out = tmp_path / "layers.json"
    command = [sys.executable, os.path.join(REPO_ROOT, "benchmarks", "bench_layers.py"), "--quick",
               "--batch", "2", "--threads", "1", "--repeats", "1", "--warmup", "1", "--min-sample", "0",
               "--json", str(out)]
    # a guard against a hang, not a timing: the run took 57 s in a fresh clone on a busy 2-core machine
    done = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"bench_layers.py failed:\n{done.stdout}\n{done.stderr}"
    report = json.loads(out.read_text())
    assert report["benchmark"] == "layers"
    assert report["machine"]["numpy_blas"]
    seen = [(row["layer"], row["direction"]) for row in report["rows"]]
    assert seen == [(layer, direction) for layer in LAYERS for direction in ("forward", "backward")]
    failures = [f"{row['case']}: {name}: {row[name]['error']}" for row in report["rows"]
                for name in ("minitorch_cv", "torch") if "error" in row[name]]
    assert not failures, "backends failed in the layer benchmark:\n" + "\n".join(failures)
    for row in report["rows"]:
        assert row["minitorch_cv"]["median_ms"] > 0 and row["torch"]["median_ms"] > 0, row["case"]
        assert row["ratio"] > 0, row["case"]
    assert "minitorch_cv ms" in done.stdout and "ratio" in done.stdout
